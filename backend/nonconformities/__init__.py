"""Nonconformities (不符合项, CQC rule §5.2.3.1, §7.4 b): opened, answered, verified, closed.

``models`` (the records), ``services`` (open, answer, verify, read), ``deadlines`` (the scheme's
rectification rule through ``backend.lifecycle``), ``overdue`` (the consequences of a missed
latest deadline and the reminders before it), ``routes`` and ``schemas`` (the API), ``cli``
(``fieldcert nonconformities overdue|remind``).
"""
