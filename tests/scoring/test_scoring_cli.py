"""The scoring command-line contract: ``fieldcert scheme validate`` and ``fieldcert score``.

Exit codes: validate 0 when every file is valid, else 1 with ``file: path: message`` on stderr;
score prints JSON on stdout, exits 2 on invalid input (the message names the path of the bad
value) and 1 on an invalid scheme.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backend.scorecli import scheme_group, score_command

ROOT = Path(__file__).resolve().parents[2]

ALL_LEVEL_4 = {"evaluations": [{"id": "v1", "ratings": {c: {"level": 4} for c in (
    "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3",
    "5.1", "5.2", "5.3", "6.1", "6.2", "6.3", "7.1")}}]}  # fmt: skip


def score_cli(scheme: Path, text: str | bytes, *extra: str) -> Any:
    return CliRunner().invoke(
        score_command, ["--scheme", str(scheme), "--input", "-", *extra], input=text
    )


def validate_cli(*paths: Path | str) -> Any:
    return CliRunner().invoke(scheme_group, ["validate", *(str(p) for p in paths)])


# --------------------------------------------------------------------------- scheme validate


def test_validate_accepts_the_three_shipped_schemes(scheme_paths: dict[str, Path]) -> None:
    result = validate_cli(*scheme_paths.values())
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"{scheme_paths['tbsc034']}: ok (cts-tbsc034-2026 B/0, complete, sha256:"
    )
    assert lines[1].startswith(
        f"{scheme_paths['tbsc134']}: ok (cts-tbsc134-2026 B/1, complete, sha256:"
    )
    assert lines[2].startswith(
        f"{scheme_paths['cqc']}: ok (cqc83-831102-2025 1.2, incomplete, sha256:"
    )
    assert result.stderr == ""


def test_validate_refuses_a_broken_file_with_file_path_and_message(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    broken = tmp_path / "broken.yaml"
    text = scheme_paths["tbsc034"].read_text(encoding="utf-8")
    broken.write_text(
        text.replace(
            "        min: 0.2\n        min_inclusive: false",
            "        min: 0.25\n        min_inclusive: false",
            1,
        ),
        encoding="utf-8",
    )
    result = validate_cli(scheme_paths["tbsc134"], broken)
    assert result.exit_code == 1
    assert (
        f"{broken}: scales.likert5.bands[1]: gap between 0.2 and 0.25" in result.stderr.splitlines()
    )
    assert result.stdout.startswith(
        f"{scheme_paths['tbsc134']}: ok"
    )  # the valid file is still reported


def test_validate_refuses_a_missing_file(tmp_path: Path) -> None:
    result = validate_cli(tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"{tmp_path / 'nope.yaml'}: cannot read file: No such file or directory"
    )


def test_validate_needs_a_path() -> None:
    result = validate_cli()
    assert result.exit_code == 2  # click usage error


# --------------------------------------------------------------------------- score


def test_score_prints_the_json_contract(scheme_paths: dict[str, Path]) -> None:
    clauses = ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3",
               "4.4", "4.5", "5.1", "5.2", "6.1", "6.2", "6.3", "7.1", "7.2")  # fmt: skip
    data = {**ALL_LEVEL_4, "management": {c: 3 for c in clauses}}
    result = score_cli(scheme_paths["tbsc034"], json.dumps(data))
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["scheme"]["id"] == "cts-tbsc034-2026"
    assert out["service"]["exact"] == "80"
    assert out["service_score"] == 80.0
    assert out["evaluations"][0]["exact"] == {"score": "80", "earned": "80", "possible": "100"}
    assert (out["management"]["exact"], out["management"]["level"]) == ("87", 3)
    assert (out["decision"]["outcome"], out["decision"]["row"], out["decision"]["grade"]) == (
        "grade",
        "grade-3",
        "三级",
    )


def test_score_reads_decimals_exactly_from_json_text(scheme_paths: dict[str, Path]) -> None:
    # 0.2 in the JSON text is one fifth, level 1; 0.2000001 is level 2 (parse_float=Decimal).
    text = (
        '{"evaluations": [{"ratings": {"1.1": {"level": 1, "alpha": 0.2}, '
        '"1.2": {"level": 2, "alpha": 0.2000001}}}]}'
    )
    result = score_cli(scheme_paths["tbsc034"], text)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    # (5 x 0.2 + 7 x 0.2000001) / 12 x 100 = 2.4000007 / 12 x 100 = 24000007/1200000
    assert out["evaluations"][0]["exact"]["score"] == "24000007/1200000"


def test_score_reads_an_input_file(tmp_path: Path, scheme_paths: dict[str, Path]) -> None:
    source = tmp_path / "input.json"
    source.write_text(json.dumps(ALL_LEVEL_4), encoding="utf-8")
    result = CliRunner().invoke(
        score_command, ["--scheme", str(scheme_paths["tbsc134"]), "--input", str(source)]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["service"]["exact"] == "80"


def test_score_indent_0_prints_one_line(scheme_paths: dict[str, Path]) -> None:
    result = score_cli(scheme_paths["tbsc034"], json.dumps(ALL_LEVEL_4), "--indent", "0")
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1


def test_score_invalid_alpha_exits_2_naming_the_path(scheme_paths: dict[str, Path]) -> None:
    result = score_cli(
        scheme_paths["tbsc034"], '{"evaluations": [{"ratings": {"2.1": {"alpha": 1.3}}}]}'
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "evaluations[0].ratings.2.1.alpha: 1.3 is outside 0..1"
    assert result.stdout == ""


def test_score_partial_without_suggestion_exits_2(scheme_paths: dict[str, Path]) -> None:
    result = score_cli(scheme_paths["cqc"], '{"conformity": {"4.3.2": "partial"}}')
    assert result.exit_code == 2
    assert result.stderr.startswith("conformity.4.3.2: ")
    assert result.stdout == ""


def test_score_negative_timing_difference_exits_2(scheme_paths: dict[str, Path]) -> None:
    text = json.dumps(
        {
            "timing": [
                {
                    "clause": "4.3.1",
                    "received": "2026-03-02T10:00:05+08:00",
                    "sent": "2026-03-02T10:00:04+08:00",
                }
            ]
        }
    )
    result = score_cli(scheme_paths["cqc"], text)
    assert result.exit_code == 2
    assert result.stderr.startswith("timing[0]: ")
    assert "negative difference" in result.stderr


@pytest.mark.parametrize(
    "text",
    ["{", "[1, 2", "", '{"evaluations": [{"ratings": {"1.1": {"alpha": NaN}}}]}'],
    ids=["brace", "list", "empty", "nan"],
)
def test_score_input_that_is_not_json_exits_2(scheme_paths: dict[str, Path], text: str) -> None:
    result = score_cli(scheme_paths["tbsc034"], text)
    assert result.exit_code == 2
    assert result.stderr.startswith("input: not valid JSON")


def test_score_input_that_is_not_utf8_exits_2(scheme_paths: dict[str, Path]) -> None:
    result = score_cli(scheme_paths["tbsc034"], b'{"evaluations": [{"id": "\xff", "ratings": {}}]}')
    assert result.exit_code == 2
    assert result.stderr.startswith("input: not UTF-8 text")


def test_score_input_that_is_not_an_object_exits_2(scheme_paths: dict[str, Path]) -> None:
    result = score_cli(scheme_paths["tbsc034"], "[]")
    assert result.exit_code == 2
    assert "must be a JSON object" in result.stderr


def test_score_with_an_invalid_scheme_exits_1_naming_the_file(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        scheme_paths["tbsc034"]
        .read_text(encoding="utf-8")
        .replace("total_points: 100", "total_points: 99", 1),
        encoding="utf-8",
    )
    result = score_cli(broken, json.dumps(ALL_LEVEL_4))
    assert result.exit_code == 1
    assert (
        f"{broken}: service.total_points: declares 99 points but the characteristics sum to 100"
        in result.stderr.splitlines()
    )
    assert result.stdout == ""


def test_score_with_a_missing_scheme_exits_1(tmp_path: Path) -> None:
    result = score_cli(tmp_path / "none.yaml", "{}")
    assert result.exit_code == 1
    assert str(tmp_path / "none.yaml") in result.stderr


# --------------------------------------------------------------------------- the installed command


def _fieldcert_command() -> list[str]:
    script = ROOT / ".venv" / "bin" / "fieldcert"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    if importlib.util.find_spec("flask") is None:
        pytest.skip(
            "no .venv/bin/fieldcert and Flask is not importable here, so backend.cli cannot run"
        )
    return [sys.executable, "-c", "from backend.cli import main; main()"]


def test_fieldcert_console_command_scores_and_refuses_in_a_real_process(
    tmp_path: Path, scheme_paths: dict[str, Path]
) -> None:
    command = _fieldcert_command()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }

    def fieldcert(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args], input=stdin, capture_output=True, text=True, encoding="utf-8",
            cwd=tmp_path, env=env, timeout=60, check=False,
        )  # fmt: skip

    ok = fieldcert(
        "score",
        "--scheme",
        str(scheme_paths["tbsc034"]),
        "--input",
        "-",
        stdin=json.dumps(ALL_LEVEL_4),
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["service"]["exact"] == "80"

    bad = fieldcert("score", "--scheme", str(scheme_paths["tbsc034"]), "--input", "-",
                    stdin='{"evaluations": [{"ratings": {"2.1": {"alpha": 1.3}}}]}')  # fmt: skip
    assert bad.returncode == 2
    assert "evaluations[0].ratings.2.1.alpha: 1.3 is outside 0..1" in bad.stderr.splitlines()


# The input example of the CLI contract (issue 2), line breaks aside: it has both models' sections.
CONTRACT_EXAMPLE = """{"evaluations":[{"id":"v1","mode":"B","ratings":{"1.1":{"level":4},
"1.2":{"alpha":0.75},"1.3":{"na":true,"reason":"…"}}}],
 "management":{"1.1":3,"4.1":4},
 "conformity":{"4.3.1":"full","4.3.2":{"judgement":"full","rectified":true}},
 "timing":[{"clause":"4.3.1","received":"2026-03-02T10:00:00+08:00",
 "sent":"2026-03-02T10:00:02+08:00"}]}"""


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
def test_contract_example_scores_on_the_tengbiao_schemes(
    scheme_paths: dict[str, Path], name: str
) -> None:
    result = score_cli(scheme_paths[name], CONTRACT_EXAMPLE)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # 1.1: 5 × 0.8 = 4; 1.2: 7 × 0.75 = 5.25; 1.3 N/A → 9.25 / 12 × 100 = 925/12.
    assert out["evaluations"][0]["exact"]["score"] == "925/12"
    assert out["service"]["exact"] == "925/12"
    # Annex 3: 1.1 level 3 → 3 points, 4.1 level 4 → 8 points.
    assert out["management"]["total"] == 11.0
    assert [s["section"] for s in out["ignored_sections"]] == ["conformity", "timing"]


def test_contract_example_scores_on_the_cqc_scheme(scheme_paths: dict[str, Path]) -> None:
    result = score_cli(scheme_paths["cqc"], CONTRACT_EXAMPLE)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # 4.3.1 full = 4; 4.3.2 full but rectified → counts at most basic = 3; chapter 4 mean 3.5.
    assert out["conformity"]["chapters"] == {"4": 3.5}
    assert out["conformity"]["final"] == 3.5
    assert out["conformity"]["passed"] is True
    assert out["timing"] == [
        {
            "clause": "4.3.1",
            "table": "附表 1",
            "item": None,
            "received": "2026-03-02T10:00:00+08:00",
            "sent": "2026-03-02T10:00:02+08:00",
            "difference_s": 2.0,
            "limit_s": 3.0,
            "conforms": True,
        }
    ]
    # 4.4.2 is not judged yet: the audit passes on the judged clauses, certification waits.
    assert out["decision"]["outcome"] == "not_certified"
    assert "4.4.2" in out["decision"]["reason"]["en"]
    assert [s["section"] for s in out["ignored_sections"]] == ["evaluations", "management"]
