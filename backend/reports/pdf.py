"""The PDF foundation: Jinja templates laid out by WeasyPrint, Noto CJK fonts embedded.

Every document extends ``templates/base.html``: A4, the certification body's name and the
document's title in the running header, "第 x 页 共 y 页" in the footer, table headers repeated
on every page a table runs onto, rows never cut in half. The fonts are Debian's Noto Sans CJK SC
and Noto Serif CJK SC (fonts-noto-cjk, installed by scripts/system-packages.sh); WeasyPrint embeds
the glyphs a document uses (a subset), so the PDF shows the same on a machine with no Chinese
font. reportlab cannot embed these OpenType (CFF) fonts, which is why PDFs are made this way.

``render_pdf`` takes a template name and plain data and returns bytes: no request, no session,
no database. Nothing is fetched while laying out (only ``data:`` URLs are allowed), so a name a
user typed can never make the server read a file or call an address.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import jinja2

#: Dates and times on Chinese documents are Beijing time (UTC+8, no daylight saving).
CHINA = timezone(timedelta(hours=8), "CST")

#: The families ``templates/base.css`` names; a PDF without one of them lost its Chinese font.
FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")


class ReportFontsMissing(RuntimeError):
    """The server cannot find the Noto CJK fonts: a deployment error, not a user's."""


@dataclass(frozen=True)
class Letterhead:
    """The certification body as its documents show it (organisation settings, issue 10)."""

    name: str
    #: The postal address printed at the foot of every page (报告抬头的地址).
    address: str = ""
    #: The report logo (PNG or JPEG, checked when uploaded) and its media type.
    logo: bytes | None = None
    logo_media_type: str | None = None

    @property
    def logo_url(self) -> str | None:
        """The logo as a ``data:`` URL: the only kind of URL the layout may load."""
        if self.logo is None or self.logo_media_type not in ("image/png", "image/jpeg"):
            return None
        return f"data:{self.logo_media_type};base64,{base64.b64encode(self.logo).decode()}"


@dataclass(frozen=True)
class PageSetup:
    """What every page shows around the document's own content."""

    #: The document's title: PDF metadata and the running header's right side.
    title: str
    #: The certification body issuing it (the organisation's name): the header's left side.
    organisation: str
    #: A document number or engagement reference after the title, if any.
    reference: str = ""
    #: When the document was made (PDF metadata, and the footer's "生成时间").
    generated_at: datetime | None = None
    #: Posters and other one-page notices have no header and no page numbers.
    running_header: bool = True
    #: Logo and address of the body; without one the header shows ``organisation`` alone.
    letterhead: Letterhead | None = None


def format_score(value: float | None) -> str:
    """A score as reports print it: two decimals, "—" when there is none (DOMAIN.md §5.3)."""
    return "—" if value is None else f"{value:.2f}"


def format_date(value: date | datetime | None) -> str:
    """A date the way Chinese documents write it: 2026年3月5日 (Beijing time for instants)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(CHINA)
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone(CHINA)
    return f"{format_date(local)} {local:%H:%M}"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("backend.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = format_score
    env.filters["date_zh"] = format_date
    env.filters["datetime_zh"] = format_datetime
    return env


def render_html(template: str, context: Mapping[str, Any], setup: PageSetup) -> str:
    """The HTML a PDF is laid out from (also handy to look at in a browser while designing)."""
    return environment().get_template(template).render({**context, "page": setup})


def render_pdf(template: str, context: Mapping[str, Any], setup: PageSetup) -> bytes:
    """Lay out ``template`` with ``context`` and return the PDF, fonts embedded.

    Raises ``ReportFontsMissing`` when fontconfig has no Noto CJK font: the PDF would
    otherwise come out with another font's empty boxes in place of the Chinese text.
    """
    HTML, URLFetcher = _weasyprint()
    html = render_html(template, context, setup)
    document = HTML(
        string=html,
        base_url=None,
        url_fetcher=URLFetcher(allowed_protocols=("data",)),
    ).render()
    pdf: bytes = document.write_pdf()
    families = {font.family for font in document.fonts.values()}
    if not families & set(FONT_FAMILIES):
        raise ReportFontsMissing(
            f"none of {', '.join(FONT_FAMILIES)} was used (got {sorted(families)}): install "
            "Debian's fonts-noto-cjk (bash scripts/system-packages.sh reports)"
        )
    return pdf


def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's HTML and URLFetcher, imported on first use with Pillow's strictness kept.

    Imported here: loading Pango and fontconfig costs a fraction of a second, which the
    processes that never print (the CLI, the scoring bench) should not pay. ``weasyprint.images``
    sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole process when imported;
    left so, every later evidence upload and logo in this worker would accept truncated images
    that the pipeline refuses (INVALID_IMAGE). Our PDFs only embed images we checked already, so
    the flag goes back to what it was.
    """
    from PIL import ImageFile

    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
        from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = strict
    return HTML, URLFetcher
