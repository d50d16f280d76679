"""Reading a scheme document's top level: identity, status, source document, notes, modes.

Reads each part in dependency order (scales before the items that use them, conformity before
the timing tables and decision rows that refer to it) and checks what spans parts, e.g. a mode
weighted by the service model must be a mode the scheme uses (GB/T 27207 modes A–I, CQC rule §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.scoring.model import FORMAT, MODES, Scheme
from backend.scoring.reader.base import Reader, join
from backend.scoring.reader.conformity import read_conformity
from backend.scoring.reader.decision import read_decision
from backend.scoring.reader.lifecycle import read_lifecycle
from backend.scoring.reader.management import read_management
from backend.scoring.reader.scales import read_scales
from backend.scoring.reader.service import read_service
from backend.scoring.reader.timing import read_timing

_DOC_OPTIONAL = {"version", "published", "effective", "revised", "source", "section_marks", "basis"}


def read_scheme(r: Reader, data: object, digest: str, source: str) -> Scheme | None:
    top = r.mapping(
        data,
        "",
        {"format", "id", "version", "title", "status", "document"},
        {
            "incomplete_note",
            "notes",
            "modes",
            "scales",
            "service",
            "management",
            "decision",
            "conformity",
            "timing",
            "lifecycle",
        },
    )
    if top is None:
        return None
    if top["format"] != FORMAT:
        r.fail("format", f"must be {FORMAT!r}, got {top['format']!r}")
    sid = r.code(top["id"], "id")
    version = r.string(top["version"], "version")
    title = r.text(top["title"], "title")
    status = top["status"]
    if status not in ("complete", "incomplete"):
        r.fail("status", f"must be 'complete' or 'incomplete', got {status!r}")
    incomplete_note = r.opt_text(top, "incomplete_note", "")
    if status == "incomplete" and incomplete_note is None:
        r.fail("incomplete_note", "an incomplete scheme must say what is missing")
    document = r.mapping(top["document"], "document", {"code", "title", "issuer"}, _DOC_OPTIONAL)
    if document is not None:
        r.string(document["code"], "document.code")
        r.text(document["title"], "document.title")
        r.text(document["issuer"], "document.issuer")
    notes = _notes(r, top.get("notes", []), "notes")
    modes = _modes(r, top.get("modes"), "modes")
    scales = read_scales(r, top.get("scales", {}), "scales")
    service = read_service(r, top["service"], "service", scales) if "service" in top else None
    management = (
        read_management(r, top["management"], "management", scales) if "management" in top else None
    )
    conformity = (
        read_conformity(r, top["conformity"], "conformity") if "conformity" in top else None
    )
    timing = read_timing(r, top["timing"], "timing", conformity) if "timing" in top else None
    decision = (
        read_decision(r, top["decision"], "decision", service, management, conformity)
        if "decision" in top
        else None
    )
    if service is None and management is None and conformity is None:
        r.fail("", "a scheme needs at least one of service, management or conformity")
    if service is not None and service.mode_weights is not None and modes:
        used = _all_used_modes(modes)
        for mode in service.mode_weights:
            if used and mode not in used:
                r.fail(
                    f"service.aggregation.mode_weights.{mode}",
                    f"mode {mode} is weighted but not among the modes the scheme uses",
                )
    lifecycle = read_lifecycle(r, top["lifecycle"], "lifecycle") if "lifecycle" in top else None
    if (
        r.problems
        or sid is None
        or version is None
        or title is None
        or status not in ("complete", "incomplete")
        or document is None
    ):
        return None
    return Scheme(
        id=sid,
        version=version,
        title=title,
        status=status,
        content_hash=digest,
        source=source,
        document=document,
        modes=modes or {},
        scales=scales,
        service=service,
        management=management,
        decision=decision,
        conformity=conformity,
        timing=timing,
        lifecycle=lifecycle,
        notes=tuple(notes),
        incomplete_note=incomplete_note,
    )


def _notes(r: Reader, value: object, path: str) -> list[Mapping[str, Any]]:
    items = r.seq(value, path)
    out: list[Mapping[str, Any]] = []
    for i, raw in enumerate(items or []):
        p = f"{path}[{i}]"
        m = r.mapping(raw, p, {"topic", "zh", "en"}, {"section"})
        if m is None:
            continue
        r.string(m["topic"], join(p, "topic"))
        r.string(m["zh"], join(p, "zh"))
        r.string(m["en"], join(p, "en"))
        out.append(m)
    return out


def _modes(r: Reader, value: object, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    m = r.mapping(value, path, set(), {"used", "section", "note"})
    if m is None:
        return None
    used = m.get("used")
    if used is not None:
        um = r.mapping(
            used, join(path, "used"), set(), {"initial", "surveillance", "recertification"}
        )
        for stage, modes in (um or {}).items():
            seq = r.seq(modes, join(path, "used", stage), min_len=1)
            for i, mode in enumerate(seq or []):
                if not isinstance(mode, str) or mode not in MODES:
                    r.fail(f"{join(path, 'used', stage)}[{i}]", f"unknown mode {mode!r} (A–I)")
    if "note" in m:
        r.text(m["note"], join(path, "note"))
    return m


def _all_used_modes(modes: Mapping[str, Any]) -> set[str]:
    used = modes.get("used") or {}
    return {m for stage in used.values() if isinstance(stage, list) for m in stage}
