"""Benchmark the public survey page: gunicorn (2 workers) + PostgreSQL on loopback.

200 simulated respondents work concurrently for 30 s. Each one is a new phone: it loads the
page (``GET /s/<code>``, gzip, no cookie), spends ``--think`` seconds reading (default 0.5 s,
±40 %), and submits the whole questionnaire (``POST /s/<code>``, 19 answers, a comment, and a
phone number with consent for one in five) — then the next respondent takes its place.

Every respondent comes from its own address: the server runs with FIELDCERT_TRUSTED_PROXIES=1
and each request carries ``X-Forwarded-For`` with an address from 198.18.0.0/15 (RFC 2544's
benchmarking range; only a header, no packet goes there), so the per-address limit
(FIELDCERT_SURVEY_RATE_LIMIT, default 30 per minute) applies as in the field and never trips.
``--one-address`` sends everything from 127.0.0.1 instead, with the limit lifted through
``FIELDCERT_SURVEY_RATE_LIMIT``: the other way to benchmark behind a single address.

The client is one asyncio loop with raw HTTP/1.1 keep-alive connections, so that it takes as
little of the machine's two cores as possible from the server it measures. A second phase with
no reading time (``--saturation-seconds``) shows the most the server answers.

Prints answers/s, page loads/s, p50/p95/p99 latency per request type, errors, the page's size,
and the flags the server gave. A benchmark, not a test: nothing is asserted; the figures go in
the closing note. Target (issue 5): ≥ 300 answers/s, p95 < 150 ms, zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import re
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 - after the path is set up
    DEFAULT_PG,
    CpuMeter,
    bench_environment,
    cpu_report,
    gunicorn,
    load_average,
    load_demo,
    percentile,
)

_TOKEN = re.compile(rb'name="t" value="([^"]+)"')
_DEVICE = re.compile(rb'name="device" id="device" value="([^"]+)"')
_ITEM = re.compile(rb'name="q\.([0-9.]+)" value="5"')


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    page_bytes: int = 0
    page_html_bytes: int = 0

    def ok(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {detail[:300]}")


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened after an error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        if self.reader is None:
            raise ConnectionError("not connected")
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        got: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            got[name.strip().lower()] = value.strip()
        length = int(got.get("content-length", "0"))
        data = await self.reader.readexactly(length) if length else b""
        if got.get("connection", "").lower() == "close":
            self.close()
        return status, got, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Addresses:
    """Distinct client addresses from 198.18.0.0/15, one per simulated respondent."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        n = self.n % (2 * 65536 - 2) + 1
        return f"198.{18 + n // 65536}.{(n // 256) % 256}.{n % 256}"


async def respondent_loop(
    port: int,
    code: str,
    deadline: float,
    think: float,
    stats: Stats,
    addresses: Addresses,
    one_address: bool,
    rnd: random.Random,
) -> None:
    conn = Connection(port)
    while time.monotonic() < deadline:
        headers = {"Accept-Encoding": "gzip", "User-Agent": "MicroMessenger/8.0 bench"}
        if not one_address:
            headers["X-Forwarded-For"] = addresses.next()
        t0 = time.perf_counter()
        try:
            status, got, body = await conn.request("GET", f"/s/{code}", headers)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            stats.error("page", repr(exc))
            conn.close()
            continue
        if status != 200:
            stats.error("page", f"{status} {body[:200]!r}")
            continue
        stats.ok("page", time.perf_counter() - t0)
        html = gzip.decompress(body) if got.get("content-encoding") == "gzip" else body
        stats.page_bytes = len(body)
        stats.page_html_bytes = len(html)
        token, device = _TOKEN.search(html), _DEVICE.search(html)
        if token is None or device is None:
            stats.error("page", "no form in the page")
            continue
        cookie = got.get("set-cookie", "").split(";", 1)[0]
        if think:
            await asyncio.sleep(think * rnd.uniform(0.6, 1.4))
        fields = [("t", token.group(1).decode()), ("device", device.group(1).decode())]
        for item in _ITEM.findall(html):
            value = "na" if rnd.random() < 0.05 else str(rnd.choice((2, 3, 4, 4, 5, 5)))
            fields.append((f"q.{item.decode()}", value))
        fields.append(("comment", "服务不错，等候时间略长"))
        if rnd.random() < 0.2:
            fields += [("phone", f"139{rnd.randrange(10**8):08d}"), ("consent", "1")]
        form = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields).encode()
        post_headers = {
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
        }
        t0 = time.perf_counter()
        try:
            status, _, body = await conn.request("POST", f"/s/{code}", post_headers, form)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            stats.error("answer", repr(exc))
            conn.close()
            continue
        if status == 200:
            stats.ok("answer", time.perf_counter() - t0)
        else:
            stats.error("answer", f"{status} {body[:200]!r}")
        # The next respondent is another phone: its own connection. (200 connections held for
        # the whole run all landed on one gunicorn worker, which then did all the work.)
        conn.close()
    conn.close()


