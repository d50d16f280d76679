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

from backend.scoring.scheme import Band, Item, Scheme

#: China Standard Time (no daylight saving since 1991): opening hours are local times.
CHINA = timezone(timedelta(hours=8), "CST")
#: What a "not applicable" answer is stored as, and the reason given to the scoring core.
NA = "na"
NA_REASON = "顾客选择“不适用” (the customer chose not applicable)"
#: The mode of customer-survey evaluations (GB/T 27207, CQC rule §3).
SURVEY_MODE = "E"

# --------------------------------------------------------------------------- questionnaire

_NOUNS = {"people": ("工作人员", "staff"), "equipment": ("设备设施", "equipment and facilities")}
_ENV = ("环境", "surroundings")


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
            if item.dimension in _NOUNS:
                noun_zh, noun_en = _NOUNS[item.dimension]
            elif item.dimension == "environment":
                noun_zh, noun_en = _ENV
            else:
                title = item.title or characteristic.title
                noun_zh, noun_en = title.zh, title.en.lower()
            out.append(
                {
                    "item": item.code,
                    "zh": f"与您的预期相比，这里的{noun_zh}在“{characteristic.title.zh}”方面"
                    "表现如何？",  # noqa: RUF001 - Chinese question mark
                    "en": f"Compared with what you expected, how did the {noun_en} here do on "
                    f"{characteristic.title.en.lower()}?",
                }
            )
    return out


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
