"""Evidence: upload (idempotent, verified, deduplicated), access rules, reads, reconciliation.

Services take the session, the actor and the storage explicitly (STYLE.md) and commit their own
changes with the audit entry. The pure image work is in ``images``; bytes go through ``storage``.
"""

from __future__ import annotations

import enum
import hashlib
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.auth.actor import Actor
from backend.db import utcnow
from backend.engagements.models import Engagement
from backend.errors import (
    EvidenceHashMismatch,
    Forbidden,
    IdempotencyConflict,
    ImageTooLarge,
    IncompleteBody,
    InvalidImage,
    NotFound,
    PayloadTooLarge,
    UnsupportedFileType,
    ValidationFailed,
)
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.evidence import decoding, images, inspection
from backend.evidence.images import MediaType
from backend.evidence.models import EvaluationEvidence, Evidence, EvidenceKind
from backend.evidence.storage import (
    ObjectNotFound,
    Storage,
    StoredObject,
    original_key,
)
from backend.jobs.engine import enqueue
from backend.unit_of_work import after_commit, commit_early, flush_as_stored
from backend.users.models import Role, User

#: Default size limit of one evidence file: a 50 MP phone JPEG is 10–15 MiB.
DEFAULT_MAX_EVIDENCE_BYTES: Final = 20 * 1024 * 1024
#: The job that makes an upload's display image, thumbnail and perceptual hash
#: (``backend.evidence.derive.derive``, registered in ``backend.jobs.tasks``).
DERIVE_JOB: Final = "evidence.derive"
#: What a client is told to wait before asking again for a rendition being made (seconds).
RENDITION_RETRY_SECONDS: Final = 5
#: Read the request body in pieces of this size (hashing as it arrives).
_CHUNK: Final = 256 * 1024

#: Who captures evidence in the field (issue 3): shoppers, auditors and team leaders, each for
#: their own captures. (Clients' rectification evidence will need its own rule: not here yet.)
UPLOAD_ROLES: Final = frozenset({Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER})
#: Staff who may see any evidence of their organisation, with GPS and uploader identity.
#: Engagement membership narrows this later (issue 3: "auditors see the engagements they are on").
STAFF_ROLES: Final = frozenset({Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER})


class Audience(enum.Enum):
    """How much of a record an actor may see."""

    #: The person who captured it: everything.
    UPLOADER = "uploader"
    #: Certification-body staff: everything; their reads of personal data are audit-logged.
    STAFF = "staff"
    #: The evaluated organisation, for evidence of its own accepted evaluations: the pictures,
    #: never shopper identity or GPS (DOMAIN.md "Who uses the product").
    CLIENT = "client"


class Rendition(enum.StrEnum):
    ORIGINAL = "original"
    DISPLAY = "display"
    THUMBNAIL = "thumbnail"


#: What each audience may download. Client users get no original: it holds the EXIF GPS.
_RENDITIONS: Final = {
    Audience.UPLOADER: (Rendition.ORIGINAL, Rendition.DISPLAY, Rendition.THUMBNAIL),
    Audience.STAFF: (Rendition.ORIGINAL, Rendition.DISPLAY, Rendition.THUMBNAIL),
    Audience.CLIENT: (Rendition.DISPLAY, Rendition.THUMBNAIL),
}


