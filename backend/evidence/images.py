"""The evidence pipeline's pure core: type detection, image checks, renditions, EXIF, dHash.

No Flask and no SQLAlchemy here: plain functions over bytes and files, so they are tested on
their own and reusable from the CLI. The original file is only ever read, never changed (DOMAIN.md
"Evidence": kept unaltered); the display image and the thumbnail are new JPEG files without EXIF.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import IO, Any, Final

import pillow_heif
from PIL import ExifTags, Image, ImageFile

from backend.evidence import decoding

# HEIC/HEIF (iPhones' default) through pillow-heif; only opened when the content says HEIC.
pillow_heif.register_heif_opener()

#: Long side of the display image and of the thumbnail, in pixels. The field app downscales
#: photos to at most 2048 px before it stores them (issue 4), so its JPEGs need no resizing:
#: their display image is the original without its metadata (``strip_jpeg_metadata``).
DISPLAY_MAX_SIDE: Final = 2048
THUMBNAIL_MAX_SIDE: Final = 320
#: JPEG quality of the renditions: visually clean at a fraction of a phone photo's size.
DISPLAY_QUALITY: Final = 85
THUMBNAIL_QUALITY: Final = 80
#: Default pixel limit (width × height): 60 MP covers the 48–50 MP sensors of current phones,
#: and bounds the memory a fully decoded PNG, WebP or HEIC needs (about 180 MB in RGB).
DEFAULT_MAX_PIXELS: Final = 60_000_000
#: China has one time zone (UTC+8): the reading for EXIF times that carry no offset (DOMAIN.md
#: "Geography in China"); the metadata records that the offset was assumed.
CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8))

#: What Pillow and pillow-heif raise on data they cannot decode (fuzzing found all of these).
_DECODE_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)

#: Longest string copied from EXIF into the metadata summary (camera strings are short).
_MAX_TEXT = 200
#: At most this many distinct decoder warnings are kept in the metadata.
_MAX_WARNINGS = 5


class MediaType(StrEnum):
    """Types accepted as evidence, detected from the content, never from the name."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    HEIC = "image/heic"
    PDF = "application/pdf"

    @property
    def is_image(self) -> bool:
        return self is not MediaType.PDF

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_EXTENSIONS: Final = {
    MediaType.JPEG: "jpg",
    MediaType.PNG: "png",
    MediaType.WEBP: "webp",
    MediaType.HEIC: "heic",
    MediaType.PDF: "pdf",
}

#: The Pillow format each image type must open as (``Image.open(formats=...)``): Pillow never
#: tries any other decoder on evidence (no EPS, PSD, TIFF... whatever the bytes claim).
_PILLOW_FORMATS: Final = {
    MediaType.JPEG: "JPEG",
    MediaType.PNG: "PNG",
    MediaType.WEBP: "WEBP",
    MediaType.HEIC: "HEIF",
}

#: ISO BMFF brands of HEIC/HEIF still images (ISO/IEC 23008-12); AVIF is not among them.
_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_GENERIC_BRANDS: Final = frozenset({b"mif1", b"msf1"})

#: How many leading bytes ``detect_media_type`` needs.
SNIFF_BYTES: Final = 64


class EvidenceFileError(Exception):
    """A file the pipeline refuses; ``reason`` says why in plain English (for ``details``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedType(EvidenceFileError):
    """The content is none of the accepted types."""


class CorruptFile(EvidenceFileError):
    """The content starts like an accepted type but cannot be read: truncated or damaged."""


class TooManyPixels(EvidenceFileError):
    """The image declares more pixels than the limit (a decompression bomb, or just too big)."""

    def __init__(self, reason: str, *, width: int | None, height: int | None, limit: int) -> None:
        super().__init__(reason)
        self.width = width
        self.height = height
        self.limit = limit


def detect_media_type(head: bytes) -> MediaType | None:
    """The accepted type the leading bytes announce (magic numbers), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType.WEBP
    if _is_heic(head):
        return MediaType.HEIC
    if head.startswith(b"%PDF-"):
        return MediaType.PDF
    return None


def _is_heic(head: bytes) -> bool:
    # An ISO BMFF file starts with its ftyp box: size (4), "ftyp", major brand, minor version,
    # then compatible brands. Generic brands (mif1) count only with a HEVC brand beside them.
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[:4], "big")
    brands_end = min(max(box_size, 16), len(head))
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, brands_end - 3, 4)}
    if major in _HEIC_BRANDS:
        return True
    return major in _HEIF_GENERIC_BRANDS and bool(compatible & _HEIC_BRANDS)


