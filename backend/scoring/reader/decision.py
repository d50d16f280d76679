"""Reading the decision rows (§5.3): which outcome or grade a result earns, best row first.

Each row's conditions must refer to models the scheme has (a service threshold needs a service
model, a management level must be one of its levels), and the rows must be ordered best first.
"""

from __future__ import annotations

from fractions import Fraction

from backend.scoring.model import (
    Conditions,
    ConformityModel,
    DecisionModel,
    DecisionRow,
    ManagementModel,
    ServiceModel,
)
from backend.scoring.numbers import decimal_text
from backend.scoring.reader.base import Reader, join

_CONDITION_KEYS = {
    "service_min",
    "service_below",
    "management_level_min",
    "management_total_min",
    "conformity_passed",
    "no_open_nonconformities",
    "all_clauses_judged",
}


def read_decision(
    r: Reader,
    value: object,
    path: str,
    service: ServiceModel | None,
    management: ManagementModel | None,
    conformity: ConformityModel | None,
) -> DecisionModel | None:
    m = r.mapping(value, path, {"section", "rows"}, {"note"})
    if m is None:
        return None
    section = r.string(m["section"], join(path, "section"))
    note = r.opt_text(m, "note", path)
    rows: list[DecisionRow] = []
    rp = join(path, "rows")
    raw_rows = r.seq(m["rows"], rp, min_len=1) or []
    for ri, raw in enumerate(raw_rows):
        p = f"{rp}[{ri}]"
        row = r.mapping(raw, p, {"id", "outcome", "when"}, {"grade", "source"})
        if row is None:
            continue
        rid = r.code(row["id"], join(p, "id"))
        outcome = row["outcome"]
        if outcome not in ("grade", "certified", "not_certified"):
            r.fail(
                join(p, "outcome"),
                f"must be grade, certified or not_certified, got {outcome!r}",
            )
            continue
        grade = r.opt_text(row, "grade", p)
        if outcome == "grade" and grade is None:
            r.fail(join(p, "grade"), "a grade row needs the grade's label")
        if outcome != "grade" and "grade" in row:
            r.fail(
                join(p, "grade"),
                f"only outcome 'grade' names a grade, this row is {outcome!r}",
            )
        when = read_conditions(r, row["when"], join(p, "when"), service, management, conformity)
        if rid is None or when is None:
            continue
        rows.append(DecisionRow(rid, outcome, when, grade, row.get("source")))
    if len(rows) == len(raw_rows):
        # Best row first: a row must not be easier to meet than a later one on service score.
        for i in range(1, len(rows)):
            a, b = rows[i - 1].when.service_min, rows[i].when.service_min
            if a is not None and b is not None and b > a:
                r.fail(
                    f"{rp}[{i}].when.service_min",
                    f"rows must be ordered best first: {decimal_text(b)} > "
                    f"{decimal_text(a)} above it",
                )
        ids = [row.id for row in rows]
        for i, rid in enumerate(ids):
            if rid in ids[:i]:
                r.fail(f"{rp}[{i}].id", f"duplicate row id {rid!r}")
    if section is None:
        return None
    return DecisionModel(section, tuple(rows), note)


def read_conditions(
    r: Reader,
    value: object,
    path: str,
    service: ServiceModel | None,
    management: ManagementModel | None,
    conformity: ConformityModel | None,
) -> Conditions | None:
    m = r.mapping(value, path, set(), _CONDITION_KEYS)
    if m is None:
        return None
    smin = (
        r.number(m["service_min"], join(path, "service_min"), min_value=Fraction(0))
        if "service_min" in m
        else None
    )
    sbelow = (
        r.number(m["service_below"], join(path, "service_below"), positive=True)
        if "service_below" in m
        else None
    )
    lmin = (
        r.integer(m["management_level_min"], join(path, "management_level_min"), 1, 99)
        if "management_level_min" in m
        else None
    )
    tmin = (
        r.number(
            m["management_total_min"],
            join(path, "management_total_min"),
            min_value=Fraction(0),
        )
        if "management_total_min" in m
        else None
    )
    cpass = (
        r.boolean(m["conformity_passed"], join(path, "conformity_passed"))
        if "conformity_passed" in m
        else None
    )
    nonc = (
        r.boolean(m["no_open_nonconformities"], join(path, "no_open_nonconformities"))
        if "no_open_nonconformities" in m
        else None
    )
    if nonc is False:
        r.fail(join(path, "no_open_nonconformities"), "can only be true (or left out)")
    allj = (
        r.boolean(m["all_clauses_judged"], join(path, "all_clauses_judged"))
        if "all_clauses_judged" in m
        else None
    )
    if allj is False:
        r.fail(join(path, "all_clauses_judged"), "can only be true (or left out)")
    if (smin is not None or sbelow is not None) and service is None:
        r.fail(path, "a service condition needs a service model")
    if smin is not None and sbelow is not None and smin >= sbelow:
        r.fail(
            path,
            f"service_min {decimal_text(smin)} must be below service_below {decimal_text(sbelow)}",
        )
    if (lmin is not None or tmin is not None) and management is None:
        r.fail(path, "a management condition needs a management model")
    if lmin is not None and management is not None:
        levels = {b.level for b in management.grading}
        if lmin not in levels:
            r.fail(
                join(path, "management_level_min"),
                f"level {lmin} is not a management level of this scheme",
            )
    if tmin is not None and management is not None and tmin > management.total_points:
        r.fail(
            join(path, "management_total_min"),
            f"{decimal_text(tmin)} is above the management total "
            f"{decimal_text(management.total_points)}",
        )
    if (cpass is not None or nonc is not None or allj is not None) and conformity is None:
        r.fail(path, "a conformity condition needs a conformity model")
    cond = Conditions(smin, sbelow, lmin, tmin, cpass, nonc, allj)
    if cond.is_empty():
        r.fail(path, "a row needs at least one condition")
        return None
    return cond
