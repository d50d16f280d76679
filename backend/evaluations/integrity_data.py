"""The data the integrity checks read, their thresholds, and the flags they report.

Plain data (``IntegrityInput``), so that each check is a pure function a test can feed directly.
Every threshold lives in ``Thresholds``, with why it has its value.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

Severity = Literal["info", "warning", "alert"]


@dataclass(frozen=True)
class Thresholds:
    """Where a fact becomes worth a reviewer's look. One place, so a body can tune them."""

    #: Photos taken a little before the recorded start or after the recorded end are normal
    #: (the shopper photographs the entrance, then starts the visit in the app).
    capture_tolerance: timedelta = timedelta(minutes=5)
    #: A real service encounter takes longer than this; shorter visits are flagged.
    min_time_on_site: timedelta = timedelta(minutes=5)
    #: A device clock ahead of the server by more than this is flagged. Phones sync their clock
    #: over the network to within seconds; ten minutes is far beyond drift, typical of a clock
    #: set by hand (or a time zone set wrong).
    max_clock_skew: timedelta = timedelta(minutes=10)
    #: EXIF time vs the app's capture time. Both come from the same phone clock when EXIF is
    #: genuine, so they agree to seconds; a photo from the gallery or another camera does not.
    max_exif_time_difference: timedelta = timedelta(minutes=10)
    #: EXIF position vs the app's capture position, on top of the capture fix's accuracy radius.
    #: EXIF GPS is often an older cached fix; a couple of hundred metres is normal urban error.
    max_exif_distance_m: float = 200.0
    #: 64-bit perceptual hashes of the same picture re-encoded, resized or lightly cropped differ
    #: in a few bits; unrelated photos differ in about 32. At most 6 bits: "the same photo".
    max_phash_distance: int = 6
    #: Visit duration per rated item below this is flagged as too fast to have observed each item
    #: (reading the item, observing, choosing a level and writing a note takes longer).
    min_seconds_per_item: float = 15.0

    def as_json(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {}
        for key, value in asdict(self).items():
            if isinstance(value, timedelta):
                out[f"{key}_s"] = value.total_seconds()
            else:
                out[key] = value
        return out


DEFAULT_THRESHOLDS = Thresholds()


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Fix:
    latitude: float
    longitude: float
    accuracy_m: float
    captured_at: datetime | None = None


@dataclass(frozen=True)
class Photo:
    """One piece of evidence cited by the evaluation, with the facts the checks need."""

    evidence_id: uuid.UUID
    sha256: str
    received_at: datetime
    phash: str | None = None
    #: The derive job's state (``pending``, ``ready``, ``failed``): a photo has no ``phash``
    #: until it is ``ready`` (backend/evidence/derive.py).
    derived: Literal["pending", "ready", "failed"] = "ready"
    #: The device's clock when it sent the upload (``X-Device-Time``), when the app gave it.
    device_sent_at: datetime | None = None
    captured_at: datetime | None = None
    capture: Fix | None = None
    exif_taken_at: datetime | None = None
    exif_latitude: float | None = None
    exif_longitude: float | None = None


@dataclass(frozen=True)
class OtherPhoto:
    """Evidence cited by another evaluation of the same organisation."""

    evaluation_id: uuid.UUID
    evidence_id: uuid.UUID
    sha256: str
    phash: str | None


@dataclass(frozen=True)
class SiteFence:
    latitude: float
    longitude: float
    radius_m: float


@dataclass(frozen=True)
class IntegrityInput:
    site: SiteFence
    started_at: datetime | None
    ended_at: datetime | None
    #: When the server stored the current version: "the server time at sync".
    synced_at: datetime
    fixes: Sequence[Fix]
    photos: Sequence[Photo]
    others: Sequence[OtherPhoto]
    rated_items: int
    #: The device's clock when it sent the current version (``X-Device-Time``), if given.
    device_sent_at: datetime | None = None
    #: Photos of other evaluations still waiting for their perceptual hash: the reuse check
    #: cannot compare with them yet.
    others_pending: int = 0


@dataclass(frozen=True)
class Flag:
    code: str
    check: str
    severity: Severity
    zh: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)
    evidence_id: uuid.UUID | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "check": self.check,
            "severity": self.severity,
            "message": {"zh": self.zh, "en": self.en},
            "numbers": self.numbers,
            "evidence_id": self.evidence_id,
        }


@dataclass(frozen=True)
class CheckResult:
    check: str
    flags: tuple[Flag, ...] = ()
    #: Set when the check could not run (no photos, no visit times): why, in zh-CN and English.
    not_applicable: tuple[str, str] | None = None
    #: Evidence the check could not look at yet (its derived parts are still being made): the
    #: check is not finished, whatever it found so far.
    pending: tuple[uuid.UUID, ...] = ()
    #: What the reviewer should know about a check that ran (zh-CN, English): what it could
    #: not compare yet, or at all.
    remark: tuple[str, str] | None = None

    @property
    def status(self) -> str:
        if self.not_applicable is not None:
            return "not_applicable"
        if self.flags:
            return "flagged"
        return "pending" if self.pending else "passed"

    def as_json(self) -> dict[str, Any]:
        text = self.not_applicable if self.not_applicable is not None else self.remark
        note = {"zh": text[0], "en": text[1]} if text is not None else None
        return {
            "check": self.check,
            "status": self.status,
            "note": note,
            "pending_evidence": list(self.pending),
        }
