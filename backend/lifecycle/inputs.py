"""The JSON input of ``fieldcert lifecycle``: validation and parsing into ``Facts``.

Every section is optional except ``today``::

    {"today": "2027-06-01",
     "audits": [{"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": true}],
     "nonconformities": [{"id": "nc1", "audit": "a1", "opened_on": "2026-03-10",
                          "closed_on": null}],
     "certificate": {"issued_on": "2026-04-01", "withdrawn_on": null},
     "surveillances": [{"done_on": "2027-02-20", "passed": true}],
     "suspensions": [{"started_on": "2027-05-01", "cause": "client_request", "ended_on": null}],
     "surveillance_extensions": [{"surveillance": 2, "granted_on": "2028-01-10"}]}

The first invalid value raises ``InputError`` naming its path, e.g. ``audits[0].ended_on:
'2026-02-30' is not a calendar date``. Dates are facts: none may lie after ``today``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from backend.lifecycle.dates import FIRST_YEAR, LAST_YEAR, parse_iso_date
from backend.lifecycle.facts import (
    Audit,
    Certificate,
    Facts,
    Nonconformity,
    Surveillance,
    SurveillanceExtension,
    Suspension,
)
from backend.scoring.errors import InputError
from backend.scoring.model import (
    AUDIT_KINDS,
    SUSPENSION_CAUSES,
    LifecycleModel,
)
from backend.scoring.numbers import describe_value

_TOP = (
    "today",
    "audits",
    "nonconformities",
    "certificate",
    "surveillances",
    "suspensions",
    "surveillance_extensions",
)
#: The highest surveillance number an extension may name (far beyond any real cycle).
_MAX_SURVEILLANCE = 100
#: The longest list a section may hold: far beyond one certificate's life, and small enough that
#: every due date stays inside the calendar (see the scheme reader's bounds).
MAX_ENTRIES = 500


def parse_lifecycle_input(data: object, model: LifecycleModel) -> Facts:
    """Validate ``data`` (parsed JSON) into ``Facts``; ``InputError`` names the first bad value."""
    if not isinstance(data, Mapping):
        raise InputError("", f"the input must be a JSON object, got {_kind(data)}")
    _known_keys(data, "", _TOP)
    if "today" not in data:
        raise InputError("today", "is required (the date to calculate for, YYYY-MM-DD)")
    today = _date(data["today"], "today")
    audits = _audits(data.get("audits"), today)
    ids = {a.id for a in audits}
    ncs = _nonconformities(data.get("nonconformities"), today, ids)
    certificate = _certificate(data.get("certificate"), today)
    surveillances = (
        _surveillances(data["surveillances"], today) if "surveillances" in data else None
    )
    suspensions = _suspensions(data.get("suspensions"), today)
    extensions = _extensions(data.get("surveillance_extensions"), today, model)
    return Facts(today, audits, ncs, certificate, surveillances, suspensions, extensions)


def _audits(value: object, today: date) -> tuple[Audit, ...]:
    out: list[Audit] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_list(value, "audits")):
        path = f"audits[{i}]"
        m = _object(raw, path, ("id", "kind", "ended_on", "passed", "note"))
        aid = _id(m.get("id", f"#{i + 1}"), f"{path}.id")
        if aid in seen:
            raise InputError(f"{path}.id", f"duplicate id {aid!r} (also audits[{seen[aid]}])")
        seen[aid] = i
        kind = _required(m, "kind", path)
        if not isinstance(kind, str) or kind not in AUDIT_KINDS:
            raise InputError(
                f"{path}.kind", f"{_show(kind)} is not an audit kind ({', '.join(AUDIT_KINDS)})"
            )
        ended = _fact_date(_required(m, "ended_on", path), f"{path}.ended_on", today)
        passed = _opt_bool(m.get("passed"), f"{path}.passed")
        out.append(Audit(aid, kind, ended, passed))
    return tuple(out)


def _nonconformities(value: object, today: date, audits: set[str]) -> tuple[Nonconformity, ...]:
    out: list[Nonconformity] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_list(value, "nonconformities")):
        path = f"nonconformities[{i}]"
        m = _object(raw, path, ("id", "audit", "opened_on", "closed_on", "clause", "note"))
        nid = _id(m.get("id", f"#{i + 1}"), f"{path}.id")
        if nid in seen:
            raise InputError(
                f"{path}.id", f"duplicate id {nid!r} (also nonconformities[{seen[nid]}])"
            )
        seen[nid] = i
        audit = _id(_required(m, "audit", path), f"{path}.audit")
        if audit not in audits:
            known = ", ".join(sorted(audits)) or "none given"
            raise InputError(f"{path}.audit", f"unknown audit {audit!r} (audits: {known})")
        opened = _fact_date(_required(m, "opened_on", path), f"{path}.opened_on", today)
        closed = _opt_fact_date(m.get("closed_on"), f"{path}.closed_on", today)
        if closed is not None and closed < opened:
            raise InputError(
                f"{path}.closed_on",
                f"{closed.isoformat()} is before opened_on {opened.isoformat()}",
            )
        if "clause" in m:
            _text(m["clause"], f"{path}.clause")
        out.append(Nonconformity(nid, audit, opened, closed))
    return tuple(out)


def _certificate(value: object, today: date) -> Certificate | None:
    if value is None:
        return None
    m = _object(value, "certificate", ("issued_on", "withdrawn_on", "number", "note"))
    issued = _opt_fact_date(m.get("issued_on"), "certificate.issued_on", today)
    withdrawn = _opt_fact_date(m.get("withdrawn_on"), "certificate.withdrawn_on", today)
    if withdrawn is not None and issued is None:
        raise InputError(
            "certificate.withdrawn_on", "a certificate never issued cannot be withdrawn"
        )
    if withdrawn is not None and issued is not None and withdrawn < issued:
        raise InputError(
            "certificate.withdrawn_on",
            f"{withdrawn.isoformat()} is before issued_on {issued.isoformat()}",
        )
    if "number" in m:
        _text(m["number"], "certificate.number")
    return Certificate(issued, withdrawn)


def _surveillances(value: object, today: date) -> tuple[Surveillance, ...]:
    out: list[Surveillance] = []
    seen: dict[date, int] = {}
    for i, raw in enumerate(_list(value, "surveillances")):
        path = f"surveillances[{i}]"
        m = _object(raw, path, ("done_on", "passed", "note"))
        done = _fact_date(_required(m, "done_on", path), f"{path}.done_on", today)
        if done in seen:
            raise InputError(
                f"{path}.done_on",
                f"two surveillances on {done.isoformat()} (also surveillances[{seen[done]}])",
            )
        seen[done] = i
        out.append(Surveillance(done, _opt_bool(m.get("passed"), f"{path}.passed")))
    return tuple(out)


def _suspensions(value: object, today: date) -> tuple[Suspension, ...]:
    out: list[Suspension] = []
    for i, raw in enumerate(_list(value, "suspensions")):
        path = f"suspensions[{i}]"
        m = _object(raw, path, ("started_on", "cause", "ended_on", "note"))
        started = _fact_date(_required(m, "started_on", path), f"{path}.started_on", today)
        cause = _required(m, "cause", path)
        if not isinstance(cause, str) or cause not in SUSPENSION_CAUSES:
            raise InputError(
                f"{path}.cause",
                f"{_show(cause)} is not a suspension cause ({', '.join(SUSPENSION_CAUSES)})",
            )
        ended = _opt_fact_date(m.get("ended_on"), f"{path}.ended_on", today)
        if ended is not None and ended < started:
            raise InputError(
                f"{path}.ended_on",
                f"{ended.isoformat()} is before started_on {started.isoformat()}",
            )
        out.append(Suspension(started, cause, ended))
    return tuple(out)


def _extensions(
    value: object, today: date, model: LifecycleModel
) -> tuple[SurveillanceExtension, ...]:
    items = _list(value, "surveillance_extensions")
    if items and model.surveillance.extension is None:
        raise InputError(
            "surveillance_extensions", "this scheme allows no extension of surveillance"
        )
    out: list[SurveillanceExtension] = []
    seen: dict[int, int] = {}
    for i, raw in enumerate(items):
        path = f"surveillance_extensions[{i}]"
        m = _object(raw, path, ("surveillance", "granted_on", "note"))
        number = _required(m, "surveillance", path)
        if (
            isinstance(number, bool)
            or not isinstance(number, int)
            or not 1 <= number <= _MAX_SURVEILLANCE
        ):
            raise InputError(
                f"{path}.surveillance",
                f"must be the surveillance's number in the cycle (1–{_MAX_SURVEILLANCE}), "
                f"got {_kind(number)}",
            )
        if number in seen:
            raise InputError(
                f"{path}.surveillance",
                f"surveillance {number} is extended twice (also surveillance_extensions"
                f"[{seen[number]}])",
            )
        seen[number] = i
        granted = _opt_fact_date(m.get("granted_on"), f"{path}.granted_on", today)
        out.append(SurveillanceExtension(number, granted))
    return tuple(out)


# --------------------------------------------------------------------------- helpers


def _list(value: object, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(path, f"must be a list, got {_kind(value)}")
    if len(value) > MAX_ENTRIES:
        raise InputError(path, f"has {len(value)} entries; at most {MAX_ENTRIES} are accepted")
    return value


def _object(value: object, path: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(path, f"must be an object, got {_kind(value)}")
    _known_keys(value, path, keys)
    return value


def _known_keys(value: Mapping[str, Any], path: str, keys: tuple[str, ...]) -> None:
    for key in value:
        if key not in keys:
            where = f"{path}.{key}" if path else str(key)
            expected = ", ".join(k for k in keys if k != "note")
            raise InputError(where, f"unknown field (expected {expected})")


def _required(m: Mapping[str, Any], key: str, path: str) -> object:
    if key not in m or m[key] is None:
        raise InputError(f"{path}.{key}", "is required")
    return m[key]


def _date(value: object, path: str) -> date:
    if not isinstance(value, str):
        raise InputError(path, f"must be a date written YYYY-MM-DD, got {_kind(value)}")
    day = parse_iso_date(value)
    if day is None:
        raise InputError(path, f"{value!r} is not a calendar date (YYYY-MM-DD)")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(path, f"{value!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return day


def _fact_date(value: object, path: str, today: date) -> date:
    """A date something happened: on or before ``today``."""
    day = _date(value, path)
    if day > today:
        raise InputError(
            path,
            f"{day.isoformat()} is after today ({today.isoformat()}): the input records what "
            "has happened by today",
        )
    return day


def _opt_fact_date(value: object, path: str, today: date) -> date | None:
    return None if value is None else _fact_date(value, path, today)


def _opt_bool(value: object, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InputError(path, f"must be true, false or null, got {_kind(value)}")


def _id(value: object, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(path, f"must be a non-empty string, got {_kind(value)}")
    text = str(value).strip()
    if not text:
        raise InputError(path, "must be a non-empty string, got an empty text")
    return text


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"must be a non-empty text, got {_kind(value)}")
    return value


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else _kind(value)


def _kind(value: object) -> str:
    return describe_value(value, "an object")
