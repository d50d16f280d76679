"""The accepted on-site records of an engagement as ``fieldcert score`` input sections.

Only records the team leader accepted count (like visits, §5.1.2 reading). Several accepted
records of one kind merge clause by clause, the latest accepted winning (two auditors may split
the clauses between them); timing rows of all accepted conformity records are pooled.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.onsite.models import (
    OnsiteAuditRecord,
    OnsiteAuditVersion,
    RecordKind,
    RecordStatus,
)
from backend.onsite.views import conformity_entry, timing_entry

#: The sections of ``fieldcert score`` input that on-site records give.
ON_SITE_SECTIONS = ("management", "conformity", "timing")


def accepted_sections(session: Session, engagement_id: uuid.UUID) -> dict[str, Any]:
    """``management``, ``conformity`` and ``timing`` of the accepted records (present only when an
    accepted record of that kind exists), and ``records``: the ids and versions they came from."""
    rows = session.execute(
        sa.select(OnsiteAuditRecord, OnsiteAuditVersion)
        .join(
            OnsiteAuditVersion,
            sa.and_(
                OnsiteAuditVersion.record_id == OnsiteAuditRecord.id,
                OnsiteAuditVersion.number == OnsiteAuditRecord.version,
            ),
        )
        .where(
            OnsiteAuditRecord.engagement_id == engagement_id,
            OnsiteAuditRecord.status == RecordStatus.ACCEPTED,
        )
        .order_by(OnsiteAuditRecord.accepted_at, OnsiteAuditRecord.id)
    ).all()
    out: dict[str, Any] = {}
    used: list[dict[str, Any]] = []
    for onsite, version in rows:
        used.append({"id": str(onsite.id), "kind": onsite.kind.value, "version": version.number})
        clauses = version.content.get("clauses") or {}
        if onsite.kind is RecordKind.MANAGEMENT:
            section = out.setdefault("management", {})
            for code, entry in clauses.items():
                if entry.get("level") is not None:
                    section[code] = entry["level"]
        else:
            section = out.setdefault("conformity", {})
            for code, entry in clauses.items():
                if entry.get("judgement") is not None:
                    section[code] = conformity_entry(entry)
            out.setdefault("timing", []).extend(
                timing_entry(row) for row in version.content.get("timing") or []
            )
    out["records"] = used
    return out


def exemptions(session: Session, engagement_id: uuid.UUID) -> list[dict[str, Any]]:
    """The §5.2.2 ISO 9001 partial exemptions recorded in accepted management records."""
    rows = session.execute(
        sa.select(OnsiteAuditRecord.id, OnsiteAuditVersion.content)
        .join(
            OnsiteAuditVersion,
            sa.and_(
                OnsiteAuditVersion.record_id == OnsiteAuditRecord.id,
                OnsiteAuditVersion.number == OnsiteAuditRecord.version,
            ),
        )
        .where(
            OnsiteAuditRecord.engagement_id == engagement_id,
            OnsiteAuditRecord.status == RecordStatus.ACCEPTED,
            OnsiteAuditRecord.kind == RecordKind.MANAGEMENT,
        )
    ).all()
    return [
        {"record_id": str(record_id), **content["exemption"]}
        for record_id, content in rows
        if content.get("exemption")
    ]