@dataclass(frozen=True, slots=True)
class EvidenceLimits:
    """Limits of one upload; from ``FIELDCERT_MAX_EVIDENCE_BYTES`` / ``_MAX_IMAGE_PIXELS`` and
    the decoding settings (``FIELDCERT_IMAGE_DECODE_*``, read in ``backend.config``)."""

    max_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES
    max_pixels: int = images.DEFAULT_MAX_PIXELS
    #: Memory one image's processing may need (``decoding.estimate``), in bytes.
    max_decode_bytes: int = decoding.DEFAULT_MAX_DECODE_BYTES
    #: Decodes one process runs at once, and how long a request waits for one (seconds).
    decode_slots: int = decoding.DEFAULT_DECODE_SLOTS
    decode_wait_seconds: float = decoding.DEFAULT_DECODE_WAIT_SECONDS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EvidenceLimits:
        """From the Flask config keys (``backend.config`` reads them from the environment)."""

        def positive(name: str, default: int) -> int:
            raw = config.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                return default
            value = int(raw)
            if value <= 0:
                raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
            return value

        return cls(
            max_bytes=positive("FIELDCERT_MAX_EVIDENCE_BYTES", DEFAULT_MAX_EVIDENCE_BYTES),
            max_pixels=positive("FIELDCERT_MAX_IMAGE_PIXELS", images.DEFAULT_MAX_PIXELS),
            max_decode_bytes=int(
                config.get("FIELDCERT_IMAGE_DECODE_MAX_BYTES", decoding.DEFAULT_MAX_DECODE_BYTES)
            ),
            decode_slots=int(
                config.get("FIELDCERT_IMAGE_DECODE_SLOTS", decoding.DEFAULT_DECODE_SLOTS)
            ),
            decode_wait_seconds=float(
                config.get(
                    "FIELDCERT_IMAGE_DECODE_WAIT_SECONDS", decoding.DEFAULT_DECODE_WAIT_SECONDS
                )
            ),
        )


@dataclass(frozen=True, slots=True)
class Capture:
    """What the app recorded at capture (primary over EXIF, which phones and WeChat strip)."""

    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    original_filename: str | None = None


# ---------------------------------------------------------------------------------------------
# Upload


def upload(
    session: Session,
    actor: Actor,
    *,
    evidence_id: uuid.UUID,
    sha256: str,
    body: IO[bytes],
    content_length: int | None,
    capture: Capture,
    storage: Storage,
    limits: EvidenceLimits,
    device_time: datetime | None = None,
    ip: str | None = None,
    roles: frozenset[Role] = UPLOAD_ROLES,
) -> tuple[Evidence, bool]:
    """Receive one evidence file; return the record and whether it was created just now.

    ``roles``: who may upload; a feature that checked its own rule first widens it (client
    users' rectification evidence, ``backend.nonconformities.routes``).

    The client's id is the idempotency key (issue 3, "An offline-safe sync API"): the same id
    with the same SHA-256 returns the existing record and stores nothing; the same id with
    other bytes is ``IDEMPOTENCY_CONFLICT``. The body is spooled to an anonymous temporary file
    while hashed, so a request cut off half way leaves neither a record nor a file.

    The answer comes once the original is verified (SHA-256, type, header, limits, a complete
    file: ``inspection``) and stored (issue 13); the display image, thumbnail and perceptual
    hash are made by the job ``DERIVE_JOB``, queued once the record is committed, and
    ``derived_at`` says when they are ready. A job lost on the way (the web process killed
    between the commit and the queue) is queued again by ``derive.sweep_underived``.
    """
    if not actor.has(*roles):
        raise Forbidden(details={"role": actor.role.value})
    sha256 = sha256.lower()
    existing = session.get(Evidence, evidence_id)
    if existing is not None:
        return _replayed(existing, actor, sha256), False
    if content_length is not None and content_length > limits.max_bytes:
        # Refused before reading a byte (the Content-Length announces it).
        raise PayloadTooLarge(details={"max_bytes": limits.max_bytes})

    # An anonymous file (O_TMPFILE on Linux): nothing is left on disk whatever happens.
    with tempfile.TemporaryFile(prefix="fieldcert-evidence-") as spool:
        digest, size = _receive(body, spool, limits.max_bytes)
        if content_length is not None and size != content_length:
            # The connection ended before the announced length: a cut-off upload, not bad
            # bytes (servers that terminate the input stream report it as a short body).
            raise IncompleteBody(
                details={
                    "reason": "incomplete_body",
                    "content_length": content_length,
                    "received_bytes": size,
                }
            )
        if size == 0:
            raise ValidationFailed(details={"body": ["The file is empty."]})
        if digest != sha256:
            raise EvidenceHashMismatch(
                details={"declared_sha256": sha256, "received_sha256": digest, "size_bytes": size}
            )
        spool.seek(0)
        media_type = images.detect_media_type(spool.read(images.SNIFF_BYTES))
        if media_type is None:
            raise UnsupportedFileType(details={"accepted": [t.value for t in MediaType]})
        copied = _stored_copy_of(session, sha256)
        # End the read transaction before the slow part (storage, decoding): an open one would
        # keep SQLite's shared lock, blocking every other writer meanwhile. Nothing is pending,
        # so this commits nothing; unlike a rollback it keeps the loaded actor (no reload).
        commit_early(session)
        if copied is not None and not storage.exists(copied.original_key):
            copied = None  # the record exists but its file was lost: store it again
        evidence = copied or _check_and_store(spool, size, sha256, media_type, storage, limits)

    evidence.id = evidence_id
    evidence.organisation_id = actor.user.organisation_id
    evidence.uploaded_by_id = actor.user.id
    evidence.device_id = actor.device.id if actor.device is not None else None
    evidence.received_at = utcnow()
    evidence.device_sent_at = device_time
    evidence.captured_at = capture.captured_at
    evidence.capture_latitude = capture.latitude
    evidence.capture_longitude = capture.longitude
    evidence.capture_accuracy_m = capture.accuracy_m
    evidence.original_filename = capture.original_filename
    session.add(evidence)
    audit.record(
        session,
        actor=actor,
        action="evidence.uploaded",
        object_type="evidence",
        object_id=evidence_id,
        details={
            "sha256": sha256,
            "size_bytes": evidence.size_bytes,
            "media_type": evidence.media_type,
            "bytes_already_stored": copied is not None,
        },
        ip=ip,
    )
    try:
        # Only the new record is read back: the answer shows it and its uploader (the actor,
        # unchanged, so not read again).
        flush_as_stored(session, evidence)
    except IntegrityError:
        # The same id arrived twice at once (an outbox retry racing its first attempt): the
        # other request's row won; answer as for a replay. The stored bytes are shared anyway.
        session.rollback()
        existing = session.get(Evidence, evidence_id)
        if existing is None:
            raise
        return _replayed(existing, actor, sha256), False
    if evidence.derived_at is None:
        after_commit(session, lambda: enqueue(DERIVE_JOB, str(evidence_id)))
    return evidence, True


