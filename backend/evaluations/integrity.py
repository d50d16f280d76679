"""Integrity checks shown to the reviewer for every evaluation: flags, never verdicts.

Issue 3, "Integrity checks shown to the reviewer"; DOMAIN.md "Field methods and their integrity
rules" (mystery-shopper visit: inside the site's geofence, time on site, capture times inside
the visit, photo not reused from another visit). Each check is a pure function over plain data
(``IntegrityInput``) and reports ``Flag``s with a code, a severity, a zh-CN / English message
and the numbers behind it; the reviewer decides what they mean. ``integrity_report`` loads the
data of one evaluation and runs them all.

Every threshold lives in ``Thresholds`` below, with why it has its value.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.errors import Forbidden, NotFound
from backend.evaluations.models import Evaluation
from backend.evaluations.services import (
    Access,
    current_version,
    evaluation_access,
    log_personal_read,
)
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.geo import Geofence, haversine_m, inside_geofence
from backend.users.models import Role

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

    @property
    def status(self) -> str:
        if self.not_applicable is not None:
            return "not_applicable"
        return "flagged" if self.flags else "passed"

    def as_json(self) -> dict[str, Any]:
        note = (
            {"zh": self.not_applicable[0], "en": self.not_applicable[1]}
            if self.not_applicable is not None
            else None
        )
        return {"check": self.check, "status": self.status, "note": note}


def _m(value: float) -> float:
    return round(value, 1)


def _min(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


# --------------------------------------------------------------------------- checks


def check_geofence(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Was the phone at the site? Accuracy-aware: a poor fix near the fence is "uncertain".

    The visit counts as inside when at least one fix lies inside with its whole accuracy circle
    (``backend.geo.inside_geofence``); outside when every fix is outside even at its most
    favourable reading; uncertain otherwise (every fix too imprecise or straddling the fence).
    """
    check = "geofence"
    site = data.site
    if not data.fixes:
        return CheckResult(
            check,
            (
                Flag(
                    "NO_GPS_FIXES",
                    check,
                    "warning",
                    "测评未附任何 GPS 定位，无法核实是否到达现场。",
                    "The evaluation carries no GPS fix: presence at the site cannot be checked.",
                ),
            ),
        )
    results = [
        (
            fix,
            inside_geofence(
                site.latitude,
                site.longitude,
                site.radius_m,
                fix.latitude,
                fix.longitude,
                fix.accuracy_m,
            ),
            haversine_m(site.latitude, site.longitude, fix.latitude, fix.longitude),
        )
        for fix in data.fixes
    ]
    if any(where is Geofence.INSIDE for _, where, _ in results):
        return CheckResult(check)
    nearest_fix, _, nearest = min(results, key=lambda r: r[2] - r[0].accuracy_m)
    numbers = {
        "fixes": len(results),
        "nearest_distance_m": _m(nearest),
        "nearest_accuracy_m": _m(nearest_fix.accuracy_m),
        "radius_m": _m(site.radius_m),
    }
    if all(where is Geofence.OUTSIDE for _, where, _ in results):
        return CheckResult(
            check,
            (
                Flag(
                    "GEOFENCE_OUTSIDE",
                    check,
                    "alert",
                    f"全部 {len(results)} 个 GPS 定位都在场所地理围栏外：最近一次距场所 "
                    f"{numbers['nearest_distance_m']} 米"
                    f"（精度 ±{numbers['nearest_accuracy_m']} 米），"
                    f"围栏半径 {numbers['radius_m']} 米。",
                    f"All {len(results)} GPS fix(es) are outside the site's geofence: the nearest "
                    f"is {numbers['nearest_distance_m']} m from the site (accuracy "
                    f"±{numbers['nearest_accuracy_m']} m), radius {numbers['radius_m']} m.",
                    numbers,
                ),
            ),
        )
    return CheckResult(
        check,
        (
            Flag(
                "GEOFENCE_UNCERTAIN",
                check,
                "warning",
                f"GPS 定位精度不足以判断是否在场所围栏内：最近一次距场所 "
                f"{numbers['nearest_distance_m']} 米，精度 ±{numbers['nearest_accuracy_m']} 米，"
                f"围栏半径 {numbers['radius_m']} 米。",
                f"The GPS fixes are too imprecise to tell whether the phone was inside the "
                f"geofence: nearest {numbers['nearest_distance_m']} m from the site, accuracy "
                f"±{numbers['nearest_accuracy_m']} m, radius {numbers['radius_m']} m.",
                numbers,
            ),
        ),
    )


