"""Settings from the environment (backend.config)."""

from __future__ import annotations

import ast
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from backend import create_app
from backend.config import (
    DEFAULT_MAX_CONTENT_LENGTH,
    REPO_ROOT,
    VARIABLES,
    ConfigError,
    load_server_settings,
    load_settings,
    normalise_database_url,
)


def test_laptop_defaults(tmp_path: Path) -> None:
    settings = load_settings({"FIELDCERT_INSTANCE_DIR": str(tmp_path / "instance")})

    instance = tmp_path / "instance"
    assert instance.is_dir()
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{instance / 'fieldcert.sqlite3'}"
    assert Path(settings.database_url.removeprefix("sqlite:///")).is_absolute()
    assert settings.storage_dir == instance / "evidence"
    assert settings.max_content_length == DEFAULT_MAX_CONTENT_LENGTH == 25 * 1024 * 1024
    assert settings.pwa_dist == REPO_ROOT / "pwa" / "dist"
    assert settings.redis_url is None
    assert settings.session_cookie_secure is False


def test_default_instance_dir_is_the_repository_instance_folder() -> None:
    settings = load_settings({}, overrides={"SECRET_KEY": "x" * 64})
    assert settings.instance_dir == REPO_ROOT / "instance"
    assert settings.database_url == f"sqlite:///{REPO_ROOT / 'instance' / 'fieldcert.sqlite3'}"


def test_environment_variables_override_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "FIELDCERT_INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://fc:pw@db.internal:5432/fieldcert",
            "SECRET_KEY": "k" * 64,
            "FIELDCERT_STORAGE_DIR": "/srv/evidence",
            "MAX_CONTENT_LENGTH": "1048576",
            "PWA_DIST": "build/pwa",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "FIELDCERT_ENV": "production",
        }
    )
    assert settings.database_url == "postgresql+psycopg://fc:pw@db.internal:5432/fieldcert"
    assert settings.secret_key == "k" * 64
    assert settings.storage_dir == Path("/srv/evidence")
    assert settings.max_content_length == 1048576
    assert settings.pwa_dist == REPO_ROOT / "build" / "pwa"  # relative to the checkout
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.is_production
    assert settings.session_cookie_secure is True  # production default
    assert not (tmp_path / "secret_key").exists()  # SECRET_KEY given: no key file


def test_secret_key_is_generated_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    environ = {"FIELDCERT_INSTANCE_DIR": str(tmp_path)}

    first = load_settings(environ).secret_key

    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert len(first) == 64 and set(first) <= set("0123456789abcdef")  # token_hex(32)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings(environ).secret_key == first


def test_secret_key_from_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    environ = {"FIELDCERT_INSTANCE_DIR": str(tmp_path)}
    generated = load_settings(environ).secret_key
    assert load_settings({**environ, "SECRET_KEY": "e" * 64}).secret_key == "e" * 64
    assert generated != "e" * 64


def test_secret_key_in_app_config_means_no_key_file(tmp_path: Path) -> None:
    settings = load_settings(
        {"FIELDCERT_INSTANCE_DIR": str(tmp_path)}, overrides={"SECRET_KEY": "c" * 64}
    )
    assert settings.secret_key == "c" * 64
    assert not (tmp_path / "secret_key").exists()


def test_an_emptied_key_file_is_an_error_not_a_silent_new_key(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ConfigError, match="secret_key"):
        load_settings({"FIELDCERT_INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_CONTENT_LENGTH", "lots"),
        ("MAX_CONTENT_LENGTH", "-1"),
        ("SESSION_COOKIE_SECURE", "maybe"),
        ("FIELDCERT_TRUSTED_PROXIES", "one"),
    ],
)
def test_unusable_values_are_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({"FIELDCERT_INSTANCE_DIR": str(tmp_path), name: value})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_postgresql_urls_use_psycopg_3(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


def test_create_app_applies_settings_then_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDCERT_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "2048")

    app = create_app({"SECRET_KEY": "s" * 64, "PWA_DIST": tmp_path / "dist"})

    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.config["SECRET_KEY"] == "s" * 64
    assert app.config["PWA_DIST"] == tmp_path / "dist"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert (tmp_path / "evidence").is_dir()


