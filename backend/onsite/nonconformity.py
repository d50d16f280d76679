"""The one place a clause judged 不符合 opens its nonconformity (CQC §5.2.3.1).

When the team leader accepts a conformity record, each clause it judges 不符合 opens a
nonconformity in the nonconformities feature (its deadlines and rectification, issue 12) with the
clause, the finding and its evidence; ``source_ref`` names the record, its version and the clause,
so accepting again never opens a second one. The accepted record also lists those clauses
(``nonconforming_clauses``) and the audit log says which nonconformity each opened.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.nonconformities.services import open_nonconformity
from backend.onsite.models import OnsiteAuditRecord
from backend.scoring import Scheme


def open_nonconformities(
    session: Session,
    actor: Actor,
    onsite: OnsiteAuditRecord,
    content: Mapping[str, Any],
    scheme: Scheme,
    ip: str | None,
) -> list[str]:
    """Open a nonconformity for each clause the accepted content judges 不符合; the clauses."""
    model = scheme.conformity
    if model is None:
        return []
    opened: list[str] = []
    for code, entry in (content.get("clauses") or {}).items():
        judgement = entry.get("judgement")
        if judgement is None or not model.judgements[judgement].opens_nonconformity:
            continue
        opened.append(code)
        source_ref = f"{onsite.id}:v{onsite.version}:{code}"
        nonconformity = open_nonconformity(
            session,
            actor,
            onsite.engagement_id,
            clause=code,
            finding=str(entry.get("finding") or ""),
            evidence_ids=[uuid.UUID(e) for e in entry.get("evidence") or []],
            source="conformity",
            source_ref=source_ref,
        )
        record(
            session,
            actor=actor,
            action="onsite.nonconformity_opened",
            object_type="onsite_audit_record",
            object_id=onsite.id,
            details={
                "engagement_id": str(onsite.engagement_id),
                "clause": code,
                "finding": entry.get("finding"),
                "evidence_ids": list(entry.get("evidence") or []),
                "source": "conformity",
                "source_ref": source_ref,
                "nonconformity_id": str(nonconformity.id),
            },
            ip=ip,
        )
    onsite.nonconforming_clauses = opened
    return opened
