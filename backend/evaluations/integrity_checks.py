"""The integrity checks: pure functions from ``IntegrityInput`` to flags, never verdicts.

DOMAIN.md "Field methods and their integrity rules" (mystery-shopper visit: inside the site's
geofence, time on site, capture times inside the visit, photo not reused from another visit).
Each check reports ``Flag``s with a code, a severity, a zh-CN / English message and the numbers
behind it; the reviewer decides what they mean.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from backend.evaluations.integrity_data import (
    DEFAULT_THRESHOLDS,
    CheckResult,
    Flag,
    IntegrityInput,
    OtherPhoto,
    Thresholds,
)
from backend.geo import Geofence, haversine_m, inside_geofence


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
    """A photo also cited by another evaluation: same bytes, or a near-identical picture.

    The bytes are compared at once; the picture once the photo's perceptual hash is made (a
    job after the upload): until then the photo is *pending* and the check says so rather
    than passing it.
    """
    check = "photo_reuse"
    if not data.photos:
        return CheckResult(
            check, not_applicable=("测评没有附照片。", "The evaluation cites no photo.")
        )
    flags: list[Flag] = []
    pending: list[uuid.UUID] = []
    failed = 0
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
            if photo.derived == "pending":
                pending.append(photo.evidence_id)
            elif photo.derived == "failed":
                failed += 1
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
    return CheckResult(
        check, tuple(flags), pending=tuple(pending), remark=_reuse_remark(pending, failed, data)
    )


def _reuse_remark(
    pending: Sequence[uuid.UUID], failed: int, data: IntegrityInput
) -> tuple[str, str] | None:
    """What the reuse check could not compare (yet), in zh-CN and English; None when nothing."""
    zh: list[str] = []
    en: list[str] = []
    if pending:
        zh.append(
            f"{len(pending)} 张照片的感知哈希仍在生成，生成后才能比对相似照片（相同文件已比对）。"
        )
        en.append(
            f"{len(pending)} photo(s) still wait for their perceptual hash: near-identical "
            "pictures are compared once it is made (identical files were compared)."
        )
    if failed:
        zh.append(f"{failed} 张照片的图像数据损坏，无法生成感知哈希，只比对了相同文件。")
        en.append(
            f"{failed} photo(s) have damaged image data and no perceptual hash: only identical "
            "files were compared."
        )
    if data.others_pending:
        zh.append(
            f"其他测评中另有 {data.others_pending} 张照片的感知哈希仍在生成，尚未与之比对相似照片。"
        )
        en.append(
            f"{data.others_pending} photo(s) of other evaluations still wait for their "
            "perceptual hash: near-identical pictures among them are not compared yet."
        )
    if not zh:
        return None
    return "".join(zh), " ".join(en)


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
