"""Reading clause conformity (CQC §5.2.3): judgements and their points, chapters, clauses.

Judgements have distinct points; the cap for a clause re-judged after rectification (§5.2.3.1)
and the pass mark (§5.2.3.2) must fit them.
"""

from __future__ import annotations

from fractions import Fraction

from backend.scoring.model import ConformityModel, Judgement, Text
from backend.scoring.numbers import decimal_text
from backend.scoring.reader.base import Reader, join


def read_conformity(r: Reader, value: object, path: str) -> ConformityModel | None:
    m = r.mapping(
        value, path, {"section", "judgements", "rectified_cap", "pass_mark", "chapters"}, set()
    )
    if m is None:
        return None
    section = r.string(m["section"], join(path, "section"))
    jp = join(path, "judgements")
    judgements: dict[str, Judgement] = {}
    jm = r.mapping(
        m["judgements"],
        jp,
        set(),
        set(m["judgements"]) if isinstance(m["judgements"], dict) else set(),
    )
    for code, raw in (jm or {}).items():
        p = join(jp, code)
        j = r.mapping(raw, p, {"points", "label"}, {"requires_suggestion", "opens_nonconformity"})
        if j is None or r.code(code, p) is None:
            continue
        pts = r.number(j["points"], join(p, "points"), min_value=Fraction(0))
        label = r.text(j["label"], join(p, "label"))
        rs = r.boolean(j.get("requires_suggestion", False), join(p, "requires_suggestion"))
        on = r.boolean(j.get("opens_nonconformity", False), join(p, "opens_nonconformity"))
        if pts is None or label is None or rs is None or on is None:
            continue
        judgements[code] = Judgement(code, pts, label, rs, on)
    ordered = sorted(judgements.values(), key=lambda j: j.points)
    if len({j.points for j in ordered}) != len(ordered):
        r.fail(jp, "two judgements have the same points")
    cap = m["rectified_cap"]
    cap_known = isinstance(cap, str) and cap in judgements
    if judgements and not cap_known:
        r.fail(join(path, "rectified_cap"), f"unknown judgement {cap!r}")
    pass_mark = r.number(m["pass_mark"], join(path, "pass_mark"), min_value=Fraction(0))
    if pass_mark is not None and ordered and pass_mark > ordered[-1].points:
        r.fail(
            join(path, "pass_mark"),
            f"{decimal_text(pass_mark)} is above the highest judgement's points",
        )
    chapters: dict[str, Text] = {}
    clauses: dict[str, tuple[str, Text]] = {}
    chp = join(path, "chapters")
    for ci, raw in enumerate(r.seq(m["chapters"], chp, min_len=1) or []):
        p = f"{chp}[{ci}]"
        c = r.mapping(raw, p, {"code", "title", "clauses"}, set())
        if c is None:
            continue
        ccode = r.code(c["code"], join(p, "code"))
        ctitle = r.text(c["title"], join(p, "title"))
        if ccode is None or ctitle is None:
            continue
        if ccode in chapters:
            r.fail(join(p, "code"), f"duplicate chapter {ccode!r}")
        chapters[ccode] = ctitle
        clp = join(p, "clauses")
        for li, lraw in enumerate(r.seq(c["clauses"], clp, min_len=1) or []):
            lp = f"{clp}[{li}]"
            cl = r.mapping(lraw, lp, {"code", "title"}, set())
            if cl is None:
                continue
            lcode = r.code(cl["code"], join(lp, "code"))
            ltitle = r.text(cl["title"], join(lp, "title"))
            if lcode is None or ltitle is None:
                continue
            if lcode in clauses:
                r.fail(join(lp, "code"), f"duplicate clause {lcode!r}")
            clauses[lcode] = (ccode, ltitle)
    if section is None or pass_mark is None or not judgements or not cap_known:
        return None
    return ConformityModel(section, judgements, cap, pass_mark, chapters, clauses)
