"""What the server benchmarks share: a throw-away PostgreSQL schema, gunicorn, CPU accounting.

bench/api_bench.py and bench/survey_bench.py each run the real server (gunicorn, 2 workers) on
PostgreSQL over loopback; these helpers start and stop those parts and measure where the CPU
went, the figure a busy 2-core machine distorts least.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def bench_environment(postgres: str, prefix: str) -> Iterator[tuple[dict[str, str], Path]]:
    """A fresh PostgreSQL schema and work directory: the server's environment, and the directory.

    Both are removed afterwards, whatever happens.
    """
    import sqlalchemy as sa

    schema = f"{prefix}_{secrets.token_hex(4)}"
    admin_engine = sa.create_engine(postgres)
    with admin_engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    workdir = Path(tempfile.mkdtemp(prefix=f"fieldcert-{prefix}-"))
    sep = "&" if "?" in postgres else "?"
    env = {
        **os.environ,
        "DATABASE_URL": f"{postgres}{sep}options=-csearch_path%3D{schema}",
        "FIELDCERT_INSTANCE_DIR": str(workdir / "instance"),
        "SECRET_KEY": secrets.token_hex(32),
    }
    print(f"PostgreSQL schema {schema}")
    try:
        yield env, workdir
    finally:
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def gunicorn(
    env: Mapping[str, str], *, workers: int, threads: int, backlog: int | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The app under gunicorn (gthread workers) on a free loopback port, once it accepts."""
    port = free_port()
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        *(["--backlog", str(backlog)] if backlog else []),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "backend:create_app()",
    ]
    server = subprocess.Popen(command, env=dict(env), cwd=ROOT)
    try:
        for _ in range(200):
            # Every worker forked (their CPU is measured from here), and the port answering.
            if len(_children(server.pid)) >= workers:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    pass
            time.sleep(0.1)
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 for gone ones)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (proc(5), fields 14 and 15)
    return total / tick


def process_groups(server_pid: int) -> dict[str, set[int]]:
    """gunicorn (master and workers), PostgreSQL backends, and this load generator."""
    groups: dict[str, set[int]] = {"gunicorn": {server_pid}, "postgres": set()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid:
            groups["gunicorn"].add(int(entry.name))
        elif name.startswith("postgres"):
            groups["postgres"].add(int(entry.name))
    groups["load generator"] = {os.getpid()}
    return groups


class CpuMeter:
    """CPU used by gunicorn, PostgreSQL and the load generator between start() and stop()."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.groups = process_groups(server_pid)
        self.before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}

        self.workers = {pid: cpu_seconds({pid}) for pid in self.groups["gunicorn"]}

    def stop(self) -> dict[str, float]:
        # PostgreSQL starts a backend per new connection: look again for those that appeared.
        self.groups["postgres"] |= process_groups(self.server_pid)["postgres"]
        self.workers = {
            pid: cpu_seconds({pid}) - before
            for pid, before in self.workers.items()
            if pid != self.server_pid
        }
        return {
            name: cpu_seconds(pids) - self.before.get(name, 0.0)
            for name, pids in self.groups.items()
        }

    def balance(self, elapsed: float) -> str:
        """Each gunicorn worker's share of a core: a worker far below the others sat idle."""
        shares = sorted((used / elapsed * 100 for used in self.workers.values()), reverse=True)
        return "  gunicorn workers: " + ", ".join(f"{share:.0f} %" for share in shares)


def cpu_report(used: Mapping[str, float], elapsed: float, per: int, unit: str) -> str:
    """One line: each group's share of the cores and its CPU per ``unit``."""
    shares = [
        f"{name} {seconds / elapsed * 100:.0f} % ({seconds / max(per, 1) * 1000:.1f} ms/{unit})"
        for name, seconds in used.items()
    ]
    return f"  CPU during the run ({os.cpu_count()} cores = {os.cpu_count() or 0}00 %): " + (
        ", ".join(shares)
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
