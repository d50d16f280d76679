"""The on-site feature's answers to other features' questions (backend/evaluations/signals.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from backend.evaluations.ratings import scoring_ratings
from backend.evaluations.scores import Measurement
from backend.evaluations.signals import measurements_wanted
from backend.onsite.pairs import reconciled_ratings


@measurements_wanted.connect
def reconciled_pair_evaluations(
    sender: uuid.UUID, *, session: Session, **_: Any
) -> Sequence[Measurement]:
    """Each reconciled two-rater evaluation is one person in the service score (§5.1.2, seed
    003); the two raters' own ratings never count."""
    return [
        Measurement(
            id=str(pair.id),
            site_id=pair.site_id,
            mode=pair.mode,
            ratings=scoring_ratings(
                {code: entry["rating"] for code, entry in (pair.reconciliation or {}).items()}
            ),
            source="reconciled_pair",
        )
        for pair in reconciled_ratings(session, sender)
    ]