async def run_phase(
    port: int, codes: list[str], respondents: int, seconds: float, think: float, one_address: bool
) -> tuple[Stats, float]:
    stats = Stats()
    addresses = Addresses()
    deadline = time.monotonic() + seconds
    t0 = time.monotonic()
    await asyncio.gather(
        *(
            respondent_loop(
                port,
                codes[i % len(codes)],
                deadline,
                think,
                stats,
                addresses,
                one_address,
                random.Random(i),
            )
            for i in range(respondents)
        )
    )
    return stats, time.monotonic() - t0


def report(name: str, stats: Stats, elapsed: float) -> None:
    for kind in ("page", "answer"):
        values = stats.latencies.get(kind, [])
        if not values:
            print(f"  {name:<10} {kind:<7} none")
            continue
        print(
            f"  {name:<10} {kind:<7} {len(values) / elapsed:8.1f}/s  n={len(values):<6} "
            f"p50={statistics.median(values) * 1000:6.1f} ms  "
            f"p95={percentile(values, 95) * 1000:6.1f} ms  "
            f"p99={percentile(values, 99) * 1000:6.1f} ms"
        )
    total = sum(stats.errors.values())
    print(f"  {name:<10} errors  {total} {dict(stats.errors) if total else ''}")
    for example in stats.examples:
        print(f"    e.g. {example}")


def seed(env: dict[str, str]) -> list[str]:
    """Migrate and load the demo data: its open campaign answers at /s/demo and /s/demo2."""
    load_demo(env)
    return ["demo", "demo2"]


def flag_counts(env: dict[str, str]) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(env["DATABASE_URL"])
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM survey_responses")).scalar_one()
        counts["responses stored"] = int(total)
        with_phone = conn.execute(
            sa.text("SELECT count(*) FROM survey_responses WHERE contact_ciphertext IS NOT NULL")
        ).scalar_one()
        counts["with encrypted phone"] = int(with_phone)
        for (flags,) in conn.execute(sa.text("SELECT flags FROM survey_responses")):
            for flag in flags or []:
                counts[f"flag {flag['flag']}"] = counts.get(f"flag {flag['flag']}", 0) + 1
    engine.dispose()
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think", type=float, default=0.5, help="seconds between load and submit")
    ap.add_argument("--saturation-seconds", type=float, default=10.0, help="0 to skip")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    ap.add_argument("--one-address", action="store_true", help="no X-Forwarded-For; limit lifted")
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG))
    args = ap.parse_args()

    with bench_environment(args.postgres, "fc_sbench") as (env, _):
        env["FIELDCERT_CONTACT_KEY"] = secrets.token_hex(32)
        # Each respondent's address arrives in X-Forwarded-For, as behind a reverse proxy.
        env["FIELDCERT_TRUSTED_PROXIES"] = "0" if args.one_address else "1"
        if args.one_address:
            env["FIELDCERT_SURVEY_RATE_LIMIT"] = "100000000 per minute"
        print("seeding the demo data (/s/demo, /s/demo2)…")
        codes = seed(env)
        with gunicorn(env, workers=args.workers, threads=args.threads, backlog=2048) as (
            server,
            port,
        ):
            print(
                f"gunicorn: {args.workers} workers × {args.threads} threads; {args.respondents} "
                f"respondents for {args.seconds:.0f} s, {args.think:.2f} s reading each; "
                + (
                    "one address, limit lifted"
                    if args.one_address
                    else "one address each (X-Forwarded-For)"
                )
            )
            asyncio.run(run_phase(port, codes, 20, 2.0, 0.0, args.one_address))  # warm up
            meter = CpuMeter(server.pid)
            stats, elapsed = asyncio.run(
                run_phase(port, codes, args.respondents, args.seconds, args.think, args.one_address)
            )
            used = meter.stop()
            report("survey", stats, elapsed)
            answers = len(stats.latencies.get("answer", []))
            # Per answer: its page load and its submit.
            print(cpu_report(used, elapsed, answers, "answer"))
            print(meter.balance(elapsed))
            print(f"  machine load average now {load_average()}")
            print(
                f"  page size: {stats.page_html_bytes} bytes HTML, {stats.page_bytes} bytes gzip "
                f"(budget 30720)"
            )
            if args.saturation_seconds:
                sat, sat_elapsed = asyncio.run(
                    run_phase(
                        port,
                        codes,
                        args.respondents,
                        args.saturation_seconds,
                        0.0,
                        args.one_address,
                    )
                )
                report("saturated", sat, sat_elapsed)
        for name, count in flag_counts(env).items():
            print(f"  {name}: {count}")


if __name__ == "__main__":
    main()
