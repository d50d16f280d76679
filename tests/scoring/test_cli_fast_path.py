"""The fast path of ``fieldcert score`` (issue 13) gives exactly what the careful path gave.

The careful path is the command as it was: ``json.loads`` with ``Decimal`` numbers and a
duplicate-key hook, ``parse_input``, ``result_json``, ``json.dumps``. The fast path decodes with
the C decoder alone and counts colons to find duplicate keys (backend/scoring/jsontext.py), looks
ratings up in C (``_FastReader``), and writes the text from templates (``render.result_text``).
Every test here compares the two on the same text: same output to the character, same error.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backend.scorecli import score_command
from backend.scoring import (
    InputError,
    Scheme,
    jsontext,
    load_scheme,
    parse_input,
    result_json,
    score,
)
from backend.scoring.jsontext import read_input, strict_json
from backend.scoring.render import result_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "schemes"
SCHEME_FILES = [
    ROOT / "schemes" / "cts-tbsc034-2026.yaml",
    ROOT / "schemes" / "cts-tbsc134-2026.yaml",
    FIXTURES / "zero-carbon-bonus.yaml",  # yes/no items and capped bonus items
    FIXTURES / "elderly-mode-weights.yaml",  # mode weights: a mode is required
    FIXTURES / "port-tally-weighted.yaml",
    FIXTURES / "homestay-two-bars.yaml",
]
REASONS = ["不适用", "closed: renovation", 'said "no": twice', "tab\there\nline", "  padded  "]


def careful(text: str, scheme: Scheme, indent: int | None = 2) -> str:
    """What the command printed before issue 13, for the same text."""
    data = strict_json(text)
    result = result_json(score(scheme, parse_input(data, scheme)))
    return json.dumps(result, ensure_ascii=False, indent=indent)


def random_input(scheme: Scheme, n: int, seed: int) -> dict[str, Any]:
    """Valid field-like input for any scheme: every scale kind, N/A with odd reasons, gaps."""
    assert scheme.service is not None
    rnd = random.Random(seed)  # noqa: S311 - repeatable test data, not a secret
    weights = scheme.service.mode_weights
    modes = list(weights) if weights is not None else ["A", "B", "E", None]
    evaluations = []
    for i in range(n):
        ratings: dict[str, Any] = {}
        for code, item in scheme.service.items.items():
            roll = rnd.random()
            if roll < 0.05:
                continue  # unrated
            if roll < 0.12:
                ratings[code] = {"na": True, "reason": rnd.choice(REASONS)}
                continue
            scale = item.scale
            if scale.kind == "yes_no":
                ratings[code] = {"met": rnd.random() < 0.7}
            elif scale.kind == "score":
                assert scale.maximum is not None
                ratings[code] = {"score": Decimal(rnd.randint(0, int(scale.maximum) * 2)) / 2}
            elif roll < 0.35:
                ratings[code] = {"alpha": Decimal(rnd.randint(0, 100)) / 100}
            elif roll < 0.37:
                level = rnd.choice(scale.bands)
                ratings[code] = {"level": level.level, "alpha": level.level_alpha}
            else:
                ratings[code] = {"level": rnd.choice(scale.bands).level}
        ev: dict[str, Any] = {"id": f"v{i}" if i % 7 else f"site:{i}", "ratings": ratings}
        mode = rnd.choice(modes)
        if mode is not None:
            ev["mode"] = mode
        if i % 11 == 0:
            ev["notes"] = {"weather": "rain: heavy", "times": ["10:00", "10:40"]}
        evaluations.append(ev)
    return {"evaluations": evaluations}


def same_error(text: str, scheme: Scheme) -> str:
    """The fast path refuses ``text`` with the careful path's message; the message."""
    with pytest.raises(InputError) as fast:
        read_input(text, scheme)
    with pytest.raises(InputError) as slow:
        parse_input(strict_json(text), scheme)
    assert str(fast.value) == str(slow.value)
    return str(fast.value)


