"""Timing checks (CQC annex tables): a row conforms within its table's limit; a clause gets a hint.

The share of conforming rows suggests a judgement for the clause (our reading of the rule's
"combined judgement", data in the scheme); the auditor confirms or overrides it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from backend.scoring.engine.explanation import Explanation
from backend.scoring.inputs import TimingRow
from backend.scoring.model import Scheme, Text
from backend.scoring.numbers import show


@dataclass(frozen=True)
class TimingResult:
    row: TimingRow
    table: str
    limit_s: Fraction
    conforms: bool


@dataclass(frozen=True)
class TimingSuggestion:
    clause: str
    rows: int
    conforming: int
    share: Fraction
    judgement: str
    explanation: Explanation


def score_timing(
    scheme: Scheme, rows: Sequence[TimingRow]
) -> tuple[tuple[TimingResult, ...], tuple[TimingSuggestion, ...]]:
    """Each row: difference = sent - received, conforming when ≤ the table's limit.

    Per clause the share of conforming rows suggests a judgement (our reading of the rule's
    "combined judgement", data in the scheme); the auditor confirms or overrides it.
    """
    model = scheme.timing
    if model is None or not rows:
        return (), ()
    results: list[TimingResult] = []
    per_clause: dict[str, list[TimingResult]] = defaultdict(list)
    for row in rows:
        table = model.table_for(row.clause)
        assert table is not None
        res = TimingResult(row, table.table, table.limit_s, row.difference_s <= table.limit_s)
        results.append(res)
        per_clause[row.clause].append(res)
    conformity = scheme.conformity
    suggestions: list[TimingSuggestion] = []
    for clause, group in per_clause.items():
        ok = sum(1 for r in group if r.conforms)
        share = Fraction(ok, len(group))
        judgement = model.otherwise
        rule_text = "otherwise"
        for rule in model.suggestion:
            if rule.matches(share):
                judgement = rule.judgement
                rule_text = (
                    f"share {'≥' if rule.inclusive else '>'} {show(rule.share_min * 100, 0)}%"
                )
                break
        label = conformity.judgements[judgement].label if conformity else Text(judgement, judgement)
        table = model.table_for(clause)
        assert table is not None
        suggestions.append(
            TimingSuggestion(
                clause,
                len(group),
                ok,
                share,
                judgement,
                Explanation(
                    "timing_suggestion",
                    model.section,
                    f"条款 {clause}（{table.table}，要求 ≤ {show(table.limit_s, 0)} 秒）："
                    f"{len(group)} "
                    f"行中 {ok} 行符合"
                    f"（{show(share * 100)}%），建议判定为“{label.zh}”，"
                    "由审查员确认或说明理由后改判。",
                    f"Clause {clause} ({table.table}, limit {show(table.limit_s, 0)} s): {ok} "
                    f"of {len(group)} rows "
                    f"conform ({show(share * 100)}%, {rule_text}); suggested judgement "
                    f"'{label.en}', for the auditor "
                    "to confirm or override with a reason.",
                    {"rows": len(group), "conforming": ok, "share": show(share * 100)},
                ),
            )
        )
    return tuple(results), tuple(suggestions)
