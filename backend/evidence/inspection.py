"""What an upload checks of an image without decoding its pixels (the rest is a job's).

The upload request answers once the original is verified and stored (issue 13); the display
image, thumbnail and perceptual hash follow as a job (``backend.evidence.derive``), which runs
``images.process_image``. This module holds the part of those checks that costs no decode, so
a file the job could never process is still refused while the phone is listening.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timezone
from typing import IO, Final

from PIL import Image

from backend.evidence import decoding
from backend.evidence.images import (
    _DECODE_ERRORS,
    _UPRIGHT,
    CHINA_STANDARD_TIME,
    DEFAULT_MAX_PIXELS,
    DISPLAY_MAX_SIDE,
    CorruptFile,
    ExifSummary,
    MediaType,
    _draft_size,
    _open,
    _orientation,
    summarise_exif,
)


@dataclass(frozen=True, slots=True)
class InspectedImage:
    """What an upload learns of an image without decoding its pixels (``inspect_image``)."""

    media_type: MediaType
    #: Size as a person sees it, EXIF orientation applied.
    width: int
    height: int
    exif: ExifSummary


def inspect_image(
    file: IO[bytes],
    size: int,
    media_type: MediaType,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_decode_bytes: int = decoding.DEFAULT_MAX_DECODE_BYTES,
    default_offset: timezone = CHINA_STANDARD_TIME,
) -> InspectedImage:
    """The checks of ``process_image`` that need no pixel decoded, for the upload request.

    The header is read (size, mode, EXIF), the pixel limit and the memory the later decode will
    need are checked (``decoding.check`` on the size it will be decoded at: the display size's
    draft, which costs at least as much as the metadata-stripping path), and the file must be
    complete (``_check_complete``). Raises what ``process_image`` raises. The display image,
    thumbnail and perceptual hash are made later by a job (``backend.evidence.derive``), which
    decodes the image fully and so also finds damage inside the compressed data.
    """
    if not media_type.is_image:
        raise ValueError(f"{media_type} is not an image type")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        file.seek(0)
        image = _open(file, media_type, max_pixels)
        stored_width, stored_height = image.size
        if media_type is MediaType.PNG and "exif" not in image.info:
            # getexif() would decode the PNG to look for an eXIf chunk after the pixels: the
            # job reads it; the upload checks the cost only.
            exif = Image.Exif()
        else:
            try:
                exif = image.getexif()
            except _DECODE_ERRORS:
                exif = Image.Exif()
        orientation = _orientation(exif)
        summary = summarise_exif(exif, default_offset=default_offset)
        if media_type is MediaType.JPEG:
            image.draft(None, _draft_size(image.size, DISPLAY_MAX_SIDE))
        native = media_type in {MediaType.HEIC, MediaType.WEBP}
        decoding.check(
            image, max_decode_bytes, native_buffer=native, turned=orientation in _UPRIGHT
        )
        _check_complete(file, size, media_type)
    rotated = orientation in {5, 6, 7, 8}
    width, height = (stored_height, stored_width) if rotated else (stored_width, stored_height)
    return InspectedImage(media_type=media_type, width=width, height=height, exif=summary)


#: A PNG ends with its IEND chunk: length 0, type, CRC (ISO/IEC 15948 §11.2.5).
_PNG_END: Final = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _check_complete(file: IO[bytes], size: int, media_type: MediaType) -> None:
    """Refuse a file cut short (``CorruptFile``), reading only its end or a reduced decode.

    A JPEG that ends with its EOI marker (ITU-T T.81 B.2.1), a PNG with its IEND chunk and a
    WebP whose RIFF length matches the file pass without decoding. A JPEG with bytes after its
    EOI (Motion Photos append a video) or without one is decoded at 1/8 scale, which still reads
    every entropy-coded byte: a truncated scan fails there. HEIC is left to the full decode.
    """
    file.seek(max(0, size - 16))
    tail = file.read()
    if media_type is MediaType.PNG and not tail.endswith(_PNG_END):
        raise CorruptFile("the PNG is incomplete: it does not end with its IEND chunk")
    if media_type is MediaType.WEBP:
        file.seek(4)
        declared = int.from_bytes(file.read(4), "little") + 8
        if declared > size:
            raise CorruptFile(f"the WebP is incomplete: {size} of {declared} bytes")
    if media_type is MediaType.JPEG and not tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
        file.seek(0)
        image = _open(file, media_type, DEFAULT_MAX_PIXELS * 100)
        image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
        try:
            image.load()
        except _DECODE_ERRORS as error:
            raise CorruptFile(f"the image data cannot be decoded: {error}") from error
