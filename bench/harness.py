"""What the server benchmarks share: a throw-away PostgreSQL schema, gunicorn, CPU accounting.

bench/api_bench.py and bench/survey_bench.py each run the real server (gunicorn, 2 workers) on
PostgreSQL over loopback; these helpers start and stop those parts and measure where the CPU
went, the figure a busy 2-core machine distorts least.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: This checkout's command (python -m, from the checkout), not whichever fieldcert is installed.
FIELDCERT = [sys.executable, "-m", "backend.cli"]


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
    env: Mapping[str, str],
    *,
    workers: int,
    threads: int,
    backlog: int | None = None,
    timeout: int | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The app under gunicorn (gthread workers) on a free loopback port, once every worker is ready.

    gunicorn loads the app in each worker after forking it (no ``--preload``, as ``fieldcert
    serve`` runs it), and the port accepts connections before any worker has: on a busy machine
    loading the app takes seconds, and a benchmark started then would time the import. Each
    worker writes a file once its app is loaded (gunicorn's ``post_worker_init`` hook); the
    benchmark starts when all have. ``timeout``: seconds a request may take before gunicorn
    kills its worker (its default, 30).
    """
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="fieldcert-gunicorn-ready-"))
    config = ready / "ready_hook.py"
    config.write_text(
        "from pathlib import Path\n\n\n"
        "def post_worker_init(worker):\n"
        f"    Path({str(ready)!r}, f'worker-{{worker.pid}}').touch()\n",
        encoding="utf-8",
    )
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--config",
        str(config),
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        *(["--backlog", str(backlog)] if backlog else []),
        *(["--timeout", str(timeout)] if timeout else []),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "backend:create_app()",
    ]
    server = subprocess.Popen(command, env=dict(env), cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}")
            if len(list(ready.glob("worker-*"))) >= workers:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn workers not ready after 300 s")
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(ready, ignore_errors=True)


@contextmanager
def job_worker(env: Mapping[str, str], *, threads: int = 2) -> Iterator[subprocess.Popen[bytes]]:
    """``fieldcert worker`` beside the server, on the same queue, as production runs it.

    Uploads leave their display image, thumbnail and perceptual hash to background jobs
    (backend/jobs): without a worker a benchmark would measure only the enqueueing, and the
    queue would grow for ever. Stopped with SIGTERM (systemd's stop: running jobs finish).
    """
    command = [str(ROOT / ".venv/bin/fieldcert"), "worker", "--threads", str(threads)]
    worker = subprocess.Popen(command, env=dict(env), cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=70)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def queue_status(env: Mapping[str, str]) -> str:
    """``fieldcert worker --status``: the queue's depth and failures, one line per failure."""
    done = subprocess.run(
        [str(ROOT / ".venv/bin/fieldcert"), "worker", "--status"],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout or done.stderr).strip()


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (gunicorn's workers)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def load_demo(env: Mapping[str, str]) -> None:
    """Migrate the database of ``env`` and load the demo data (``fieldcert demo load``)."""
    subprocess.run([*FIELDCERT, "db", "upgrade"], env=dict(env), cwd=ROOT, check=True)
    subprocess.run(
        [*FIELDCERT, "demo", "load"],
        env=dict(env),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def reset_peak_memory(pids: Iterable[int]) -> None:
    """Start these processes' peak resident memory afresh (Linux: proc(5), clear_refs 5)."""
    for pid in pids:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")


def memory_mib(pid: int, field: str = "VmHWM") -> float:
    """A process's peak (``VmHWM``) or current (``VmRSS``) resident memory in MiB; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


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


def process_groups(server_pid: int, worker_pid: int | None = None) -> dict[str, set[int]]:
    """gunicorn (master and workers), the job worker, PostgreSQL backends, this load generator."""
    groups: dict[str, set[int]] = {"gunicorn": {server_pid}, "postgres": set()}
    if worker_pid is not None:
        groups["job worker"] = {worker_pid}
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

    def __init__(self, server_pid: int, worker_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self.worker_pid = worker_pid
        self.groups = process_groups(server_pid, worker_pid)
        self.before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}

        self.workers = {pid: cpu_seconds({pid}) for pid in self.groups["gunicorn"]}

    def stop(self) -> dict[str, float]:
        # PostgreSQL starts a backend per new connection: look again for those that appeared.
        self.groups["postgres"] |= process_groups(self.server_pid, self.worker_pid)["postgres"]
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
