"""Charts drawn on the server as SVG text: no script, no library, no external reference.

Pure functions over plain data, so the same radar chart goes into a PDF report (WeasyPrint draws
SVG itself) and onto the public certificate page (DOMAIN.md "Per-characteristic view": the
radar chart printed on reports and behind the certificate's QR code, seed 003). Every text a
user typed is escaped; every number is clamped to the chart's range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import escape

#: The families the PDFs embed (backend/reports/pdf.py); a browser falls back to its own.
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
INK = "#1f2d3d"
GRID = "#c8d0da"
FILL = "#2f6fb0"
EMPTY_TEXT = "暂无数据"


@dataclass(frozen=True)
class Datum:
    """One value of a chart: a characteristic, a mode or a site. ``None``: nothing measured."""

    label: str
    value: float | None
    #: Shown after the value on bar charts, e.g. "n=12".
    note: str = ""


def text_width(text: str, size: float) -> float:
    """Estimated width of a line of text: CJK and full-width characters are one em wide."""
    return sum(size if ord(ch) >= 0x2E80 else 0.56 * size for ch in text)


def _fit(text: str, width: float, size: float) -> str:
    """The text, cut with an ellipsis to fit ``width``."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def _num(value: float) -> str:
    """Coordinates with two decimals at most: small files, no float noise."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _value_text(value: float | None) -> str:
    # Scores are compared unrounded and shown with two decimals (DOMAIN.md §5.3 reading).
    return "—" if value is None else f"{value:.2f}"


def _clamp(value: float, maximum: float) -> float:
    return max(0.0, min(float(value), maximum))


def _check(maximum: float) -> None:
    if not (maximum > 0 and math.isfinite(maximum)):
        raise ValueError(f"maximum must be a positive number, got {maximum!r}")
    # NaN and infinities would put "nan" into the coordinates.


def _open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" role="img" '
        f'font-family="{FONT}" fill="{INK}">',
        f"<title>{escape(title)}</title>",
    ]


def _empty(width: float, height: float, title: str) -> str:
    parts = _open(width, height, title)
    parts.append(
        f'<text x="{_num(width / 2)}" y="{_num(height / 2)}" font-size="13" '
        f'text-anchor="middle" fill="#667">{EMPTY_TEXT}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def radar_svg(
    data: Sequence[Datum],
    *,
    maximum: float = 100.0,
    radius: float = 110.0,
    title: str = "各服务特性得分",
    font_size: float = 12.0,
) -> str:
    """A radar (spider) chart: one spoke per datum, rings at each fifth of ``maximum``.

    The first spoke points up and the others follow clockwise, in the order given (the
    scheme's order of characteristics). A datum without a value sits at the centre and its
    label says "—". With fewer than three values there is no area to draw: the points and
    spokes alone are shown.
    """
    _check(maximum)
    label_room = max((text_width(d.label, font_size) for d in data), default=0.0)
    label_room = min(label_room, 12 * font_size) + 8
    width = 2 * (radius + label_room + 12)
    height = 2 * (radius + 2.6 * font_size + 10)
    if not data:
        return _empty(width, height, title)
    cx, cy = width / 2, height / 2
    n = len(data)

    def at(i: int, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    parts = _open(width, height, title)
    # Rings at 20 %, 40 % … 100 % of the maximum (polygons, as on printed reports).
    for step in range(1, 6):
        r = radius * step / 5
        if n >= 3:
            ring = " ".join(f"{_num(x)},{_num(y)}" for x, y in (at(i, r) for i in range(n)))
            parts.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}"/>')
        else:
            parts.append(
                f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="none" '
                f'stroke="{GRID}"/>'
            )
        # The ring's value on the bisector before the first spoke, where no value point sits
        # (on the first spoke it hid under a high first value).
        if step < 5:
            half = math.pi / max(n, 3)
            reach = r * math.cos(half) if n >= 3 else r
            lx = cx + reach * math.cos(-math.pi / 2 - half)
            ly = cy + reach * math.sin(-math.pi / 2 - half)
            parts.append(
                f'<text x="{_num(lx - 2)}" y="{_num(ly + 3)}" font-size="7.5" fill="#8894a2" '
                f'text-anchor="end">{_num(maximum * step / 5)}</text>'
            )
    for i in range(n):
        x, y = at(i, radius)
        parts.append(
            f'<line x1="{_num(cx)}" y1="{_num(cy)}" x2="{_num(x)}" y2="{_num(y)}" stroke="{GRID}"/>'
        )

    points = [at(i, radius * _clamp(d.value or 0.0, maximum) / maximum) for i, d in enumerate(data)]
    measured = sum(1 for d in data if d.value is not None)
    if n >= 3 and measured:
        shape = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        parts.append(
            f'<polygon points="{shape}" fill="{FILL}" fill-opacity="0.22" stroke="{FILL}" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
    for (x, y), d in zip(points, data, strict=True):
        if d.value is not None:
            parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{FILL}"/>')

    for i, d in enumerate(data):
        x, y = at(i, radius + 8)
        dx = x - cx
        anchor = "middle" if abs(dx) < 1 else ("start" if dx > 0 else "end")
        # Labels above the centre sit on their line's bottom, below it on its top.
        top = y - 1.9 * font_size if y < cy - 1 else (y + 2 if y > cy + 1 else y - font_size)
        name = escape(_fit(d.label, label_room - 8, font_size))
        parts.append(
            f'<text x="{_num(x)}" y="{_num(top + font_size)}" font-size="{_num(font_size)}" '
            f'text-anchor="{anchor}">{name}</text>'
        )
        parts.append(
            f'<text x="{_num(x)}" y="{_num(top + 2.1 * font_size)}" '
            f'font-size="{_num(font_size * 0.92)}" font-weight="bold" fill="{FILL}" '
            f'text-anchor="{anchor}">{_value_text(d.value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(
    data: Sequence[Datum],
    *,
    maximum: float = 100.0,
    title: str = "得分",
    bar_width: float = 300.0,
    font_size: float = 11.0,
) -> str:
    """Horizontal bars, one per datum, in the order given; the value and note to the right.

    A datum without a value draws no bar and shows "—". Labels longer than fourteen
    characters are cut with an ellipsis (the tables beside the chart carry them in full).
    """
    _check(maximum)
    row = 2.2 * font_size
    label_w = min(max((text_width(d.label, font_size) for d in data), default=0.0), 14 * font_size)
    note_w = max((text_width(d.note, font_size) for d in data), default=0.0)
    value_w = text_width("100.00", font_size) + 8
    width = label_w + 10 + bar_width + 8 + value_w + note_w + 4
    height = max(1, len(data)) * row + 20
    if not data:
        return _empty(max(width, 200.0), 2 * row, title)
    parts = _open(width, height, title)
    left = label_w + 10
    # Gridlines at each fifth of the maximum, labelled along the bottom.
    for step in range(6):
        x = left + bar_width * step / 5
        parts.append(
            f'<line x1="{_num(x)}" y1="0" x2="{_num(x)}" y2="{_num(height - 16)}" '
            f'stroke="{GRID}" stroke-width="{1 if step in (0, 5) else 0.5}"/>'
        )
        parts.append(
            f'<text x="{_num(x)}" y="{_num(height - 4)}" font-size="8" fill="#8894a2" '
            f'text-anchor="middle">{_num(maximum * step / 5)}</text>'
        )
    for i, d in enumerate(data):
        y = i * row
        baseline = y + row / 2 + font_size * 0.36
        label = escape(_fit(d.label, label_w, font_size))
        parts.append(
            f'<text x="{_num(label_w)}" y="{_num(baseline)}" font-size="{_num(font_size)}" '
            f'text-anchor="end">{label}</text>'
        )
        end = left
        if d.value is not None:
            w = bar_width * _clamp(d.value, maximum) / maximum
            end = left + w
            parts.append(
                f'<rect x="{_num(left)}" y="{_num(y + row * 0.2)}" width="{_num(w)}" '
                f'height="{_num(row * 0.6)}" fill="{FILL}"/>'
            )
        note = f" {escape(d.note)}" if d.note else ""
        parts.append(
            f'<text x="{_num(end + 6)}" y="{_num(baseline)}" font-size="{_num(font_size)}">'
            f'<tspan font-weight="bold">{_value_text(d.value)}</tspan>'
            f'<tspan fill="#667">{note}</tspan></text>'
        )
    parts.append("</svg>")
    return "".join(parts)