def _replayed(existing: Evidence, actor: Actor, sha256: str) -> Evidence:
    if existing.uploaded_by_id != actor.user.id:
        # Someone else's id: a conflict, without telling anything about their record.
        raise IdempotencyConflict(details={"id": str(existing.id)})
    if existing.sha256 != sha256:
        raise IdempotencyConflict(
            details={"id": str(existing.id), "stored_sha256": existing.sha256}
        )
    return existing


def _receive(body: IO[bytes], spool: IO[bytes], max_bytes: int) -> tuple[str, int]:
    """Copy ``body`` to ``spool`` while hashing; stop as soon as it passes ``max_bytes``.

    Without a Content-Length (chunked transfer) the limit can only be checked while reading.
    """
    digest = hashlib.sha256()
    size = 0
    while chunk := body.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(details={"max_bytes": max_bytes})
        digest.update(chunk)
        spool.write(chunk)
    spool.flush()
    return digest.hexdigest(), size


def _stored_copy_of(session: Session, sha256: str) -> Evidence | None:
    """A new record's content fields copied from a record of the same bytes, if there is one.

    Same SHA-256, same bytes: the checks, renditions, EXIF and hash are already done, so a
    second upload of a photo (another id, maybe another user) costs no decoding and no copy.
    """
    sibling = session.scalars(
        sa.select(Evidence).where(Evidence.sha256 == sha256).order_by(Evidence.received_at)
    ).first()
    if sibling is None:
        return None
    return Evidence(
        sha256=sibling.sha256,
        size_bytes=sibling.size_bytes,
        media_type=sibling.media_type,
        kind=sibling.kind,
        width=sibling.width,
        height=sibling.height,
        exif_taken_at=sibling.exif_taken_at,
        exif_latitude=sibling.exif_latitude,
        exif_longitude=sibling.exif_longitude,
        metadata_json=dict(sibling.metadata_json),
        phash=sibling.phash,
        original_key=sibling.original_key,
        display_key=sibling.display_key,
        thumbnail_key=sibling.thumbnail_key,
        # Not derived yet: this record waits for its own job (which finds the sibling's parts
        # if they are ready by then).
        derived_at=utcnow() if sibling.derived_at is not None else None,
        derive_failure=sibling.derive_failure,
    )