@dataclass(frozen=True, slots=True)
class ExifSummary:
    """What EXIF says about time and place: metadata only, the app's capture data is primary."""

    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    #: JSON-safe summary for the record's ``metadata`` (camera, orientation, raw time, GPS).
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """An accepted image: upright size, EXIF summary, perceptual hash and two JPEG renditions."""

    media_type: MediaType
    #: Size as a person sees it, EXIF orientation applied.
    width: int
    height: int
    exif: ExifSummary
    #: 64-bit dHash of the upright picture, 16 hex digits.
    phash: str
    display_jpeg: bytes
    thumbnail_jpeg: bytes
    metadata: dict[str, Any]


def process_image(
    file: IO[bytes],
    media_type: MediaType,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decode_bytes: int = decoding.DEFAULT_MAX_DECODE_BYTES,
    default_offset: timezone = CHINA_STANDARD_TIME,
) -> ProcessedImage:
    """Check an image fully and derive what the record needs; ``file`` is only read.

    Raises ``TooManyPixels`` before decoding anything when the header declares more than
    ``max_pixels``, ``decoding.TooCostlyToDecode`` when processing it would need more than
    ``max_decode_bytes`` of memory (known from the header too), and ``CorruptFile`` when the
    data cannot be decoded to the end.
    """
    if not media_type.is_image:
        raise ValueError(f"{media_type} is not an image type")
    # Pillow warns (rather than fails) about damaged EXIF, in Image.open already: such a photo is
    # still evidence, and the warnings go into its metadata for the reviewer. The pixel limit is
    # our own check below, so Pillow's DecompressionBombWarning needs no handling either.
    # (catch_warnings swaps process-wide state: fine for gunicorn's one-request-per-process
    # sync workers; with threads a warning elsewhere may land in this list for that moment.)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        processed = _process(file, media_type, max_pixels, max_decode_bytes, default_offset)
    notes = sorted({str(warning.message)[:_MAX_TEXT] for warning in caught})
    if notes:
        processed.metadata["warnings"] = notes[:_MAX_WARNINGS]
    return processed


def _process(
    file: IO[bytes],
    media_type: MediaType,
    max_pixels: int,
    max_decode_bytes: int,
    default_offset: timezone,
) -> ProcessedImage:
    file.seek(0)
    # Never image.close(): Pillow would close ``file``, which belongs to the caller.
    image = _open(file, media_type, max_pixels)
    stored_width, stored_height = image.size
    if media_type is MediaType.PNG and "exif" not in image.info:
        # getexif() decodes a PNG to look for an eXIf chunk after the pixels: check before it
        # (the check after it counts the turn its orientation may ask for).
        decoding.check(image, max_decode_bytes, native_buffer=False, turned=False)
    try:
        exif = image.getexif()
    except _DECODE_ERRORS:
        exif = Image.Exif()  # unreadable EXIF is no reason to refuse the photo
    orientation = _orientation(exif)
    summary = summarise_exif(exif, default_offset=default_offset)
    fast = _display_as_is(file, image, media_type, orientation)
    if fast is not None:
        return _process_display_as_is(image, fast, summary, max_decode_bytes)
    if media_type is MediaType.JPEG:
        # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT data when the display image
        # is that much smaller: a 12 MP photo then costs a fraction of a full decode.
        image.draft(None, _draft_size(image.size, DISPLAY_MAX_SIDE))
    # After the draft (the size it will really be decoded at), before any pixel is decoded.
    native = media_type in {MediaType.HEIC, MediaType.WEBP}
    decoding.check(image, max_decode_bytes, native_buffer=native, turned=orientation in _UPRIGHT)
    try:
        image.load()
        upright = _upright_rgb(image, orientation)
    except _DECODE_ERRORS as error:
        raise CorruptFile(f"the image data cannot be decoded: {error}") from error

    # Image.thumbnail: bicubic after a cheap box reduction (reducing_gap), never enlarging.
    display = upright  # resized in place: the full-size decode is not needed any more
    display.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
    thumbnail = display.copy()
    thumbnail.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))

    rotated = orientation in {5, 6, 7, 8}
    width, height = (stored_height, stored_width) if rotated else (stored_width, stored_height)
    metadata: dict[str, Any] = {
        "format": _PILLOW_FORMATS[media_type],
        "stored_width": stored_width,
        "stored_height": stored_height,
        "exif": summary.summary,
        "display": {"width": display.width, "height": display.height, "derived": "resized"},
        "thumbnail": {"width": thumbnail.width, "height": thumbnail.height},
    }
    return ProcessedImage(
        media_type=media_type,
        width=width,
        height=height,
        exif=summary,
        # From the thumbnail: the hash only needs 9 × 8 pixels, and the result is the same.
        phash=format(dhash(thumbnail), "016x"),
        # Huffman optimisation saves a few per cent but costs more time than the encoding on a
        # display image; on a thumbnail it is cheap.
        display_jpeg=_jpeg(display, DISPLAY_QUALITY, optimize=False),
        thumbnail_jpeg=_jpeg(thumbnail, THUMBNAIL_QUALITY, optimize=True),
        metadata=metadata,
    )


