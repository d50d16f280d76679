"""Reading generated PDFs back: which fonts they use, whether each is embedded, their text."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class FontInfo:
    name: str  # /BaseFont, e.g. /TSPJMR+Noto-Sans-CJK-SC (a six-letter tag: a subset)
    subtype: str
    embedded: bool

    @property
    def cjk(self) -> bool:
        return "CJK" in self.name or "Song" in self.name or "Hei" in self.name

    @property
    def subset(self) -> bool:
        tag, plus, _ = self.name.lstrip("/").partition("+")
        return bool(plus) and len(tag) == 6 and tag.isupper()


def _embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs drawn by the PDF's own procedures
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False  # a standard font or a CID font the reader must supply
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in FONT_FILES)


def _walk(resources: Any, seen: set[int], out: dict[str, FontInfo]) -> None:
    if resources is None:
        return
    resources = resources.get_object()
    if id(resources) in seen:
        return
    seen.add(id(resources))
    for ref in (resources.get("/Font") or {}).values():
        font = ref.get_object()
        name = str(font.get("/BaseFont", font.get("/Name", "?")))
        out[name] = FontInfo(name, str(font.get("/Subtype")), _embedded(font))
    for key in ("/XObject", "/Pattern"):
        for ref in (resources.get(key) or {}).values():
            child = ref.get_object()
            _walk(child.get("/Resources"), seen, out)


def fonts(pdf: bytes) -> list[FontInfo]:
    """Every font the PDF's pages, forms and patterns name."""
    out: dict[str, FontInfo] = {}
    seen: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        _walk(page.get("/Resources"), seen, out)
    return sorted(out.values(), key=lambda f: f.name)


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assert_fonts_embedded(pdf: bytes) -> list[FontInfo]:
    """Every font embedded (as a subset), and a CJK one among them."""
    found = fonts(pdf)
    assert found, "the PDF names no font"
    assert [f for f in found if not f.embedded] == []
    assert [f for f in found if not f.subset] == []
    assert any(f.cjk for f in found), found
    return found
