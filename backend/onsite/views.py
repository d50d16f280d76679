"""What the API answers for an on-site record: its state, content, history and what it scores.

``computed`` is the scoring core's own answer for this record alone (``fieldcert score``'s
shapes): the running management total and level, provisional while clauses are unrated (Annex 3);
the chapter means and final score (§5.2.3.2); each timing row's difference, limit and result and
the judgement the rows suggest (annex tables 1–3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.engagements.models import Engagement
from backend.evaluations.content import load_scheme_version
from backend.onsite.models import OnsiteAuditEvent, OnsiteAuditRecord, OnsiteAuditVersion
from backend.scoring import Scheme, parse_input, result_json, score


def record_input(kind: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """One record's content as ``fieldcert score`` input (rated clauses, judged clauses, rows)."""
    if kind == "management":
        return {
            "management": {
                code: entry["level"]
                for code, entry in (content.get("clauses") or {}).items()
                if entry.get("level") is not None
            }
        }
    return {
        "conformity": {
            code: conformity_entry(entry)
            for code, entry in (content.get("clauses") or {}).items()
            if entry.get("judgement") is not None
        },
        "timing": [timing_entry(row) for row in content.get("timing") or []],
    }


def conformity_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"judgement": entry["judgement"]}
    if entry.get("rectified"):
        out["rectified"] = True
    for key in ("suggestion", "reason"):
        if entry.get(key):
            out[key] = entry[key]
    return out


def timing_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {"clause": row["clause"], "received": row["received"], "sent": row["sent"]}
    if row.get("item"):
        out["item"] = row["item"]
    return out


def computed(scheme: Scheme, kind: str, content: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "pair_rating":
        return {}
    result = result_json(score(scheme, parse_input(record_input(kind, content), scheme)))
    if kind == "management":
        return {"management": result.get("management")}
    return {
        "conformity": result.get("conformity"),
        "timing": result.get("timing"),
        "timing_suggestions": result.get("timing_suggestions"),
    }


def build_view(
    session: Session, onsite: OnsiteAuditRecord, scheme: Scheme | None = None
) -> dict[str, Any]:
    if scheme is None:
        engagement = session.get_one(Engagement, onsite.engagement_id)
        scheme = load_scheme_version(session, engagement.scheme_version_id)
    current = session.scalars(
        sa.select(OnsiteAuditVersion).where(
            OnsiteAuditVersion.record_id == onsite.id,
            OnsiteAuditVersion.number == onsite.version,
        )
    ).one()
    events = session.scalars(
        sa.select(OnsiteAuditEvent)
        .where(OnsiteAuditEvent.record_id == onsite.id)
        .order_by(OnsiteAuditEvent.id)
    ).all()
    return {
        "id": onsite.id,
        "engagement_id": onsite.engagement_id,
        "kind": onsite.kind.value,
        "status": onsite.status.value,
        "status_reason": onsite.status_reason,
        "version": onsite.version,
        "auditor_id": onsite.auditor_id,
        "content": current.content,
        "content_hash": current.content_hash,
        "nonconforming_clauses": list(onsite.nonconforming_clauses or []),
        "created_at": onsite.created_at,
        "updated_at": onsite.updated_at,
        "accepted_at": onsite.accepted_at,
        "history": [
            {
                "from_status": e.from_status.value if e.from_status else None,
                "to_status": e.to_status.value,
                "version": e.version,
                "comment": e.comment,
                "actor_id": e.actor_id,
                "at": e.at,
            }
            for e in events
        ],
        "computed": computed(scheme, onsite.kind.value, current.content),
    }
