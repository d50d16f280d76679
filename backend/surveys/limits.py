"""The per-address limit on survey answers.

With Redis (``REDIS_URL``) the counts live in the rate limiter's shared storage, so every worker
counts together. Without it they are per process anyway (Flask-Limiter's memory storage), and
this module counts in a plain moving window instead: the memory storage starts a timer thread on
almost every hit, which on the busiest public endpoint cost more than the answer itself
(measured in bench/survey_bench.py).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from limits import RateLimitItem


@dataclass
class LocalWindows:
    """Moving windows per address, in this process: (count, seconds) limits, all must hold."""

    limits: list[tuple[int, float]]
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _calls: int = 0

    @classmethod
    def of(cls, items: list[RateLimitItem]) -> LocalWindows:
        return cls([(item.amount, float(item.get_expiry())) for item in items])

    @property
    def longest(self) -> float:
        return max(seconds for _, seconds in self.limits)

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count a hit; None when allowed, else seconds until the next would be."""
        now = time.monotonic() if now is None else now
        longest = self.longest
        with self._lock:
            self._calls += 1
            if self._calls % 10_000 == 0:
                self._forget_idle(now, longest)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - longest:
                hits.popleft()
            for amount, seconds in self.limits:
                start = now - seconds
                inside = [t for t in hits if t > start]
                if len(inside) >= amount:
                    # Hits are only counted when allowed, so exactly ``amount`` are inside: the
                    # next one may come when the oldest of them leaves the window.
                    return max(0.001, inside[-amount] + seconds - now)
            hits.append(now)
            return None

    def _forget_idle(self, now: float, longest: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - longest]:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
