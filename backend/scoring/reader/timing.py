"""Reading the timing check tables (CQC annex tables: 3 s / 10 s / 100 s) and the suggestion rules.

One table per conformity clause; the rules suggesting a clause's judgement from the share of
conforming rows (our reading of the rule's "combined judgement") run from the highest share down.
"""

from __future__ import annotations

from fractions import Fraction

from backend.scoring.model import ConformityModel, SuggestionRule, TimingModel, TimingTable
from backend.scoring.reader.base import Reader, join


def read_timing(
    r: Reader, value: object, path: str, conformity: ConformityModel | None
) -> TimingModel | None:
    m = r.mapping(value, path, {"section", "tables", "suggestion"}, {"note"})
    if m is None:
        return None
    section = r.string(m["section"], join(path, "section"))
    note = r.opt_text(m, "note", path)
    tables: list[TimingTable] = []
    tp = join(path, "tables")
    seen: set[str] = set()
    for ti, raw in enumerate(r.seq(m["tables"], tp, min_len=1) or []):
        p = f"{tp}[{ti}]"
        t = r.mapping(
            raw, p, {"id", "table", "title", "clause", "limit_s", "requirement"}, {"rows"}
        )
        if t is None:
            continue
        tid = r.code(t["id"], join(p, "id"))
        table = r.string(t["table"], join(p, "table"))
        title = r.text(t["title"], join(p, "title"))
        clause = r.code(t["clause"], join(p, "clause"))
        limit = r.number(t["limit_s"], join(p, "limit_s"), positive=True)
        req = r.text(t["requirement"], join(p, "requirement"))
        rows = [
            r.text(text, f"{join(p, 'rows')}[{i}]")
            for i, text in enumerate(r.seq(t.get("rows", []), join(p, "rows")) or [])
        ]
        if clause is not None:
            if clause in seen:
                r.fail(join(p, "clause"), f"clause {clause} already has a timing table")
            seen.add(clause)
            if conformity is not None and clause not in conformity.clauses:
                r.fail(join(p, "clause"), f"clause {clause} is not among the conformity clauses")
        if None in (tid, table, title, clause, limit, req) or any(row is None for row in rows):
            continue
        assert tid and table and title and clause and limit and req
        tables.append(
            TimingTable(tid, table, title, clause, limit, req, tuple(row for row in rows if row))
        )
    sp = join(path, "suggestion")
    sm = r.mapping(m["suggestion"], sp, {"rules", "otherwise"}, set())
    rules: list[SuggestionRule] = []
    otherwise = ""
    if sm is not None:
        judgements = conformity.judgements if conformity else {}
        for ri, raw in enumerate(r.seq(sm["rules"], join(sp, "rules"), min_len=1) or []):
            p = f"{sp}.rules[{ri}]"
            rule = r.mapping(raw, p, {"judgement", "share_min", "inclusive"}, set())
            if rule is None:
                continue
            if not isinstance(rule["judgement"], str) or rule["judgement"] not in judgements:
                r.fail(join(p, "judgement"), f"unknown judgement {rule['judgement']!r}")
            share = r.number(rule["share_min"], join(p, "share_min"), min_value=Fraction(0))
            inc = r.boolean(rule["inclusive"], join(p, "inclusive"))
            if share is not None and share > 1:
                r.fail(join(p, "share_min"), "a share is at most 1")
            if share is not None and inc is not None:
                if rules and (
                    share > rules[-1].share_min
                    or (share == rules[-1].share_min and inc >= rules[-1].inclusive)
                ):
                    r.fail(p, "rules must be ordered from the highest share down")
                rules.append(SuggestionRule(str(rule["judgement"]), share, inc))
        otherwise = str(sm["otherwise"])
        if otherwise not in judgements:
            r.fail(join(sp, "otherwise"), f"unknown judgement {otherwise!r}")
    if section is None or not rules:
        return None
    return TimingModel(section, tuple(tables), tuple(rules), otherwise, note)
