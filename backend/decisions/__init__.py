"""Review and certification decision of an engagement (CQC rule §6).

The audit team's on-site record (management ratings, clause judgements, timing checks) joins the
accepted evaluations in one file; an independent reviewer confirms each line of the file's
checklist (§6.1); an independent decision maker approves or refuses with reasons (§6.2), and the
grade is the scheme's decision row the scoring core picks (§5.3). Who may review or decide is the
engagement access table's ``Need.REVIEW`` / ``Need.DECIDE``.
"""
