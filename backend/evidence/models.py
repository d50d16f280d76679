"""Evidence files (photos, documents): stored byte for byte, addressed by SHA-256."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from backend.db import Base, UtcDateTime, created_at
from backend.db_types import enum_column
from backend.evidence.phash_index import BANDS, band_columns


class EvidenceKind(enum.StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


class Evidence(Base):
    """One uploaded file with its capture data. The bytes are stored once per SHA-256."""

    __tablename__ = "evidence"
    #: The reuse check looks near hashes up band by band (backend/evidence/phash_index.py), in
    #: the organisation's photos only.
    __table_args__ = tuple(
        sa.Index(f"ix_evidence_phash_band_{i}", "organisation_id", f"phash_band_{i}")
        for i in range(BANDS)
    )

    #: Generated on the device with the capture, so a replayed upload is recognised.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: Hex SHA-256 of the original bytes, as the client declared and the server verified.
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    #: Detected from the content (never from the name): image/jpeg, image/png, image/webp, ...
    media_type: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, "evidence_kind"))
    original_filename: Mapped[str | None] = mapped_column(sa.String(255))
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    #: The device's clock at capture (the app's own record, primary over EXIF).
    captured_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[created_at]
    #: The device's clock when it sent the upload (``X-Device-Time``); minus ``received_at`` it
    #: measures the device clock's error, ahead or behind, however long the phone was offline.
    device_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    capture_latitude: Mapped[float | None] = mapped_column(sa.Float)
    capture_longitude: Mapped[float | None] = mapped_column(sa.Float)
    capture_accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    width: Mapped[int | None]
    height: Mapped[int | None]
    #: EXIF time and GPS as metadata only: phones and WeChat often strip them.
    exif_taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    exif_latitude: Mapped[float | None] = mapped_column(sa.Float)
    exif_longitude: Mapped[float | None] = mapped_column(sa.Float)
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", sa.JSON, default=dict)
    #: 64-bit perceptual hash (hex) to find a photo reused from another evaluation.
    phash: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    #: The hash's four 16-bit bands, most significant first, kept with it (``_bands``; bulk
    #: updates write ``phash_index.band_columns``): the index of the reuse check.
    phash_band_0: Mapped[int | None]
    phash_band_1: Mapped[int | None]
    phash_band_2: Mapped[int | None]
    phash_band_3: Mapped[int | None]
    #: Storage keys: the untouched original, a display image and a thumbnail.
    original_key: Mapped[str] = mapped_column(sa.String(200))
    display_key: Mapped[str | None] = mapped_column(sa.String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(200))
    #: When the display image, thumbnail and perceptual hash were made (a background job after
    #: the upload answered: backend/evidence/derive.py); NULL while they are not. Documents
    #: have nothing to derive: set at upload.
    derived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    #: Why the job could not derive them (damaged image data found by the full decode).
    derive_failure: Mapped[str | None] = mapped_column(sa.String(300))

    @validates("phash")
    def _bands(self, _key: str, phash: str | None) -> str | None:
        for name, value in band_columns(phash).items():
            setattr(self, name, value)
        return phash


class EvaluationEvidence(Base):
    """Evidence cited by an evaluation (any version), optionally for one item."""

    __tablename__ = "evaluation_evidence"
    __table_args__ = (
        sa.UniqueConstraint(
            "evaluation_id", "evidence_id", name="uq_evaluation_evidence_evaluation_evidence"
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("evaluations.id", ondelete="RESTRICT"), index=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("evidence.id", ondelete="RESTRICT"), index=True
    )
    item_code: Mapped[str | None] = mapped_column(sa.String(20))
