"""The survey rules as plain functions: no Flask, no database (STYLE.md "A pure core").

Quality flags, the reproducible callback draw, the margin of error, the default questionnaire
and the conversion of answers into scoring-core evaluations (mode E, §5.1.2).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, Decimal
from typing import Any

from backend.scoring.scheme import Band, Item, Scheme, Text

#: China Standard Time (no daylight saving since 1991): opening hours are local times.
CHINA = timezone(timedelta(hours=8), "CST")
#: What a "not applicable" answer is stored as, and the reason given to the scoring core.
NA = "na"
NA_REASON = "顾客选择“不适用” (the customer chose not applicable)"
#: The mode of customer-survey evaluations (GB/T 27207, CQC rule §3).
SURVEY_MODE = "E"

# --------------------------------------------------------------------------- questionnaire

#: Customer wording per (characteristic, dimension) of the service-characteristic table (§5.1,
#: Annex 1): the six service-quality characteristics and the service norms the schemes share.
#: Each is what a customer can judge of that item (read from the item's text): a phrase that
#: takes 如何 after "与您的预期相比", and the English question after "Compared with what you
#: expected".
#: The characteristic's own name (功能性, 时间性…) is the standard's term, not a customer's word.
_WORDING: dict[tuple[str, str | None], tuple[str, str]] = {
    ("功能性", "people"): ("这里工作人员的业务能力", "how competent were the staff here"),
    ("功能性", "equipment"): (
        "这里设备设施的配备和性能",
        "how well did the equipment and facilities here meet the service's needs",
    ),
    ("功能性", "environment"): (
        "这里的场地布局和区域划分",
        "how well laid out were the premises here",
    ),
    ("安全性", "people"): (
        "这里工作人员的安全意识和操作规范",
        "how safely did the staff here work",
    ),
    ("安全性", "equipment"): (
        "这里设备设施的安全状况",
        "how safe were the equipment and facilities here",
    ),
    ("安全性", "environment"): (
        "这里环境的安全防护和应急措施",
        "how well were the premises here protected against hazards and emergencies",
    ),
    ("时间性", "people"): (
        "这里工作人员的办事效率和守时情况",
        "how prompt and punctual were the staff here",
    ),
    ("时间性", "equipment"): (
        "这里设备设施运行的稳定可靠程度",
        "how reliably did the equipment and facilities here work",
    ),
    ("时间性", "environment"): (
        "在这里办事的便捷顺畅程度",
        "how easily could you get things done here without needless walking or waiting",
    ),
    ("舒适性", "people"): ("这里工作人员的服务态度", "how was the attitude of the staff here"),
    ("舒适性", "equipment"): (
        "这里设备设施使用起来的方便舒适程度",
        "how convenient and comfortable were the equipment and facilities here to use",
    ),
    ("舒适性", "environment"): ("这里环境的舒适程度", "how comfortable were the surroundings here"),
    ("经济性", "people"): (
        "这里工作人员在节约费用、减少浪费方面做得",
        "how well did the staff here keep costs and waste down",
    ),
    ("经济性", "equipment"): (
        "这里设备设施在节能降耗方面做得",
        "how well did the equipment and facilities here save energy",
    ),
    ("经济性", "environment"): (
        "这里在节能、节水、节材方面做得",
        "how well did the premises here save energy, water and materials",
    ),
    ("文明性", "people"): (
        "这里工作人员的仪表和言谈举止",
        "how were the appearance and manners of the staff here",
    ),
    ("文明性", "equipment"): (
        "这里设备设施的人性化程度",
        "how considerately were the equipment and facilities here designed for their users",
    ),
    ("文明性", "environment"): (
        "这里环境的文明氛围",
        "how respectful and welcoming did the surroundings here feel",
    ),
    ("服务规范", None): (
        "这里接待受理、组织实施、验收结算和售后服务的规范程度",
        "how well organised was the service here, from reception to after-sales",
    ),
}
#: Who or what a dimension's item is about, in customers' words (the scheme says 人员 / People).
_SUBJECTS = {
    "people": ("工作人员", "staff"),
    "equipment": ("设备设施", "equipment and facilities"),
    "environment": ("环境", "surroundings"),
}


def survey_items(scheme: Scheme) -> dict[str, Item]:
    """The scheme items a customer can rate on a five-point scale (Likert-α items, no bonus)."""
    if scheme.service is None:
        return {}
    return {
        code: item
        for code, item in scheme.service.items.items()
        if item.scale.kind == "alpha_bands" and not item.bonus
    }


def default_questions(scheme: Scheme) -> list[dict[str, str]]:
    """One question per ratable item, in the scheme's order, in customers' words.

    §5.1.1 rates each item against expectation (远低于预期 … 远高于预期), so each question asks
    "compared with what you expected". Team leaders edit the wording per campaign.
    """
    if scheme.service is None:
        return []
    ratable = survey_items(scheme)
    out: list[dict[str, str]] = []
    for characteristic in scheme.service.characteristics:
        for item in characteristic.items:
            if item.code not in ratable:
                continue
            zh, en = _wording(scheme, characteristic.title, item.dimension)
            out.append(
                {
                    "item": item.code,
                    "zh": f"与您的预期相比，{zh}如何？",  # noqa: RUF001 - Chinese punctuation
                    "en": f"Compared with what you expected, {en}?",
                }
            )
    return out


def _wording(scheme: Scheme, characteristic: Text, dimension: str | None) -> tuple[str, str]:
    """What the question asks about: customer wording, else the characteristic by its name.

    Never the item's own title: it may be an activity of the organisation (7.1 "制定服务规范",
    establishing service norms), which reads wrongly as the subject of a question.
    """
    known = _WORDING.get((characteristic.zh, dimension))
    if known is not None:
        return known
    name_zh, name_en = characteristic.zh, characteristic.en.lower()
    if dimension is None:
        return f"这里在“{name_zh}”方面的表现", f"how did the service here do on {name_en}"
    subject = _SUBJECTS.get(dimension)
    if subject is None:
        label = scheme.service.dimensions.get(dimension) if scheme.service else None
        subject = (label.zh, label.en.lower()) if label else (dimension, dimension)
    return (
        f"这里{subject[0]}在“{name_zh}”方面的表现",
        f"how did the {subject[1]} here do on {name_en}",
    )


def scale_labels(scheme: Scheme, item_code: str) -> list[tuple[int, str, str]]:
    """(level, zh, en) of the item's scale, lowest first: the page's answer labels."""
    item = survey_items(scheme)[item_code]
    bands: Sequence[Band] = item.scale.bands
    return [(band.level, band.label.zh, band.label.en) for band in bands]


# --------------------------------------------------------------------------- quality flags


@dataclass(frozen=True, slots=True)
class FlagSettings:
    min_seconds_per_question: float
    burst_threshold: int
    burst_window_minutes: int
    opening_time: str | None
    closing_time: str | None


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def outside_hours(at: datetime, opening: str | None, closing: str | None) -> bool:
    """Whether ``at`` (any zone) falls outside the local opening hours; overnight hours work."""
    if not opening or not closing:
        return False
    local = at.astimezone(CHINA).time()
    start, end = _hhmm(opening), _hhmm(closing)
    if start <= end:
        return not (start <= local < end)
    return end <= local < start


def quality_flags(
    answers: Mapping[str, Any],
    settings: FlagSettings,
    *,
    received_at: datetime,
    started_at: datetime | None,
    earlier_from_address: int | None,
) -> list[dict[str, Any]]:
    """The flags of one response; each says why, with its numbers (flags, not verdicts).

    * ``too_fast``: less than ``min_seconds_per_question`` per question answered;
    * ``straight_lining``: the same level for every rated question (at least three rated);
    * ``burst``: ``earlier_from_address`` responses from the same address within the window
      already reached the threshold (None: not known, e.g. face to face);
    * ``outside_hours``: answered outside the site's opening hours (local time).
    """
    flags: list[dict[str, Any]] = []
    count = len(answers)
    if started_at is not None and count:
        seconds = (received_at - started_at).total_seconds()
        minimum = settings.min_seconds_per_question * count
        if seconds < minimum:
            flags.append(
                {
                    "flag": "too_fast",
                    "seconds": round(seconds, 1),
                    "minimum_seconds": round(minimum, 1),
                    "questions": count,
                }
            )
    levels = [v for v in answers.values() if v != NA]
    if len(levels) >= 3 and len(set(levels)) == 1:
        flags.append({"flag": "straight_lining", "level": levels[0], "questions": len(levels)})
    if earlier_from_address is not None and earlier_from_address >= settings.burst_threshold:
        flags.append(
            {
                "flag": "burst",
                "earlier_from_address": earlier_from_address,
                "window_minutes": settings.burst_window_minutes,
                "threshold": settings.burst_threshold,
            }
        )
    if outside_hours(received_at, settings.opening_time, settings.closing_time):
        flags.append(
            {
                "flag": "outside_hours",
                "local_time": received_at.astimezone(CHINA).strftime("%H:%M"),
                "opening_time": settings.opening_time,
                "closing_time": settings.closing_time,
            }
        )
    return flags


# --------------------------------------------------------------------------- callback draw


def draw_size(share: float | Decimal, eligible: int) -> int:
    """⌈share × eligible⌉, computed in decimals (10 % of 30 is 3, not 4 by float rounding)."""
    exact = Decimal(str(share)) * eligible
    return min(eligible, int(exact.to_integral_value(rounding=ROUND_CEILING)))


def draw(eligible_ids: Sequence[str], share: float | Decimal, seed: str) -> list[str]:
    """The reproducible callback draw: ``draw_size`` ids, ranked by HMAC-SHA256(seed, id).

    Anyone holding the seed (recorded in the audit log) and the eligible ids can repeat it with
    any HMAC implementation: rank each id by ``HMAC-SHA256(key=seed, msg=id)`` as hex and take
    the lowest. The order of ``eligible_ids`` does not matter.
    """
    key = seed.encode("utf-8")
    ranked = sorted(
        set(eligible_ids),
        key=lambda rid: hmac.new(key, rid.encode("utf-8"), hashlib.sha256).hexdigest(),
    )
    return ranked[: draw_size(share, len(ranked))]


# --------------------------------------------------------------------------- sample sizes

#: Two-sided normal quantiles of the usual confidence levels.
Z = {0.90: 1.6448536, 0.95: 1.9599640, 0.99: 2.5758293}


def margin_of_error(n: int, confidence: float = 0.95, population: int | None = None) -> float:
    """Worst-case (p = 0.5) margin of error of a share estimated from ``n`` answers.

    With a known ``population`` the finite-population correction applies. 0 < n is required.
    """
    z = Z[confidence]
    moe = z * math.sqrt(0.25 / n)
    if population is not None and population > 1:
        moe *= math.sqrt(max(0, population - n) / (population - 1))
    return moe


def sample_size(moe: float, confidence: float = 0.95, population: int | None = None) -> int:
    """The smallest n whose worst-case margin of error is at most ``moe``."""
    z = Z[confidence]
    n0 = z * z * 0.25 / (moe * moe)
    if population is not None and population > 0:
        n0 = n0 / (1 + (n0 - 1) / population)
    return max(1, math.ceil(n0 - 1e-9))


# --------------------------------------------------------------------------- scoring input


def evaluation_input(response_id: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """One response as a scoring-core evaluation: levels, and N/A with the customer's reason."""
    ratings: dict[str, dict[str, Any]] = {}
    for item, value in answers.items():
        if value == NA:
            ratings[item] = {"na": True, "reason": NA_REASON}
        else:
            ratings[item] = {"level": int(value)}
    return {"id": response_id, "mode": SURVEY_MODE, "ratings": ratings}


def utcnow() -> datetime:
    return datetime.now(UTC)
