"""Posters for the stairwell or the counter: the QR code alone (PNG, SVG) and an A4 PDF.

Seed 003: a poster with the QR code, instructions and deadline per site. The PDF is laid out by
the reports foundation (backend/reports/pdf.py) with the Noto CJK font embedded, so it prints the
same from any reader; the code is one SVG path of squares, sharp at any print size.
"""

from __future__ import annotations

import io
from datetime import datetime

import qrcode  # type: ignore[import-untyped]
import qrcode.image.pure  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from markupsafe import Markup

from backend.reports.pdf import PageSetup, render_pdf
from backend.surveys.logic import CHINA

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _qr(url: str, box_size: int = 10) -> qrcode.QRCode:
    # Q (25 % recovery): posters get creased, scuffed and photographed at an angle.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=box_size)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, box_size: int = 10) -> bytes:
    image = _qr(url, box_size).make_image(image_factory=qrcode.image.pure.PyPNGImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    svg: str = (
        _qr(url)
        .make_image(image_factory=qrcode.image.svg.SvgPathImage)
        .to_string(encoding="unicode")
    )
    return svg.encode("utf-8")


def deadline_text(closes_at: datetime, *, en: bool = False) -> str:
    """An instant as respondents read it: Beijing time, in Chinese or English."""
    local = closes_at.astimezone(CHINA)
    if en:
        month = _MONTHS[local.month - 1]  # not %b: that follows the server's locale
        return f"{local.day} {month} {local.year}, {local:%H:%M} (Beijing time)"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def qr_svg_inline(url: str) -> Markup:
    """The code as one SVG path of dark modules (quiet zone included) for the PDF poster."""
    matrix = _qr(url).get_matrix()
    n = len(matrix)
    cells = "".join(
        f"M{col},{row}h1v1h-1z"
        for row, line in enumerate(matrix)
        for col, dark in enumerate(line)
        if dark
    )
    # Only numbers and fixed text go into it: nothing to escape.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
        f'shape-rendering="crispEdges"><path d="{cells}" fill="#000"/></svg>'
    )


def poster_pdf(
    *, url: str, title: str, site_name: str, instructions: str, closes_at: datetime
) -> bytes:
    """An A4 portrait poster in Chinese: title, site, instructions, the code, the deadline."""
    if "调查" in title:
        # The title already says what it is ("… 顾客满意度调查"): not twice. On one line when
        # it fits at 16 pt or more (a Chinese character is one em wide; 170 mm ≈ 482 pt), so
        # no word is left alone on a second line.
        kicker = ""
        title_size = max(16.0, min(26.0, 482 / max(len(title), 1)))
    else:
        kicker, title_size = "顾客满意度调查", 18.0
    context = {
        "kicker": kicker,
        "title": title,
        "title_size": f"{title_size:.1f}",
        "site_name": site_name,
        "qr_svg": qr_svg_inline(url),
        "url": url,
        "instructions": instructions.strip(),
        "deadline": deadline_text(closes_at),
    }
    setup = PageSetup(title=f"{title} - {site_name}", organisation="", running_header=False)
    return render_pdf("survey_poster.html", context, setup)
