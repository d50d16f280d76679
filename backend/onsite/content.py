"""The content of an on-site record, checked against the engagement's pinned scheme.

Management (Tengbiao §5.2, Annexes 2–4)::

    {"clauses": {"1.1": {"level": 3, "note": "…", "evidence": ["<uuid>"]}, "1.2": {"level": null}},
     "exemption": {"certificate_evidence": "<uuid>", "certificate_number": "…",
                   "valid_until": "2027-05-31", "note": "…"} | null,
     "notes": "…"}

A clause without a level is not rated yet (the level stays provisional until all are rated). The
§5.2.2 ISO 9001 partial exemption is a recorded decision with its certificate as evidence: it never
changes a score.

Conformity (CQC §5.2.3, annex tables 1–3)::

    {"clauses": {"4.3.1": {"judgement": "partial", "suggestion": "…", "finding": "…",
                           "reason": "…", "rectified": false, "note": "…", "evidence": []}},
     "timing": [{"id": "<uuid>", "clause": "4.3.2", "item": "…",
                 "received": "2026-03-02T23:59:58.250+08:00", "sent": "2026-03-03T00:00:04+08:00"}],
     "notes": "…"}

Table 2 (§5.2.3.1): 部分符合 needs a written improvement suggestion, 不符合 a finding (the
nonconformity it opens). A clause with timing rows in the record gets the judgement the share of
conforming rows suggests (our reading, scheme data); another judgement is an override and needs a
reason. Rows are checked by the scoring core itself: full timestamps, sent not before received.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.errors import MissingEvidence, ValidationFailed
from backend.evidence.models import Evidence
from backend.onsite.models import RecordKind
from backend.onsite.pair_rules import normalise_pair_rating
from backend.onsite.views import timing_entry
from backend.scoring import InputError, Scheme, parse_input
from backend.scoring.engine import score_timing

NOTE_MAX = 4000


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def create_hash(engagement_id: uuid.UUID, kind: str, content: Mapping[str, Any]) -> str:
    """What identifies a create: its engagement, kind and content (submit is not part of it)."""
    return content_hash({"engagement_id": str(engagement_id), "kind": kind, "content": content})


class _Errors:
    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.details.setdefault(path, []).append(message)

    def raise_any(self) -> None:
        if self.details:
            raise ValidationFailed(details=self.details)


def _text(value: Any, path: str, errors: _Errors, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, "must be a text")
        return ""
    text = str(value).strip()
    if len(text) > NOTE_MAX:
        errors.add(path, f"at most {NOTE_MAX} characters")
    if required and not text:
        errors.add(path, "is required")
    return text


def _evidence(value: Any, path: str, errors: _Errors) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(path, "must be a list of evidence ids")
        return []
    out: list[str] = []
    for i, raw in enumerate(value):
        try:
            out.append(str(uuid.UUID(str(raw))))
        except ValueError:
            errors.add(f"{path}[{i}]", "is not an evidence id (UUID)")
    return sorted(set(out))


def normalise(kind: RecordKind, raw: Mapping[str, Any], scheme: Scheme) -> dict[str, Any]:
    """The content as stored (trimmed, evidence ids sorted), or 422 naming every problem."""
    errors = _Errors()
    if not isinstance(raw, Mapping):
        raise ValidationFailed(details={"content": ["must be an object"]})
    if kind is RecordKind.PAIR_RATING:
        return normalise_pair_rating(raw)
    allowed = (
        {"clauses", "exemption", "notes"}
        if kind is RecordKind.MANAGEMENT
        else {"clauses", "timing", "notes"}
    )
    for key in raw:
        if key not in allowed:
            errors.add(f"content.{key}", f"unknown field (expected {', '.join(sorted(allowed))})")
    errors.raise_any()
    if kind is RecordKind.MANAGEMENT:
        out = _management(raw, scheme, errors)
    else:
        out = _conformity(raw, scheme, errors)
    errors.raise_any()
    return out


# --------------------------------------------------------------------------- management


def _management(raw: Mapping[str, Any], scheme: Scheme, errors: _Errors) -> dict[str, Any]:
    model = scheme.management
    if model is None:
        raise ValidationFailed(
            details={"kind": [f"scheme {scheme.id} has no management maturity model"]}
        )
    clauses_raw = raw.get("clauses") or {}
    if not isinstance(clauses_raw, Mapping):
        raise ValidationFailed(details={"content.clauses": ["must be an object"]})
    clauses: dict[str, Any] = {}
    for code, entry in clauses_raw.items():
        path = f"content.clauses.{code}"
        if code not in model.clauses:
            errors.add(path, f"unknown clause {code!r} in scheme {scheme.id}")
            continue
        if not isinstance(entry, Mapping):
            errors.add(path, "must be an object with level, note, evidence")
            continue
        for key in entry:
            if key not in ("level", "note", "evidence"):
                errors.add(f"{path}.{key}", "unknown field (expected level, note, evidence)")
        level = entry.get("level")
        if level is not None:
            try:
                parse_input({"management": {code: level}}, scheme)
            except InputError as exc:
                errors.add(f"{path}.level", exc.message)
        clauses[code] = {
            "level": level,
            "note": _text(entry.get("note"), f"{path}.note", errors),
            "evidence": _evidence(entry.get("evidence"), f"{path}.evidence", errors),
        }
    exemption = raw.get("exemption")
    out_ex: dict[str, Any] | None = None
    if exemption is not None:
        path = "content.exemption"
        if not isinstance(exemption, Mapping):
            errors.add(path, "must be an object or null")
        else:
            for key in exemption:
                if key not in ("certificate_evidence", "certificate_number", "valid_until", "note"):
                    errors.add(f"{path}.{key}", "unknown field")
            # §5.2.2: the exemption rests on a valid ISO 9001 certificate: its copy is the evidence.
            cert = _evidence(
                [exemption.get("certificate_evidence")]
                if exemption.get("certificate_evidence")
                else [],
                f"{path}.certificate_evidence",
                errors,
            )
            if not cert:
                errors.add(
                    f"{path}.certificate_evidence",
                    "the ISO 9001 certificate is the evidence of an exemption (§5.2.2)",
                )
            valid_until = exemption.get("valid_until")
            if valid_until is not None:
                try:
                    date.fromisoformat(str(valid_until))
                except ValueError:
                    errors.add(f"{path}.valid_until", "must be a date YYYY-MM-DD")
            out_ex = {
                "certificate_evidence": cert[0] if cert else None,
                "certificate_number": _text(
                    exemption.get("certificate_number"), f"{path}.certificate_number", errors
                ),
                "valid_until": valid_until,
                "note": _text(exemption.get("note"), f"{path}.note", errors),
            }
    return {
        "clauses": {code: clauses[code] for code in model.clauses if code in clauses},
        "exemption": out_ex,
        "notes": _text(raw.get("notes"), "content.notes", errors),
    }


# --------------------------------------------------------------------------- conformity

_CONFORMITY_KEYS = ("judgement", "suggestion", "finding", "reason", "rectified", "note", "evidence")
_ROW_KEYS = ("id", "clause", "item", "received", "sent", "note")


def _conformity(raw: Mapping[str, Any], scheme: Scheme, errors: _Errors) -> dict[str, Any]:
    model = scheme.conformity
    if model is None:
        raise ValidationFailed(details={"kind": [f"scheme {scheme.id} has no conformity model"]})
    rows = _timing_rows(raw.get("timing"), scheme, errors)
    suggested = timing_suggestions(scheme, rows)
    clauses_raw = raw.get("clauses") or {}
    if not isinstance(clauses_raw, Mapping):
        raise ValidationFailed(details={"content.clauses": ["must be an object"]})
    clauses: dict[str, Any] = {}
    for code, entry in clauses_raw.items():
        path = f"content.clauses.{code}"
        if code not in model.clauses:
            errors.add(path, f"unknown clause {code!r} in scheme {scheme.id}")
            continue
        if not isinstance(entry, Mapping):
            errors.add(path, "must be an object")
            continue
        for key in entry:
            if key not in _CONFORMITY_KEYS:
                errors.add(
                    f"{path}.{key}", f"unknown field (expected {', '.join(_CONFORMITY_KEYS)})"
                )
        judgement = entry.get("judgement")
        rectified = entry.get("rectified", False)
        if not isinstance(rectified, bool):
            errors.add(f"{path}.rectified", "must be true or false")
            rectified = False
        out = {
            "judgement": judgement,
            "suggestion": _text(entry.get("suggestion"), f"{path}.suggestion", errors),
            "finding": _text(entry.get("finding"), f"{path}.finding", errors),
            "reason": _text(entry.get("reason"), f"{path}.reason", errors),
            "rectified": rectified,
            "note": _text(entry.get("note"), f"{path}.note", errors),
            "evidence": _evidence(entry.get("evidence"), f"{path}.evidence", errors),
        }
        clauses[code] = out
        if judgement is None:
            continue
        if not isinstance(judgement, str) or judgement not in model.judgements:
            names = ", ".join(model.judgements)
            errors.add(f"{path}.judgement", f"{judgement!r} is not a judgement ({names})")
            continue
        rule = model.judgements[judgement]
        if rule.requires_suggestion and not out["suggestion"]:
            # §5.2.3.1: 判定为“部分符合”的，应提出书面的持续改进建议。
            errors.add(
                f"{path}.suggestion",
                f"a {judgement} judgement needs a written improvement suggestion ({model.section})",
            )
        if rule.opens_nonconformity and not out["finding"]:
            errors.add(
                f"{path}.finding",
                "a nonconformity needs its finding: what was found, against which requirement",
            )
        hint = suggested.get(code)
        if hint is not None and judgement != hint and not out["reason"]:
            errors.add(
                f"{path}.reason",
                f"the timing rows suggest {hint!r}: "
                f"overriding it with {judgement!r} needs a reason",
            )
    return {
        "clauses": {code: clauses[code] for code in model.clauses if code in clauses},
        "timing": rows,
        "notes": _text(raw.get("notes"), "content.notes", errors),
    }


def _timing_rows(value: Any, scheme: Scheme, errors: _Errors) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("content.timing", "must be a list of rows")
        return []
    if value and scheme.timing is None:
        errors.add("content.timing", f"scheme {scheme.id} has no timing check tables")
        return []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(value):
        path = f"content.timing[{i}]"
        if not isinstance(raw, Mapping):
            errors.add(path, "must be an object")
            continue
        for key in raw:
            if key not in _ROW_KEYS:
                errors.add(f"{path}.{key}", f"unknown field (expected {', '.join(_ROW_KEYS)})")
        try:
            row_id = str(uuid.UUID(str(raw.get("id"))))
        except ValueError:
            errors.add(f"{path}.id", "is required: the row's id made on the phone (UUID)")
            continue
        if row_id in seen:
            errors.add(f"{path}.id", "duplicate row id")
        seen.add(row_id)
        row = {
            "id": row_id,
            "clause": raw.get("clause"),
            "item": _text(raw.get("item"), f"{path}.item", errors, required=True),
            "received": raw.get("received"),
            "sent": raw.get("sent"),
            "note": _text(raw.get("note"), f"{path}.note", errors),
        }
        try:
            parse_input({"timing": [timing_entry(row)]}, scheme)
        except InputError as exc:
            errors.add(path + exc.path.removeprefix("timing[0]"), exc.message)
            continue
        rows.append(row)
    return rows


def timing_suggestions(scheme: Scheme, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Clause → judgement the scheme suggests from the share of conforming rows."""
    if not rows or scheme.timing is None:
        return {}
    parsed = parse_input({"timing": [timing_entry(r) for r in rows]}, scheme).timing
    _, suggestions = score_timing(scheme, parsed)
    return {s.clause: s.judgement for s in suggestions}


def cited_evidence(content: Mapping[str, Any]) -> list[str]:
    ids: set[str] = set()
    for entry in (content.get("clauses") or {}).values():
        ids.update(entry.get("evidence") or [])
    exemption = content.get("exemption")
    if exemption and exemption.get("certificate_evidence"):
        ids.add(exemption["certificate_evidence"])
    return sorted(ids)


def check_evidence(session: Session, organisation_id: uuid.UUID, ids: list[str]) -> None:
    """422 MISSING_EVIDENCE naming every cited id not uploaded yet (the phone uploads, replays)."""
    if not ids:
        return
    wanted = {uuid.UUID(i) for i in ids}
    found = set(
        session.scalars(
            sa.select(Evidence.id).where(
                Evidence.id.in_(wanted), Evidence.organisation_id == organisation_id
            )
        )
    )
    missing = sorted(str(i) for i in wanted - found)
    if missing:
        raise MissingEvidence(
            details={
                "evidence": [
                    f"evidence {m} has not been uploaded: upload it first" for m in missing
                ],
                "missing_evidence": missing,
            }
        )
