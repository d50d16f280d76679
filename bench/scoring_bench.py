"""Benchmark the scoring core: 100 000 evaluations x 19 items, in memory, on one core.

Prints evaluations per second for (1) the scoring engine on parsed evaluations and (2) the whole
path the CLI takes (validate and parse the input, score, render JSON data), plus peak memory.
A benchmark, not a test: the figures go in the closing note, no threshold is asserted here.
Target (issue 2): at least 100 000 evaluations/s on one core for the engine.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evaluations", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
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

        doc = json.loads(text, parse_float=Decimal)
        return result_json(score(scheme, parse_input(doc, scheme)))

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
        f"({whole_s:.3f} s: JSON decode, validate, score, render)"
    )
    print(f"engine peak alloc {engine_peak / 2**20:10.1f} MiB (tracemalloc, scoring only)")
    print(f"process peak RSS  {rss_mib:10.1f} MiB (input, parsed input and results in memory)")
    if result.counted != n - sum(1 for e in result.evaluations if not e.possible_scaled):
        raise SystemExit("benchmark self-check failed: counted evaluations do not add up")


if __name__ == "__main__":
    main()