def _check_and_store(
    spool: IO[bytes],
    size: int,
    sha256: str,
    media_type: MediaType,
    storage: Storage,
    limits: EvidenceLimits,
) -> Evidence:
    """Check the file without decoding its pixels, then store the original (content-addressed).

    Size, orientation and EXIF are read from the header now; the renditions and the
    perceptual hash are the derive job's (``derived_at`` stays NULL until then). A document has
    nothing to derive.
    """
    evidence = Evidence(
        sha256=sha256,
        size_bytes=size,
        media_type=media_type.value,
        kind=EvidenceKind.PHOTO if media_type.is_image else EvidenceKind.DOCUMENT,
        original_key=original_key(sha256),
    )
    try:
        if media_type.is_image:
            inspected = inspection.inspect_image(
                spool,
                size,
                media_type,
                max_pixels=limits.max_pixels,
                max_decode_bytes=limits.max_decode_bytes,
            )
            evidence.width, evidence.height = inspected.width, inspected.height
            evidence.exif_latitude = inspected.exif.latitude
            evidence.exif_longitude = inspected.exif.longitude
            evidence.exif_taken_at = inspected.exif.taken_at
            evidence.metadata_json = {"exif": inspected.exif.summary}
        else:
            evidence.metadata_json = images.check_pdf(spool, size)
            evidence.derived_at = utcnow()
    except decoding.TooCostlyToDecode as error:
        raise ImageTooLarge(
            details={
                "reason": error.reason,
                "width": error.cost.width,
                "height": error.cost.height,
                "mode": error.cost.mode,
                "bytes_per_pixel": error.cost.bytes_per_pixel,
                "estimated_bytes": error.cost.peak_bytes,
                "max_decode_bytes": error.budget,
            }
        ) from error
    except images.TooManyPixels as error:
        raise ImageTooLarge(
            details={
                "reason": error.reason,
                "width": error.width,
                "height": error.height,
                "max_pixels": error.limit,
            }
        ) from error
    except images.CorruptFile as error:
        raise InvalidImage(
            details={"reason": error.reason, "media_type": media_type.value}
        ) from error
    # Written even when the object is there already (left by an upload whose commit failed):
    # the same bytes again, and a fresh time that keeps prune_orphans off it until the commit.
    storage.put(evidence.original_key, spool)
    return evidence


# ---------------------------------------------------------------------------------------------
# Reading


def audience(session: Session, actor: Actor, evidence: Evidence) -> Audience | None:
    """How much of ``evidence`` the actor may see; None when nothing (answered as 404)."""
    if evidence.uploaded_by_id == actor.user.id:
        return Audience.UPLOADER
    if evidence.organisation_id != actor.user.organisation_id:
        return None
    if actor.has(*STAFF_ROLES):
        return Audience.STAFF
    if actor.has(Role.CLIENT_USER) and _shown_to_client(session, actor, evidence):
        return Audience.CLIENT
    return None


def _shown_to_client(session: Session, actor: Actor, evidence: Evidence) -> bool:
    """Whether the evidence backs an accepted evaluation of the client user's own client.

    Clients see their results (DOMAIN.md "Who uses the product"), and so the pictures behind
    them, once accepted in review: never a visit still in progress, which stays unannounced.
    """
    if actor.user.client_id is None:
        return False
    cited = (
        sa.select(EvaluationEvidence.id)
        .join(Evaluation, Evaluation.id == EvaluationEvidence.evaluation_id)
        .join(Engagement, Engagement.id == Evaluation.engagement_id)
        .where(
            EvaluationEvidence.evidence_id == evidence.id,
            Evaluation.status == EvaluationStatus.ACCEPTED,
            Engagement.client_id == actor.user.client_id,
            Engagement.organisation_id == actor.user.organisation_id,
        )
        .limit(1)
    )
    return session.scalars(cited).first() is not None


