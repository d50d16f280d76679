"""The audit plan PDF (CQC rule §4.4.4) from the plain dataclass the planning feature fills."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from backend.reports.audit_plan import SamplingLine, render_audit_plan
from backend.reports.pdf import Letterhead
from tests.reports.pdfcheck import assert_fonts_embedded, page_count, text
from tests.reports.plans import realistic_plan

HEADINGS = (
    "服务认证审查计划",
    "一、审查目的",
    "二、认证依据",
    "三、审查范围",
    "四、审查过程及要求",
    "五、审查抽样计划",
    "六、审查涉及的部门和场所",
    "七、审查时间安排",
    "八、审查组成员",
    "九、审查人日数",
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_audit_plan(realistic_plan())


def test_the_plan_embeds_its_chinese_fonts(pdf: bytes) -> None:
    found = assert_fonts_embedded(pdf)
    assert {f.name.split("+")[-1] for f in found} <= {
        "Noto-Sans-CJK-SC",
        "Noto-Sans-CJK-SC-Bold",
        "Noto-Serif-CJK-SC-Bold",
    }


def test_the_plan_has_every_section_of_4_4_4_in_order(pdf: bytes) -> None:
    content = text(pdf).replace("\n", "")  # table cells wrap
    positions = [content.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    for expected in (
        "江西赣安消防科技有限公司",
        "初次认证审查",
        "A 公开的服务特性检验",
        "G 服务能力确认或验证",
        "多场所抽样",
        "顾客满意度调查抽样",
        "CNAS-TRC-018:2023",
        "青山湖联网单位",
        "李卫国",
        "审查组长",
        "2026年3月16日",
        "本次审查共计 5 人日",
        "受审查方确认",
    ):
        assert expected in content, expected


def test_every_page_has_the_header_and_its_number(pdf: bytes) -> None:
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == page_count(pdf) >= 2
    for number, page in enumerate(pages, start=1):
        assert "fieldcert 演示认证机构" in page
        assert "SC-2026-0042-P1" in page
        assert f"第 {number} 页 共 {len(pages)} 页" in page


def test_a_table_split_over_pages_repeats_its_header(pdf: bytes) -> None:
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    with_schedule = [p for p in pages if "末次会议" in p or "首次会议" in p]
    assert with_schedule
    for page in pages:
        if "2026年3月17日" in page and "联网单位现场" in page:
            assert "审查内容" in page and "审查人员" in page


def test_the_metadata_names_the_document_and_the_body(pdf: bytes) -> None:
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.title == "服务认证审查计划"
    assert meta.author == "fieldcert 演示认证机构"


def test_a_revision_says_what_changed() -> None:
    pdf = render_audit_plan(
        realistic_plan(revision=2, changes="受审查方申请，青山湖联网单位现场审查改至 3 月 18 日。")
    )
    content = text(pdf)
    assert "计划变更说明" in content and "改至 3 月 18 日" in content
    assert "（第2版）" in content


def test_text_from_the_plan_is_text_not_markup() -> None:
    pdf = render_audit_plan(realistic_plan(client='<img src="file:///etc/hostname">赣安 & 子公司'))
    assert '<img src="file:///etc/hostname">赣安 & 子公司' in text(pdf)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": date(2026, 3, 1)}, "before starts_on"),
        ({"person_days": Decimal(0)}, "person_days"),
        ({"audit_kind": "annual"}, "audit_kind"),
        ({"modes": ("A", "Z")}, "modes"),
        ({"sampling": (SamplingLine("site", "联网单位", 3, 5),)}, "exceeds"),
        ({"sampling": (SamplingLine("random", "联网单位", 3, 1),)}, "sampling kind"),  # type: ignore[arg-type]
    ],
)
def test_an_impossible_plan_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_audit_plan(realistic_plan(**changes))


def test_printing_a_pdf_leaves_pillow_refusing_truncated_images():
    # weasyprint.images turns LOAD_TRUNCATED_IMAGES on for the whole process when imported: the
    # evidence pipeline in the same worker would then accept truncated photos.
    import io

    import pytest
    from PIL import Image, ImageFile

    from backend.reports.pdf import _weasyprint

    _weasyprint()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, "PNG")
    with pytest.raises(OSError):
        Image.open(io.BytesIO(buffer.getvalue()[:-30])).load()


def test_the_letterhead_prints_logo_and_address_on_every_page() -> None:
    logo = io.BytesIO()
    Image.new("RGB", (120, 40), "#1f4e9a").save(logo, format="PNG")
    letterhead = Letterhead(
        name="fieldcert 演示认证机构",
        address="江西省南昌市红谷滩区学府大道 1 号",
        logo=logo.getvalue(),
        logo_media_type="image/png",
    )
    pdf = render_audit_plan(realistic_plan(letterhead=letterhead))
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert "学府大道 1 号" in page.extract_text()
        assert _images(page) == 1
    # Without one, no image at all.
    plain = PdfReader(io.BytesIO(render_audit_plan(realistic_plan())))
    assert [_images(p) for p in plain.pages] == [0] * len(plain.pages)


def _images(page: Any) -> int:
    objects = page["/Resources"].get("/XObject") or {}
    return sum(1 for x in objects.values() if x.get_object().get("/Subtype") == "/Image")
