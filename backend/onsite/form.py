"""What the field app needs to record an on-site audit offline: the pinned scheme's management
clauses with their Annex 3 points and Annex 2 level descriptions, the levels from the total; the
conformity judgements (table 2) and clauses; the timing tables (annex) with their limits and the
suggestion rules. Cached on the phone (GET), so the screens work with no network.
"""

from __future__ import annotations

import uuid
from typing import Any

import yaml
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.access import Need, require
from backend.evaluations.content import load_scheme_version
from backend.schemes.models import SchemeVersion
from backend.scoring.model import Text
from backend.scoring.numbers import to_float


def _t(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"zh": text.zh, "en": text.en}


def _descriptions(source: str) -> dict[str, list[dict[str, str]]]:
    """Chapter → the five Annex 2 level descriptions (kept in the file, not in the model)."""
    raw = yaml.safe_load(source) or {}
    out: dict[str, list[dict[str, str]]] = {}
    for group in (raw.get("management") or {}).get("level_descriptions") or []:
        levels = [{"zh": str(x.get("zh", "")), "en": str(x.get("en", ""))} for x in group["levels"]]
        for chapter in group.get("chapters") or []:
            out[str(chapter)] = levels
    return out


def onsite_form(session: Session, actor: Actor, engagement_id: uuid.UUID) -> dict[str, Any]:
    engagement = require(session, actor, engagement_id, Need.TEAM_WORK).engagement
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    stored = session.get_one(SchemeVersion, engagement.scheme_version_id)
    out: dict[str, Any] = {
        "engagement_id": engagement.id,
        "title": engagement.title,
        "scheme": {"id": scheme.id, "version": scheme.version, "title": _t(scheme.title)},
        "management": None,
        "conformity": None,
        "timing": None,
    }
    m = scheme.management
    if m is not None:
        described = _descriptions(stored.source_text)
        out["management"] = {
            "section": m.section,
            "total_points": to_float(m.total_points),
            "exemption_note": _t(m.exemption_note),
            "chapters": [{"code": c, "title": _t(t)} for c, t in m.chapters.items()],
            "clauses": [
                {
                    "code": c.code,
                    "chapter": c.chapter,
                    "title": _t(c.title),
                    "points_by_level": [to_float(p) for p in c.points_by_level or ()],
                    "levels": described.get(c.chapter, []),
                }
                for c in m.clauses.values()
            ],
            "grading": [
                {
                    "level": b.level,
                    "label": _t(b.label),
                    "min": to_float(b.low),
                    "min_inclusive": b.low_inclusive,
                    "max": to_float(b.high),
                    "max_inclusive": b.high_inclusive,
                }
                for b in m.grading
            ],
        }
    c = scheme.conformity
    if c is not None:
        out["conformity"] = {
            "section": c.section,
            "pass_mark": to_float(c.pass_mark),
            "judgements": [
                {
                    "code": j.code,
                    "points": to_float(j.points),
                    "label": _t(j.label),
                    "requires_suggestion": j.requires_suggestion,
                    "opens_nonconformity": j.opens_nonconformity,
                }
                for j in c.judgements.values()
            ],
            "chapters": [{"code": code, "title": _t(t)} for code, t in c.chapters.items()],
            "clauses": [
                {"code": code, "chapter": chapter, "title": _t(title)}
                for code, (chapter, title) in c.clauses.items()
            ],
        }
    t = scheme.timing
    if t is not None:
        out["timing"] = {
            "section": t.section,
            "tables": [
                {
                    "id": tb.id,
                    "table": tb.table,
                    "title": _t(tb.title),
                    "clause": tb.clause,
                    "limit_s": to_float(tb.limit_s),
                    "requirement": _t(tb.requirement),
                    "rows": [_t(r) for r in tb.rows],
                }
                for tb in t.tables
            ],
            "suggestion": [
                {
                    "judgement": r.judgement,
                    "share_min": to_float(r.share_min),
                    "inclusive": r.inclusive,
                }
                for r in t.suggestion
            ],
            "otherwise": t.otherwise,
        }
    return out
