"""The audit on site: management maturity ratings (Tengbiao §5.2, Annexes 2–4), clause conformity
judgements with the timing check tables (CQC §5.2.3, annex tables 1–3), offline-safe like visits."""
