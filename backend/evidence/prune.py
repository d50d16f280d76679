"""Housekeeping of the evidence storage: stored objects no record refers to, and what writes
cut off by a crash left behind (``fieldcert evidence prune-orphans``, docs/evidence.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.evidence.models import Evidence
from backend.evidence.storage import Storage

#: Where stored objects live; every key under these belongs to some evidence record.
_STORED_FOLDERS: Final = ("originals/", "display/", "thumbnails/")


@dataclass(frozen=True, slots=True)
class PruneReport:
    examined: int
    #: Objects no record referred to, older than the grace period.
    orphans: list[str]
    #: Those deleted (none in a dry run; one a new record claimed meanwhile is kept).
    deleted: list[str]
    #: Unfinished writes older than the grace period (a crash mid-upload): their names.
    leftovers: list[str] = field(default_factory=list)
    #: Those removed (none in a dry run).
    leftovers_removed: list[str] = field(default_factory=list)


def prune_orphans(
    session: Session,
    storage: Storage,
    *,
    older_than: timedelta,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneReport:
    """Delete stored objects that no evidence record refers to (docs/evidence.md).

    They come from uploads whose database commit failed after the bytes were stored. The grace
    period keeps an upload in progress safe: its objects are written (with a fresh time) just
    before its record is committed. Objects are looked up again right before each deletion.
    Writes a crash cut off half way (``Storage.leftovers``: local ``.tmp-*.part`` files, S3
    multipart uploads never completed) are removed after the same grace period.
    """
    cutoff = (now or utcnow()) - older_than
    referenced: set[str] = set()
    for keys in session.execute(
        sa.select(Evidence.original_key, Evidence.display_key, Evidence.thumbnail_key)
    ):
        referenced.update(key for key in keys if key)
    session.rollback()  # no transaction held open while the storage is listed
    examined = 0
    orphans: list[str] = []
    for folder in _STORED_FOLDERS:
        for info in storage.list(folder):
            examined += 1
            if info.key not in referenced and info.modified_at < cutoff:
                orphans.append(info.key)
    deleted: list[str] = []
    if not dry_run:
        for key in orphans:
            if not _is_referenced(session, key):
                storage.delete(key)
                deleted.append(key)
        session.rollback()
    stale = [leftover for leftover in storage.leftovers() if leftover.started_at < cutoff]
    removed: list[str] = []
    if not dry_run:
        for leftover in stale:
            storage.remove_leftover(leftover)
            removed.append(leftover.name)
    return PruneReport(
        examined=examined,
        orphans=orphans,
        deleted=deleted,
        leftovers=[leftover.name for leftover in stale],
        leftovers_removed=removed,
    )


def _is_referenced(session: Session, key: str) -> bool:
    return (
        session.scalar(
            sa.select(Evidence.id)
            .where(
                sa.or_(
                    Evidence.original_key == key,
                    Evidence.display_key == key,
                    Evidence.thumbnail_key == key,
                )
            )
            .limit(1)
        )
        is not None
    )
