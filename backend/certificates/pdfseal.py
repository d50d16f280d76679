"""Reading a certificate PDF back: its attached seal and the fields printed on it.

``fieldcert certificate verify FILE.pdf`` checks the seal's signature and compares every printed
field with the signed one (``seal.compare``): a PDF whose text was edited, or a forged PDF
carrying a genuine seal, names the fields that differ. The labels are the template's
(``backend/reports/templates/certificate.html``), one per line, "标签：值".
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date

from pypdf import PdfReader

from backend.certificates.seal import FIELD_KEYS, SealError, decode

ATTACHMENT_NAME = "fieldcert-seal.txt"

#: The printed labels, in the template's order (templates/certificate.html); pdfseal reads them.
LABELS: dict[str, str] = {
    "证书编号": "number",
    "认证委托人": "client",
    "服务提供者": "provider",
    "认证范围": "scope",
    "认证模式": "modes",
    "认证依据": "basis",
    "认证等级": "grade",
    "颁证日期": "issued_on",
    "有效期至": "valid_until",
    "变更日期": "changed_on",
    "认证机构": "body",
}
#: What follows the last field on the page: the end of the last value.
_END_MARKERS = ("本证书有效期内",)
_ZH_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def read_pdf_seal(data: bytes) -> tuple[str, dict[str, object]]:
    """The seal attached to a certificate PDF and the fields printed on it.

    A printed field is given as the signed value when the two differ in whitespace only (the
    layout wraps long text); any other difference is kept as printed, for ``seal.compare``.
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        attached = reader.attachments.get(ATTACHMENT_NAME)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise SealError("malformed", f"the PDF cannot be read: {exc}") from exc
    if not attached:
        raise SealError("not_a_seal", f"the PDF carries no {ATTACHMENT_NAME}")
    payload = attached[0].decode("ascii", errors="replace").strip()
    try:
        signed = decode(payload).fields
    except SealError:
        return payload, {}
    return payload, printed_fields(text, signed)


def printed_fields(text: str, signed: Mapping[str, object]) -> dict[str, object]:
    """Each labelled field of the page's text, in the seal's terms (dates ISO, modes a list)."""
    found: dict[str, object] = {}
    positions = sorted(
        (match.start(), match.end(), name)
        for label, name in LABELS.items()
        for match in re.finditer(re.escape(label) + r"\s*[：:]", text)
    )
    for i, (_, end, name) in enumerate(positions):
        stop = positions[i + 1][0] if i + 1 < len(positions) else len(text)
        for marker in _END_MARKERS:
            at = text.find(marker, end, stop)
            if at >= 0:
                stop = at
        raw = text[end:stop]
        found[name] = _as_signed(name, raw, signed.get(name))
    return {name: found[name] for name in FIELD_KEYS if name in found}


def _squeeze(value: str) -> str:
    return "".join(value.split())


def _as_signed(name: str, raw: str, signed: object) -> object:
    squeezed = _squeeze(raw)
    if name in ("issued_on", "valid_until", "changed_on"):
        match = _ZH_DATE.search(squeezed)
        if match is None:
            return squeezed
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return squeezed
    if name == "grade" and squeezed == "—":
        return None
    if name == "modes":
        parts = [p for p in squeezed.split("、") if p]
        if isinstance(signed, list) and [_squeeze(str(s)) for s in signed] == parts:
            return signed
        return parts
    if isinstance(signed, str) and _squeeze(signed) == squeezed:
        return signed
    return " ".join(raw.split())
