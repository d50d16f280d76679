"""CQC83-831102-2025 (seed 002): clause conformity (§5.2.3) and the timing check tables (附录 A).

§5.2.3.1 表2: 不符合 0 · 部分符合 2 (needs a written improvement suggestion) · 基本符合 3 ·
完全符合 4; a nonconformity must be rectified, and after rectification a clause is judged at
most 基本符合.
§5.2.3.2: chapter score = mean of its clauses; final score = mean of the chapter scores.
§5.2.3.3: final ≥ 3 passes. 附表 1/2/3: alert sent within 3 s / 10 s / 100 s of receipt.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.scoring import InputError, Scheme, load_scheme, parse_input, result_json, score

SUGGEST = "write the escalation procedure down"


def run(scheme: Scheme, data: dict[str, Any]) -> dict[str, Any]:
    return result_json(score(scheme, parse_input(data, scheme)))


def refused(scheme: Scheme, data: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as info:
        parse_input(data, scheme)
    return info.value


@pytest.fixture(scope="module")
def cqc_extended(tmp_path_factory: pytest.TempPathFactory, scheme_paths: dict[str, Path]) -> Scheme:
    """The CQC scheme with the clauses a scheme manager would add as data (its incomplete_note):
    two more chapter-4 clauses and a chapter 5 with two clauses."""
    data = yaml.safe_load(scheme_paths["cqc"].read_text(encoding="utf-8"))
    chapters = data["conformity"]["chapters"]
    chapters[0]["clauses"] += [
        {"code": "4.5.1", "title": {"zh": "条款 4.5.1", "en": "Clause 4.5.1"}},
        {"code": "4.5.2", "title": {"zh": "条款 4.5.2", "en": "Clause 4.5.2"}},
    ]
    chapters.append(
        {
            "code": "5",
            "title": {"zh": "CQC/SC 11002 第5章", "en": "CQC/SC 11002 chapter 5"},
            "clauses": [
                {"code": "5.1", "title": {"zh": "条款 5.1", "en": "Clause 5.1"}},
                {"code": "5.2", "title": {"zh": "条款 5.2", "en": "Clause 5.2"}},
            ],
        }
    )
    path = tmp_path_factory.mktemp("cqc") / "cqc-extended.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_scheme(path)


def partial() -> dict[str, str]:
    return {"judgement": "partial", "suggestion": SUGGEST}


# --------------------------------------------------------------------------- the scheme data


def test_judgement_points_match_table_2(cqc: Scheme) -> None:
    model = cqc.conformity
    assert {c: j.points for c, j in model.judgements.items()} == {
        "non": 0,
        "partial": 2,
        "basic": 3,
        "full": 4,
    }
    assert [c for c, j in model.judgements.items() if j.requires_suggestion] == ["partial"]
    assert [c for c, j in model.judgements.items() if j.opens_nonconformity] == ["non"]
    assert model.rectified_cap == "basic"
    assert model.pass_mark == 3
    assert list(model.clauses) == ["4.3.1", "4.3.2", "4.4.2"]


def test_timing_limits_match_the_annex_tables(cqc: Scheme) -> None:
    tables = {t.clause: (t.table, t.limit_s) for t in cqc.timing.tables}
    assert tables == {"4.3.1": ("附表 1", 3), "4.3.2": ("附表 2", 10), "4.4.2": ("附表 3", 100)}


# --------------------------------------------------------------------------- judgements and scores


@pytest.mark.parametrize(
    ("judgement", "points"), [("non", "0"), (None, "2"), ("basic", "3"), ("full", "4")]
)
def test_each_judgement_counts_its_points(cqc: Scheme, judgement: str | None, points: str) -> None:
    value: object = judgement if judgement is not None else partial()
    cf = run(cqc, {"conformity": {"4.3.1": value}})["conformity"]
    assert cf["exact"] == {"final": points, "chapters": {"4": points}}
    assert cf["clauses"]["4.3.1"]["points"] == float(points)


@pytest.mark.parametrize(
    "value",
    ["partial", {"judgement": "partial"}, {"judgement": "partial", "suggestion": "  "}],
    ids=["bare", "object-without", "blank"],
)
def test_partial_without_a_written_suggestion_is_refused(cqc: Scheme, value: object) -> None:
    err = refused(cqc, {"conformity": {"4.3.2": value}})
    assert err.path.startswith("conformity.4.3.2")
    if isinstance(value, dict) and "suggestion" in value:
        assert "non-empty text" in err.message
    else:
        assert "needs a written improvement suggestion" in err.message


def test_partial_keeps_its_suggestion(cqc: Scheme) -> None:
    cf = run(cqc, {"conformity": {"4.3.2": partial()}})["conformity"]
    assert cf["clauses"]["4.3.2"]["suggestion"] == SUGGEST


def test_chapter_score_is_the_mean_of_its_clauses(cqc: Scheme) -> None:
    cf = run(cqc, {"conformity": {"4.3.1": "full", "4.3.2": "basic", "4.4.2": partial()}})[
        "conformity"
    ]
    assert cf["exact"] == {"final": "3", "chapters": {"4": "3"}}  # (4 + 3 + 2) / 3


def test_final_exactly_3_passes_and_certifies(cqc: Scheme) -> None:
    result = run(cqc, {"conformity": {"4.3.1": "full", "4.3.2": partial(), "4.4.2": "basic"}})
    cf = result["conformity"]
    assert (cf["exact"]["final"], cf["final"], cf["passed"]) == ("3", 3.0, True)
    assert (result["decision"]["outcome"], result["decision"]["row"]) == ("certified", "certified")
    assert "on-site audit passed" in result["decision"]["reason"]["en"]


def test_final_below_3_does_not_pass(cqc: Scheme) -> None:
    result = run(cqc, {"conformity": {"4.3.1": "basic", "4.3.2": "basic", "4.4.2": partial()}})
    cf = result["conformity"]
    assert (cf["exact"]["final"], cf["passed"]) == ("8/3", False)
    assert (result["decision"]["outcome"], result["decision"]["row"]) == ("not_certified", None)
    assert "on-site audit not passed" in result["decision"]["reason"]["en"]
    assert "现场审查未通过" in result["decision"]["reason"]["zh"]


def test_final_is_the_mean_of_chapter_means(cqc_extended: Scheme) -> None:
    # chapter 4: 4, 4, 4 -> 4; chapter 5: 2 -> 2; final (4 + 2) / 2 = 3 (the mean of all four
    # clauses would be 14/4 = 3.5).
    judged = {"4.3.1": "full", "4.3.2": "full", "4.4.2": "full", "5.1": partial()}
    cf = run(cqc_extended, {"conformity": judged})["conformity"]
    assert cf["exact"] == {"final": "3", "chapters": {"4": "4", "5": "2"}}
    assert cf["passed"] is True


def test_mean_of_chapter_means_can_fail_where_the_clause_mean_would_pass(
    cqc_extended: Scheme,
) -> None:
    # chapter 4: five times full -> 4; chapter 5: partial, non -> 1; final 5/2 < 3 although the
    # mean of the seven clauses, 22/7, is above 3.
    judged = {c: "full" for c in ("4.3.1", "4.3.2", "4.4.2", "4.5.1", "4.5.2")}
    judged.update({"5.1": partial(), "5.2": "non"})
    cf = run(cqc_extended, {"conformity": judged})["conformity"]
    assert cf["exact"] == {"final": "5/2", "chapters": {"4": "4", "5": "1"}}
    assert cf["passed"] is False


def test_rectified_full_counts_at_most_basic(cqc: Scheme) -> None:
    cf = run(
        cqc, {"conformity": {"4.3.1": {"judgement": "full", "rectified": True}, "4.3.2": "full"}}
    )["conformity"]
    clause = cf["clauses"]["4.3.1"]
    assert (clause["points"], clause["counted"], clause["rectified"], clause["capped"]) == (
        4.0,
        3.0,
        True,
        True,
    )
    assert cf["exact"]["final"] == "7/2"
    assert cf["clauses"]["4.3.2"]["capped"] is False


@pytest.mark.parametrize(
    ("value", "counted"),
    [({"judgement": "basic", "rectified": True}, 3.0), ({**partial(), "rectified": True}, 2.0)],
)
def test_rectified_at_or_below_the_cap_is_not_capped(
    cqc: Scheme, value: dict[str, Any], counted: float
) -> None:
    clause = run(cqc, {"conformity": {"4.3.1": value}})["conformity"]["clauses"]["4.3.1"]
    assert (clause["counted"], clause["capped"]) == (counted, False)


EXTENDED_FULL = ("4.3.1", "4.3.2", "4.4.2", "4.5.1", "5.1", "5.2")


def test_nonconformity_is_listed_and_blocks_certification(cqc_extended: Scheme) -> None:
    # Every clause judged; chapter 4: 4, 4, 4, 4, 0 -> 16/5; chapter 5: 4; final 18/5.
    judged: dict[str, Any] = {c: "full" for c in EXTENDED_FULL}
    judged["4.5.2"] = "non"
    result = run(cqc_extended, {"conformity": judged})
    cf = result["conformity"]
    assert cf["unjudged"] == []
    assert (cf["exact"]["final"], cf["passed"]) == ("18/5", True)  # passes on points...
    assert cf["nonconformities"] == ["4.5.2"]
    decision = result["decision"]
    assert (decision["outcome"], decision["row"]) == (
        "not_certified",
        None,
    )  # ...but is not certified
    assert "nonconformity 4.5.2 not yet rectified" in decision["reason"]["en"]
    assert "不符合项 4.5.2 尚未整改关闭" in decision["reason"]["zh"]


def test_rectified_nonconformity_no_longer_blocks_certification(cqc_extended: Scheme) -> None:
    judged: dict[str, Any] = {c: "full" for c in EXTENDED_FULL}
    judged["4.5.2"] = {
        "judgement": "basic",
        "rectified": True,
        "reason": "re-judged after rectification",
    }
    result = run(cqc_extended, {"conformity": judged})
    assert result["conformity"]["nonconformities"] == []
    # chapter 4: 4, 4, 4, 4, 3 -> 19/5; chapter 5: 4; final (19/5 + 4) / 2 = 39/10
    assert result["conformity"]["exact"] == {"final": "39/10", "chapters": {"4": "19/5", "5": "4"}}
    assert (result["decision"]["outcome"], result["decision"]["row"]) == ("certified", "certified")


def test_clause_rejudged_non_after_rectification_is_not_certified(cqc_extended: Scheme) -> None:
    # §5.2.3.1: a rectified clause is re-judged; if the re-judgement is still 不符合 the
    # nonconformity is not closed (限期未完成整改的…现场审查不通过). Counting the clause 0 points
    # while dropping it from the open nonconformities would certify (final 18/5 ≥ 3). The core
    # must either refuse {"judgement": "non", "rectified": true} or keep the nonconformity open.
    judged: dict[str, Any] = {c: "full" for c in EXTENDED_FULL}
    judged["4.5.2"] = {"judgement": "non", "rectified": True}
    try:
        parsed = parse_input({"conformity": judged}, cqc_extended)
    except InputError as exc:
        assert exc.path.startswith("conformity.4.5.2")
        return
    result = result_json(score(cqc_extended, parsed))
    assert result["conformity"]["passed"] is True
    assert result["decision"]["outcome"] == "not_certified"
    assert "4.5.2" in result["conformity"]["nonconformities"]


def test_unjudged_clauses_are_listed(cqc: Scheme) -> None:
    cf = run(cqc, {"conformity": {"4.3.1": "full"}})["conformity"]
    assert cf["unjudged"] == ["4.3.2", "4.4.2"]


def test_certification_needs_every_clause_judged(cqc: Scheme) -> None:
    # §5.2.3.1: 所有条款按照符合程度进行判定 (every clause is judged). With 4.3.2 and 4.4.2 not
    # judged yet, one "full" clause must not certify the unit.
    result = run(cqc, {"conformity": {"4.3.1": "full"}})
    assert result["conformity"]["passed"] is True
    assert result["decision"]["outcome"] == "not_certified"
    assert "4.3.2" in result["decision"]["reason"]["en"]
    assert "4.4.2" in result["decision"]["reason"]["zh"]


def test_no_conformity_input_is_not_certified(cqc: Scheme) -> None:
    result = run(cqc, {})
    assert (result["conformity"]["final"], result["conformity"]["passed"]) == (None, None)
    assert result["decision"]["outcome"] == "not_certified"
    assert "no conformity final score" in result["decision"]["reason"]["en"]


@pytest.mark.parametrize("code", ["4.3.3", "5.1", "4", "4.3.1 "])
def test_unknown_clause_is_refused(cqc: Scheme, code: str) -> None:
    err = refused(cqc, {"conformity": {code: "full"}})
    assert err.path == f"conformity.{code}"
    assert f"unknown clause {code!r}" in err.message


@pytest.mark.parametrize("judgement", ["excellent", "FULL", "", "4"])
def test_unknown_judgement_is_refused(cqc: Scheme, judgement: str) -> None:
    err = refused(cqc, {"conformity": {"4.3.1": judgement}})
    assert err.path == "conformity.4.3.1"
    assert "is not a judgement (non, partial, basic, full)" in err.message


def test_unknown_judgement_in_object_form_names_the_judgement_field(cqc: Scheme) -> None:
    err = refused(cqc, {"conformity": {"4.3.1": {"judgement": "great"}}})
    assert err.path == "conformity.4.3.1.judgement"


def test_judgement_given_as_a_number_is_refused(cqc: Scheme) -> None:
    err = refused(cqc, {"conformity": {"4.3.1": 4}})
    assert err.path == "conformity.4.3.1"


def test_rectified_must_be_a_boolean(cqc: Scheme) -> None:
    err = refused(cqc, {"conformity": {"4.3.1": {"judgement": "full", "rectified": "yes"}}})
    assert err.path == "conformity.4.3.1.rectified"


def test_service_and_management_input_is_skipped_and_reported_for_cqc(cqc: Scheme) -> None:
    # One input may carry sections for both models (the CLI contract's own example does): the CQC
    # scheme scores its conformity and timing and says which sections it did not score.
    result = run(
        cqc,
        {
            "evaluations": [{"id": "v1", "ratings": {"1.1": {"level": 4}}}],
            "management": {"1.1": 3},
            "conformity": {"4.3.1": "full", "4.3.2": "full", "4.4.2": "basic"},
        },
    )
    assert [s["section"] for s in result["ignored_sections"]] == ["evaluations", "management"]
    assert result["evaluations"] == [] and result["service_score"] is None
    assert result["management"] == {"total": None, "level": None}
    assert result["conformity"]["exact"]["final"] == "11/3"
    assert any(e["rule"] == "ignored_sections" for e in result["explanations"])


def test_conformity_and_timing_input_is_skipped_and_reported_for_tbsc(tbsc034: Scheme) -> None:
    result = run(
        tbsc034,
        {
            "evaluations": [{"id": "v1", "ratings": {"1.1": {"level": 4}}}],
            "conformity": {"4.3.1": "nonsense"},
            "timing": [row("4.3.1", "2026-03-02T10:00:05+08:00", "2026-03-02T10:00:00+08:00")],
        },
    )
    assert [s["section"] for s in result["ignored_sections"]] == ["conformity", "timing"]
    assert result["service_score"] == 80.0
    assert result["conformity"] == {"chapters": {}, "final": None, "passed": None}
    assert result["timing"] == []


# --------------------------------------------------------------------------- timing


def row(clause: str, received: str, sent: str) -> dict[str, str]:
    return {"clause": clause, "received": received, "sent": sent}


def test_difference_is_sent_minus_received_with_exact_fractional_seconds(cqc: Scheme) -> None:
    parsed = parse_input(
        {"timing": [row("4.3.1", "2026-03-02T10:00:00.2+08:00", "2026-03-02T10:00:00.3+08:00")]},
        cqc,
    )
    result = score(cqc, parsed)
    assert result.timing[0].row.difference_s == Fraction(1, 10)
    out = result_json(result)["timing"][0]
    assert (out["difference_s"], out["limit_s"], out["conforms"], out["table"]) == (
        0.1,
        3.0,
        True,
        "附表 1",
    )


@pytest.mark.parametrize(("clause", "limit"), [("4.3.1", 3), ("4.3.2", 10), ("4.4.2", 100)])
def test_difference_exactly_at_the_limit_conforms(cqc: Scheme, clause: str, limit: int) -> None:
    received = "2026-03-02T10:00:00.250+08:00"
    sent = f"2026-03-02T10:{limit // 60:02d}:{limit % 60:02d}.250+08:00"
    out = run(cqc, {"timing": [row(clause, received, sent)]})["timing"][0]
    assert (out["difference_s"], out["limit_s"], out["conforms"]) == (
        float(limit),
        float(limit),
        True,
    )


@pytest.mark.parametrize(("clause", "limit"), [("4.3.1", 3), ("4.3.2", 10), ("4.4.2", 100)])
def test_one_microsecond_over_the_limit_does_not_conform(
    cqc: Scheme, clause: str, limit: int
) -> None:
    sent = f"2026-03-02T10:{limit // 60:02d}:{limit % 60:02d}.000001"
    result = score(cqc, parse_input({"timing": [row(clause, "2026-03-02T10:00:00", sent)]}, cqc))
    assert result.timing[0].row.difference_s == limit + Fraction(1, 1_000_000)
    assert result.timing[0].conforms is False


def test_difference_is_computed_across_utc_offsets(cqc: Scheme) -> None:
    result = score(
        cqc,
        parse_input(
            {"timing": [row("4.3.1", "2026-03-02T10:00:00+08:00", "2026-03-02T02:00:02.5+00:00")]},
            cqc,
        ),
    )
    assert result.timing[0].row.difference_s == Fraction(5, 2)


def test_difference_is_computed_across_midnight(cqc: Scheme) -> None:
    result = score(
        cqc,
        parse_input({"timing": [row("4.4.2", "2026-03-02T23:59:30", "2026-03-03T00:01:10")]}, cqc),
    )
    assert result.timing[0].row.difference_s == 100
    assert result.timing[0].conforms is True


def test_timing_sub_microsecond_digits_are_not_silently_truncated(cqc: Scheme) -> None:
    # True difference: 3.0000002 - 0.0000001 = 3.0000001 s, over the 3 s limit. Truncating both
    # stamps to microseconds gives exactly 3 s, "conforming". Refusing the precision is fine too.
    data = {
        "timing": [
            row("4.3.1", "2026-03-02T10:00:00.0000001+08:00", "2026-03-02T10:00:03.0000002+08:00")
        ]
    }
    try:
        parsed = parse_input(data, cqc)
    except InputError as exc:
        assert exc.path.startswith("timing[0]")
        return
    result = score(cqc, parsed)
    assert result.timing[0].row.difference_s == Fraction(30000001, 10000000)
    assert result.timing[0].conforms is False


@pytest.mark.parametrize(
    ("received", "sent"),
    [
        ("20260302T100000", "20260302T100003.5"),
        ("20260302T100000.0+0800", "20260302T100003.500+0800"),
        ("2026-03-02T10:00:00", "2026-03-02T100003.5"),
    ],
    ids=["basic", "basic-with-offset", "mixed-formats"],
)
def test_fractional_seconds_count_in_iso_basic_format_too(
    cqc: Scheme, received: str, sent: str
) -> None:
    # ISO 8601 basic format (hhmmss.s, which datetime.fromisoformat accepts): 3.5 s is over the
    # 3 s limit of 附表 1. Dropping the half second would make the row conform.
    data = {"timing": [row("4.3.1", received, sent)]}
    try:
        parsed = parse_input(data, cqc)
    except InputError as exc:
        assert exc.path.startswith("timing[0]")
        return
    result = score(cqc, parsed)
    assert result.timing[0].row.difference_s == Fraction(7, 2)
    assert result.timing[0].conforms is False


def test_timing_output_keeps_the_fractional_seconds_of_the_timestamps(cqc: Scheme) -> None:
    # The rows are evidence: the output must show the instants measured, and they must agree
    # with the difference shown beside them (0.25 → 3.75 is 3.5 s, not 10:00:00 → 10:00:03).
    received, sent = "2026-03-02T10:00:00.250+08:00", "2026-03-02T10:00:03.750+08:00"
    out = run(cqc, {"timing": [row("4.3.1", received, sent)]})["timing"][0]
    assert datetime.fromisoformat(out["received"]) == datetime.fromisoformat(received)
    assert datetime.fromisoformat(out["sent"]) == datetime.fromisoformat(sent)
    assert out["difference_s"] == 3.5
    assert out["conforms"] is False


def test_negative_difference_is_refused(cqc: Scheme) -> None:
    err = refused(
        cqc, {"timing": [row("4.3.1", "2026-03-02T10:00:05+08:00", "2026-03-02T10:00:04.5+08:00")]}
    )
    assert err.path == "timing[0]"
    assert "negative difference" in err.message
    assert "-1/2 s" in err.message or "-0.5 s" in err.message


def test_negative_difference_in_a_later_row_names_that_row(cqc: Scheme) -> None:
    rows = [
        row("4.3.1", "2026-03-02T10:00:00", "2026-03-02T10:00:01"),
        row("4.3.2", "2026-03-02T10:00:01", "2026-03-02T10:00:00"),
    ]
    assert refused(cqc, {"timing": rows}).path == "timing[1]"


@pytest.mark.parametrize(
    ("received", "sent"),
    [
        ("2026-03-02T10:00:00", "2026-03-02T10:00:01+08:00"),
        ("2026-03-02T10:00:00Z", "2026-03-02T10:00:01"),
    ],
)
def test_mixed_naive_and_aware_timestamps_are_refused(
    cqc: Scheme, received: str, sent: str
) -> None:
    err = refused(cqc, {"timing": [row("4.3.1", received, sent)]})
    assert err.path == "timing[0]"
    assert "UTC offset" in err.message


@pytest.mark.parametrize(
    ("received", "sent", "field"),
    [
        ("2026-03-02", "2026-03-02T10:00:01", "received"),
        ("2026-03-02T10:00:00", "2026-03-02", "sent"),
        ("20260302", "2026-03-02T10:00:01", "received"),
    ],
)
def test_date_only_timestamps_are_refused(
    cqc: Scheme, received: str, sent: str, field: str
) -> None:
    err = refused(cqc, {"timing": [row("4.3.1", received, sent)]})
    assert err.path == f"timing[0].{field}"
    assert "no time of day" in err.message


@pytest.mark.parametrize("stamp", ["10:00:00", "yesterday", "", "2026-13-01T10:00:00"])
def test_timestamps_that_are_not_iso_8601_date_times_are_refused(cqc: Scheme, stamp: str) -> None:
    err = refused(cqc, {"timing": [row("4.3.1", stamp, "2026-03-02T10:00:01")]})
    assert err.path == "timing[0].received"


def test_timestamp_that_is_not_a_string_is_refused(cqc: Scheme) -> None:
    err = refused(
        cqc,
        {"timing": [{"clause": "4.3.1", "received": 1767225600, "sent": "2026-03-02T10:00:01"}]},
    )
    assert err.path == "timing[0].received"


@pytest.mark.parametrize("clause", ["4.3.3", "4.4.1", None, "附表 1"])
def test_unknown_timing_clause_is_refused(cqc: Scheme, clause: str | None) -> None:
    err = refused(
        cqc,
        {
            "timing": [
                {"clause": clause, "received": "2026-03-02T10:00:00", "sent": "2026-03-02T10:00:01"}
            ]
        },
    )
    assert err.path == "timing[0].clause"
    assert "has no timing table" in err.message


def ten_rows(conforming: int) -> list[dict[str, str]]:
    """Ten 附表 2 rows (limit 10 s) of which ``conforming`` took 10 s and the rest 11 s."""
    rows = []
    for i in range(10):
        took = 10 if i < conforming else 11
        rows.append(row("4.3.2", f"2026-03-02T10:{i:02d}:00", f"2026-03-02T10:{i:02d}:{took:02d}"))
    return rows


@pytest.mark.parametrize(
    ("conforming", "judgement"),
    [(10, "full"), (9, "basic"), (7, "basic"), (6, "partial"), (1, "partial"), (0, "non")],
)
def test_suggested_judgement_follows_the_conforming_share(
    cqc: Scheme, conforming: int, judgement: str
) -> None:
    result = run(cqc, {"timing": ten_rows(conforming)})
    suggestion = result["timing_suggestions"]["4.3.2"]
    assert (suggestion["rows"], suggestion["conforming"], suggestion["judgement"]) == (
        10,
        conforming,
        judgement,
    )
    assert suggestion["share"] == conforming / 10
    assert [t["conforms"] for t in result["timing"]] == [i < conforming for i in range(10)]


def test_timing_suggestion_is_shown_beside_the_auditors_judgement(cqc: Scheme) -> None:
    result = run(cqc, {"timing": ten_rows(7), "conformity": {"4.3.2": "full", "4.3.1": "full"}})
    clauses = result["conformity"]["clauses"]
    assert clauses["4.3.2"]["timing_suggestion"] == "basic"
    assert clauses["4.3.2"]["judgement"] == "full"  # the auditor's judgement counts
    assert clauses["4.3.1"]["timing_suggestion"] is None
    assert result["conformity"]["exact"]["final"] == "4"