def _display_as_is(
    file: IO[bytes], image: ImageFile.ImageFile, media_type: MediaType, orientation: int
) -> bytes | None:
    """The display image as the original without metadata, when that is all it needs; else None.

    A JPEG that is already upright (no EXIF turn), in RGB or greyscale and no larger than the
    display size (what the field app uploads) would only be decoded and re-encoded into a
    slightly worse copy of itself. Dropping its metadata segments instead costs no decoding,
    and the picture data stays exactly the camera's (or the app's) own.
    """
    if media_type is not MediaType.JPEG or orientation != 1 or image.mode not in {"RGB", "L"}:
        return None
    if max(image.size) > DISPLAY_MAX_SIDE:
        return None
    file.seek(0)
    return strip_jpeg_metadata(file.read())


def _process_display_as_is(
    image: ImageFile.ImageFile, display_jpeg: bytes, summary: ExifSummary, max_decode_bytes: int
) -> ProcessedImage:
    """Thumbnail and hash from a reduced decode; the display image is the stripped original."""
    width, height = image.size
    # Decoding at 1/2 … 1/8 scale (straight from the DCT data) still reads every entropy-coded
    # byte of the scan, so truncated or damaged data fails here as in a full decode.
    image.draft("RGB" if image.mode == "RGB" else None, _draft_size(image.size, THUMBNAIL_MAX_SIDE))
    decoding.check(image, max_decode_bytes, native_buffer=False, turned=False)
    try:
        image.load()
        thumbnail = image.convert("RGB") if image.mode != "RGB" else image
    except _DECODE_ERRORS as error:
        raise CorruptFile(f"the image data cannot be decoded: {error}") from error
    thumbnail.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
    metadata: dict[str, Any] = {
        "format": "JPEG",
        "stored_width": width,
        "stored_height": height,
        "exif": summary.summary,
        "display": {"width": width, "height": height, "derived": "metadata_removed"},
        "thumbnail": {"width": thumbnail.width, "height": thumbnail.height},
    }
    return ProcessedImage(
        media_type=MediaType.JPEG,
        width=width,
        height=height,
        exif=summary,
        phash=format(dhash(thumbnail), "016x"),
        display_jpeg=display_jpeg,
        thumbnail_jpeg=_jpeg(thumbnail, THUMBNAIL_QUALITY, optimize=True),
        metadata=metadata,
    )