def _visible(session: Session, actor: Actor, evidence_id: uuid.UUID) -> tuple[Evidence, Audience]:
    evidence = session.get(Evidence, evidence_id)
    seen_as = audience(session, actor, evidence) if evidence is not None else None
    if evidence is None or seen_as is None:
        # The same answer for "no such id" and "not yours": ids of others' evidence stay secret.
        raise NotFound(details={"id": str(evidence_id)})
    return evidence, seen_as


def describe(
    session: Session, actor: Actor, evidence_id: uuid.UUID, *, ip: str | None = None
) -> dict[str, Any]:
    """The record as this actor may see it (see ``Audience``); logs staff reads of personal data.

    Client users get no capture GPS, EXIF, file name, device or uploader (DOMAIN.md: shopper
    identities are never shown to the evaluated organisation). A staff member reading someone
    else's capture GPS or identity is a read of personal data: audit-logged (issue 3).
    """
    evidence, seen_as = _visible(session, actor, evidence_id)
    return view(session, actor, evidence, seen_as, ip=ip)


def view(
    session: Session,
    actor: Actor,
    evidence: Evidence,
    seen_as: Audience,
    *,
    ip: str | None = None,
) -> dict[str, Any]:
    """The record's fields for ``seen_as`` (the upload answer uses it too)."""
    renditions = [
        rendition
        for rendition in _RENDITIONS[seen_as]
        if rendition is Rendition.ORIGINAL or _rendition_key(evidence, rendition) is not None
    ]
    data: dict[str, Any] = {
        "id": evidence.id,
        "sha256": evidence.sha256,
        "size_bytes": evidence.size_bytes,
        "media_type": evidence.media_type,
        "kind": evidence.kind,
        "width": evidence.width,
        "height": evidence.height,
        "captured_at": evidence.captured_at,
        "received_at": evidence.received_at,
        "phash": evidence.phash,
        "renditions": [rendition.value for rendition in renditions],
        "derived": derive_state(evidence),
        "derived_at": evidence.derived_at,
    }
    if seen_as is Audience.CLIENT:
        return data

    uploader = session.get(User, evidence.uploaded_by_id)
    data.update(
        organisation_id=evidence.organisation_id,
        uploaded_by={
            "id": evidence.uploaded_by_id,
            "display_name": uploader.display_name if uploader is not None else None,
        },
        device_id=evidence.device_id,
        original_filename=evidence.original_filename,
        capture=(
            {
                "latitude": evidence.capture_latitude,
                "longitude": evidence.capture_longitude,
                "accuracy_m": evidence.capture_accuracy_m,
            }
            if evidence.capture_latitude is not None and evidence.capture_longitude is not None
            else None
        ),
        exif={
            "taken_at": evidence.exif_taken_at,
            "latitude": evidence.exif_latitude,
            "longitude": evidence.exif_longitude,
            "summary": evidence.metadata_json.get("exif", {}),
        },
        metadata={k: v for k, v in evidence.metadata_json.items() if k != "exif"},
    )
    if seen_as is Audience.STAFF:
        fields = ["uploaded_by"]
        if data["capture"] is not None:
            fields.append("capture_gps")
        if evidence.exif_latitude is not None:
            fields.append("exif_gps")
        audit.record(
            session,
            actor=actor,
            action="evidence.read",
            object_type="evidence",
            object_id=evidence.id,
            details={"personal_data": fields},
            ip=ip,
        )
        flush_as_stored(session)
    return data


def derive_state(evidence: Evidence) -> str:
    """``pending`` until the derive job ran, then ``ready`` (or ``failed``: damaged data)."""
    if evidence.derived_at is None:
        return "pending"
    return "failed" if evidence.derive_failure else "ready"


