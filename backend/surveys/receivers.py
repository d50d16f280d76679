"""The surveys feature answers other features' questions (their ``signals.py``).

Connected when this module is imported (``backend/app.py`` does).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from backend.evaluations.scores import Measurement
from backend.evaluations.signals import measurements_wanted
from backend.surveys.analysis import counted_evaluations


@measurements_wanted.connect
def counted_survey_answers(
    sender: uuid.UUID, *, session: Session, **_: Any
) -> Sequence[Measurement]:
    """Counted customer answers are measurements of mode E in the engagement's scores (§5.1.2)."""
    return counted_evaluations(session, sender)
