"""Pictures and hostile files for the evidence tests, generated on the fly (nothing committed)."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from typing import Any

from PIL import ExifTags, Image, ImageDraw


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scene(width: int = 640, height: int = 480, *, seed: int = 0) -> Image.Image:
    """A picture with structure (shapes on a gradient), different for each ``seed``."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    step = max(4, width // 8)
    for index in range(12):
        x = (index * 37 + seed * 101) % width
        y = (index * 53 + seed * 67) % height
        colour = ((seed * 80 + index * 40) % 256, (index * 90) % 256, (seed * 30 + 200) % 256)
        if (index + seed) % 2:
            draw.ellipse((x, y, x + step, y + step // 2), fill=colour)
        else:
            draw.rectangle((x, y, x + step // 2, y + step), fill=colour)
    return image


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg(
    image: Image.Image | None = None, *, quality: int = 90, exif: Image.Exif | None = None
) -> bytes:
    params: dict[str, Any] = {"quality": quality}
    if exif is not None:
        params["exif"] = exif
    return encode(image or scene(), "JPEG", **params)


def png(image: Image.Image | None = None) -> bytes:
    return encode(image or scene(), "PNG")


def webp(image: Image.Image | None = None) -> bytes:
    return encode(image or scene(), "WEBP", quality=80)


def heic(image: Image.Image | None = None) -> bytes:
    return encode(image or scene(), "HEIF", quality=60)


def halves(width: int = 200, height: int = 100) -> Image.Image:
    """Left half red, right half blue: shows which way a rotation went."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    ImageDraw.Draw(image).rectangle((width // 2, 0, width, height), fill=(0, 0, 255))
    return image


def exif_with(
    *,
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: tuple[tuple[float, float, float], str, tuple[float, float, float], str] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FieldCam"
    exif[ExifTags.Base.Model] = "Test 1"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        sub: dict[int, Any] = {ExifTags.Base.DateTimeOriginal: taken}
        if offset is not None:
            sub[ExifTags.Base.OffsetTimeOriginal] = offset
        exif[ExifTags.IFD.Exif] = sub
    if gps is not None:
        latitude, latitude_ref, longitude, longitude_ref = gps
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: latitude_ref,
            ExifTags.GPS.GPSLatitude: latitude,
            ExifTags.GPS.GPSLongitudeRef: longitude_ref,
            ExifTags.GPS.GPSLongitude: longitude,
        }
    return exif


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` greyscale pixels: a bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def low_entropy_png(width: int, height: int) -> bytes:
    """A real, decodable PNG of one colour: few bytes, many pixels."""
    return encode(Image.new("L", (width, height), 0), "PNG", optimize=True)


def pdf(*, complete: bool = True) -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n"
    )
    return body + b"%%EOF\n" if complete else body
