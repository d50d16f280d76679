"""The band index of perceptual hashes finds every near hash the exhaustive comparison finds.

backend/evidence/phash_index.py: multi-index hashing over the 64-bit dHash. Property-style: random
hashes, and hashes planted at exactly the threshold and one bit past it, for every threshold the
index answers (0 to 11 bits), compared with a brute-force scan.
"""

from __future__ import annotations

import random

import pytest

from backend.evaluations.integrity import hamming
from backend.evidence.phash_index import (
    BANDS,
    MAX_BAND_RADIUS,
    band_columns,
    band_values,
    probes,
)

#: Every threshold the index answers: radius 0, 1 and 2 per band.
INDEXED = range(0, BANDS * (MAX_BAND_RADIUS + 1))


def hexed(value: int) -> str:
    return format(value, "016x")


def flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def candidates(wanted: list[str], stored: list[str], max_distance: int) -> set[str]:
    """What an index lookup returns: stored hashes sharing a probed value in some band."""
    lookups = probes(wanted, max_distance)
    assert lookups is not None
    found = set()
    for phash in stored:
        values = band_values(phash)
        assert values is not None
        if any(values[band] in lookups[band] for band in range(BANDS)):
            found.add(phash)
    return found


def near(wanted: list[str], stored: list[str], max_distance: int) -> set[str]:
    """The brute-force answer: every stored hash within the distance of a wanted one."""
    return {
        s for s in stored for w in wanted if (d := hamming(w, s)) is not None and d <= max_distance
    }


def test_bands_are_the_four_16_bit_quarters_most_significant_first() -> None:
    assert band_values("0123456789abcdef") == (0x0123, 0x4567, 0x89AB, 0xCDEF)
    assert band_values("FFFF000000000001") == (0xFFFF, 0, 0, 1)
    assert band_columns("0123456789abcdef") == {
        "phash_band_0": 0x0123,
        "phash_band_1": 0x4567,
        "phash_band_2": 0x89AB,
        "phash_band_3": 0xCDEF,
    }


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "0123",
        "0123456789abcdeg",
        "+123456789abcdef",
        "0x23456789abcdef",
        "0_23456789abcdef",
    ],
)
def test_what_is_not_16_hex_digits_has_no_bands(bad: str | None) -> None:
    assert band_values(bad) is None
    assert set(band_columns(bad).values()) == {None}


@pytest.mark.parametrize("max_distance", INDEXED)
def test_planted_hashes_at_the_threshold_are_found_and_one_bit_past_it_is_not(
    max_distance: int,
) -> None:
    rng = random.Random(max_distance)  # noqa: S311 - repeatable test data, not a secret
    for _ in range(200):
        base = rng.getrandbits(64)
        at_limit = hexed(flip(base, rng.sample(range(64), max_distance)))
        past = hexed(flip(base, rng.sample(range(64), max_distance + 1)))
        wanted = [hexed(base)]
        found = candidates(wanted, [at_limit, past], max_distance)
        assert at_limit in found
        # The index may return the one past the limit (a candidate); the exact filter drops it.
        assert near(wanted, sorted(found), max_distance) == {at_limit}


@pytest.mark.parametrize("max_distance", INDEXED)
def test_the_index_finds_what_the_brute_force_scan_finds_on_random_hashes(
    max_distance: int,
) -> None:
    rng = random.Random(1000 + max_distance)  # noqa: S311 - repeatable test data, not a secret
    stored: list[str] = []
    wanted = [hexed(rng.getrandbits(64)) for _ in range(3)]
    for _ in range(3000):
        # A mix: unrelated hashes, and variants of the wanted ones at 0 to threshold + 3 bits
        # (the bits clustered in one band or spread over all four).
        if rng.random() < 0.5:
            stored.append(hexed(rng.getrandbits(64)))
            continue
        source = int(rng.choice(wanted), 16)
        count = rng.randint(0, min(64, max_distance + 3))
        if rng.random() < 0.5:
            band = rng.randrange(BANDS)
            pool = list(range(16 * band, 16 * band + 16))
            bits = rng.sample(pool, min(count, 16))
        else:
            bits = rng.sample(range(64), count)
        stored.append(hexed(flip(source, bits)))

    found = candidates(wanted, stored, max_distance)

    assert near(wanted, stored, max_distance) <= found
    assert near(wanted, sorted(found), max_distance) == near(wanted, stored, max_distance)
    assert near(wanted, stored, max_distance)  # the planted variants make this non-trivial


def test_the_index_reads_a_small_fraction_of_unrelated_hashes() -> None:
    """At the reuse check's 6 bits: about 68 / 65536 of random hashes are candidates."""
    rng = random.Random(7)  # noqa: S311 - repeatable test data, not a secret
    stored = [hexed(rng.getrandbits(64)) for _ in range(20_000)]
    found = candidates([hexed(rng.getrandbits(64))], stored, 6)
    assert len(found) < 100  # expected about 21


def test_a_threshold_too_wide_for_the_index_asks_for_every_hash() -> None:
    assert probes(["0123456789abcdef"], BANDS * (MAX_BAND_RADIUS + 1)) is None
    assert probes(["0123456789abcdef"], -1) == [set()] * BANDS
