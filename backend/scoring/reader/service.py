"""Reading the service-characteristic table (§5.1, Annex 1): characteristics, items, bonus items.

Checks the numbers a document declares against their sums (a characteristic's points equal its
items', the total equals the characteristics'), item codes unique across the table and the bonus,
and the aggregation: §5.1.2's mean of per-evaluation scores, optionally weighted by mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from backend.scoring.model import MODES, Characteristic, Item, Scale, ServiceModel, Text
from backend.scoring.numbers import decimal_text
from backend.scoring.reader.base import Reader, join, size
from backend.scoring.reader.scales import scale_ref


def read_service(
    r: Reader, value: object, path: str, scales: Mapping[str, Scale]
) -> ServiceModel | None:
    m = r.mapping(
        value,
        path,
        {"section", "scale", "total_points", "characteristics"},
        {"aggregation", "dimensions", "bonus"},
    )
    if m is None:
        return None
    section = r.string(m["section"], join(path, "section"))
    default_scale = scale_ref(r, m["scale"], join(path, "scale"), scales)
    total = r.number(m["total_points"], join(path, "total_points"), positive=True)
    dimensions: dict[str, Text] = {}
    if "dimensions" in m:
        given = m["dimensions"]
        dm = r.mapping(
            given, join(path, "dimensions"), set(), set(given) if isinstance(given, dict) else set()
        )
        for code, raw in (dm or {}).items():
            t = r.text(raw, join(path, "dimensions", code))
            if t is not None:
                dimensions[code] = t
    mode_weights: dict[str, Fraction] | None = None
    aggregation_note: Text | None = None
    if "aggregation" in m:
        ap = join(path, "aggregation")
        am = r.mapping(m["aggregation"], ap, {"method"}, {"mode_weights", "note", "section"})
        if am is not None:
            if am["method"] != "mean_of_evaluations":
                r.fail(
                    join(ap, "method"),
                    f"must be 'mean_of_evaluations' (§5.1.2), got {am['method']!r}",
                )
            aggregation_note = r.opt_text(am, "note", ap)
            if am.get("mode_weights") is not None:
                mode_weights = read_mode_weights(r, am["mode_weights"], join(ap, "mode_weights"))
    codes: dict[str, str] = {}
    items: dict[str, Item] = {}
    chars: list[Characteristic] = []
    cp = join(path, "characteristics")
    for ci, raw in enumerate(r.seq(m["characteristics"], cp, min_len=1) or []):
        p = f"{cp}[{ci}]"
        c = r.mapping(raw, p, {"code", "title", "points", "items"}, set())
        if c is None:
            continue
        ccode = r.code(c["code"], join(p, "code"))
        ctitle = r.text(c["title"], join(p, "title"))
        cpoints = r.number(c["points"], join(p, "points"), positive=True)
        citems: list[Item] = []
        ip = join(p, "items")
        for ii, iraw in enumerate(r.seq(c["items"], ip, min_len=1) or []):
            item = read_item(
                r, iraw, f"{ip}[{ii}]", ccode or "?", default_scale, scales, dimensions, False
            )
            if item is None:
                continue
            if item.code in codes:
                r.fail(
                    f"{ip}[{ii}].code",
                    f"duplicate item code {item.code!r} (also at {codes[item.code]})",
                )
                continue
            codes[item.code] = f"{ip}[{ii}]"
            items[item.code] = item
            citems.append(item)
        if ccode is None or ctitle is None or cpoints is None:
            continue
        sum_points = sum((it.points for it in citems), Fraction(0))
        if len(citems) == size(c["items"]) and sum_points != cpoints:
            r.fail(
                join(p, "points"),
                f"declares {decimal_text(cpoints)} points but its items sum to "
                f"{decimal_text(sum_points)}",
            )
        chars.append(Characteristic(ccode, ctitle, cpoints, tuple(citems)))
    if total is not None and len(chars) == size(m["characteristics"]):
        sum_chars = sum((c.points for c in chars), Fraction(0))
        if sum_chars != total:
            r.fail(
                join(path, "total_points"),
                f"declares {decimal_text(total)} points but the characteristics sum to "
                f"{decimal_text(sum_chars)}",
            )
    bonus_items: list[Item] = []
    bonus_cap: Fraction | None = None
    bonus_title: Text | None = None
    if "bonus" in m:
        bp = join(path, "bonus")
        bm = r.mapping(m["bonus"], bp, {"cap", "items", "title"}, set())
        if bm is not None:
            bonus_cap = r.number(bm["cap"], join(bp, "cap"), positive=True)
            bonus_title = r.text(bm["title"], join(bp, "title"))
            for ii, iraw in enumerate(r.seq(bm["items"], join(bp, "items"), min_len=1) or []):
                p = f"{bp}.items[{ii}]"
                item = read_item(r, iraw, p, "bonus", default_scale, scales, dimensions, True)
                if item is None:
                    continue
                if item.code in codes:
                    r.fail(
                        f"{p}.code",
                        f"duplicate item code {item.code!r} (also at {codes[item.code]})",
                    )
                    continue
                codes[item.code] = p
                items[item.code] = item
                bonus_items.append(item)
            if bonus_cap is not None:
                available = sum((it.points for it in bonus_items), Fraction(0))
                if available < bonus_cap:
                    r.fail(
                        join(bp, "cap"),
                        f"cap {decimal_text(bonus_cap)} exceeds the {decimal_text(available)} "
                        "bonus points available",
                    )
    if section is None or default_scale is None or total is None:
        return None
    return ServiceModel(
        section=section,
        total_points=total,
        characteristics=tuple(chars),
        items=items,
        dimensions=dimensions,
        mode_weights=mode_weights,
        bonus_items=tuple(bonus_items),
        bonus_cap=bonus_cap,
        bonus_title=bonus_title,
        aggregation_note=aggregation_note,
    )


def read_mode_weights(r: Reader, value: object, path: str) -> dict[str, Fraction] | None:
    m = r.mapping(value, path, set(), set(value) if isinstance(value, dict) else set())
    if m is None:
        return None
    weights: dict[str, Fraction] = {}
    for mode, raw in m.items():
        if mode not in MODES:
            r.fail(join(path, mode), f"unknown mode {mode!r} (A–I)")
            continue
        w = r.number(raw, join(path, mode), positive=True)
        if w is not None:
            weights[mode] = w
    if len(weights) == len(m):
        total = sum(weights.values(), Fraction(0))
        if total != 1:
            r.fail(path, f"mode weights must sum to 1, they sum to {decimal_text(total)}")
    return weights if weights else None


def read_item(
    r: Reader,
    raw: object,
    path: str,
    characteristic: str,
    default_scale: Scale | None,
    scales: Mapping[str, Scale],
    dimensions: Mapping[str, Text],
    bonus: bool,
) -> Item | None:
    m = r.mapping(raw, path, {"code", "points"}, {"title", "text", "dimension", "scale"})
    if m is None:
        return None
    code = r.code(m["code"], join(path, "code"))
    points = r.number(m["points"], join(path, "points"), positive=True)
    title = r.opt_text(m, "title", path)
    text = r.opt_text(m, "text", path)
    dimension = m.get("dimension")
    if dimension is not None and (not isinstance(dimension, str) or dimension not in dimensions):
        r.fail(join(path, "dimension"), f"unknown dimension {dimension!r}")
    scale = scale_ref(r, m["scale"], join(path, "scale"), scales) if "scale" in m else default_scale
    if code is None or points is None or scale is None:
        return None
    return Item(
        code=code,
        points=points,
        scale=scale,
        characteristic=characteristic,
        title=title,
        text=text,
        dimension=dimension,
        bonus=bonus,
    )
