"""What happens to engagements and their assignments that other features hear about.

Declared here, heard where each receiver lives (``@signal.connect``; ``backend/app.py`` imports
the receiving modules). Each docstring names every receiver (``tests/architecture/
test_signals.py`` checks the lists). Sent with ``backend.unit_of_work.send_at_commit``: the
receivers run in the change's transaction just before its commit, with ``session=``, so what
they write (a push owed, ``backend/jobs/outbox.py``) commits with the change; one that fails is
logged, its writes are undone, and the change stands.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

assignment_created = _signals.signal(
    "assignment-created",
    doc="""A team leader assigned a visit to a shopper. Sender: the Assignment. At commit.

    Receivers:
    - backend.push.receivers.assignment_created_to_shopper
    """,
)
