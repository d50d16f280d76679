"""Reading the management maturity model (Annex 2/3): chapters, clauses and their points, levels.

A clause earns points per maturity level 1..5 (rising with the level), or points × a coefficient
scale; the declared total must equal the sum of the clauses' maxima, and the grading's level bands
must end at that total.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from backend.scoring.model import Clause, LevelBand, ManagementModel, Scale, Text
from backend.scoring.numbers import decimal_text
from backend.scoring.reader.base import Reader, join
from backend.scoring.reader.scales import read_grading, scale_ref


def read_management(
    r: Reader, value: object, path: str, scales: Mapping[str, Scale]
) -> ManagementModel | None:
    m = r.mapping(
        value,
        path,
        {"section", "total_points", "chapters"},
        {"grading", "exemption_note", "level_descriptions"},
    )
    if m is None:
        return None
    section = r.string(m["section"], join(path, "section"))
    total = r.number(m["total_points"], join(path, "total_points"), positive=True)
    exemption = r.opt_text(m, "exemption_note", path)
    if "level_descriptions" in m:
        read_level_descriptions(r, m["level_descriptions"], join(path, "level_descriptions"))
    chapters: dict[str, Text] = {}
    clauses: dict[str, Clause] = {}
    chp = join(path, "chapters")
    expected = 0
    for ci, raw in enumerate(r.seq(m["chapters"], chp, min_len=1) or []):
        p = f"{chp}[{ci}]"
        c = r.mapping(raw, p, {"code", "title", "clauses"}, set())
        if c is None:
            continue
        ccode = r.code(c["code"], join(p, "code"))
        ctitle = r.text(c["title"], join(p, "title"))
        if ccode is not None and ctitle is not None:
            chapters[ccode] = ctitle
        clp = join(p, "clauses")
        for li, lraw in enumerate(r.seq(c["clauses"], clp, min_len=1) or []):
            expected += 1
            clause = read_clause(r, lraw, f"{clp}[{li}]", ccode or "?", scales)
            if clause is None:
                continue
            if clause.code in clauses:
                r.fail(f"{clp}[{li}].code", f"duplicate clause code {clause.code!r}")
                continue
            clauses[clause.code] = clause
    if total is not None and len(clauses) == expected:
        max_sum = sum((c.max_points for c in clauses.values()), Fraction(0))
        if max_sum != total:
            r.fail(
                join(path, "total_points"),
                f"declares {decimal_text(total)} points but the clauses' maxima sum to "
                f"{decimal_text(max_sum)}",
            )
    grading: tuple[LevelBand, ...] = ()
    if "grading" in m:
        grading = read_grading(r, m["grading"], join(path, "grading"), total)
    if section is None or total is None:
        return None
    return ManagementModel(section, total, chapters, clauses, grading, exemption)


def read_level_descriptions(r: Reader, value: object, path: str) -> None:
    items = r.seq(value, path, min_len=1)
    for i, raw in enumerate(items or []):
        p = f"{path}[{i}]"
        m = r.mapping(raw, p, {"chapters", "levels"}, set())
        if m is None:
            continue
        r.seq(m["chapters"], join(p, "chapters"), min_len=1)
        levels = r.seq(m["levels"], join(p, "levels"), min_len=5)
        for li, lraw in enumerate(levels or []):
            r.text(lraw, f"{join(p, 'levels')}[{li}]")


def read_clause(
    r: Reader, raw: object, path: str, chapter: str, scales: Mapping[str, Scale]
) -> Clause | None:
    m = r.mapping(raw, path, {"code", "title"}, {"points_by_level", "points", "scale"})
    if m is None:
        return None
    code = r.code(m["code"], join(path, "code"))
    title = r.text(m["title"], join(path, "title"))
    pbl: tuple[Fraction, ...] | None = None
    points: Fraction | None = None
    scale: Scale | None = None
    if "points_by_level" in m:
        if "points" in m or "scale" in m:
            r.fail(path, "give either points_by_level or points with a scale, not both")
            return None
        seq = r.seq(m["points_by_level"], join(path, "points_by_level"), min_len=5)
        if seq is None:
            # Reported by seq; a clause without its points must not reach the model.
            return None
        if len(seq) != 5:
            r.fail(join(path, "points_by_level"), f"must list 5 levels, got {len(seq)}")
            return None
        values = [
            r.number(v, f"{join(path, 'points_by_level')}[{i}]", min_value=Fraction(0))
            for i, v in enumerate(seq)
        ]
        if any(v is None for v in values):
            return None
        pbl = tuple(v for v in values if v is not None)
        if any(pbl[i] >= pbl[i + 1] for i in range(4)):
            r.fail(join(path, "points_by_level"), "points must rise with the level")
    elif "points" in m:
        points = r.number(m["points"], join(path, "points"), positive=True)
        scale = scale_ref(r, m.get("scale"), join(path, "scale"), scales)
        if points is None or scale is None:
            return None
    else:
        r.fail(path, "needs points_by_level (maturity points per level) or points with a scale")
        return None
    if code is None or title is None:
        return None
    return Clause(code, title, chapter, pbl, points, scale)
