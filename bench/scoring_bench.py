"""Benchmark the scoring core: 100 000 evaluations x 19 items, in memory, on one core.

Prints evaluations per second for (1) the scoring engine on parsed evaluations and (2) the whole
path the CLI takes (validate and parse the input, score, render JSON data), plus peak memory.
Then (3) ``fieldcert score`` end to end, a process reading the JSON file and printing its
result, side by side with a plain-Python float loop over the same file in its own process
(``json.load``, Σ points × α ÷ Σ points per evaluation in floats, the mean, and each
evaluation's id and score written back as JSON): CPU seconds and wall seconds of each, best of
``--runs`` taken in turn, and their ratio.
A benchmark, not a test: the figures go in the closing note, no threshold is asserted here.
Targets: at least 100 000 evaluations/s on one core for the engine (issue 2); the CLI end to end
at most as long as the float loop, ratio <= 1 (issue 13).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.scoring import load_scheme, parse_input, result_json  # noqa: E402
from backend.scoring.engine import score_service  # noqa: E402


def make_input(n: int, codes: list[str], seed: int) -> dict[str, Any]:
    """Field-like data: mostly Likert levels, some exact α, a few N/A, modes A/B/E."""
    rnd = random.Random(seed)
    evaluations = []
    for i in range(n):
        ratings: dict[str, Any] = {}
        for code in codes:
            roll = rnd.random()
            if roll < 0.05:
                ratings[code] = {"na": True, "reason": "不适用"}
            elif roll < 0.25:
                ratings[code] = {"alpha": Decimal(rnd.randint(0, 100)) / 100}
            else:
                ratings[code] = {"level": rnd.randint(1, 5)}
        evaluations.append({"id": f"v{i}", "mode": rnd.choice("ABE"), "ratings": ratings})
    return {"evaluations": evaluations}


def best_of(runs: int, fn: Any) -> tuple[float, Any]:
    best = float("inf")
    out = None
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


#: The reference: what a person would write to score the file with floats, no checks at all.
FLOAT_LOOP = """
import json, sys
points, level_alpha, path = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
level_alpha = {int(k): v for k, v in level_alpha.items()}
with open(path, encoding="utf-8") as f:
    data = json.load(f)
out, total, counted = [], 0.0, 0
for ev in data["evaluations"]:
    earned = possible = 0.0
    for code, r in ev["ratings"].items():
        if r.get("na"):
            continue
        alpha = r["alpha"] if "alpha" in r else level_alpha[r["level"]]
        earned += points[code] * alpha
        possible += points[code]
    s = earned / possible * 100 if possible else None
    if s is not None:
        total += s
        counted += 1
    out.append({"id": ev["id"], "score": s})
json.dump({"evaluations": out, "service_score": total / counted}, sys.stdout)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a child process, its output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def cli_against_float_loop(
    scheme_path: str, text: str, points: Any, alphas: Any, runs: int
) -> None:
    """``fieldcert score`` and the float loop on the same file, in turn, best of ``runs``."""
    with tempfile.TemporaryDirectory(prefix="fieldcert-scoring-bench-") as tmp:
        path = os.path.join(tmp, "input.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        cli = [sys.executable, "-m", "backend.cli", "score", "--scheme", scheme_path]
        cli += ["--input", path]
        loop = [sys.executable, "-c", FLOAT_LOOP, json.dumps(points), json.dumps(alphas), path]
        best = {"cli": (float("inf"), float("inf")), "loop": (float("inf"), float("inf"))}
        for _ in range(runs):
            for name, command in (("cli", cli), ("loop", loop)):
                cpu, wall = timed(command)
                best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    (cli_cpu, cli_wall), (loop_cpu, loop_wall) = best["cli"], best["loop"]
    size = len(text.encode()) / 2**20
    print(
        f"fieldcert score    {cli_cpu:6.2f} s CPU {cli_wall:6.2f} s wall  (process: read "
        f"{size:.0f} MiB, validate, score exactly, print the JSON with explanations)"
    )
    print(
        f"plain float loop   {loop_cpu:6.2f} s CPU {loop_wall:6.2f} s wall  (process: json.load, "
        "floats, no checks, ids and scores out)"
    )
    print(
        f"CLI / float loop   {cli_cpu / loop_cpu:6.2f} CPU {cli_wall / loop_wall:6.2f} wall"
        f"  (best of {runs} each, in turn; target <= 1)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI comparison")
    ap.add_argument("--scheme", default=str(ROOT / "schemes" / "cts-tbsc034-2026.yaml"))
    args = ap.parse_args()

    scheme = load_scheme(args.scheme)
    if scheme.service is None:
        raise SystemExit(f"{args.scheme} has no service items to score")
    codes = list(scheme.service.items)
    n = args.evaluations
    data = make_input(n, codes, seed=2026)
    # The same data as JSON text, to time what `fieldcert score` does end to end.
    text = json.dumps(data, ensure_ascii=False, default=float)

    parse_s, parsed = best_of(1, lambda: parse_input(data, scheme))
    engine_s, result = best_of(args.runs, lambda: score_service(scheme.service, parsed.evaluations))

    def whole() -> dict[str, Any]:
        from backend.scoring import score
        from backend.scoring.jsontext import read_input
        from backend.scoring.render import result_text

        # As `fieldcert score` runs it: without the cyclic collector (backend/scorecli.py).
        gc.disable()
        try:
            scored = score(scheme, read_input(text, scheme))
            result_text(scored, 2)
        finally:
            gc.enable()
        return result_json(scored)

    whole_s, out = best_of(1, whole)

    tracemalloc.start()
    score_service(scheme.service, parsed.evaluations)
    _, engine_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"scheme            {scheme.id} ({len(codes)} items)")
    print(f"evaluations       {n}  (ratings: ~75 % levels, ~20 % exact α, ~5 % N/A)")
    print(f"service score     {out['service_score']:.4f} (exact {out['service']['exact'][:40]}…)")
    print(
        f"engine            {n / engine_s:12,.0f} evaluations/s  "
        f"({engine_s:.3f} s, best of {args.runs})"
    )
    print(f"parse + validate  {n / parse_s:12,.0f} evaluations/s  ({parse_s:.3f} s)")
    print(
        f"whole CLI path    {n / whole_s:12,.0f} evaluations/s  "
        f"({whole_s:.3f} s: JSON decode, validate, score, render as text; in process)"
    )
    print(f"engine peak alloc {engine_peak / 2**20:10.1f} MiB (tracemalloc, scoring only)")
    print(f"process peak RSS  {rss_mib:10.1f} MiB (input, parsed input and results in memory)")
    if result.counted != n - sum(1 for e in result.evaluations if not e.possible_scaled):
        raise SystemExit("benchmark self-check failed: counted evaluations do not add up")
    if not args.no_cli:
        points = {code: float(item.points) for code, item in scheme.service.items.items()}
        scale = next(iter(scheme.service.items.values())).scale
        alphas = {band.level: float(band.level_alpha) for band in scale.bands}
        del data, parsed, result, out
        gc.collect()
        cli_against_float_loop(args.scheme, text, points, alphas, args.runs)


if __name__ == "__main__":
    main()
