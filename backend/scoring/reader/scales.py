"""Reading scales, α bands and level bands: the ranges a scheme grades by.

A Likert-α scale's bands (§5.1.1 2), e.g. level 2: 0.2 < α ≤ 0.4) must cover 0..1 exactly once;
a management grading (Annex 3, e.g. 45 ≤ total < 70 is level 2) must run gap-free up to the total.
Each boundary belongs to exactly one band, as the documents write them.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from backend.scoring.model import Band, LevelBand, Scale
from backend.scoring.numbers import decimal_text
from backend.scoring.reader.base import Reader, join


def read_scales(r: Reader, value: object, path: str) -> dict[str, Scale]:
    m = r.mapping(value, path, set(), set(value) if isinstance(value, dict) else set())
    scales: dict[str, Scale] = {}
    for code, raw in (m or {}).items():
        p = join(path, code)
        if r.code(code, p) is None:
            continue
        sm = r.mapping(raw, p, {"kind", "title"}, {"bands", "maximum", "section"})
        if sm is None:
            continue
        title = r.text(sm["title"], join(p, "title"))
        kind = sm["kind"]
        if kind == "alpha_bands":
            bands = read_bands(r, sm.get("bands"), join(p, "bands"))
            if bands is not None and title is not None:
                scales[code] = Scale(code=code, kind="alpha_bands", title=title, bands=bands)
        elif kind == "yes_no":
            if title is not None:
                scales[code] = Scale(code=code, kind="yes_no", title=title)
        elif kind == "score":
            mx = r.number(sm.get("maximum"), join(p, "maximum"), positive=True)
            if mx is not None and title is not None:
                scales[code] = Scale(code=code, kind="score", title=title, maximum=mx)
        else:
            r.fail(join(p, "kind"), f"must be alpha_bands, yes_no or score, got {kind!r}")
    return scales


def read_bands(r: Reader, value: object, path: str) -> tuple[Band, ...] | None:
    items = r.seq(value, path, min_len=1)
    if items is None:
        return None
    bands: list[Band] = []
    for i, raw in enumerate(items):
        p = f"{path}[{i}]"
        m = r.mapping(
            raw,
            p,
            {"level", "label", "min", "max", "min_inclusive", "max_inclusive", "level_alpha"},
            set(),
        )
        if m is None:
            continue
        level = r.integer(m["level"], join(p, "level"), 1, 99)
        label = r.text(m["label"], join(p, "label"))
        low = r.number(m["min"], join(p, "min"))
        high = r.number(m["max"], join(p, "max"))
        lo_inc = r.boolean(m["min_inclusive"], join(p, "min_inclusive"))
        hi_inc = r.boolean(m["max_inclusive"], join(p, "max_inclusive"))
        la = r.number(m["level_alpha"], join(p, "level_alpha"))
        if None in (level, label, low, high, lo_inc, hi_inc, la):
            continue
        assert level is not None and label is not None and low is not None and high is not None
        assert lo_inc is not None and hi_inc is not None and la is not None
        band = Band(low, lo_inc, high, hi_inc, level=level, label=label, level_alpha=la)
        if low > high or (low == high and not (lo_inc and hi_inc)):
            r.fail(p, f"empty band {band.describe()}")
            continue
        if not band.contains(la):
            r.fail(
                join(p, "level_alpha"),
                f"{decimal_text(la)} lies outside its band {band.describe()}",
            )
        if level != i + 1:
            r.fail(join(p, "level"), f"levels must run 1, 2, 3, ... in order; expected {i + 1}")
        bands.append(band)
    if len(bands) != len(items):
        return None
    check_coverage(
        r,
        [(b.low, b.low_inclusive, b.high, b.high_inclusive) for b in bands],
        Fraction(0),
        Fraction(1),
        path,
        "α",
    )
    return tuple(bands)


def check_coverage(
    r: Reader,
    ranges: list[tuple[Fraction, bool, Fraction, bool]],
    lo: Fraction,
    hi: Fraction,
    path: str,
    what: str,
) -> None:
    """Check that ordered ranges cover [lo, hi] exactly once: no gap, no overlap."""
    first = ranges[0]
    if first[0] != lo or not first[1]:
        r.fail(f"{path}[0]", f"must start at {what} = {decimal_text(lo)} inclusive")
    last = ranges[-1]
    if last[2] != hi or not last[3]:
        r.fail(f"{path}[{len(ranges) - 1}]", f"must end at {what} = {decimal_text(hi)} inclusive")
    for i in range(1, len(ranges)):
        prev, cur = ranges[i - 1], ranges[i]
        if cur[0] > prev[2]:
            r.fail(
                f"{path}[{i}]", f"gap between {decimal_text(prev[2])} and {decimal_text(cur[0])}"
            )
        elif cur[0] < prev[2]:
            r.fail(f"{path}[{i}]", f"overlaps the previous band below {decimal_text(prev[2])}")
        elif cur[1] == prev[3]:
            state = "both include" if cur[1] else "neither includes"
            r.fail(
                f"{path}[{i}]",
                f"{state} the boundary {decimal_text(cur[0])}: it must belong to exactly one band",
            )


def scale_ref(r: Reader, value: object, path: str, scales: Mapping[str, Scale]) -> Scale | None:
    if not isinstance(value, str) or value not in scales:
        known = ", ".join(sorted(scales)) or "none defined"
        r.fail(path, f"unknown scale {value!r} (scales: {known})")
        return None
    return scales[value]


def read_grading(
    r: Reader, value: object, path: str, total: Fraction | None
) -> tuple[LevelBand, ...]:
    items = r.seq(value, path, min_len=1)
    if items is None:
        return ()
    bands: list[LevelBand] = []
    for i, raw in enumerate(items):
        p = f"{path}[{i}]"
        m = r.mapping(
            raw, p, {"level", "label", "min", "max", "min_inclusive", "max_inclusive"}, set()
        )
        if m is None:
            continue
        level = r.integer(m["level"], join(p, "level"), 1, 99)
        label = r.text(m["label"], join(p, "label"))
        low = r.number(m["min"], join(p, "min"), min_value=Fraction(0))
        high = r.number(m["max"], join(p, "max"))
        lo_inc = r.boolean(m["min_inclusive"], join(p, "min_inclusive"))
        hi_inc = r.boolean(m["max_inclusive"], join(p, "max_inclusive"))
        if (
            level is None
            or label is None
            or low is None
            or high is None
            or lo_inc is None
            or hi_inc is None
        ):
            continue
        if level != i + 1:
            r.fail(join(p, "level"), f"levels must run 1, 2, 3, ... in order; expected {i + 1}")
        if low >= high:
            r.fail(p, f"min {decimal_text(low)} must be below max {decimal_text(high)}")
            continue
        bands.append(LevelBand(low, lo_inc, high, hi_inc, level=level, label=label))
    if len(bands) != len(items):
        return ()
    for i in range(1, len(bands)):
        prev, cur = bands[i - 1], bands[i]
        if cur.low > prev.high:
            r.fail(
                f"{path}[{i}]", f"gap between {decimal_text(prev.high)} and {decimal_text(cur.low)}"
            )
        elif cur.low < prev.high:
            r.fail(f"{path}[{i}]", f"overlaps the previous level below {decimal_text(prev.high)}")
        elif cur.low_inclusive == prev.high_inclusive:
            r.fail(
                f"{path}[{i}]",
                f"the boundary {decimal_text(cur.low)} must belong to exactly one level",
            )
    if total is not None and bands and bands[-1].high != total:
        r.fail(
            f"{path}[{len(bands) - 1}].max",
            f"must end at the total {decimal_text(total)}, got {decimal_text(bands[-1].high)}",
        )
    return tuple(bands)
