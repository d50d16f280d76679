"""Scheme files: the three shipped schemes are valid; broken copies are refused with the file name
and the path inside it."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.scoring import Scheme, SchemeError, load_scheme, parse_scheme
from backend.scoring.render import scheme_json

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: dict[str, Any], target: Path) -> Path:
    target.write_text(
        yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return target


@pytest.fixture(scope="module")
def tbsc034_data(scheme_paths: dict[str, Path]) -> dict[str, Any]:
    """The TBSC034 file as plain YAML data (floats as floats), to deep-copy and break."""
    text = scheme_paths["tbsc034"].read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader or SafeLoader
    return data


def problem_lines(exc: SchemeError) -> list[str]:
    return str(exc).splitlines()


def assert_problem(exc: SchemeError, source: Path, path: str, *words: str) -> None:
    """Some line reads ``<file>: <path>: ...`` and contains every word."""
    prefix = f"{source}: {path}: " if path else f"{source}: "
    lines = [line for line in problem_lines(exc) if line.startswith(prefix)]
    assert lines, f"no problem at {prefix!r} in:\n{exc}"
    assert any(all(w in line for w in words) for line in lines), f"{words} not in {lines}"
    assert any(p.path == path for p in exc.problems)


# --------------------------------------------------------------------------- the shipped schemes


@pytest.mark.parametrize(
    ("name", "scheme_id", "status"),
    [
        ("tbsc034", "cts-tbsc034-2026", "complete"),
        ("tbsc134", "cts-tbsc134-2026", "complete"),
        ("cqc", "cqc83-831102-2025", "incomplete"),
    ],
)
def test_shipped_schemes_are_valid_with_their_status(
    name: str, scheme_id: str, status: str, scheme_paths: dict[str, Path]
) -> None:
    scheme = load_scheme(scheme_paths[name])
    assert (scheme.id, scheme.status) == (scheme_id, status)
    assert (scheme.incomplete_note is not None) == (status == "incomplete")


def test_cqc_incomplete_note_names_the_missing_clauses(cqc: Scheme) -> None:
    note = cqc.incomplete_note
    assert note is not None
    assert "CQC/SC 11002" in note.zh and "CQC/SC 11002" in note.en
    assert "4.3.1" in note.en and "4.4.2" in note.en


def test_content_hash_is_sha256_of_the_file_bytes(scheme_paths: dict[str, Path]) -> None:
    for path in scheme_paths.values():
        scheme = load_scheme(path)
        assert scheme.content_hash == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert scheme_json(scheme)["content_hash"] == scheme.content_hash


def test_content_hash_changes_when_one_byte_changes(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    raw = scheme_paths["tbsc034"].read_bytes()
    changed = raw.replace(b"# CTS TBSC034", b"# CTS TBSC035", 1)
    assert changed != raw and len(changed) == len(raw)
    path = tmp_path / "changed.yaml"
    path.write_bytes(changed)
    before, after = load_scheme(scheme_paths["tbsc034"]), load_scheme(path)
    assert after.content_hash != before.content_hash
    assert after.content_hash == "sha256:" + hashlib.sha256(changed).hexdigest()


def _shape(scheme: Scheme) -> dict[str, Any]:
    """Everything that is structure and numbers, leaving out labels, texts and identity."""
    svc, mg, dec = scheme.service, scheme.management, scheme.decision
    assert svc is not None and mg is not None and dec is not None
    return {
        "scales": {
            code: [
                (b.level, b.low, b.low_inclusive, b.high, b.high_inclusive, b.level_alpha)
                for b in s.bands
            ]
            for code, s in scheme.scales.items()
        },
        "service": (
            svc.total_points,
            [
                (c.code, c.points, [(i.code, i.points, i.scale.code, i.dimension) for i in c.items])
                for c in svc.characteristics
            ],
            svc.mode_weights,
        ),
        "management": (
            mg.total_points,
            [(c.code, c.chapter, c.points_by_level) for c in mg.clauses.values()],
            [(b.level, b.low, b.low_inclusive, b.high, b.high_inclusive) for b in mg.grading],
        ),
        "decision": [(r.outcome, r.when) for r in dec.rows],
        "others": (scheme.conformity, scheme.timing, scheme.lifecycle),
    }


def test_the_two_tengbiao_schemes_differ_only_in_data(tbsc034: Scheme, tbsc134: Scheme) -> None:
    assert _shape(tbsc034) == _shape(tbsc134)
    assert [r.grade.zh for r in tbsc034.decision.rows if r.grade] == ["一级", "二级", "三级"]
    assert [r.grade.zh for r in tbsc134.decision.rows if r.grade] == ["AAAAA级", "AAAA级", "AAA级"]
    assert tbsc034.document["code"] == "CTS TBSC034-2026"
    assert tbsc134.document["code"] == "CTS TBSC134-2026"


def test_tbsc034_alpha_bands_are_as_written_in_5_1_1(tbsc034: Scheme) -> None:
    bands = [
        (b.level, b.low, b.low_inclusive, b.high, b.high_inclusive)
        for b in tbsc034.scales["likert5"].bands
    ]
    f = [0, "0.2", "0.4", "0.6", "0.8", 1]
    assert bands == [(i + 1, Fraction(f[i]), i == 0, Fraction(f[i + 1]), True) for i in range(5)]


# --------------------------------------------------------------------------- broken copies

Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _swap_rows(data: dict[str, Any]) -> None:
    rows = data["decision"]["rows"]
    rows[0], rows[2] = rows[2], rows[0]


def _duplicate_item(data: dict[str, Any]) -> None:
    data["service"]["characteristics"][1]["items"][0]["code"] = "1.1"


BAND = ("scales", "likert5", "bands")
GRADING = ("management", "grading")
CHAR0 = ("service", "characteristics", 0)
CLAUSE0 = ("management", "chapters", 0, "clauses", 0)
ROW0 = ("decision", "rows", 0)

BROKEN: list[tuple[str, Mutation, str, tuple[str, ...]]] = [
    ("item-points-vs-characteristic", _set((*CHAR0, "items", 1, "points"), 6),
     "service.characteristics[0].points", ("declares 17 points", "sum to 16")),
    ("characteristics-vs-total", _set(("service", "total_points"), 99),
     "service.total_points", ("declares 99 points", "sum to 100")),
    ("alpha-band-gap", _set((*BAND, 1, "min"), 0.25),
     "scales.likert5.bands[1]", ("gap between 0.2 and 0.25",)),
    ("alpha-band-overlap", _set((*BAND, 2, "min"), 0.35),
     "scales.likert5.bands[2]", ("overlaps",)),
    ("boundary-in-both-bands", _set((*BAND, 1, "min_inclusive"), True),
     "scales.likert5.bands[1]", ("both include the boundary 0.2",)),
    ("boundary-in-no-band", _set((*BAND, 2, "max_inclusive"), False),
     "scales.likert5.bands[3]", ("neither includes the boundary 0.6",)),
    ("bands-not-reaching-1", _set((*BAND, 4, "max"), 0.99),
     "scales.likert5.bands[4]", ("must end at α = 1 inclusive",)),
    ("level-alpha-outside-band", _set((*BAND, 1, "level_alpha"), 0.5),
     "scales.likert5.bands[1].level_alpha", ("0.5 lies outside its band",)),
    ("level-alpha-on-open-bound", _set((*BAND, 2, "level_alpha"), 0.4),
     "scales.likert5.bands[2].level_alpha", ("0.4 lies outside its band",)),
    ("management-grading-gap", _set((*GRADING, 2, "min"), 71),
     "management.grading[2]", ("gap between 70 and 71",)),
    ("management-grading-overlap", _set((*GRADING, 3, "min"), 90),
     "management.grading[3]", ("overlaps",)),
    ("management-boundary-in-both", _set((*GRADING, 0, "max_inclusive"), True),
     "management.grading[1]", ("the boundary 45 must belong to exactly one level",)),
    ("grading-not-ending-at-total", _set((*GRADING, 4, "max"), 140),
     "management.grading[4].max", ("must end at the total 145, got 140",)),
    ("management-points-vs-total", _set((*CLAUSE0, "points_by_level"), [1, 2, 3, 4, 6]),
     "management.total_points", ("declares 145 points", "sum to 146")),
    ("decision-rows-out-of-order", _swap_rows,
     "decision.rows[1].when.service_min", ("rows must be ordered best first",)),
    ("unknown-key", _set(("service", "weighting"), "pooled"),
     "service.weighting", ("unknown key",)),
    ("unknown-key-in-band", _set((*BAND, 0, "colour"), "red"),
     "scales.likert5.bands[0].colour", ("unknown key",)),
    ("unknown-scale", _set(("service", "scale"), "likert7"),
     "service.scale", ("unknown scale 'likert7'",)),
    ("unknown-item-scale", _set((*CHAR0, "items", 0, "scale"), "stars"),
     "service.characteristics[0].items[0].scale", ("unknown scale 'stars'",)),
    ("duplicate-item-code", _duplicate_item,
     "service.characteristics[1].items[0].code", ("duplicate item code '1.1'",)),
    ("decision-level-not-a-management-level", _set((*ROW0, "when", "management_level_min"), 6),
     "decision.rows[0].when.management_level_min", ("level 6 is not a management level",)),
    ("unknown-outcome", _set(("decision", "rows", 0, "outcome"), "gold"),
     "decision.rows[0].outcome", ("must be grade, certified or not_certified",)),
    ("item-points-null", _set((*CHAR0, "items", 0, "points"), None),
     "service.characteristics[0].items[0].points", ("must be a number",)),
    ("missing-required-key", _delete((*CHAR0, "items", 0, "points")),
     "service.characteristics[0].items[0].points", ("is required",)),
    ("incomplete-without-note", _set(("status",), "incomplete"),
     "incomplete_note", ("must say what is missing",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "path", "words"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_broken_scheme_is_refused_naming_file_and_path(
    tmp_path: Path,
    tbsc034_data: dict[str, Any],
    mutate: Mutation,
    path: str,
    words: tuple[str, ...],
) -> None:
    data = copy.deepcopy(tbsc034_data)
    mutate(data)
    assert data != tbsc034_data
    target = dump(data, tmp_path / "broken.yaml")
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert info.value.source == str(target)
    assert_problem(info.value, target, path, *words)


def test_unmutated_yaml_round_trip_is_valid(tmp_path: Path, tbsc034_data: dict[str, Any]) -> None:
    # The control for the broken copies: dumping with PyYAML alone breaks nothing.
    target = dump(copy.deepcopy(tbsc034_data), tmp_path / "same.yaml")
    assert load_scheme(target).id == "cts-tbsc034-2026"


def _write_text_variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / "variant.yaml"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def test_unquoted_numeric_item_code_is_refused(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    target = _write_text_variant(tmp_path, scheme_paths["tbsc034"], '- code: "1.2"', "- code: 1.2")
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert_problem(
        info.value, target, "service.characteristics[0].items[1].code", "must be quoted", '"1.2"'
    )


def test_unquoted_integer_characteristic_code_is_refused(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    target = _write_text_variant(tmp_path, scheme_paths["tbsc034"], '- code: "7"\n', "- code: 7\n")
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert_problem(info.value, target, "service.characteristics[6].code", "must be quoted")


def test_invalid_yaml_is_refused_with_line_and_column(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    target = _write_text_variant(
        tmp_path, scheme_paths["tbsc034"], "total_points: 100", "total_points: [100"
    )
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    message = str(info.value)
    assert message.startswith(f"{target}: line ")
    assert "not valid YAML" in message


def test_non_utf8_file_is_refused(tmp_path: Path, scheme_paths: dict[str, Path]) -> None:
    target = tmp_path / "gbk.yaml"
    target.write_bytes(scheme_paths["tbsc034"].read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert str(info.value).startswith(f"{target}: not UTF-8 text")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "nowhere.yaml"
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert str(info.value) == f"{target}: cannot read file: No such file or directory"


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"], ids=["empty", "list", "scalar"])
def test_document_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    target = tmp_path / "odd.yaml"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert str(info.value).startswith(f"{target}: must be a mapping")


@pytest.mark.parametrize(
    "value", [".inf", "-.inf", ".nan", "1:30.5"], ids=["inf", "minus-inf", "nan", "sexagesimal"]
)
def test_yaml_number_that_is_no_decimal_is_a_scheme_error_not_a_crash(
    tmp_path: Path, scheme_paths: dict[str, Path], value: str
) -> None:
    # YAML 1.1 resolves .inf, .nan and 1:30.5 as floats; the decimal constructor must turn them
    # into a problem with the file name, not raise decimal.InvalidOperation.
    target = _write_text_variant(
        tmp_path, scheme_paths["tbsc034"], "level_alpha: 0.4", f"level_alpha: {value}"
    )
    line = 1 + next(
        i for i, t in enumerate(target.read_text(encoding="utf-8").splitlines()) if value in t
    )
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    message = str(info.value)
    assert message.startswith(f"{target}: ")
    assert "scales.likert5.bands[1].level_alpha" in message or f"line {line}," in message


def test_every_problem_is_reported_not_only_the_first(
    tmp_path: Path, tbsc034_data: dict[str, Any]
) -> None:
    data = copy.deepcopy(tbsc034_data)
    data["scales"]["likert5"]["bands"][1]["min"] = 0.25
    data["management"]["grading"][4]["max"] = 140
    target = dump(data, tmp_path / "two.yaml")
    with pytest.raises(SchemeError) as info:
        load_scheme(target)
    assert_problem(info.value, target, "scales.likert5.bands[1]", "gap")
    assert_problem(info.value, target, "management.grading[4].max", "must end at the total")


def test_deeply_nested_yaml_is_a_scheme_error_not_a_crash() -> None:
    nested = b"a: " + b"[" * 5000 + b"]" * 5000
    with pytest.raises(SchemeError) as info:
        parse_scheme(nested, "deep.yaml")
    assert "deep.yaml: nested too deeply to be a scheme" in str(info.value)


#: A value of the wrong kind where the reader used it before checking it: each was a TypeError
#: or an AssertionError (a 500 when imported through the API), now a problem at its path.
WRONG_KIND: list[tuple[str, tuple[Any, ...], Any, str, str]] = [
    ("tbsc034", (*CLAUSE0, "points_by_level"), None,
     "management.chapters[0].clauses[0].points_by_level", "must be a list"),
    ("cqc", ("conformity", "rectified_cap"), [], "conformity.rectified_cap", "unknown judgement"),
    ("cqc", ("modes", "used", "initial", 0), [], "modes.used.initial[0]", "unknown mode"),
    ("tbsc034", ("service", "dimensions"), 5, "service.dimensions", "must be a mapping"),
    ("tbsc034", (*CHAR0, "items"), 5, "service.characteristics[0].items", "must be a list"),
    ("tbsc034", ("service", "characteristics"), 5, "service.characteristics", "must be a list"),
    ("tbsc034", (*CHAR0, "items", 0, "dimension"), [],
     "service.characteristics[0].items[0].dimension", "unknown dimension"),
    ("cqc", ("timing", "suggestion", "rules", 0, "judgement"), [],
     "timing.suggestion.rules[0].judgement", "unknown judgement"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "where", "value", "path", "words"), WRONG_KIND, ids=[w[3] for w in WRONG_KIND]
)
def test_a_value_of_the_wrong_kind_is_a_problem_not_a_crash(
    tmp_path: Path,
    scheme_paths: dict[str, Path],
    name: str,
    where: tuple[Any, ...],
    value: Any,
    path: str,
    words: str,
) -> None:
    data = yaml.load(scheme_paths[name].read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    _set(where, value)(data)
    target = dump(data, tmp_path / "wrong.yaml")

    with pytest.raises(SchemeError) as info:
        load_scheme(target)

    assert_problem(info.value, target, path, words)