#: JPEG markers (ITU-T T.81 Table B.1) the stripper handles specially.
_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_APP0, _APP1, _APP2, _APP14, _APP15 = 0xE0, 0xE1, 0xE2, 0xEE, 0xEF
_ICC_PROFILE: Final = b"ICC_PROFILE\0"


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The JPEG without EXIF, XMP, IPTC, comments and trailing data; None if not parseable.

    Kept: the picture's own segments (tables, frame, scans), JFIF (APP0), the ICC colour
    profile (APP2 ``ICC_PROFILE``) and Adobe's colour-transform flag (APP14): dropping either of
    the last two would change the colours. Everything else in APP1–APP15 and COM goes, so no
    GPS, camera serial or maker note reaches whoever sees the display image.
    """
    if data[:2] != b"\xff\xd8":
        return None
    out = [data[:2]]
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return None
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker (B.1.1.2)
            pos += 1
        if pos >= end:
            return None
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)  # anything after EOI (thumbnails, maker trailers) is dropped
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, _SOI):
            return None  # no standalone marker belongs between segments
        if pos + 2 > end:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            return None
        segment = data[pos - 2 : pos + length]
        body = data[pos + 2 : pos + length]
        pos += length
        drop = (
            marker in (_COM, _APP1)
            or (marker == _APP2 and not body.startswith(_ICC_PROFILE))
            or (_APP0 < marker <= _APP15 and marker not in (_APP2, _APP14))
        )
        if not drop:
            out.append(segment)
        if marker == _SOS:
            scan_end = _scan_end(data, pos)
            if scan_end is None:
                return None
            out.append(data[pos:scan_end])
            pos = scan_end
    return None


def _scan_end(data: bytes, pos: int) -> int | None:
    """Where the entropy-coded data starting at ``pos`` ends: at its first real marker.

    Inside a scan 0xFF is followed by 0x00 (a stuffed byte) or a restart marker (RST0–7);
    any other byte after 0xFF starts the next segment.
    """
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
            continue
        if following == 0xFF:
            pos += 1  # fill byte: the marker comes after it
            continue
        return pos


def check_pdf(file: IO[bytes], size: int) -> dict[str, Any]:
    """Check that a PDF is complete (its trailer's ``%%EOF`` is there); return its summary.

    PDFs are kept as documents: never rendered on the server, served with a sandboxing CSP.
    """
    file.seek(0)
    header = file.read(16)
    version = re.match(rb"%PDF-(\d\.\d)", header)
    if version is None:
        raise CorruptFile("the PDF header is malformed")
    # §7.5.5 of ISO 32000: the file ends with %%EOF (possibly followed by an end-of-line);
    # a truncated upload lacks it. 1024 bytes leaves room for trailing whitespace and junk.
    file.seek(max(0, size - 1024))
    if b"%%EOF" not in file.read():
        raise CorruptFile("the PDF is incomplete: no %%EOF at its end")
    return {"format": "PDF", "pdf_version": version.group(1).decode("ascii")}


def _open(file: IO[bytes], media_type: MediaType, max_pixels: int) -> ImageFile.ImageFile:
    try:
        image = Image.open(file, formats=[_PILLOW_FORMATS[media_type]])
    except Image.DecompressionBombError as error:
        # Pillow's own guard: more than twice Image.MAX_IMAGE_PIXELS (about 179 MP) is refused
        # whatever our limit says. Its warning (above once that) is recorded, not raised.
        raise TooManyPixels(str(error), width=None, height=None, limit=max_pixels) from error
    except _DECODE_ERRORS as error:
        raise CorruptFile(f"not a readable {media_type.value} file: {error}") from error
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptFile("the image declares no pixels")
    if width * height > max_pixels:
        raise TooManyPixels(
            f"{width} × {height} pixels is more than the limit of {max_pixels}",
            width=width,
            height=height,
            limit=max_pixels,
        )
    return image


def _draft_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The smallest size, same aspect, whose long side still reaches ``max_side``."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(ExifTags.Base.Orientation)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


#: EXIF orientation (TIFF 6.0 tag 274) to the transposition that shows the picture upright.
_UPRIGHT: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright_rgb(image: Image.Image, orientation: int) -> Image.Image:
    """EXIF orientation applied, in RGB; transparent areas become white (JPEG has no alpha).

    The same transpositions as ``ImageOps.exif_transpose``, from the orientation already read:
    that function would parse the EXIF again and copy the image even when nothing turns.
    """
    upright = image.transpose(_UPRIGHT[orientation]) if orientation in _UPRIGHT else image
    if decoding.is_transparent(upright):
        rgba = upright.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if upright.mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        # High bit-depth greyscale: scale to 8 bits before RGB, or everything turns white.
        upright = upright.point(lambda value: value / 256).convert("L")
    return upright.convert("RGB") if upright.mode != "RGB" else upright


def _jpeg(image: Image.Image, quality: int, *, optimize: bool) -> bytes:
    buffer = io.BytesIO()
    # No exif= argument: renditions carry no metadata (no GPS for whoever sees them).
    image.save(buffer, "JPEG", quality=quality, optimize=optimize)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Perceptual hash


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: brightness gradients of a 9 × 8 greyscale reduction.

    Bit i is set when pixel (x, y) is brighter than its right neighbour (row-major). Re-encoding
    and resizing keep the gradients, so copies differ in a few bits; other pictures in about
    half of them (Krawetz, "Kind of like that", 2013).
    """
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # 72 bytes, one per pixel, row-major
    value = 0
    for y in range(8):
        row = pixels[y * 9 : y * 9 + 9]
        for x in range(8):
            value = (value << 1) | (1 if row[x] > row[x + 1] else 0)
    return value


def hamming_distance(a: str | int, b: str | int) -> int:
    """Number of differing bits of two 64-bit hashes (ints or 16 hex digits, as stored).

    0–5 is the same picture (re-encoded, resized); above 15 unrelated pictures.
    """
    left = int(a, 16) if isinstance(a, str) else a
    right = int(b, 16) if isinstance(b, str) else b
    return (left ^ right).bit_count()


# ---------------------------------------------------------------------------------------------
# EXIF


_EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def summarise_exif(exif: Image.Exif, *, default_offset: timezone) -> ExifSummary:
    """EXIF capture time (DateTimeOriginal + OffsetTimeOriginal) and GPS, as metadata.

    Never raises: phones write odd values and WeChat strips most, so anything unreadable is
    simply absent from the summary.
    """
    base = dict(exif)
    exif_ifd = _ifd(exif, ExifTags.IFD.Exif)
    gps_ifd = _ifd(exif, ExifTags.IFD.GPSInfo)

    summary: dict[str, Any] = {}
    for name, tag in (
        ("make", ExifTags.Base.Make),
        ("model", ExifTags.Base.Model),
        ("software", ExifTags.Base.Software),
    ):
        text = _text(base.get(tag))
        if text:
            summary[name] = text
    orientation = base.get(ExifTags.Base.Orientation)
    if isinstance(orientation, int):
        summary["orientation"] = orientation

    raw_time = _text(exif_ifd.get(ExifTags.Base.DateTimeOriginal))
    raw_offset = _text(exif_ifd.get(ExifTags.Base.OffsetTimeOriginal))
    taken_at = None
    if raw_time:
        summary["datetime_original"] = raw_time
        if raw_offset:
            summary["offset_time_original"] = raw_offset
        offset = parse_exif_offset(raw_offset)
        summary["offset_source"] = "exif" if offset is not None else "assumed"
        taken_at = parse_exif_datetime(raw_time, offset or default_offset)
        if taken_at is not None:
            summary["taken_at"] = taken_at.isoformat()

    latitude = _coordinate(
        gps_ifd.get(ExifTags.GPS.GPSLatitude), gps_ifd.get(ExifTags.GPS.GPSLatitudeRef), 90.0
    )
    longitude = _coordinate(
        gps_ifd.get(ExifTags.GPS.GPSLongitude), gps_ifd.get(ExifTags.GPS.GPSLongitudeRef), 180.0
    )
    if latitude is None or longitude is None:
        latitude = longitude = None
    else:
        summary["gps"] = {"latitude": latitude, "longitude": longitude}
    return ExifSummary(taken_at=taken_at, latitude=latitude, longitude=longitude, summary=summary)


def parse_exif_datetime(raw: str, offset: timezone) -> datetime | None:
    """``2026:11:20 09:30:00`` at ``offset``, as aware UTC; None when blank or impossible."""
    match = _EXIF_TIME.match(raw.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=offset)
    except ValueError:
        return None
    return local.astimezone(UTC)


def parse_exif_offset(raw: str | None) -> timezone | None:
    """``+08:00`` as a timezone; None when absent or malformed."""
    if not raw:
        return None
    match = _EXIF_OFFSET.match(raw.strip())
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def dms_to_decimal(dms: Any, ref: Any) -> float | None:
    """EXIF degrees/minutes/seconds rationals and N/S/E/W to signed decimal degrees (WGS-84).

    EXIF GPS is WGS-84 by default (GPSMapDatum is almost always "WGS-84" or empty).
    """
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(part) and part >= 0 for part in (degrees, minutes, seconds)):
        return None
    if minutes >= 60 or seconds >= 60:
        return None
    value = degrees + minutes / 60 + seconds / 3600
    reference = _text(ref).upper()
    if reference in {"S", "W"}:
        return -value
    if reference in {"N", "E"}:
        return value
    return None


def _coordinate(dms: Any, ref: Any, limit: float) -> float | None:
    value = dms_to_decimal(dms, ref)
    if value is None or abs(value) > limit:
        return None
    return round(value, 7)


def _ifd(exif: Image.Exif, ifd: ExifTags.IFD) -> Mapping[int, Any]:
    try:
        return exif.get_ifd(ifd)
    except (KeyError, ValueError, TypeError, OSError, SyntaxError):
        return {}


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:_MAX_TEXT]