def dumps(data: object, compact: bool = False) -> str:
    return json.dumps(
        data,
        ensure_ascii=False,
        default=float,
        separators=(",", ":") if compact else None,
    )


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("indent", [2, None, 4, -1])
def test_fast_path_prints_what_the_careful_path_printed(
    path: Path, indent: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheme = load_scheme(path)
    text = dumps(random_input(scheme, 300, seed=len(path.stem)), compact=indent == 4)
    expected = careful(text, scheme, indent)
    # The fast path must not fall back to the careful decoder on plain, valid input.
    monkeypatch.setattr(jsontext, "strict_json", _no_careful_path)
    assert result_text(score(scheme, read_input(text, scheme)), indent) == expected


def _no_careful_path(text: str) -> object:
    raise AssertionError("valid input without duplicates took the careful path")


def test_result_text_of_no_service_model_and_of_no_evaluations(tbsc034: Scheme) -> None:
    cqc = load_scheme(ROOT / "schemes" / "cqc83-831102-2025.yaml")
    text = '{"conformity": {"4.3.1": "full"}, "evaluations": []}'
    assert result_text(score(cqc, read_input(text, cqc)), 2) == careful(text, cqc)
    assert result_text(score(tbsc034, read_input("{}", tbsc034)), 2) == careful("{}", tbsc034)


def score_cli(scheme: Path, text: str) -> Any:
    return CliRunner().invoke(score_command, ["--scheme", str(scheme), "--input", "-"], input=text)


TBSC034 = SCHEME_FILES[0]
EVAL = '{"id": "v1", "ratings": {"1.1": {"level": 4}, "1.2": {"alpha": 0.5}}}'


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"evaluations": [{"id": "v1", "ratings": {"1.1": {"level": 4, "level": 5}}}]}', "level"),
        (
            '{"evaluations": [{"id": "v1", "ratings": {"1.1": {"level": 4}, '
            '"1.1": {"level": 4}}}]}',
            "1.1",
        ),
        ('{"evaluations": [{"id": "v1", "id": "v2", "ratings": {"1.1": {"level": 4}}}]}', "id"),
        (f'{{"evaluations": [{EVAL}], "evaluations": [{EVAL}]}}', "evaluations"),
        ('{"management": {"1.1": 3, "1.1": 4}}', "1.1"),
        (
            f'{{"evaluations": [{EVAL}, {{"id": "v2", "notes": {{"a": "x:y", "a": 1}}, '
            '"ratings": {"1.1": {"level": 4}}}]}',
            "a",
        ),
        # The dropped value held colons and pairs of its own: still fewer, still found.
        (
            '{"evaluations": [{"id": "v1", "notes": {"k": {"t": "1:2:3"}, "k": "x"}, '
            '"ratings": {"1.1": {"level": 4}}}]}',
            "k",
        ),
        # A duplicate after the same rating was seen (found by lookup, not validation).
        (
            f'{{"evaluations": [{EVAL}, {{"id": "v2", "ratings": {{"1.1": {{"level": 4}}, '
            '"1.2": {"alpha": 0.5, "alpha": 0.5}}}]}',
            "alpha",
        ),
    ],
)
def test_a_duplicate_key_anywhere_is_refused_as_before(text: str, key: str) -> None:
    result = score_cli(TBSC034, text)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"input: not valid JSON (duplicate key {key!r} in one object)"
    with pytest.raises(ValueError, match="duplicate key"):
        read_input(text, load_scheme(TBSC034))


@pytest.mark.parametrize(
    "second",
    [
        '{"1.1": {"level": true}}',  # equal to 1, hashes as 1
        '{"1.1": {"level": 1.0}}',  # a Decimal equal to 1
        '{"1.2": {"alpha": true}}',  # equal to the alpha 1 seen before
        '{"1.3": {"alpha": false}}',  # equal to the alpha 0 seen before
        '{"1.1": {"na": 1, "reason": "x"}}',
        '{"1.1": {"na": true, "reason": "  "}}',
        '{"1.1": {"reason": "x", "na": true}}',  # valid, in the other order
        '{"1.1": {}}',
        '{"1.1": 4}',
        '{"9.9": {"level": 4}}',
    ],
)
def test_values_equal_to_a_seen_rating_but_of_another_type_are_judged_as_before(
    second: str,
) -> None:
    first = '{"1.1": {"level": 1}, "1.2": {"alpha": 1}, "1.3": {"alpha": 0}}'
    text = (
        f'{{"evaluations": [{{"id": "a", "ratings": {first}}}, '
        f'{{"id": "b", "ratings": {second}}}]}}'
    )
    scheme = load_scheme(TBSC034)
    try:
        expected: str | InputError = careful(text, scheme)
    except InputError as exc:
        expected = exc
    result = score_cli(TBSC034, text)
    if isinstance(expected, InputError):
        assert result.exit_code == 2
        assert result.stderr.strip() == str(expected)
    else:
        assert result.exit_code == 0, result.stderr
        assert result.stdout == expected + "\n"