@dataclass(frozen=True, slots=True)
class FileRef:
    """A rendition the actor may download: where it is and how to label it."""

    evidence_id: uuid.UUID
    key: str
    media_type: str
    #: Strong validator: the original's SHA-256 (with the rendition's name for derived files).
    etag: str
    filename: str


def authorise_file(
    session: Session,
    actor: Actor,
    evidence_id: uuid.UUID,
    rendition: Rendition,
    *,
    ip: str | None = None,
) -> FileRef:
    """Check that the actor may download this rendition; log staff downloads of originals.

    Originals keep their EXIF (GPS included, DOMAIN.md "Evidence": kept unaltered), so a staff
    member downloading someone else's original reads personal data: audit-logged.
    """
    evidence, seen_as = _visible(session, actor, evidence_id)
    if rendition not in _RENDITIONS[seen_as]:
        raise Forbidden(details={"rendition": rendition.value})
    key = _rendition_key(evidence, rendition)
    if key is None and evidence.derived_at is None and evidence.kind is EvidenceKind.PHOTO:
        # The derive job has not run yet: the field app shows its own copy meanwhile.
        raise NotFound(
            details={
                "id": str(evidence.id),
                "rendition": rendition.value,
                "reason": "rendition_pending",
                "retry_after_seconds": RENDITION_RETRY_SECONDS,
            },
            headers={"Retry-After": str(RENDITION_RETRY_SECONDS)},
        )
    if key is None:
        raise NotFound(
            details={"id": str(evidence.id), "rendition": rendition.value, "reason": "no_rendition"}
        )
    if rendition is Rendition.ORIGINAL:
        media_type = evidence.media_type
        extension = MediaType(media_type).extension if media_type in _MEDIA_TYPES else "bin"
        etag = evidence.sha256
    else:
        media_type, extension = "image/jpeg", "jpg"
        etag = f"{evidence.sha256}.{rendition.value}"
    if rendition is Rendition.ORIGINAL and seen_as is Audience.STAFF:
        audit.record(
            session,
            actor=actor,
            action="evidence.original_read",
            object_type="evidence",
            object_id=evidence.id,
            ip=ip,
        )
        flush_as_stored(session)
    return FileRef(
        evidence_id=evidence.id,
        key=key,
        media_type=media_type,
        etag=etag,
        filename=f"{evidence.id}-{rendition.value}.{extension}",
    )


_MEDIA_TYPES: Final = frozenset(t.value for t in MediaType)


def open_file(storage: Storage, ref: FileRef) -> StoredObject:
    """The rendition's bytes; NOT_FOUND when the store lost them (logged by the caller)."""
    try:
        return storage.open(ref.key)
    except ObjectNotFound:
        raise NotFound(
            details={"id": str(ref.evidence_id), "reason": "missing_from_storage"}
        ) from None


def _rendition_key(evidence: Evidence, rendition: Rendition) -> str | None:
    if rendition is Rendition.ORIGINAL:
        return evidence.original_key
    if rendition is Rendition.DISPLAY:
        return evidence.display_key
    return evidence.thumbnail_key


# ---------------------------------------------------------------------------------------------
# Reconciliation


def list_owned(
    session: Session, actor: Actor, *, device_only: bool = False
) -> list[tuple[uuid.UUID, str]]:
    """``(id, sha256)`` of the evidence the actor uploaded, for a device to reconcile its outbox.

    With ``device_only``, only what came from the actor's device (a phone asking "what do you
    have of mine" after a failure). Ordered by receipt, oldest first.
    """
    query = sa.select(Evidence.id, Evidence.sha256).where(Evidence.uploaded_by_id == actor.user.id)
    if device_only and actor.device is not None:
        query = query.where(Evidence.device_id == actor.device.id)
    elif device_only:
        query = query.where(Evidence.device_id.is_(None))
    rows = session.execute(query.order_by(Evidence.received_at, Evidence.id)).all()
    return [(row.id, row.sha256) for row in rows]
