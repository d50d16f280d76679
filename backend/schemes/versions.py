"""Which version of a scheme is current, which engagements use which version, and how two
versions differ (issue 10: the scheme manager's screens).

Engagements keep the version they were planned with (``engagements.scheme_version_id``); the
current version is only what new plans start from.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.db import utcnow
from backend.engagements.models import Engagement
from backend.schemes import diff
from backend.schemes.models import CurrentSchemeVersion, SchemeVersion
from backend.schemes.services import IMPORTERS, READERS, _check, get_scheme_version
from backend.unit_of_work import flush_as_stored


def current_versions(session: Session, actor: Actor) -> Sequence[CurrentSchemeVersion]:
    _check(actor, READERS)
    return session.scalars(
        sa.select(CurrentSchemeVersion).order_by(CurrentSchemeVersion.scheme_id)
    ).all()


def make_current(
    session: Session, actor: Actor, scheme_version_id: uuid.UUID, *, ip: str | None = None
) -> CurrentSchemeVersion:
    """New engagements of this scheme start from this version; planned ones keep theirs."""
    _check(actor, IMPORTERS)
    row = get_scheme_version(session, None, scheme_version_id)
    current = session.get(CurrentSchemeVersion, row.scheme_id)
    previous = current.scheme_version_id if current is not None else None
    if previous == row.id and current is not None:
        return current
    if current is None:
        current = CurrentSchemeVersion(scheme_id=row.scheme_id, scheme_version_id=row.id)
        session.add(current)
    current.scheme_version_id = row.id
    current.set_by_id = actor.user.id
    current.set_at = utcnow()
    record(
        session,
        actor=actor,
        action="scheme.made_current",
        object_type="scheme_version",
        object_id=row.id,
        details={
            "scheme_id": row.scheme_id,
            "version": row.version,
            "previous_id": str(previous) if previous else None,
        },
        ip=ip,
    )
    flush_as_stored(session)
    return current


@dataclass(frozen=True, slots=True)
class Usage:
    scheme_version_id: uuid.UUID
    engagements: int


def usage(session: Session, actor: Actor) -> list[Usage]:
    """How many of my organisation's engagements are planned with each version."""
    _check(actor, READERS)
    rows = session.execute(
        sa.select(Engagement.scheme_version_id, sa.func.count())
        .where(Engagement.organisation_id == actor.user.organisation_id)
        .group_by(Engagement.scheme_version_id)
    ).all()
    return [Usage(version_id, int(count)) for version_id, count in rows]


@dataclass(frozen=True, slots=True)
class Comparison:
    old: SchemeVersion
    new: SchemeVersion
    changes: list[diff.Change]


def compare(session: Session, actor: Actor, old_id: uuid.UUID, new_id: uuid.UUID) -> Comparison:
    _check(actor, READERS)
    old = get_scheme_version(session, None, old_id)
    new = get_scheme_version(session, None, new_id)
    return Comparison(old, new, diff.diff_texts(old.source_text, new.source_text))
