"""The display image, thumbnail and perceptual hash of an upload, made by a background job.

The upload answered once its original was verified and stored (``services.upload``) and queued
``derive`` after its commit. The job decodes the original fully (``images.process_image``, in
one of this process's decode slots), stores the two renditions (content-addressed: the same
bytes again change nothing) and fills the records of those bytes in one ``UPDATE … WHERE
derived_at IS NULL``, so a job that runs twice (a retry, a worker killed after storing, the
sweeper) changes the records once. Damaged image data found only by the full decode is kept as
``derive_failure``: the original stays as evidence, a reviewer sees why it has no picture.

``sweep_underived`` (a periodic job, ``backend.jobs.tasks``) queues the job again for records
still waiting after ``SWEEP_AFTER``: a web process killed between its commit and the queue, a
queue that lost its data. Nothing else is needed for durability: the record itself says that
work is owed.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
import uuid
from datetime import timedelta
from typing import Any, Final

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.evidence import decoding, images
from backend.evidence.images import MediaType
from backend.evidence.models import Evidence
from backend.evidence.phash_index import band_columns
from backend.evidence.routes import storage_for
from backend.evidence.services import DERIVE_JOB, EvidenceLimits
from backend.evidence.storage import display_key, thumbnail_key
from backend.jobs.engine import enqueue

logger = logging.getLogger(__name__)

#: A record still underived this long after its receipt has lost its job: queue it again.
SWEEP_AFTER: Final = timedelta(minutes=10)
#: Records queued again per sweep (the next sweep takes the rest).
SWEEP_LIMIT: Final = 1000


def derive(session: Session, evidence_id: str) -> bool:
    """Make the record's renditions and hash, unless done; True when this run filled records."""
    evidence = session.get(Evidence, uuid.UUID(evidence_id))
    if evidence is None or evidence.derived_at is not None:
        return False  # gone (its upload's commit failed) or done by an earlier run
    sha256, key = evidence.sha256, evidence.original_key
    done = session.scalars(
        sa.select(Evidence)
        .where(Evidence.sha256 == sha256, Evidence.derived_at.is_not(None))
        .limit(1)
    ).first()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = storage_for(app)
    if done is not None and all(
        storage.exists(k) for k in (done.display_key, done.thumbnail_key) if k is not None
    ):
        return _fill(session, sha256, _copied_from(done))
    limits = EvidenceLimits.from_config(app.config)
    media_type = MediaType(evidence.media_type)
    # No transaction is held while the file is copied and decoded (seconds): SQLite's
    # shared lock would block every writer meanwhile.
    session.rollback()
    with tempfile.TemporaryFile(prefix="fieldcert-derive-") as spool:
        stored = storage.open(key)
        with stored.stream as stream:
            shutil.copyfileobj(stream, spool)
        try:
            slots = decoding.slots_for(limits.decode_slots)
            # A busy process waits its turn; DecoderBusy makes the job retry later.
            with slots.hold(wait_seconds=limits.decode_wait_seconds):
                processed = images.process_image(
                    spool,
                    media_type,
                    max_pixels=limits.max_pixels,
                    max_decode_bytes=limits.max_decode_bytes,
                )
        except (images.CorruptFile, images.TooManyPixels, decoding.TooCostlyToDecode) as error:
            reason = str(getattr(error, "reason", error))[:300]
            logger.warning("evidence %s: no renditions, %s", evidence_id, reason)
            return _fill(session, sha256, {"derive_failure": reason})
    for rendition_key, data in (
        (display_key(sha256), processed.display_jpeg),
        (thumbnail_key(sha256), processed.thumbnail_jpeg),
    ):
        storage.put(rendition_key, io.BytesIO(data))
    return _fill(
        session,
        sha256,
        {
            "width": processed.width,
            "height": processed.height,
            "exif_taken_at": processed.exif.taken_at,
            "exif_latitude": processed.exif.latitude,
            "exif_longitude": processed.exif.longitude,
            "metadata_json": processed.metadata,
            "phash": processed.phash,
            "display_key": display_key(sha256),
            "thumbnail_key": thumbnail_key(sha256),
            "derive_failure": None,
        },
    )


def _copied_from(done: Evidence) -> dict[str, Any]:
    return {
        "width": done.width,
        "height": done.height,
        "exif_taken_at": done.exif_taken_at,
        "exif_latitude": done.exif_latitude,
        "exif_longitude": done.exif_longitude,
        "metadata_json": dict(done.metadata_json),
        "phash": done.phash,
        "display_key": done.display_key,
        "thumbnail_key": done.thumbnail_key,
        "derive_failure": done.derive_failure,
    }


def _fill(session: Session, sha256: str, values: dict[str, Any]) -> bool:
    """Write ``values`` into every record of these bytes still waiting; True if any was."""
    if "phash" in values:
        # A bulk UPDATE passes by the model's validator: the bands go with the hash here.
        values = {**values, **band_columns(values["phash"])}
    filled = session.execute(
        sa.update(Evidence)
        .where(Evidence.sha256 == sha256, Evidence.derived_at.is_(None))
        .values(derived_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.flush()
    if filled:
        logger.info("derived evidence of %s: %d record(s)", sha256, filled)
    return bool(filled)


def sweep_underived(session: Session, *, older_than: timedelta = SWEEP_AFTER) -> int:
    """Queue ``derive`` again for records waiting longer than ``older_than``; how many."""
    ids = session.scalars(
        sa.select(Evidence.id)
        .where(Evidence.derived_at.is_(None), Evidence.received_at <= utcnow() - older_than)
        .order_by(Evidence.received_at)
        .limit(SWEEP_LIMIT)
    ).all()
    for evidence_id in ids:
        enqueue(DERIVE_JOB, str(evidence_id))
    if ids:
        logger.warning("queued the derive job again for %d waiting evidence record(s)", len(ids))
    return len(ids)
