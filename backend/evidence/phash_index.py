"""Find stored perceptual hashes near a given one without reading them all (issue 13, "Flat costs").

Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with Multi-Index
Hashing", CVPR 2012): the 64-bit dHash is cut into ``BANDS`` bands of 16 bits, each stored in
its own indexed column (``evidence.phash_band_0`` … ``_3``). Two hashes within Hamming distance
``d`` of each other differ in at most ``d`` bits, spread over four bands, so at least one band
differs in at most ``d // 4`` bits (pigeonhole). A query therefore looks up, in each band's
index, the band values within ``d // 4`` bits of the wanted hash's band (17 values per band for
the reuse check's 6 bits) and gets a *superset* of the near hashes; the caller measures the exact
distance of each candidate. Nothing is missed, and the candidates are a fraction of about
``4 × 17 / 65536`` of the organisation's photos instead of all of them.

Four 16-bit bands rather than seven exact 9-bit ones (enough for exact matching at 6 bits): a
9-bit band value is shared by one photo in 512, so seven exact lookups return 7/512 of the
table; four lookups at radius 1 in 16-bit bands return 68/65536, seven times fewer.

A hash that is not 16 hex digits has no bands (``hamming`` cannot compare it either).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

BANDS: Final = 4
BAND_BITS: Final = 16
_BAND_MASK: Final = (1 << BAND_BITS) - 1
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
#: Radius per band above which the lookup lists get long (radius 2: 137 values per band, 3: 697).
#: A threshold needing more (13 bits or more: about where unrelated pictures begin, see
#: ``Thresholds.max_phash_distance``) compares against every hash, as before the index.
MAX_BAND_RADIUS: Final = 2


def band_values(phash: str | None) -> tuple[int, ...] | None:
    """The four 16-bit bands of a 16-hex-digit hash, most significant first; None otherwise."""
    # int() would also take a sign, "0x" or underscores: none is a digit of a stored hash.
    if phash is None or len(phash) != 16 or not set(phash) <= _HEX_DIGITS:
        return None
    value = int(phash, 16)
    shifts = range((BANDS - 1) * BAND_BITS, -1, -BAND_BITS)
    return tuple((value >> shift) & _BAND_MASK for shift in shifts)


def band_columns(phash: str | None) -> dict[str, int | None]:
    """``phash_band_0`` … ``_3`` for a hash, as written next to it (None for each when no bands)."""
    values = band_values(phash)
    return {f"phash_band_{i}": (values[i] if values is not None else None) for i in range(BANDS)}


def _within(value: int, radius: int) -> set[int]:
    """Every 16-bit value at most ``radius`` bits away from ``value``."""
    out = {value}
    for flips in range(1, radius + 1):
        for bits in itertools.combinations(range(BAND_BITS), flips):
            mask = 0
            for bit in bits:
                mask |= 1 << bit
            out.add(value ^ mask)
    return out


def probes(phashes: list[str], max_distance: int) -> list[set[int]] | None:
    """Per band, the values to look up to find every hash within ``max_distance`` of any given.

    None when the distance needs a wider search than ``MAX_BAND_RADIUS`` (compare with all).
    """
    if max_distance < 0:
        return [set() for _ in range(BANDS)]
    radius = max_distance // BANDS
    if radius > MAX_BAND_RADIUS:
        return None
    wanted: list[set[int]] = [set() for _ in range(BANDS)]
    for phash in phashes:
        values = band_values(phash)
        if values is None:
            continue
        for band, value in enumerate(values):
            wanted[band] |= _within(value, radius)
    return wanted


def near_clause(
    columns: Sequence[sa.ColumnElement[int | None] | InstrumentedAttribute[int | None]],
    phashes: list[str],
    max_distance: int,
) -> sa.ColumnElement[bool] | None:
    """A WHERE clause true for (at least) every row whose hash is near one of ``phashes``.

    ``columns`` are the four band columns. None when no index lookup can answer (a threshold
    past ``MAX_BAND_RADIUS`` per band): the caller compares with every hash.
    """
    wanted = probes(phashes, max_distance)
    if wanted is None:
        return None
    terms = [col.in_(sorted(values)) for col, values in zip(columns, wanted, strict=True) if values]
    return sa.or_(sa.false(), *terms)
