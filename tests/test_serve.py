"""``fieldcert serve`` (issue 13): gunicorn with our settings, and refusals in production.

The server test starts the real command (gunicorn, two workers) on a free port against a migrated
SQLite database, asks for /api/health, reads the access log line and stops it with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from backend.config import load_server_settings
from backend.serve import gunicorn_options

FIELDCERT = Path(sys.executable).with_name("fieldcert")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FIELDCERT_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        FIELDCERT_INSTANCE_DIR=str(tmp_path / "instance"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        SECRET_KEY="s" * 64,
    )
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_settings_map_to_gunicorn_options() -> None:
    server = load_server_settings(
        {
            "FIELDCERT_BIND": "0.0.0.0:9000",
            "FIELDCERT_WORKERS": "5",
            "FIELDCERT_THREADS": "8",
            "FIELDCERT_TIMEOUT": "30",
        }
    )
    options = gunicorn_options(server)
    assert options["bind"] == ["0.0.0.0:9000"]
    assert (options["workers"], options["threads"], options["timeout"]) == (5, 8, 30)
    assert options["worker_class"] == "gthread"


def test_defaults_suit_the_machine() -> None:
    server = load_server_settings({})
    assert server.bind == "127.0.0.1:8000"
    assert server.workers == (os.cpu_count() or 1) + 1
    assert server.threads == 4 and not server.allow_sqlite


@pytest.mark.parametrize("name", ["FIELDCERT_WORKERS", "FIELDCERT_THREADS", "FIELDCERT_TIMEOUT"])
def test_a_zero_is_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_server_settings({name: "0"})


@pytest.mark.parametrize(
    ("extra", "refusal"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "FIELDCERT_ALLOW_SQLITE"),
        ({"FIELDCERT_ALLOW_SQLITE": "true"}, "FIELDCERT_ALLOW_LOCAL_LIMITS"),
        ({"FIELDCERT_ALLOW_SQLITE": "true", "FIELDCERT_ALLOW_LOCAL_LIMITS": "true"}, None),
    ],
)
def test_production_refuses_laptop_parts_unless_told(
    tmp_path: Path, extra: dict[str, str], refusal: str | None
) -> None:
    env = _env(tmp_path, FIELDCERT_ENV="production", **extra)
    result = subprocess.run(
        [str(FIELDCERT), "serve", "--check"], env=env, capture_output=True, text=True, timeout=60
    )
    if refusal is None:
        assert result.returncode == 0, result.stderr
        assert "production" in result.stderr
    else:
        assert result.returncode == 1
        assert refusal in result.stderr


def test_serve_answers_logs_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = _env(tmp_path, FIELDCERT_BIND=f"127.0.0.1:{port}", FIELDCERT_WORKERS="2", HOME=str(home))
    env.pop("XDG_RUNTIME_DIR", None)
    subprocess.run([str(FIELDCERT), "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [str(FIELDCERT), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
                    assert r.status == 200
                    assert b'"database":"ok"' in r.read().replace(b" ", b"")
                break
            except OSError:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "no answer within 60 s"
                time.sleep(0.3)
        sockets = [path.name for path in home.rglob("*") if path.is_socket()]
    finally:
        server.send_signal(signal.SIGTERM)
        log, _ = server.communicate(timeout=60)
    assert server.returncode == 0
    assert "2 workers × 4 threads" in log
    assert '"GET /api/health HTTP/1.1" 200' in log
    # No per-user control socket (while it ran) that a second server on the host would take over.
    assert sockets == []
