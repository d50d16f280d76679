"""QR codes for device pairing, drawn locally (no web service ever sees the token)."""

from __future__ import annotations

import base64
import io

import qrcode  # type: ignore[import-untyped]
import qrcode.image.pure  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]

#: Pixels per module of the PNG: 8 keeps a ~70-module code near 600 px, easy to scan off a screen.
PNG_BOX_SIZE = 8


def _qr(payload: str, *, box_size: int = 10) -> qrcode.QRCode:
    # M (15 % recovery) tolerates screen glare and a slightly blurred phone camera.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size)
    code.add_data(payload)
    code.make(fit=True)
    return code


def modules(payload: str) -> list[list[bool]]:
    """The QR code's dark (True) and light modules, without the quiet zone."""
    matrix: list[list[bool]] = _qr(payload).get_matrix()
    border = 4
    return [row[border:-border] for row in matrix[border:-border]]


def svg_data_uri(payload: str) -> str:
    """The QR code of ``payload`` as an SVG ``data:`` URI (scales to any size)."""
    svg: str = (
        _qr(payload)
        .make_image(image_factory=qrcode.image.svg.SvgPathImage)
        .to_string(encoding="unicode")
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def png_data_uri(payload: str) -> str:
    """The QR code of ``payload`` as a PNG ``data:`` URI, ``PNG_BOX_SIZE`` pixels per module."""
    image = _qr(payload, box_size=PNG_BOX_SIZE).make_image(
        image_factory=qrcode.image.pure.PyPNGImage
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