@pytest.mark.parametrize(
    "text",
    [
        # An escape can put a colon into a decoded string: the careful path reads it.
        '{"evaluations": [{"id": "a\\u003ab", "ratings": {"1.1": {"level": 4}}}]}',
        '{"evaluations": [{"id": "a\\\\:b\\"", "ratings": {"1.1": {"level" : 4}}}]}',
        # Colons in strings everywhere the fast path does not look (a rating's note).
        '{"evaluations": [{"id": "v", "ratings": {"1.1": {"level": 4, "note": "a:b"}}}]}',
        '{"evaluations": [{"ratings": {"1.1": {"level": 4}}}, {"ratings": {"1.1": {"level": 4}}}]}',
        '{"evaluations": [{"id": 7, "mode": "B", "ratings": {"1.1": {"level": 4}}},'
        ' {"id": 8, "ratings": {"1.1": {"level": 4}}}]}',
    ],
)
def test_unusual_but_valid_text_scores_as_before(text: str) -> None:
    result = score_cli(TBSC034, text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == careful(text, load_scheme(TBSC034)) + "\n"


def test_the_first_error_is_the_one_the_careful_path_names() -> None:
    # An invalid alpha in the first evaluation, a duplicate key in the second: the duplicate
    # is a JSON error and comes first, as it did when the hook refused it while decoding.
    text = (
        '{"evaluations": [{"id": "a", "ratings": {"1.1": {"alpha": 1.3}}}, '
        '{"id": "b", "ratings": {"1.1": {"level": 4}, "1.1": {"level": 3}}}]}'
    )
    result = score_cli(TBSC034, text)
    assert result.exit_code == 2
    assert result.stderr.strip() == "input: not valid JSON (duplicate key '1.1' in one object)"
    mode_error = '{"evaluations": [{"id": "a", "mode": "Z", "ratings": {"1.1": {"level": 4}}}]}'
    result = score_cli(TBSC034, mode_error)
    assert result.exit_code == 2
    assert result.stderr.strip() == "evaluations[0].mode: 'Z' is not a certification mode (A–I)"


@pytest.mark.parametrize("path", SCHEME_FILES[:3], ids=lambda p: p.stem)
def test_evaluations_read_in_chunks_print_what_the_careful_path_printed(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More evaluations than one chunk of ``_FastReader.read_all``, with odd ratings late on."""
    scheme = load_scheme(path)
    data = random_input(scheme, 2 * jsontext._CHUNK + 300, seed=13)
    late = data["evaluations"][jsontext._CHUNK + 5]["ratings"]
    code = next(iter(late))
    late[code] = {"reason": "gone", "na": True}  # the pairs the other way round
    text = dumps(data)
    expected = careful(text, scheme)
    monkeypatch.setattr(jsontext, "strict_json", _no_careful_path)
    assert result_text(score(scheme, read_input(text, scheme)), 2) == expected


def test_an_error_in_a_late_chunk_is_the_one_the_careful_path_names(tbsc034: Scheme) -> None:
    data = random_input(tbsc034, 2 * jsontext._CHUNK, seed=7)
    ratings = data["evaluations"][jsontext._CHUNK + 9]["ratings"]
    ratings[next(iter(ratings))] = {"level": 9}
    text = dumps(data)
    message = same_error(text, tbsc034)
    assert f"evaluations[{jsontext._CHUNK + 9}]" in message


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.stem)
def test_the_packed_engine_loop_gives_the_plain_loop_figures(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``service._packed_sums`` (bit fields summed in C) against the plain per-rating loop."""
    from backend.scoring.engine import service

    scheme = load_scheme(path)
    assert scheme.service is not None
    parsed = parse_input(strict_json(dumps(random_input(scheme, 400, seed=5))), scheme)
    packed = service.score_service(scheme.service, parsed.evaluations)

    def refuse(*args: object) -> object:
        raise service._NotPackable

    monkeypatch.setattr(service, "_packed_sums", refuse)
    plain = service.score_service(scheme.service, parsed.evaluations)
    assert packed == plain


@pytest.mark.parametrize("late", [1, 2 * jsontext._CHUNK + 1])
@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one_by_one"])
def test_a_rating_with_more_than_the_pair_found_is_validated_whole(
    tbsc034: Scheme, late: int, bulk: bool
) -> None:
    """{"alpha": 0.1, "level": 4} after {"level": 4}: its last pair was seen, its alpha is wrong."""
    data = random_input(tbsc034, late + 1, seed=3)
    if not bulk:
        del data["evaluations"][0]["id"]  # an id by position: read one evaluation at a time
    for ev in data["evaluations"][:late]:
        ev["ratings"]["1.1"] = {"level": 4}
    data["evaluations"][late]["ratings"]["1.1"] = {"alpha": Decimal("0.1"), "level": 4}
    text = dumps(data)
    message = same_error(text, tbsc034)
    assert "not the given level 4" in message


@pytest.mark.parametrize(
    "mark",
    [
        {"reason": "不适用"},  # a reason with no na
        {"na": 1, "reason": "不适用"},  # 1 is not true
        {"level": 4, "na": True, "reason": "不适用"},  # a rating and an N/A mark
        {"na": False, "reason": "不适用"},
    ],
    ids=["no_na", "na_1", "rated_and_na", "na_false"],
)
def test_a_known_na_reason_with_something_else_left_is_refused_as_before(
    tbsc034: Scheme, mark: dict[str, Any]
) -> None:
    late = 3 * jsontext._CHUNK
    data = random_input(tbsc034, late + 1, seed=11)
    for ev in data["evaluations"][:late]:
        ev["ratings"]["1.1"] = {"na": True, "reason": "不适用"}
    data["evaluations"][late]["ratings"]["1.1"] = mark
    text = dumps(data)
    message = same_error(text, tbsc034)
    assert f"evaluations[{late}]" in message
