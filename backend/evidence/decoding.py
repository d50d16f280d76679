"""What decoding an image will cost in memory, known from its header, and how many decodes a
process runs at once.

The pixel limit alone did not bound memory: a 461 KB PNG of 7700 × 7700 pixels in 16-bit RGBA
(59 MP, under the 60 MP limit) took about 735 MB to process, three at once 1.7 GB (issue 9 B2).
The cost depends on how Pillow stores the decoded pixels (``BYTES_PER_PIXEL``: RGB takes four
bytes a pixel, not three) and on the copies the pipeline makes (``images._upright_rgb``: a turned
copy, an RGBA copy, a white background and the alpha channel for a transparent picture). So the
estimate below is made after ``Image.open`` (the header) and the JPEG draft (the scale it will
be decoded at), before a single pixel is decoded; above the budget the upload is refused with
``IMAGE_TOO_LARGE`` and the numbers. ``DecodeSlots`` bounds how many decodes one process runs
at the same time; a request that waits too long for one answers a retryable 503.

Pure: no Flask and no SQLAlchemy (the budget and the slots are passed in).
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from PIL import Image

#: Bytes Pillow allocates per pixel of each mode (libImaging/Storage.c ``pixelsize``): every
#: multi-band 8-bit mode is padded to four bytes; 16-bit greyscale takes two.
BYTES_PER_PIXEL: Final = {
    "1": 1,
    "L": 1,
    "P": 1,
    "I;16": 2,
    "I;16L": 2,
    "I;16B": 2,
    "I;16N": 2,
    "I": 4,
    "F": 4,
    "LA": 4,
    "La": 4,
    "PA": 4,
    "RGB": 4,
    "RGBA": 4,
    "RGBa": 4,
    "RGBX": 4,
    "CMYK": 4,
    "YCbCr": 4,
    "LAB": 4,
    "HSV": 4,
}
#: A mode missing above is counted at this (more than any mode takes).
_UNKNOWN_MODE_BYTES: Final = 8
#: HEIC (libheif) and WebP (libwebp) decode into a buffer of their own, copied into Pillow's
#: image during ``load()``: up to four bytes a pixel more while both exist.
NATIVE_BUFFER_BYTES: Final = 4
#: The display image's ``thumbnail()`` reduces in steps (``reducing_gap``): the intermediate
#: images together stay under two bytes per source pixel.
_RESIZE_BYTES: Final = 2

#: Default memory budget of one decode: a 48 MP phone photo costs about 60–120 MB (JPEG decoded
#: at half scale, turned or not), a 48 MP HEIC about 400 MB; the 7700 × 7700 RGBA PNG 770 MB.
DEFAULT_MAX_DECODE_BYTES: Final = 512 * 1024 * 1024
#: Default number of decodes one process runs at once (gunicorn's sync workers run one request
#: each anyway; threaded workers get at most this many): memory ≤ slots × budget per process.
DEFAULT_DECODE_SLOTS: Final = 2
#: Default seconds a request waits for a decode slot before answering 503 with Retry-After.
DEFAULT_DECODE_WAIT_SECONDS: Final = 10.0


@dataclass(frozen=True, slots=True)
class DecodeCost:
    """The estimated peak memory of processing one image, and what it is made of."""

    width: int
    height: int
    mode: str
    bytes_per_pixel: int
    #: The decoded image itself.
    decoded_bytes: int
    #: Peak of everything the pipeline holds at once (decoded image included).
    peak_bytes: int


def estimate(
    width: int,
    height: int,
    mode: str,
    *,
    native_buffer: bool,
    turned: bool,
    transparent: bool,
) -> DecodeCost:
    """The peak memory of ``images._process`` for an image decoded at ``width`` × ``height``.

    ``native_buffer``: the decoder has its own buffer (HEIC, WebP); ``turned``: the EXIF
    orientation needs a transposed copy; ``transparent``: the alpha path (RGBA copy, white RGB
    background, alpha channel) is taken.
    """
    pixels = width * height
    per_pixel = BYTES_PER_PIXEL.get(mode, _UNKNOWN_MODE_BYTES)
    decoded = pixels * per_pixel
    while_loading = decoded + (pixels * NATIVE_BUFFER_BYTES if native_buffer else 0)
    held = decoded + (decoded if turned else 0)
    if transparent:
        converting = pixels * (4 + 4 + 1)  # RGBA copy, RGB background, alpha channel
    elif mode.startswith("I") or mode == "F":
        converting = decoded + pixels * (1 + 4)  # rescaled copy, then L, then RGB
    elif mode != "RGB":
        converting = pixels * 4  # the RGB copy
    else:
        converting = 0
    after = held + converting + pixels * _RESIZE_BYTES
    return DecodeCost(
        width=width,
        height=height,
        mode=mode,
        bytes_per_pixel=per_pixel,
        decoded_bytes=decoded,
        peak_bytes=max(while_loading, after),
    )


class TooCostlyToDecode(Exception):
    """Processing the image would need more memory than the budget; ``reason`` in English."""

    def __init__(self, reason: str, *, cost: DecodeCost, budget: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cost = cost
        self.budget = budget


def is_transparent(image: Image.Image) -> bool:
    """Whether the pipeline takes the alpha path (JPEG has no alpha: a white background)."""
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def check(image: Image.Image, budget: int, *, native_buffer: bool, turned: bool) -> DecodeCost:
    """Refuse (``TooCostlyToDecode``) an opened, not yet decoded image whose processing would
    need more than ``budget`` bytes; its cost otherwise."""
    width, height = image.size
    cost = estimate(
        width,
        height,
        image.mode,
        native_buffer=native_buffer,
        turned=turned,
        transparent=is_transparent(image),
    )
    if cost.peak_bytes > budget:
        raise TooCostlyToDecode(
            f"processing {width} × {height} pixels of mode {image.mode} needs about "
            f"{cost.peak_bytes // 2**20} MiB, more than the budget of {budget // 2**20} MiB",
            cost=cost,
            budget=budget,
        )
    return cost


class DecoderBusy(Exception):
    """No decode slot became free within the wait: the caller answers 503 with Retry-After."""

    def __init__(self, *, slots: int, waited_seconds: float) -> None:
        super().__init__(f"all {slots} image decode slots busy for {waited_seconds} s")
        self.slots = slots
        self.waited_seconds = waited_seconds

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.waited_seconds))


class DecodeSlots:
    """A per-process bound on concurrent decodes (a semaphore)."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("at least one decode slot")
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)

    @contextlib.contextmanager
    def hold(self, *, wait_seconds: float) -> Iterator[None]:
        """Hold a slot for the ``with`` block; ``DecoderBusy`` when none is free in time."""
        if not self._semaphore.acquire(timeout=wait_seconds):
            raise DecoderBusy(slots=self.slots, waited_seconds=wait_seconds)
        try:
            yield
        finally:
            self._semaphore.release()


_registry_lock = threading.Lock()
_registry: dict[int, DecodeSlots] = {}


def slots_for(slots: int) -> DecodeSlots:
    """The process's ``DecodeSlots`` of this size (one semaphore, whichever request asks).

    Made on first use, so a gunicorn worker makes its own after the fork.
    """
    with _registry_lock:
        found = _registry.get(slots)
        if found is None:
            found = _registry[slots] = DecodeSlots(slots)
        return found