def test_image_decoding_settings_are_read_and_checked(tmp_path: Path) -> None:
    base = {"FIELDCERT_INSTANCE_DIR": str(tmp_path)}
    settings = load_settings(
        {
            **base,
            "FIELDCERT_IMAGE_DECODE_MAX_MIB": "256",
            "FIELDCERT_IMAGE_DECODE_SLOTS": "3",
            "FIELDCERT_IMAGE_DECODE_WAIT_SECONDS": "2.5",
        }
    )
    config = settings.flask_config()
    assert config["FIELDCERT_IMAGE_DECODE_MAX_BYTES"] == 256 * 2**20
    assert config["FIELDCERT_IMAGE_DECODE_SLOTS"] == 3
    assert config["FIELDCERT_IMAGE_DECODE_WAIT_SECONDS"] == 2.5
    for name, value in (
        ("FIELDCERT_IMAGE_DECODE_MAX_MIB", "0"),
        ("FIELDCERT_IMAGE_DECODE_SLOTS", "0"),
        ("FIELDCERT_IMAGE_DECODE_WAIT_SECONDS", "soon"),
        ("FIELDCERT_IMAGE_DECODE_WAIT_SECONDS", "0"),
    ):
        with pytest.raises(ConfigError, match=name):
            load_settings({**base, name: value})


class _Recording(dict[str, str]):
    """An environment that notes every variable asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


def test_variables_names_every_variable_the_settings_read(tmp_path: Path) -> None:
    environ = _Recording({"FIELDCERT_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k" * 64})
    load_settings(environ)
    load_server_settings(environ)
    assert environ.asked == set(VARIABLES)
    assert len(VARIABLES) == len(set(VARIABLES))


def _readme_variables() -> list[str]:
    """The first column of every README table headed ``| variable | default | meaning |``."""
    names: list[str] = []
    in_table = False
    for line in (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| variable | default | meaning |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and (match := re.match(r"\| `([A-Z0-9_]+)` \|", line)):
            names.append(match.group(1))
    return names


def test_the_readme_lists_every_setting_once() -> None:
    listed = _readme_variables()
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(VARIABLES)


def test_no_module_but_config_reads_the_environment() -> None:
    readers = []
    names = {"environ", "getenv", "environb"}
    for path in sorted((REPO_ROOT / "backend").rglob("*.py")):
        if path == REPO_ROOT / "backend" / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            reads = (
                isinstance(node, ast.Attribute)
                and node.attr in names
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ) or (
                isinstance(node, ast.ImportFrom)
                and node.module == "os"
                and bool({a.name for a in node.names} & names)
            )
            if reads:
                readers.append(f"{path.relative_to(REPO_ROOT)}:{getattr(node, 'lineno', 0)}")
    assert readers == []


def test_feature_settings_reach_the_flask_config(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "FIELDCERT_INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 64,
            "FIELDCERT_MAX_EVIDENCE_BYTES": "1000",
            "FIELDCERT_VAPID_SUBJECT": "mailto:ops@example.cn",
            "FIELDCERT_SURVEY_RATE_LIMIT": "3 per minute",
            "FIELDCERT_PUBLIC_URL": "https://survey.example.cn",
            "FIELDCERT_BENCH_FLOOR": "true",
        }
    )
    config = settings.flask_config()
    assert config["FIELDCERT_MAX_EVIDENCE_BYTES"] == 1000
    assert config["FIELDCERT_MAX_IMAGE_PIXELS"] is None  # the evidence feature's default
    assert config["FIELDCERT_VAPID_SUBJECT"] == "mailto:ops@example.cn"
    assert config["FIELDCERT_SURVEY_RATE_LIMIT"] == "3 per minute"
    assert config["FIELDCERT_PUBLIC_URL"] == "https://survey.example.cn"
    assert config["FIELDCERT_BENCH_FLOOR"] is False  # only the exact value "1"
    with pytest.raises(ConfigError, match="FIELDCERT_MAX_IMAGE_PIXELS"):
        load_settings({"FIELDCERT_INSTANCE_DIR": str(tmp_path), "FIELDCERT_MAX_IMAGE_PIXELS": "0"})
