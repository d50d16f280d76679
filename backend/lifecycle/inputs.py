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
'2026-02-30' is not a calendar date``. A date after ``today`` is taken as given (a planned end of
a suspension, a certificate dated ahead): only what has begun by ``today`` counts for its status.
Fields the calculator does not read are skipped and listed in ``ignored_fields``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    ignored: list[str] = []
    _known_keys(data, "", _TOP, ignored)
    if "today" not in data:
        raise InputError("today", "is required (the date to calculate for, YYYY-MM-DD)")
    today = _date(data["today"], "today")
    audits = _audits(data.get("audits"), ignored)
    ids = [a.id for a in audits]
    ncs = _nonconformities(data.get("nonconformities"), ids, ignored)
    certificate = _certificate(data.get("certificate"), ignored)
    surveillances = (
        _surveillances(data["surveillances"], ignored) if "surveillances" in data else None
    )
    suspensions = _suspensions(data.get("suspensions"), ignored)
    extensions = _extensions(data.get("surveillance_extensions"), model, ignored)
    return Facts(
        today,
        audits,
        ncs,
        certificate,
        surveillances,
        suspensions,
        extensions,
        ignored_fields=tuple(ignored),
    )


def _audits(value: object, ignored: list[str]) -> tuple[Audit, ...]:
    out: list[Audit] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_list(value, "audits")):
        path = f"audits[{i}]"
        m = _object(raw, path, ("id", "kind", "ended_on", "passed", "note"), ignored)
        aid = _id(m.get("id", f"#{i + 1}"), f"{path}.id")
        if aid in seen:
            raise InputError(f"{path}.id", f"duplicate id {aid!r} (also audits[{seen[aid]}])")
        seen[aid] = i
        kind = _required(m, "kind", path)
        if not isinstance(kind, str) or kind not in AUDIT_KINDS:
            raise InputError(
                f"{path}.kind", f"{_show(kind)} is not an audit kind ({', '.join(AUDIT_KINDS)})"
            )
        ended = _date(_required(m, "ended_on", path), f"{path}.ended_on")
        passed = _opt_bool(m.get("passed"), f"{path}.passed")
        out.append(Audit(aid, kind, ended, passed))
    return tuple(out)


def _nonconformities(
    value: object, audits: Sequence[str], ignored: list[str]
) -> tuple[Nonconformity, ...]:
    out: list[Nonconformity] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_list(value, "nonconformities")):
        path = f"nonconformities[{i}]"
        m = _object(raw, path, ("id", "audit", "opened_on", "closed_on", "clause", "note"), ignored)
        nid = _id(m.get("id", f"#{i + 1}"), f"{path}.id")
        if nid in seen:
            raise InputError(
                f"{path}.id", f"duplicate id {nid!r} (also nonconformities[{seen[nid]}])"
            )
        seen[nid] = i
        if m.get("audit") is None and len(audits) == 1:
            # One audit given: a nonconformity naming none was raised in it.
            audit = audits[0]
        else:
            audit = _id(_required(m, "audit", path), f"{path}.audit")
        if audit not in audits:
            known = ", ".join(sorted(audits)) or "none given"
            raise InputError(f"{path}.audit", f"unknown audit {audit!r} (audits: {known})")
        opened = _date(_required(m, "opened_on", path), f"{path}.opened_on")
        closed = _opt_date(m.get("closed_on"), f"{path}.closed_on")
        if closed is not None and closed < opened:
            raise InputError(
                f"{path}.closed_on",
                f"{closed.isoformat()} is before opened_on {opened.isoformat()}",
            )
        if "clause" in m:
            _text(m["clause"], f"{path}.clause")
        out.append(Nonconformity(nid, audit, opened, closed))
    return tuple(out)


def _certificate(value: object, ignored: list[str]) -> Certificate | None:
    if value is None:
        return None
    m = _object(value, "certificate", ("issued_on", "withdrawn_on", "number", "note"), ignored)
    issued = _opt_date(m.get("issued_on"), "certificate.issued_on")
    withdrawn = _opt_date(m.get("withdrawn_on"), "certificate.withdrawn_on")
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


def _surveillances(value: object, ignored: list[str]) -> tuple[Surveillance, ...]:
    out: list[Surveillance] = []
    seen: dict[date, int] = {}
    for i, raw in enumerate(_list(value, "surveillances")):
        path = f"surveillances[{i}]"
        m = _object(raw, path, ("done_on", "passed", "note"), ignored)
        done = _date(_required(m, "done_on", path), f"{path}.done_on")
        if done in seen:
            raise InputError(
                f"{path}.done_on",
                f"two surveillances on {done.isoformat()} (also surveillances[{seen[done]}])",
            )
        seen[done] = i
        out.append(Surveillance(done, _opt_bool(m.get("passed"), f"{path}.passed")))
    return tuple(out)


def _suspensions(value: object, ignored: list[str]) -> tuple[Suspension, ...]:
    out: list[Suspension] = []
    for i, raw in enumerate(_list(value, "suspensions")):
        path = f"suspensions[{i}]"
        m = _object(raw, path, ("started_on", "cause", "ended_on", "note"), ignored)
        started = _date(_required(m, "started_on", path), f"{path}.started_on")
        cause = _required(m, "cause", path)
        if not isinstance(cause, str) or cause not in SUSPENSION_CAUSES:
            raise InputError(
                f"{path}.cause",
                f"{_show(cause)} is not a suspension cause ({', '.join(SUSPENSION_CAUSES)})",
            )
        ended = _opt_date(m.get("ended_on"), f"{path}.ended_on")
        if ended is not None and ended < started:
            raise InputError(
                f"{path}.ended_on",
                f"{ended.isoformat()} is before started_on {started.isoformat()}",
            )
        out.append(Suspension(started, cause, ended))
    return tuple(out)


def _extensions(
    value: object, model: LifecycleModel, ignored: list[str]
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
        m = _object(raw, path, ("surveillance", "granted_on", "note"), ignored)
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
        granted = _opt_date(m.get("granted_on"), f"{path}.granted_on")
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


def _object(
    value: object, path: str, keys: tuple[str, ...], ignored: list[str]
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(path, f"must be an object, got {_kind(value)}")
    _known_keys(value, path, keys, ignored)
    return value


def _known_keys(
    value: Mapping[str, Any], path: str, keys: tuple[str, ...], ignored: list[str]
) -> None:
    """Fields the calculator does not read are skipped and listed (``ignored_fields``), as
    ``fieldcert score`` lists the sections it skips: a tool may send more than this contract
    names (an id, a title) and still get its dates."""
    for key in value:
        if key not in keys:
            ignored.append(f"{path}.{key}" if path else str(key))


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


def _opt_date(value: object, path: str) -> date | None:
    return None if value is None else _date(value, path)


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