def check_photo_locations(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Photos whose capture position (the app's own fix) lies certainly outside the geofence."""
    check = "photo_location"
    located = [p for p in data.photos if p.capture is not None]
    if not located:
        return CheckResult(
            check, not_applicable=("没有带拍摄位置的照片。", "No photo carries a capture position.")
        )
    site = data.site
    flags: list[Flag] = []
    for photo in located:
        fix = photo.capture
        if fix is None:
            continue
        where = inside_geofence(
            site.latitude,
            site.longitude,
            site.radius_m,
            fix.latitude,
            fix.longitude,
            fix.accuracy_m,
        )
        if where is Geofence.OUTSIDE:
            distance = _m(haversine_m(site.latitude, site.longitude, fix.latitude, fix.longitude))
            flags.append(
                Flag(
                    "PHOTO_OUTSIDE_GEOFENCE",
                    check,
                    "warning",
                    f"照片拍摄位置在场所围栏外：距场所 {distance} 米"
                    f"（精度 ±{_m(fix.accuracy_m)} 米），围栏半径 {_m(site.radius_m)} 米。",
                    f"The photo was taken outside the site's geofence: {distance} m from the "
                    f"site (accuracy ±{_m(fix.accuracy_m)} m), radius {_m(site.radius_m)} m.",
                    {
                        "distance_m": distance,
                        "accuracy_m": _m(fix.accuracy_m),
                        "radius_m": _m(site.radius_m),
                    },
                    photo.evidence_id,
                )
            )
    return CheckResult(check, tuple(flags))


def check_capture_times(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Photos captured outside the visit (started_at..ended_at, widened by the tolerance)."""
    check = "capture_times"
    timed = [p for p in data.photos if p.captured_at is not None]
    if data.started_at is None or data.ended_at is None:
        return CheckResult(
            check,
            not_applicable=(
                "测评未记录开始或结束时间。",
                "The visit's start or end is not recorded.",
            ),
        )
    if not timed:
        return CheckResult(
            check, not_applicable=("没有带拍摄时间的照片。", "No photo carries a capture time.")
        )
    low = data.started_at - t.capture_tolerance
    high = data.ended_at + t.capture_tolerance
    flags: list[Flag] = []
    for photo in timed:
        at = photo.captured_at
        if at is None:
            continue
        if low <= at <= high:
            continue
        before = at < low
        gap = _min(data.started_at - at) if before else _min(at - data.ended_at)
        zh_side, en_side = (
            ("开始前", "before the visit started")
            if before
            else (
                "结束后",
                "after the visit ended",
            )
        )
        flags.append(
            Flag(
                "PHOTO_OUTSIDE_VISIT",
                check,
                "warning",
                f"照片拍摄于测评{zh_side} {gap} 分钟（容差 {_min(t.capture_tolerance)} 分钟）。",
                f"The photo was taken {gap} min {en_side} (tolerance "
                f"{_min(t.capture_tolerance)} min).",
                {"minutes": gap, "tolerance_min": _min(t.capture_tolerance), "before": before},
                photo.evidence_id,
            )
        )
    return CheckResult(check, tuple(flags))


def check_time_on_site(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Time on site = ended - started; shorter than the minimum is flagged."""
    check = "time_on_site"
    if data.started_at is None or data.ended_at is None:
        return CheckResult(
            check,
            (
                Flag(
                    "VISIT_TIMES_MISSING",
                    check,
                    "info",
                    "测评未记录开始或结束时间，无法核实现场停留时长。",
                    "The visit's start or end is not recorded: time on site cannot be checked.",
                ),
            ),
        )
    duration = data.ended_at - data.started_at
    if duration >= t.min_time_on_site:
        return CheckResult(check)
    numbers = {"minutes": _min(duration), "minimum_min": _min(t.min_time_on_site)}
    return CheckResult(
        check,
        (
            Flag(
                "TIME_ON_SITE_SHORT",
                check,
                "warning",
                f"现场停留时长仅 {numbers['minutes']} 分钟，少于 {numbers['minimum_min']} 分钟。",
                f"Only {numbers['minutes']} min on site, less than {numbers['minimum_min']} min.",
                numbers,
            ),
        ),
    )


def _measured_skew(
    sent: datetime,
    received: datetime,
    what: tuple[str, str],
    t: Thresholds,
    evidence: uuid.UUID | None,
) -> Flag | None:
    """A flag when the device's clock at send differs from the server's receipt by too much.

    The request travels in seconds, so the difference is the clock's error, in either
    direction, however long the record waited offline before it was sent.
    """
    offset = sent - received
    if abs(offset) <= t.max_clock_skew:
        return None
    minutes = _min(abs(offset))
    ahead = offset > timedelta(0)
    zh = (
        f"发送{what[0]}时设备时钟比服务器{'快' if ahead else '慢'} {minutes} 分钟："
        "设备上记录的时间都偏移了这么多。"
    )
    en = (
        f"When it sent {what[1]}, the device clock was {minutes} min "
        f"{'ahead of' if ahead else 'behind'} the server: its recorded times are off as much."
    )
    return Flag(
        "DEVICE_CLOCK_AHEAD" if ahead else "DEVICE_CLOCK_BEHIND",
        "clock_skew",
        "warning",
        zh,
        en,
        {
            "measured": True,
            "offset_min": _min(offset),
            "limit_min": _min(t.max_clock_skew),
        },
        evidence,
    )


def check_clock_skew(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """The device clock's error, measured where the app sent its clock, else inferred.

    Measured: ``X-Device-Time`` against the server's receipt (ahead or behind). Inferred, for
    records sent without it: only "ahead" can be told, from device timestamps later than the
    server received them; a timestamp far *before* receipt is what an offline phone produces
    (captured at noon, uploaded in the evening), so it is no sign of a wrong clock.
    """
    check = "clock_skew"
    flags: list[Flag] = []
    for photo in data.photos:
        if photo.device_sent_at is not None:
            flag = _measured_skew(
                photo.device_sent_at, photo.received_at, ("照片", "the photo"), t, photo.evidence_id
            )
            flags.extend([flag] if flag is not None else [])
            continue
        if photo.captured_at is None:
            continue
        ahead = photo.captured_at - photo.received_at
        if ahead > t.max_clock_skew:
            flags.append(
                Flag(
                    "DEVICE_CLOCK_AHEAD",
                    check,
                    "warning",
                    f"照片的设备拍摄时间比服务器收到时间晚 {_min(ahead)} 分钟：设备时钟可能不准。",
                    f"The photo's device capture time is {_min(ahead)} min after the server "
                    "received it: the device clock may be wrong.",
                    {"minutes_ahead": _min(ahead), "limit_min": _min(t.max_clock_skew)},
                    photo.evidence_id,
                )
            )
    if data.device_sent_at is not None:
        flag = _measured_skew(
            data.device_sent_at, data.synced_at, ("测评", "the evaluation"), t, None
        )
        return CheckResult(check, (*flags, *([flag] if flag is not None else [])))
    stamps = [("started_at", data.started_at), ("ended_at", data.ended_at)] + [
        ("gps_fixes.captured_at", fix.captured_at) for fix in data.fixes
    ]
    worst: tuple[str, timedelta] | None = None
    for name, stamp in stamps:
        if stamp is None:
            continue
        ahead = stamp - data.synced_at
        if ahead > t.max_clock_skew and (worst is None or ahead > worst[1]):
            worst = (name, ahead)
    if worst is not None:
        name, ahead = worst
        flags.append(
            Flag(
                "DEVICE_CLOCK_AHEAD",
                check,
                "warning",
                f"测评的时间（{name}）比服务器同步时间晚 {_min(ahead)} 分钟：设备时钟可能不准。",
                f"The evaluation's {name} is {_min(ahead)} min after the server received it: "
                "the device clock may be wrong.",
                {"field": name, "minutes_ahead": _min(ahead), "limit_min": _min(t.max_clock_skew)},
            )
        )
    return CheckResult(check, tuple(flags))


def check_exif(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """EXIF time or position disagreeing with the app's own capture data (when EXIF is there).

    The app's capture data is primary (phones and WeChat often strip EXIF); a disagreement
    suggests a photo taken earlier or elsewhere and picked from the gallery.
    """
    check = "exif"
    with_exif = [
        p for p in data.photos if p.exif_taken_at is not None or p.exif_latitude is not None
    ]
    if not with_exif:
        return CheckResult(
            check,
            not_applicable=("照片没有 EXIF 时间或位置。", "No photo carries EXIF time or GPS."),
        )
    flags: list[Flag] = []
    for photo in with_exif:
        if photo.exif_taken_at is not None and photo.captured_at is not None:
            diff = abs(photo.exif_taken_at - photo.captured_at)
            if diff > t.max_exif_time_difference:
                flags.append(
                    Flag(
                        "EXIF_TIME_MISMATCH",
                        check,
                        "warning",
                        f"照片 EXIF 时间与应用记录的拍摄时间相差 {_min(diff)} 分钟。",
                        f"The photo's EXIF time differs from the app's capture time by "
                        f"{_min(diff)} min.",
                        {
                            "minutes": _min(diff),
                            "limit_min": _min(t.max_exif_time_difference),
                        },
                        photo.evidence_id,
                    )
                )
        fix = photo.capture
        if photo.exif_latitude is not None and photo.exif_longitude is not None and fix:
            distance = haversine_m(
                photo.exif_latitude, photo.exif_longitude, fix.latitude, fix.longitude
            )
            limit = t.max_exif_distance_m + fix.accuracy_m
            if distance > limit:
                flags.append(
                    Flag(
                        "EXIF_LOCATION_MISMATCH",
                        check,
                        "warning",
                        f"照片 EXIF 位置与应用记录的拍摄位置相距 {_m(distance)} 米"
                        f"（允许 {_m(limit)} 米）。",
                        f"The photo's EXIF position is {_m(distance)} m from the app's capture "
                        f"position (allowed {_m(limit)} m).",
                        {"distance_m": _m(distance), "limit_m": _m(limit)},
                        photo.evidence_id,
                    )
                )
    return CheckResult(check, tuple(flags))


def hamming(a: str, b: str) -> int | None:
    """Bits that differ between two hex perceptual hashes; None when either is not hex."""
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return None


def check_reuse(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """A photo also cited by another evaluation: same bytes, or a near-identical picture."""
    check = "photo_reuse"
    if not data.photos:
        return CheckResult(
            check, not_applicable=("测评没有附照片。", "The evaluation cites no photo.")
        )
    flags: list[Flag] = []
    for photo in data.photos:
        same = [o for o in data.others if o.sha256 == photo.sha256]
        if same:
            other_ids = sorted({str(o.evaluation_id) for o in same})
            flags.append(
                Flag(
                    "PHOTO_REUSED",
                    check,
                    "alert",
                    f"同一文件（SHA-256 相同）也用于另外 {len(other_ids)} 次测评。",
                    f"The same file (identical SHA-256) is also cited by {len(other_ids)} other "
                    "evaluation(s).",
                    {"other_evaluations": other_ids},
                    photo.evidence_id,
                )
            )
            continue
        if photo.phash is None:
            continue
        near: list[tuple[int, OtherPhoto]] = []
        for other in data.others:
            if other.phash is None:
                continue
            distance = hamming(photo.phash, other.phash)
            if distance is not None and distance <= t.max_phash_distance:
                near.append((distance, other))
        if near:
            best = min(d for d, _ in near)
            other_ids = sorted({str(o.evaluation_id) for _, o in near})
            flags.append(
                Flag(
                    "PHOTO_NEAR_DUPLICATE",
                    check,
                    "warning",
                    f"照片与另外 {len(other_ids)} 次测评中的照片几乎相同（感知哈希相差 {best} 位，"
                    f"阈值 {t.max_phash_distance}）。",
                    f"The photo is nearly identical to one cited by {len(other_ids)} other "
                    f"evaluation(s) (perceptual hashes differ in {best} bit(s), limit "
                    f"{t.max_phash_distance}).",
                    {
                        "hamming_distance": best,
                        "limit": t.max_phash_distance,
                        "other_evaluations": other_ids,
                    },
                    photo.evidence_id,
                )
            )
    return CheckResult(check, tuple(flags))


def check_pace(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> CheckResult:
    """Too-fast completion: visit duration per rated item below the minimum."""
    check = "pace"
    if data.started_at is None or data.ended_at is None or data.rated_items == 0:
        return CheckResult(
            check,
            not_applicable=(
                "没有开始、结束时间或已评项目。",
                "No start, end or rated item to measure the pace by.",
            ),
        )
    seconds = (data.ended_at - data.started_at).total_seconds() / data.rated_items
    if seconds >= t.min_seconds_per_item:
        return CheckResult(check)
    numbers = {
        "seconds_per_item": round(seconds, 1),
        "rated_items": data.rated_items,
        "minimum_s": t.min_seconds_per_item,
    }
    return CheckResult(
        check,
        (
            Flag(
                "TOO_FAST",
                check,
                "warning",
                f"平均每个评价项目仅用 {numbers['seconds_per_item']} 秒（共 {data.rated_items} 项，"
                f"最少应为 {t.min_seconds_per_item:g} 秒）。",
                f"Only {numbers['seconds_per_item']} s per rated item ({data.rated_items} items; "
                f"minimum {t.min_seconds_per_item:g} s).",
                numbers,
            ),
        ),
    )


CHECKS: tuple[Callable[[IntegrityInput, Thresholds], CheckResult], ...] = (
    check_geofence,
    check_photo_locations,
    check_capture_times,
    check_time_on_site,
    check_clock_skew,
    check_exif,
    check_reuse,
    check_pace,
)


def run_checks(data: IntegrityInput, t: Thresholds = DEFAULT_THRESHOLDS) -> list[CheckResult]:
    return [check(data, t) for check in CHECKS]


# --------------------------------------------------------------------------- service


def _photo(evidence: Evidence) -> Photo:
    capture = None
    if evidence.capture_latitude is not None and evidence.capture_longitude is not None:
        capture = Fix(
            evidence.capture_latitude,
            evidence.capture_longitude,
            evidence.capture_accuracy_m or 0.0,
            evidence.captured_at,
        )
    return Photo(
        evidence_id=evidence.id,
        sha256=evidence.sha256,
        received_at=evidence.received_at,
        device_sent_at=evidence.device_sent_at,
        phash=evidence.phash,
        captured_at=evidence.captured_at,
        capture=capture,
        exif_taken_at=evidence.exif_taken_at,
        exif_latitude=evidence.exif_latitude,
        exif_longitude=evidence.exif_longitude,
    )


def _others(
    session: Session, evaluation: Evaluation, organisation_id: uuid.UUID, sha256s: Iterable[str]
) -> list[OtherPhoto]:
    """Evidence cited by the organisation's other evaluations: same bytes, or with a phash."""
    rows = session.execute(
        sa.select(EvaluationEvidence.evaluation_id, Evidence.id, Evidence.sha256, Evidence.phash)
        .join(Evidence, Evidence.id == EvaluationEvidence.evidence_id)
        .where(
            Evidence.organisation_id == organisation_id,
            EvaluationEvidence.evaluation_id != evaluation.id,
            sa.or_(Evidence.sha256.in_(list(sha256s)), Evidence.phash.is_not(None)),
        )
    ).all()
    return [OtherPhoto(ev_id, evidence_id, sha, phash) for ev_id, evidence_id, sha, phash in rows]


def integrity_report(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    reason: str | None = None,
    ip: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[str, Any]:
    """The checks of an evaluation's current version, for team leaders, auditors and reviewers.

    Not for shoppers (not even their own: the flags are the reviewer's tools) and not for
    clients. The report is derived from the evaluator's GPS track: the read is logged.
    """
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFound()
    access = evaluation_access(session, actor, evaluation)
    if actor.role not in (Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER):
        raise Forbidden(details={"role": actor.role.value})
    version = current_version(session, evaluation)
    site = session.get_one(Site, evaluation.site_id)
    ids = [uuid.UUID(link["evidence_id"]) for link in version.evidence]
    evidence = {e.id: e for e in session.scalars(sa.select(Evidence).where(Evidence.id.in_(ids)))}
    photos = [_photo(evidence[i]) for i in ids if i in evidence]
    data = IntegrityInput(
        site=SiteFence(site.latitude, site.longitude, site.geofence_radius_m),
        started_at=version.started_at,
        ended_at=version.ended_at,
        synced_at=version.created_at,
        device_sent_at=version.device_sent_at,
        fixes=[
            Fix(
                f["latitude"],
                f["longitude"],
                f["accuracy_m"],
                datetime.fromisoformat(f["captured_at"]) if f.get("captured_at") else None,
            )
            for f in version.gps_fixes
        ],
        photos=photos,
        others=_others(session, evaluation, actor.user.organisation_id, {p.sha256 for p in photos}),
        rated_items=sum(1 for r in version.ratings.values() if not r.get("na")),
    )
    results = run_checks(data, thresholds)
    report = {
        "evaluation_id": evaluation.id,
        "version": version.number,
        "checks": [r.as_json() for r in results],
        "flags": [f.as_json() for r in results for f in r.flags],
        "thresholds": thresholds.as_json(),
    }
    if access is not Access.OWN:
        log_personal_read(
            session,
            actor,
            [evaluation.id],
            access,
            action="evaluation.integrity_read",
            fields=("gps_fixes",),
            reason=reason,
            ip=ip,
        )
        session.commit()
    return report
