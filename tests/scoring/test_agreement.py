"""Agreement of two raters (seed 003): exact share, linearly weighted kappa, mean |difference|.

Worked by hand, k = 5 levels, weights w(i, j) = 1 - |i - j| / 4.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from backend.scoring.agreement import agreement


def test_four_items_worked_by_hand() -> None:
    # Items (A, B): (3,3) (4,4) (2,3) (5,3). Exact 2/4; |diff| 0+0+1+2 = 3 → 3/4.
    # Observed weighted: (1 + 1 + 0.75 + 0.5) / 4 = 0.8125.
    # A's levels 2,3,4,5 each 1/4; B's 3 (3/4) and 4 (1/4).
    # Chance: 3/4 × ¼(0.75 + 1 + 0.75 + 0.5) + 1/4 × ¼(0.5 + 0.75 + 1 + 0.75) = 0.5625 + 0.1875
    # = 0.75. κ = (0.8125 - 0.75) / (1 - 0.75) = 0.25.
    result = agreement([(3, 3), (4, 4), (2, 3), (5, 3)])
    assert result.items == 4
    assert result.exact == Fraction(1, 2)
    assert result.mean_abs_difference == Fraction(3, 4)
    assert result.kappa == Fraction(1, 4)


def test_perfect_agreement_over_two_levels_is_kappa_1() -> None:
    # Chance: ¼·1 + ¼·0 + ¼·0 + ¼·1 = ½; observed 1 → κ = (1 - ½) / ½ = 1.
    result = agreement([(1, 1), (5, 5)])
    assert (result.exact, result.kappa, result.mean_abs_difference) == (1, 1, 0)


def test_opposite_extremes_are_kappa_minus_1() -> None:
    # (1,5) (5,1): observed 0; chance ½ (as above) → κ = (0 - ½) / ½ = -1.
    assert agreement([(1, 5), (5, 1)]).kappa == -1


def test_one_shared_level_leaves_kappa_undefined() -> None:
    result = agreement([(3, 3), (3, 3)])
    assert result.exact == 1 and result.kappa is None


def test_no_items_and_bad_levels() -> None:
    assert agreement([]).items == 0 and agreement([]).kappa is None
    with pytest.raises(ValueError):
        agreement([(0, 3)])
