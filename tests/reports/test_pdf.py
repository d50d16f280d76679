"""The PDF foundation: fonts embedded, nothing fetched, a clear error without the fonts."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from markupsafe import Markup
from PIL import Image
from pypdf import PdfReader

from backend.reports import pdf as foundation
from backend.reports.pdf import PageSetup, ReportFontsMissing, render_pdf
from tests.reports.pdfcheck import assert_fonts_embedded, text


def _poster(**changes: object) -> dict[str, object]:
    context: dict[str, object] = {
        "kicker": "顾客满意度调查",
        "title": "服务评价",
        "title_size": "18",
        "site_name": "南昌红谷滩门店",
        "qr_svg": Markup('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>'),
        "url": "https://cert.example.cn/s/x",
        "instructions": "",
        "deadline": "2026年12月31日 23:59",
    }
    context.update(changes)
    return context


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


SETUP = PageSetup(title="海报", organisation="", running_header=False)


def _images(pdf: bytes) -> int:
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    objects = resources.get("/XObject") or {}
    return sum(1 for x in objects.values() if x.get_object().get("/Subtype") == "/Image")


def test_nothing_is_fetched_while_laying_out(tmp_path: Path) -> None:
    # Only data: URLs are allowed: a file or an address in the markup is never read.
    picture = tmp_path / "picture.png"
    Image.new("RGB", (8, 8), "red").save(picture)
    # Markup on purpose: what a template could hold if a value were ever left unescaped.
    markup = Markup(f'<img src="{picture.as_uri()}"><img src="http://127.0.0.1:9/x.png">')  # noqa: S704
    data_url = Markup(f'<img src="data:image/png;base64,{_b64(picture)}">')  # noqa: S704

    refused = render_pdf("survey_poster.html", _poster(qr_svg=markup), SETUP)
    inline = render_pdf("survey_poster.html", _poster(qr_svg=data_url), SETUP)

    assert _images(refused) == 0
    assert _images(inline) == 1  # the check would see a fetched picture
    assert_fonts_embedded(refused)


def test_a_pdf_without_the_cjk_fonts_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if fontconfig had no Noto CJK: none of the expected families ends up in the PDF.
    monkeypatch.setattr(foundation, "FONT_FAMILIES", ("Fieldcert Missing Font",))
    with pytest.raises(ReportFontsMissing, match="fonts-noto-cjk"):
        render_pdf("survey_poster.html", _poster(), SETUP)


def test_the_chinese_text_comes_back_out() -> None:
    content = text(render_pdf("survey_poster.html", _poster(), SETUP))
    assert "顾客满意度调查" in content and "服务场所：南昌红谷滩门店" in content


def test_dates_and_scores_are_written_the_chinese_way() -> None:
    assert foundation.format_date(date(2026, 3, 5)) == "2026年3月5日"
    # An instant is shown in Beijing time: 16:30 UTC is the next morning in China.
    instant = datetime(2026, 3, 5, 16, 30, tzinfo=UTC)
    assert foundation.format_date(instant) == "2026年3月6日"
    assert foundation.format_datetime(instant) == "2026年3月6日 00:30"
    assert foundation.format_score(76.666666) == "76.67"
    assert foundation.format_score(None) == "—"
    assert foundation.format_date(None) == "—"
