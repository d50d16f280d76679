"""Web Push hears other features' events (their ``signals.py``) and tells the people concerned.

Connected when this module is imported (``backend/app.py`` does). The texts and who is told are
``backend.push.services``' notifiers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.engagements.models import Assignment
from backend.engagements.signals import assignment_created
from backend.evaluations.models import Evaluation
from backend.evaluations.signals import evaluation_returned, evaluation_submitted
from backend.push import services


@assignment_created.connect
def assignment_created_to_shopper(sender: Assignment, *, session: Session, **_: Any) -> None:
    services.notify_assignment_created(session, sender)


@evaluation_submitted.connect
def evaluation_submitted_to_leaders(sender: Evaluation, *, session: Session, **_: Any) -> None:
    services.notify_evaluation_submitted(session, sender)


@evaluation_returned.connect
def evaluation_returned_to_evaluator(sender: Evaluation, *, session: Session, **_: Any) -> None:
    services.notify_evaluation_returned(session, sender)
