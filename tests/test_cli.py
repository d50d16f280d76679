"""The fieldcert command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.cli import main

EXPECTED_COMMANDS = {"run", "db", "demo", "scheme", "score"}


def listed_commands(help_text: str) -> set[str]:
    section = help_text.split("Commands:", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.strip()}


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    assert listed_commands(result.output) >= EXPECTED_COMMANDS


def test_installed_console_script_lists_the_commands(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "fieldcert"
    if not script.exists():
        pytest.fail(f"{script} missing: install the project first (make install)")
    env = {**os.environ, "FIELDCERT_INSTANCE_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert listed_commands(result.stdout) >= EXPECTED_COMMANDS
    assert "Traceback" not in result.stderr
