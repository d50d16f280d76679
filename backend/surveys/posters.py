"""Posters for the stairwell or the counter: the QR code alone (PNG, SVG) and an A4 PDF.

Seed 003: a poster with the QR code, instructions and deadline per site. The PDF uses
reportlab's built-in CID font STSong-Light (Adobe-GB1): PDF readers supply the glyphs, so no font
file is shipped or embedded and the file stays small. The code is drawn as vector squares, sharp
at any print size.
"""

from __future__ import annotations

import io
from datetime import datetime

import qrcode  # type: ignore[import-untyped]
import qrcode.image.pure  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]

from backend.surveys.logic import CHINA

FONT = "STSong-Light"
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


def poster_pdf(
    *, url: str, title: str, site_name: str, instructions: str, closes_at: datetime
) -> bytes:
    """An A4 portrait poster in Chinese: title, site, instructions, the code, the deadline."""
    from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]
    from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"{title} - {site_name}")
    pdf.setAuthor("fieldcert")
    margin = 20 * mm
    text_width = width - 2 * margin

    def paragraph(text: str, size: float, y: float, *, leading: float | None = None) -> float:
        style = ParagraphStyle(
            "p",
            fontName=FONT,
            fontSize=size,
            leading=leading or size * 1.35,
            alignment=TA_CENTER,
            wordWrap="CJK",
        )
        # Paragraph takes markup: escape the campaign's own text.
        safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        block = Paragraph(safe.replace("\n", "<br/>"), style)
        _, h = block.wrap(text_width, height)
        block.drawOn(pdf, margin, y - h)
        return y - float(h)

    y = height - 25 * mm
    if "调查" in title:
        # The title already says what it is ("… 顾客满意度调查"): not twice. On one line when
        # it fits at 16 pt or more (a Chinese character is one em wide), so no word is left alone.
        size = max(16.0, min(26.0, text_width / max(len(title), 1)))
        y = paragraph(title, size, y) - 4 * mm
    else:
        y = paragraph("顾客满意度调查", 30, y) - 6 * mm
        y = paragraph(title, 18, y) - 3 * mm
    # 场所, as everywhere in the product: a site may be a project office, not a shop (网点).
    y = paragraph(f"服务场所：{site_name}", 14, y) - 8 * mm

    # The code, centred, 80 mm wide, as vector squares.
    matrix = _qr(url).get_matrix()
    n = len(matrix)
    side = 80 * mm
    cell = side / n
    left = (width - side) / 2
    top = y
    pdf.setFillColorRGB(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                pdf.rect(left + col * cell, top - (row + 1) * cell, cell, cell, stroke=0, fill=1)
    y = top - side - 6 * mm
    y = paragraph("微信或手机相机扫一扫，约 2 分钟完成", 16, y) - 2 * mm
    y = paragraph(url, 10, y) - 6 * mm
    if instructions.strip():
        y = paragraph(instructions.strip(), 12, y) - 4 * mm
    y = paragraph(f"截止时间：{deadline_text(closes_at)}", 16, y) - 6 * mm
    paragraph(
        "本调查匿名进行，用于服务认证评价。留下电话号码完全自愿，仅用于核实答卷，"
        "加密保存，到期删除，不会提供给被评价单位。",
        10,
        y,
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
