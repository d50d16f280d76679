"""Preview a timing CSV for an engagement (its pinned scheme's tables); nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.access import Need, require
from backend.evaluations.content import load_scheme_version
from backend.onsite.timing_csv import preview


def preview_timing_import(
    session: Session, actor: Actor, engagement_id: uuid.UUID, text: str, clause: str | None
) -> dict[str, Any]:
    """The audit team sees which rows the export gives and which it refuses, and why."""
    engagement = require(session, actor, engagement_id, Need.TEAM_WORK).engagement
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    result = preview(scheme, text, clause)
    return {"rows": result.rows, "refused": result.refused, "columns": result.columns}
