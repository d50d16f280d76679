"""The certificate as a PDF (CQC rule §9.2), and reading its seal and printed fields back.

The PDF is laid out by the reports feature (``render_pdf``: WeasyPrint, Noto CJK fonts embedded),
with the body's logo, the eight fields, the grade, the characteristic scores as a radar chart and
the QR code: the public page's address with the seal in its fragment (``#FC1.…``: the fragment is
not sent to the server, so the page is found by its token alone). The seal is also attached to
the PDF as the file ``fieldcert-seal.txt`` (``pdfseal`` reads it back with the printed fields).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from markupsafe import Markup
from pypdf import PdfReader, PdfWriter

from backend.certificates.pdfseal import ATTACHMENT_NAME
from backend.devices.qr import svg_data_uri
from backend.reports.charts import Datum, radar_svg
from backend.reports.pdf import Letterhead, PageSetup, format_date, render_pdf


def verification_url(base_url: str, token: str, payload: str) -> str:
    """What the QR code holds: the public page, with the seal in the fragment."""
    return f"{base_url.rstrip('/')}/c/{token}#{payload}"


def render_certificate_pdf(
    fields: Mapping[str, Any],
    payload: str,
    *,
    url: str,
    fingerprint: str,
    titles: Mapping[str, str],
    letterhead: Letterhead,
) -> bytes:
    """The certificate PDF with the seal attached; ``fields`` as sealed (seal.FIELD_KEYS)."""
    scores = fields.get("scores") or {}
    rows = [
        {"title": titles.get(code, code), "value": f"{float(value):.2f}"}
        for code, value in scores.items()
    ]
    radar = radar_svg(
        [Datum(titles.get(code, code), float(value)) for code, value in scores.items()],
        title="各服务特性得分",
    )
    context = {
        "f": fields,
        "issued_on": format_date(date.fromisoformat(str(fields["issued_on"]))),
        "valid_until": format_date(date.fromisoformat(str(fields["valid_until"]))),
        "changed_on": (
            format_date(date.fromisoformat(str(fields["changed_on"])))
            if fields.get("changed_on")
            else None
        ),
        "scores": rows,
        # Bold chart text would embed one more CJK face (~130 kB): the values stay regular.
        "radar": Markup(radar.replace(' font-weight="bold"', "")),  # noqa: S704 - drawn by our chart code from numbers and escaped labels
        "qr": svg_data_uri(url),
        "fingerprint": fingerprint,
    }
    setup = PageSetup(
        title="认证证书",
        organisation=str(fields["body"]),
        reference=str(fields["number"]),
        running_header=False,
        letterhead=letterhead,
    )
    pdf = render_pdf("certificate.html", context, setup)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(ATTACHMENT_NAME, payload.encode("ascii"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
