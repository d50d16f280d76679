"""``FIELDCERT_JOBS``: where the queue is kept, and the default each kind of app gets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from backend.config import ConfigError, Settings
from backend.config import load_settings as load
from backend.jobs.engine import resolve_mode


@pytest.fixture(autouse=True)
def _instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Folder, "path", str(tmp_path))


class _Folder:
    path = ""


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The settings of ``environ``, with the instance folder (a secret key file) in tmp."""
    return load({"FIELDCERT_INSTANCE_DIR": _Folder.path, **environ})


def test_unset_means_redis_with_a_redis_url_else_sqlite_and_immediate_under_test() -> None:
    assert load_settings({}).jobs is None
    assert resolve_mode({"FIELDCERT_JOBS": None}) == "sqlite"
    assert resolve_mode({"FIELDCERT_JOBS": None, "REDIS_URL": "redis://r:6379/0"}) == "redis"
    assert resolve_mode({"FIELDCERT_JOBS": None, "TESTING": True}) == "immediate"
    # Named, it wins, also under test (tests on a real queue name it).
    assert resolve_mode({"FIELDCERT_JOBS": "sqlite", "TESTING": True}) == "sqlite"


@pytest.mark.parametrize("value", ["sqlite", "SQLite ", "immediate"])
def test_a_named_mode_is_read(value: str) -> None:
    assert load_settings({"FIELDCERT_JOBS": value}).jobs == value.strip().lower()


def test_redis_needs_a_redis_url() -> None:
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_settings({"FIELDCERT_JOBS": "redis"})
    assert load_settings({"FIELDCERT_JOBS": "redis", "REDIS_URL": "redis://r/0"}).jobs == "redis"


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ConfigError, match="FIELDCERT_JOBS must be one of sqlite, redis, immediate"):
        load_settings({"FIELDCERT_JOBS": "celery"})
