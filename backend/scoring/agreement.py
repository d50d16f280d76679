"""Agreement between two raters who scored the same service independently (seed 003, two raters).

For one pair of raters, over every item both rated with a level (across engagements):

- exact agreement: the share of items given the same level;
- linearly weighted kappa (Cohen 1968, weights 1 - |i - j| / (k - 1) over k levels): agreement
  beyond what the two raters' own level frequencies give by chance; undefined (None) when chance
  agreement is already total (both raters always gave one and the same level);
- mean absolute level difference;
- the number of items.

Pure and exact (``Fraction``); the levels are the scale's 1..k (Likert 1–5, §5.1.1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Agreement:
    items: int
    exact: Fraction | None
    kappa: Fraction | None
    mean_abs_difference: Fraction | None


def agreement(pairs: Sequence[tuple[int, int]], levels: int = 5) -> Agreement:
    """Agreement of rater A's and rater B's levels, one ``(a, b)`` per item both rated."""
    if levels < 2:
        raise ValueError("a scale needs at least two levels")
    for a, b in pairs:
        if not (1 <= a <= levels and 1 <= b <= levels):
            raise ValueError(f"level outside 1..{levels}: {(a, b)}")
    n = len(pairs)
    if n == 0:
        return Agreement(0, None, None, None)
    span = levels - 1

    def weight(i: int, j: int) -> Fraction:
        return 1 - Fraction(abs(i - j), span)

    exact = Fraction(sum(1 for a, b in pairs if a == b), n)
    mad = Fraction(sum(abs(a - b) for a, b in pairs), n)
    observed = sum((weight(a, b) for a, b in pairs), Fraction(0)) / n
    rows = Counter(a for a, _ in pairs)
    cols = Counter(b for _, b in pairs)
    chance = sum(
        (Fraction(rows[i] * cols[j], n * n) * weight(i, j) for i in rows for j in cols),
        Fraction(0),
    )
    kappa = None if chance == 1 else (observed - chance) / (1 - chance)
    return Agreement(n, exact, kappa, mad)
