"""Inline SVG charts for the analysis page: drawn on the server, no script, no library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

#: Levels 1..5 from red to green, and grey for "not applicable".
COLOURS = {
    "1": "#c0392b",
    "2": "#e67e22",
    "3": "#f1c40f",
    "4": "#7dbb42",
    "5": "#1e9e5a",
    "na": "#aab",
}
WIDTH = 640


def bars(rows: Sequence[tuple[str, float | None, str]], *, maximum: float = 100) -> Markup:
    """Horizontal bars: (label, value, annotation). ``None`` values draw no bar."""
    height = 26 * len(rows) + 8
    label_w = 220
    # Room on the right for the longest note ("100.00 (n=1234)" at 13 px).
    bar_w = WIDTH - label_w - 120
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, note) in enumerate(rows):
        y = 4 + i * 26
        parts.append(
            f'<text x="0" y="{y + 16}" font-size="13">{escape(_fit(label, label_w - 6, 13))}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="16" fill="#eef"/>')
        if value is not None:
            w = max(0.0, min(1.0, value / maximum)) * bar_w
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="16" fill="#1e9e5a"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_w + 6}" y="{y + 16}" font-size="13">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def distribution(
    questions: Sequence[Mapping[str, Any]], *, labels: Mapping[str, str] | None = None
) -> Markup:
    """One stacked bar per question: shares of levels 1..5 and "not applicable".

    ``labels`` names the levels ("1" → "1 远低于预期"); the bars and the legend run from the
    lowest level to the highest, as the documents list them, then 不适用.
    """
    names = {key: key for key in COLOURS} | dict(labels or {}) | {"na": "不适用"}
    height = 26 * len(questions) + 30
    label_w = 60
    bar_w = WIDTH - label_w - 10
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, q in enumerate(questions):
        y = 4 + i * 26
        dist = q["distribution"]
        total = sum(dist.values())
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(q["item"])}</text>')
        x = float(label_w)
        for key in ("1", "2", "3", "4", "5", "na"):
            if not total or not dist[key]:
                continue
            w = dist[key] / total * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="18" fill="{COLOURS[key]}">'
                f"<title>{escape(names[key])}: {dist[key]}</title></rect>"
            )
            if w > 18:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 16}" font-size="11" '
                    f'text-anchor="middle">{dist[key]}</text>'
                )
            x += w
    y = 8 + len(questions) * 26
    x = float(label_w)
    for key in ("1", "2", "3", "4", "5", "na"):
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{COLOURS[key]}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 11}" font-size="12">{escape(names[key])}</text>')
        x += 95
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with "…" to ``width`` px at ``size`` px (a Chinese character is one em wide,
    others about half): long site names would run into the bars."""
    used = 0.0
    for i, ch in enumerate(text):
        used += size if ord(ch) > 0x2E7F else size * 0.6
        if used > width:
            return text[: max(i - 1, 0)] + "…"
    return text


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
