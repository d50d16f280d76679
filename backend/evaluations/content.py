"""An evaluation's content: its canonical form and hash, and its check against the pinned scheme.

The phone replays its outbox after a failure (docs/sync.md), so a create is identified by its id
and the SHA-256 of its canonical content (``create_hash``), and an edit's replay is recognised by
the hash of the content it yields (``Content.hash``). One text per value: the same content always
hashes the same, whatever the JSON spelling or the time zone the phone wrote.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.errors import (
    SchemeInvalid,
    ValidationFailed,
)
from backend.evaluations.models import (
    EvaluationVersion,
)
from backend.evaluations.ratings import stored_ratings
from backend.schemes import services as schemes
from backend.scoring import InputError, Scheme, parse_input

# --------------------------------------------------------------------------- canonical content


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 as itself (what the hashes cover)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iso_utc(value: datetime | None) -> str | None:
    """A timestamp in one spelling: UTC, microseconds, ``Z`` (``+08:00`` and ``Z`` agree)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Content:
    """The content of one version, in stored (JSON) form."""

    ratings: Mapping[str, Mapping[str, Any]]
    notes: str
    item_notes: Mapping[str, str]
    started_at: datetime | None
    ended_at: datetime | None
    gps_fixes: Sequence[Mapping[str, Any]]
    evidence: Sequence[Mapping[str, Any]]

    def canonical(self) -> dict[str, Any]:
        return {
            "ratings": dict(self.ratings),
            "notes": self.notes,
            "item_notes": dict(self.item_notes),
            "started_at": iso_utc(self.started_at),
            "ended_at": iso_utc(self.ended_at),
            "gps_fixes": list(self.gps_fixes),
            "evidence": list(self.evidence),
        }

    @functools.cached_property
    def hash(self) -> str:
        return sha256_hex(canonical_json(self.canonical()))


EMPTY_CONTENT = Content({}, "", {}, None, None, (), ())


def content_of(version: EvaluationVersion) -> Content:
    return Content(
        ratings=version.ratings,
        notes=version.notes,
        item_notes=version.item_notes,
        started_at=version.started_at,
        ended_at=version.ended_at,
        gps_fixes=version.gps_fixes,
        evidence=version.evidence,
    )


def apply_payload(payload: Mapping[str, Any], base: Content) -> Content:
    """The content after a create or edit: each field given replaces the base's value."""

    def given(name: str, convert: Callable[[Any], Any]) -> Any:
        return convert(payload[name]) if name in payload else getattr(base, name)

    return Content(
        ratings=given("ratings", stored_ratings),
        notes=given("notes", str),
        item_notes=given("item_notes", dict),
        started_at=given("started_at", lambda v: v),
        ended_at=given("ended_at", lambda v: v),
        gps_fixes=given(
            "gps_fixes",
            lambda fixes: [
                {
                    "latitude": float(f["latitude"]),
                    "longitude": float(f["longitude"]),
                    "accuracy_m": float(f["accuracy_m"]),
                    "captured_at": iso_utc(f["captured_at"]),
                }
                for f in fixes
            ],
        ),
        evidence=given(
            "evidence",
            lambda links: [
                {"evidence_id": str(link["evidence_id"]), "item": link.get("item")}
                for link in links
            ],
        ),
    )


def create_hash(payload: Mapping[str, Any], content: Content) -> str:
    """SHA-256 of the canonical create: references, mode, submit flag and content."""
    assignment_id = payload.get("assignment_id")
    return sha256_hex(
        canonical_json(
            {
                "engagement_id": str(payload["engagement_id"]),
                "site_id": str(payload["site_id"]),
                "assignment_id": str(assignment_id) if assignment_id is not None else None,
                "mode": payload["mode"],
                "submit": bool(payload.get("submit", False)),
                **content.canonical(),
            }
        )
    )


# --------------------------------------------------------------------------- schemes


def load_scheme_version(
    session: Session, scheme_version_id: uuid.UUID, *, content_hash: str | None = None
) -> Scheme:
    """The exact scheme an engagement pinned, parsed from its stored text (cached).

    A stored text that no longer hashes to the pinned ``content_hash`` (or no longer parses) is
    refused: scores computed with anything else would not be the scores of the pinned version.
    """
    try:
        return schemes.load_scheme_version(session, scheme_version_id, content_hash=content_hash)
    except schemes.StoredSchemeCorrupt as exc:
        raise SchemeInvalid(details={"scheme_version_id": str(scheme_version_id)}) from exc


def validate_content(
    payload: Mapping[str, Any], scheme: Scheme, mode: str, evaluation_id: uuid.UUID
) -> None:
    """422 unless the given ratings, item notes and evidence items fit the pinned scheme."""
    ratings = payload.get("ratings")
    if ratings:
        if scheme.service is None:
            raise ValidationFailed(
                details={"ratings": [f"scheme {scheme.id} has no service items to rate"]}
            )
        data = {"evaluations": [{"id": str(evaluation_id), "mode": mode, "ratings": ratings}]}
        try:
            parse_input(data, scheme)
        except InputError as exc:
            path = exc.path.removeprefix("evaluations[0].") or "ratings"
            raise ValidationFailed(details={path: [exc.message]}) from exc
    if scheme.service is None:
        return
    items = scheme.service.items
    for code in payload.get("item_notes") or {}:
        if code not in items:
            raise ValidationFailed(
                details={f"item_notes.{code}": [f"unknown item {code!r} in scheme {scheme.id}"]}
            )
    for i, link in enumerate(payload.get("evidence") or ()):
        item = link.get("item")
        if item is not None and item not in items:
            raise ValidationFailed(
                details={f"evidence[{i}].item": [f"unknown item {item!r} in scheme {scheme.id}"]}
            )
