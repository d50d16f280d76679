"""What happens to evaluations (visits) that other features hear about, and the question the
scores ask other features.

Declared here, heard where each receiver lives (``@signal.connect``; ``backend/app.py`` imports
the receiving modules). Each docstring names every receiver, so this file answers "who is told
when a visit is submitted" (``tests/architecture/test_signals.py`` checks the lists).

The events are sent with ``backend.unit_of_work.send_at_commit``: receivers run in the change's
transaction just before its commit, get the evaluation as sender and ``session=``; what they
write (a push owed, ``backend/jobs/outbox.py``) commits with the change, and a receiver that
fails is logged, its writes are undone, and the change stands.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

evaluation_submitted = _signals.signal(
    "evaluation-submitted",
    doc="""A visit waits for review: created as submitted, or a draft or returned visit
    submitted (an edit with ``submit``). At commit.

    Receivers:
    - backend.push.receivers.evaluation_submitted_to_leaders
    """,
)

evaluation_returned = _signals.signal(
    "evaluation-returned",
    doc="""A reviewer returned a visit to its evaluator for changes. At commit.

    Receivers:
    - backend.push.receivers.evaluation_returned_to_evaluator
    """,
)

measurements_wanted = _signals.signal(
    "measurements-wanted",
    doc="""A question, sent directly by the scores (``backend.evaluations.scores``): which
    other people's measurements count for this engagement's service score (§5.1.2: each one is
    one more person in the mean)? Sender: the engagement's id; ``session=``. Each receiver
    returns a sequence of ``scores.Measurement``.

    Receivers:
    - backend.surveys.receivers.counted_survey_answers
    - backend.onsite.receivers.reconciled_pair_evaluations
    """,
)
