"""Reading the lifecycle rules (CQC rule §5.2.3.1, §6.3, §7–§9) into ``LifecycleModel``.

The parts ``backend.lifecycle`` computes with are typed and strict: whole numbers of days, months
or years, the consequence of a missed rectification deadline per kind of audit, how surveillance
is counted and extended. The parts only shown to people (document review, person-days) are checked
as non-negative numbers or texts and kept as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, TypeVar

from backend.scoring.model import (
    AUDIT_KINDS,
    CONSEQUENCES,
    SUSPENSION_CAUSES,
    AuditKind,
    CertificateRule,
    Consequence,
    LifecycleModel,
    RecertificationRule,
    RectificationRule,
    SurveillanceRule,
    SuspensionCause,
    SuspensionRule,
    Text,
)
from backend.scoring.numbers import is_number
from backend.scoring.reader.base import Reader, join, kind

T = TypeVar("T")

_COMPUTED = {"rectification_days", "certificate", "surveillance", "suspension_max_months"}
_SHOWN = {"document_review", "onsite_audit"}
#: Bounds that keep every computed date inside the calendar: input years stop at 2999 and an
#: input list at 500 entries, so 500 surveillances × 120 months still end before year 9999.
_MAX_DAYS = 3660
_MAX_MONTHS = 120
_MAX_YEARS = 100


def read_lifecycle(r: Reader, value: object, path: str) -> LifecycleModel | None:
    # Keys are checked here rather than by ``Reader.mapping`` (which stops at the first wrong
    # key), so that the parts present are still read and every problem is reported at once.
    if not isinstance(value, dict):
        r.fail(path, f"must be a mapping, got {kind(value)}")
        return None
    m: dict[str, Any] = value
    required = {*_COMPUTED, "recertification"}
    for key in m:
        if key not in required | _SHOWN | {"section", "note"}:
            r.fail(join(path, str(key)), "unknown key")
    for key in sorted(required - set(m)):
        r.fail(join(path, key), "is required")
    section = _section(r, m, path)
    _note(r, m, path)
    for key in _SHOWN:
        if key in m:
            walk_numbers(r, m[key], join(path, key))

    def part(key: str, read: Callable[[Reader, object, str], T | None]) -> T | None:
        return read(r, m[key], join(path, key)) if key in m else None

    rectification = part("rectification_days", _rectification)
    certificate = part("certificate", _certificate)
    surveillance = part("surveillance", _surveillance)
    suspension = part("suspension_max_months", _suspension)
    recert = part("recertification", _recertification)
    if (
        section is None
        or rectification is None
        or certificate is None
        or surveillance is None
        or suspension is None
        or recert is None
    ):
        return None
    return LifecycleModel(
        section=section,
        rectification=rectification,
        certificate=certificate,
        surveillance=surveillance,
        suspension=suspension,
        recertification=recert,
        other={key: m[key] for key in sorted(_SHOWN) if key in m},
    )


def _rectification(
    r: Reader, value: object, path: str
) -> dict[AuditKind, RectificationRule] | None:
    """§5.2.3.1 (initial: typically 20 days, at most 60) and §7.4 b (surveillance: 30, 90)."""
    m = r.mapping(value, path, set(AUDIT_KINDS), {"section", "note"})
    if m is None:
        return None
    outer = _section(r, m, path)
    _note(r, m, path)
    out: dict[AuditKind, RectificationRule] = {}
    for audit_kind in AUDIT_KINDS:
        p = join(path, audit_kind)
        rule = r.mapping(m[audit_kind], p, {"typical", "max", "on_miss"}, {"section", "note"})
        if rule is None:
            continue
        typical = _whole(r, rule["typical"], join(p, "typical"), _MAX_DAYS)
        most = _whole(r, rule["max"], join(p, "max"), _MAX_DAYS)
        on_miss = rule["on_miss"]
        if on_miss not in CONSEQUENCES:
            r.fail(
                join(p, "on_miss"),
                f"must be one of {', '.join(CONSEQUENCES)}, got {kind(on_miss)}",
            )
        if typical is not None and most is not None and typical > most:
            r.fail(join(p, "typical"), f"the typical {typical} days exceed the maximum {most}")
            continue
        section = _section(r, rule, p) if "section" in rule else outer
        if typical is None or most is None or on_miss not in CONSEQUENCES or section is None:
            continue
        consequence: Consequence = on_miss
        out[audit_kind] = RectificationRule(
            audit_kind, typical, most, consequence, section, _note(r, rule, p)
        )
    return out if len(out) == len(AUDIT_KINDS) else None


def _certificate(r: Reader, value: object, path: str) -> CertificateRule | None:
    m = r.mapping(value, path, {"section", "issue_within_days", "validity_years"}, {"note"})
    if m is None:
        return None
    section = _section(r, m, path)
    days = _whole(r, m["issue_within_days"], join(path, "issue_within_days"), _MAX_DAYS)
    years = _whole(r, m["validity_years"], join(path, "validity_years"), _MAX_YEARS, least=1)
    note = _note(r, m, path)
    if section is None or days is None or years is None:
        return None
    return CertificateRule(days, years, section, note)


def _surveillance(r: Reader, value: object, path: str) -> SurveillanceRule | None:
    m = r.mapping(
        value,
        path,
        {"section", "first_within_months", "interval_months", "counted_from"},
        {"extension", "note"},
    )
    if m is None:
        return None
    section = _section(r, m, path)
    first = _whole(r, m["first_within_months"], join(path, "first_within_months"), _MAX_MONTHS)
    interval = _whole(r, m["interval_months"], join(path, "interval_months"), _MAX_MONTHS, least=1)
    counted_from = m["counted_from"]
    if counted_from not in ("first_surveillance", "previous_surveillance"):
        r.fail(
            join(path, "counted_from"),
            f"must be first_surveillance or previous_surveillance, got {kind(counted_from)}",
        )
    extension = m.get("extension")
    if extension not in (None, "end_of_calendar_year"):
        r.fail(
            join(path, "extension"),
            f"must be end_of_calendar_year or absent, got {kind(extension)}",
        )
    note = _note(r, m, path)
    if (
        section is None
        or first is None
        or interval is None
        or counted_from not in ("first_surveillance", "previous_surveillance")
        or extension not in (None, "end_of_calendar_year")
    ):
        return None
    return SurveillanceRule(first, interval, counted_from, extension, section, note)


def _suspension(r: Reader, value: object, path: str) -> SuspensionRule | None:
    m = r.mapping(value, path, {"section", *SUSPENSION_CAUSES}, {"note"})
    if m is None:
        return None
    section = _section(r, m, path)
    months: dict[SuspensionCause, int] = {}
    for cause in SUSPENSION_CAUSES:
        n = _whole(r, m[cause], join(path, cause), _MAX_MONTHS, least=1)
        if n is not None:
            months[cause] = n
    note = _note(r, m, path)
    if section is None or len(months) != len(SUSPENSION_CAUSES):
        return None
    return SuspensionRule(months, section, note)


def _recertification(r: Reader, value: object, path: str) -> RecertificationRule | None:
    m = r.mapping(
        value,
        path,
        {"section", "apply_from_months_before_expiry", "finish_within_months_after_expiry"},
        {"direct_renewal", "note"},
    )
    if m is None:
        return None
    section = _section(r, m, path)
    before = _whole(
        r,
        m["apply_from_months_before_expiry"],
        join(path, "apply_from_months_before_expiry"),
        _MAX_MONTHS,
    )
    after = _whole(
        r,
        m["finish_within_months_after_expiry"],
        join(path, "finish_within_months_after_expiry"),
        _MAX_MONTHS,
    )
    direct = (
        r.boolean(m["direct_renewal"], join(path, "direct_renewal"))
        if ("direct_renewal" in m)
        else False
    )
    note = _note(r, m, path)
    if section is None or before is None or after is None or direct is None:
        return None
    return RecertificationRule(before, after, direct, section, note)


def _section(r: Reader, m: Mapping[str, Any], path: str) -> str | None:
    if "section" not in m:
        r.fail(join(path, "section"), "is required")
        return None
    return r.string(m["section"], join(path, "section"))


def _note(r: Reader, m: Mapping[str, Any], path: str) -> Text | None:
    return r.opt_text(m, "note", path)


def _whole(r: Reader, value: object, path: str, most: int, *, least: int = 0) -> int | None:
    """A count of days, months or years: a whole number in ``least..most``."""
    return r.integer(value, path, least, most)


def walk_numbers(r: Reader, value: object, path: str) -> None:
    """Shown-only values are counts of days or person-days: non-negative numbers or texts."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in ("zh", "en", "section", "note", "unit"):
                continue
            walk_numbers(r, sub, join(path, str(key)))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            walk_numbers(r, sub, f"{path}[{i}]")
    elif is_number(value):
        r.number(value, path, min_value=Fraction(0))
    elif not isinstance(value, str | bool):
        r.fail(path, f"must be a number, got {kind(value)}")
