"""The pure evidence pipeline: type by content, checks, renditions, EXIF, perceptual hash."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from backend.evidence import images
from backend.evidence.images import MediaType
from tests.evidence import pictures

# --- type detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pictures.jpeg(), MediaType.JPEG),
        (pictures.png(), MediaType.PNG),
        (pictures.webp(), MediaType.WEBP),
        (pictures.heic(), MediaType.HEIC),
        (pictures.pdf(), MediaType.PDF),
    ],
    ids=["jpeg", "png", "webp", "heic", "pdf"],
)
def test_type_is_detected_from_the_content(data: bytes, expected: MediaType) -> None:
    assert images.detect_media_type(data[: images.SNIFF_BYTES]) is expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some text, named photo.jpg\n",
        pictures.encode(pictures.scene(), "GIF"),
        pictures.encode(pictures.scene(), "BMP"),
        pictures.encode(pictures.scene(), "TIFF"),
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",  # an MP4 video, not a photo
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",  # AVIF: not accepted
    ],
    ids=["empty", "text", "gif", "bmp", "tiff", "mp4", "avif"],
)
def test_other_content_has_no_accepted_type(data: bytes) -> None:
    assert images.detect_media_type(data[: images.SNIFF_BYTES]) is None


def test_generic_heif_brand_counts_only_with_a_hevc_brand() -> None:
    heic_compatible = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00heicmif1"
    avif_compatible = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00avifmif1"
    assert images.detect_media_type(heic_compatible) is MediaType.HEIC
    assert images.detect_media_type(avif_compatible) is None


# --- checks -----------------------------------------------------------------------------------


def test_truncated_jpeg_is_corrupt() -> None:
    data = pictures.jpeg(pictures.scene(1200, 900))
    with pytest.raises(images.CorruptFile, match="decoded"):
        images.process_image(io.BytesIO(data[: len(data) // 2]), MediaType.JPEG)


def test_truncated_png_is_corrupt() -> None:
    data = pictures.png(pictures.scene(600, 400))
    with pytest.raises(images.CorruptFile):
        images.process_image(io.BytesIO(data[: len(data) - 200]), MediaType.PNG)


def test_content_not_matching_its_detected_type_is_corrupt() -> None:
    # The JPEG magic number followed by garbage: Pillow must not guess another format.
    with pytest.raises(images.CorruptFile):
        images.process_image(io.BytesIO(b"\xff\xd8\xff" + b"garbage" * 100), MediaType.JPEG)


def test_header_declaring_ten_billion_pixels_is_refused_before_decoding() -> None:
    with pytest.raises(images.TooManyPixels):
        images.process_image(io.BytesIO(pictures.png_declaring(100_000, 100_000)), MediaType.PNG)


def test_header_over_pillows_warning_threshold_is_refused() -> None:
    # 100 MP: Pillow only warns (about 89 MP and over); our own limit (60 MP) refuses it.
    with pytest.raises(images.TooManyPixels):
        images.process_image(io.BytesIO(pictures.png_declaring(10_000, 10_000)), MediaType.PNG)


def test_explicit_pixel_limit_refuses_a_real_low_entropy_image() -> None:
    data = pictures.low_entropy_png(3000, 2000)
    assert len(data) < 50_000  # few bytes, six million pixels
    with pytest.raises(images.TooManyPixels) as caught:
        images.process_image(io.BytesIO(data), MediaType.PNG, max_pixels=5_000_000)
    assert (caught.value.width, caught.value.height, caught.value.limit) == (3000, 2000, 5_000_000)


def test_image_at_the_pixel_limit_is_accepted() -> None:
    data = pictures.low_entropy_png(100, 50)
    processed = images.process_image(io.BytesIO(data), MediaType.PNG, max_pixels=5000)
    assert (processed.width, processed.height) == (100, 50)


def test_pdf_with_its_trailer_is_a_document() -> None:
    data = pictures.pdf()
    assert images.check_pdf(io.BytesIO(data), len(data)) == {"format": "PDF", "pdf_version": "1.4"}


def test_pdf_cut_off_before_its_end_is_corrupt() -> None:
    data = pictures.pdf(complete=False)
    with pytest.raises(images.CorruptFile, match="EOF"):
        images.check_pdf(io.BytesIO(data), len(data))


# --- renditions -------------------------------------------------------------------------------


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_exif_orientation_6_gives_an_upright_display_image() -> None:
    # Stored 200 × 100, left red / right blue; orientation 6 means "rotate 90° clockwise to
    # view", so the upright picture is 100 × 200 with red on top and blue below.
    data = pictures.jpeg(pictures.halves(), exif=pictures.exif_with(orientation=6))

    processed = images.process_image(io.BytesIO(data), MediaType.JPEG)

    assert (processed.width, processed.height) == (100, 200)
    display = _open(processed.display_jpeg)
    assert display.size == (100, 200)
    top, bottom = display.getpixel((50, 20)), display.getpixel((50, 180))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60  # red
    assert bottom[2] > 200 and bottom[0] < 60  # blue
    assert processed.metadata["stored_width"] == 200


def test_renditions_are_bounded_jpegs_without_exif() -> None:
    exif = pictures.exif_with(gps=((30, 15, 30), "N", (120, 9, 0), "E"))
    data = pictures.jpeg(pictures.scene(4000, 3000), exif=exif)

    processed = images.process_image(io.BytesIO(data), MediaType.JPEG)

    display, thumbnail = _open(processed.display_jpeg), _open(processed.thumbnail_jpeg)
    assert display.format == thumbnail.format == "JPEG"
    assert images.DISPLAY_MAX_SIDE == 2048
    assert display.size == (2048, 1536)
    assert thumbnail.size == (320, 240)
    # No GPS (or any EXIF) leaks into what client users may see.
    assert not display.getexif() and not thumbnail.getexif()
    assert (processed.width, processed.height) == (4000, 3000)


def test_upright_jpeg_within_display_size_is_shown_as_itself_without_metadata() -> None:
    # What the field app uploads: a JPEG already at most 2048 px. Its display image is the same
    # picture data with EXIF (GPS), comments and trailing bytes removed: no re-encoding.
    exif = pictures.exif_with(gps=((30, 15, 30), "N", (120, 9, 0), "E"))
    picture = pictures.scene(1600, 1200, seed=9)
    data = pictures.encode(picture, "JPEG", quality=85, exif=exif, comment=b"serial 123")
    data += b"trailing maker data"

    processed = images.process_image(io.BytesIO(data), MediaType.JPEG)

    display = _open(processed.display_jpeg)
    assert processed.metadata["display"] == {
        "width": 1600,
        "height": 1200,
        "derived": "metadata_removed",
    }
    assert not display.getexif()
    assert "comment" not in display.info
    assert not processed.display_jpeg.endswith(b"trailing maker data")
    assert len(processed.display_jpeg) < len(data)
    assert display.tobytes() == _open(data).tobytes()  # the very same pixels
    assert _open(processed.thumbnail_jpeg).size == (320, 240)
    assert processed.exif.latitude is not None  # the EXIF was still read as metadata


def test_stripping_keeps_the_colour_profile() -> None:
    profile = b"fieldcert test profile" * 10
    data = pictures.encode(pictures.scene(400, 300), "JPEG", icc_profile=profile)
    stripped = images.strip_jpeg_metadata(data)
    assert stripped is not None
    assert _open(stripped).info.get("icc_profile") == profile


def test_stripping_a_progressive_jpeg_keeps_every_scan() -> None:
    picture = pictures.scene(640, 480, seed=4)
    data = pictures.encode(picture, "JPEG", progressive=True, exif=pictures.exif_with())
    stripped = images.strip_jpeg_metadata(data)
    assert stripped is not None
    assert _open(stripped).tobytes() == _open(data).tobytes()


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xd8", b"\xff\xd8\xff\xe1\xff\xff", b"\x89PNG\r\n", b"\xff\xd8\xff\xda\x00\x02"],
    ids=["empty", "only-soi", "bad-length", "not-jpeg", "scan-without-end"],
)
def test_unparseable_jpeg_structure_gives_no_stripped_copy(data: bytes) -> None:
    assert images.strip_jpeg_metadata(data) is None


def test_turned_jpeg_is_re_encoded_upright_rather_than_stripped() -> None:
    sideways = pictures.scene(400, 200).transpose(Image.Transpose.ROTATE_90)
    data = pictures.jpeg(sideways, exif=pictures.exif_with(orientation=6))
    processed = images.process_image(io.BytesIO(data), MediaType.JPEG)
    assert processed.metadata["display"]["derived"] == "resized"
    assert _open(processed.display_jpeg).size == (400, 200)


def test_small_image_is_not_enlarged() -> None:
    processed = images.process_image(
        io.BytesIO(pictures.png(pictures.scene(300, 200))), MediaType.PNG
    )
    assert _open(processed.display_jpeg).size == (300, 200)
    assert _open(processed.thumbnail_jpeg).size == (300, 200)


def test_transparent_png_gets_a_white_background() -> None:
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    processed = images.process_image(io.BytesIO(pictures.png(image)), MediaType.PNG)
    pixel = _open(processed.display_jpeg).getpixel((25, 25))
    assert isinstance(pixel, tuple) and min(pixel) > 245


@pytest.mark.parametrize("encoder", [pictures.webp, pictures.heic], ids=["webp", "heic"])
def test_webp_and_heic_are_processed(encoder: object) -> None:
    assert callable(encoder)
    data = encoder(pictures.scene(800, 600))
    media_type = images.detect_media_type(data[: images.SNIFF_BYTES])
    assert media_type is not None

    processed = images.process_image(io.BytesIO(data), media_type)

    assert (processed.width, processed.height) == (800, 600)
    assert _open(processed.display_jpeg).size == (800, 600)


@pytest.mark.parametrize(
    ("encoder", "media_type"),
    [
        (pictures.jpeg, MediaType.JPEG),
        (pictures.png, MediaType.PNG),
        (pictures.webp, MediaType.WEBP),
        (pictures.heic, MediaType.HEIC),
    ],
    ids=["jpeg", "png", "webp", "heic"],
)
def test_processing_leaves_the_original_bytes_untouched_and_the_file_open(
    encoder: Callable[[], bytes], media_type: MediaType
) -> None:
    data = encoder()
    file = io.BytesIO(data)
    images.process_image(file, media_type)
    assert not file.closed  # the caller stores it next
    assert file.getvalue() == data


# --- EXIF -------------------------------------------------------------------------------------


def test_exif_time_with_offset_and_gps_are_extracted() -> None:
    exif = pictures.exif_with(
        taken="2026:11:20 09:30:00",
        offset="+08:00",
        gps=((30, 15, 30), "N", (120, 9, 0), "E"),
    )
    processed = images.process_image(io.BytesIO(pictures.jpeg(exif=exif)), MediaType.JPEG)

    assert processed.exif.taken_at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    assert processed.exif.latitude == pytest.approx(30 + 15 / 60 + 30 / 3600)
    assert processed.exif.longitude == pytest.approx(120.15)
    summary = processed.metadata["exif"]
    assert summary["make"] == "FieldCam"
    assert summary["datetime_original"] == "2026:11:20 09:30:00"
    assert summary["offset_source"] == "exif"


def test_exif_time_without_offset_is_read_as_china_standard_time() -> None:
    exif = pictures.exif_with(taken="2026:11:20 09:30:00")
    processed = images.process_image(io.BytesIO(pictures.jpeg(exif=exif)), MediaType.JPEG)
    assert processed.exif.taken_at == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    assert processed.metadata["exif"]["offset_source"] == "assumed"


def test_southern_and_western_coordinates_are_negative() -> None:
    exif = pictures.exif_with(gps=((33, 52, 4.8), "S", (151, 12, 36), "W"))
    processed = images.process_image(io.BytesIO(pictures.jpeg(exif=exif)), MediaType.JPEG)
    assert processed.exif.latitude == pytest.approx(-33.868)
    assert processed.exif.longitude == pytest.approx(-151.21)


def test_photo_without_exif_has_no_exif_facts() -> None:
    processed = images.process_image(io.BytesIO(pictures.jpeg()), MediaType.JPEG)
    assert processed.exif.taken_at is None
    assert processed.exif.latitude is None and processed.exif.longitude is None


@pytest.mark.parametrize(
    ("dms", "ref", "expected"),
    [
        ((Fraction(30), Fraction(15), Fraction(30)), "N", 30.258333333),
        ((30.0, 15.0, 30.0), "S", -30.258333333),
        ((Fraction(120), Fraction(0), Fraction(0)), b"E", 120.0),
        ((120, 30, 0), "W", -120.5),
    ],
)
def test_dms_rationals_convert_to_signed_decimal_degrees(
    dms: tuple[object, object, object], ref: object, expected: float
) -> None:
    assert images.dms_to_decimal(dms, ref) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("dms", "ref"),
    [
        ((30, 15, 30), "X"),  # unknown reference
        ((30, 75, 0), "N"),  # 75 minutes
        ((30, 15), "N"),  # two parts
        ((float("nan"), 0, 0), "N"),
        ("garbage", "N"),
    ],
)
def test_impossible_dms_gives_no_coordinate(dms: object, ref: str) -> None:
    assert images.dms_to_decimal(dms, ref) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026:11:20 09:30:00", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
        ("    :  :     :  :  ", None),  # blank, as some cameras write
        ("2026:02:30 09:30:00", None),  # no 30 February
        ("2026-11-20T09:30:00", None),  # not the EXIF form
    ],
)
def test_exif_datetime_parsing(raw: str, expected: datetime | None) -> None:
    assert images.parse_exif_datetime(raw, UTC) == expected


def test_exif_offsets() -> None:
    assert images.parse_exif_offset("+08:00") == timezone(timedelta(hours=8))
    assert images.parse_exif_offset("-03:30") == timezone(-timedelta(hours=3, minutes=30))
    assert images.parse_exif_offset("+25:00") is None
    assert images.parse_exif_offset("08:00") is None
    assert images.parse_exif_offset(None) is None


# --- perceptual hash --------------------------------------------------------------------------


def _phash(data: bytes) -> str:
    media_type = images.detect_media_type(data[: images.SNIFF_BYTES])
    assert media_type is not None
    return images.process_image(io.BytesIO(data), media_type).phash


def test_perceptual_hash_is_stable_under_reencoding_and_resizing() -> None:
    original = pictures.scene(1600, 1200, seed=3)
    reference = _phash(pictures.jpeg(original, quality=95))

    copies = [
        pictures.jpeg(original, quality=40),
        pictures.jpeg(original.resize((800, 600)), quality=70),
        pictures.png(original.resize((400, 300))),
        pictures.webp(original.resize((1200, 900))),
    ]
    distances = [images.hamming_distance(reference, _phash(copy)) for copy in copies]

    assert max(distances) <= 6, distances


def test_perceptual_hash_of_a_rotated_copy_matches_via_exif_orientation() -> None:
    original = pictures.scene(800, 600, seed=5)
    upright = _phash(pictures.jpeg(original))
    # The same scene stored sideways with orientation 6 (as a phone held upright writes it).
    sideways = original.transpose(Image.Transpose.ROTATE_90)
    tagged = _phash(pictures.jpeg(sideways, exif=pictures.exif_with(orientation=6)))
    assert images.hamming_distance(upright, tagged) <= 6


def test_perceptual_hash_differs_for_different_pictures() -> None:
    hashes = [_phash(pictures.jpeg(pictures.scene(640, 480, seed=seed))) for seed in range(1, 6)]
    hashes.append(
        _phash(pictures.jpeg(Image.effect_mandelbrot((640, 480), (-2, -1.5, 1, 1.5), 80)))
    )
    distances = [
        images.hamming_distance(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]
    ]
    assert min(distances) > 12, distances


def test_dhash_is_64_bits_of_gradient_direction() -> None:
    # linear_gradient is black at the top; turned a quarter left it brightens left to right.
    rising = Image.linear_gradient("L").rotate(90).resize((90, 80))
    assert rising.getpixel((0, 40)) < rising.getpixel((89, 40))  # type: ignore[operator]
    assert images.dhash(rising) == 0
    # Mirrored: every pixel brighter than its right neighbour, all 64 bits set.
    assert images.dhash(rising.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) == 2**64 - 1


def test_hamming_distance_counts_differing_bits() -> None:
    assert images.hamming_distance("0000000000000000", "000000000000000f") == 4
    assert images.hamming_distance("ffffffffffffffff", 0) == 64
    assert images.hamming_distance(0b1010, 0b1010) == 0


# --- robustness: damaged files never escape as anything but a refusal -----------------------

_HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
_MAGIC = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    _HEIC_HEAD,
    b"%PDF-1.7",
]


def _refuses_or_accepts(data: bytes) -> None:
    media_type = images.detect_media_type(data[: images.SNIFF_BYTES])
    if media_type is None:
        return
    try:
        if media_type is MediaType.PDF:
            images.check_pdf(io.BytesIO(data), len(data))
        else:
            images.process_image(io.BytesIO(data), media_type)
    except images.EvidenceFileError:
        pass  # a refusal the API answers as 415/422: the only acceptable failure


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(magic=st.sampled_from(_MAGIC), tail=st.binary(max_size=2048))
def test_arbitrary_bytes_behind_a_magic_number_are_refused_cleanly(
    magic: bytes, tail: bytes
) -> None:
    _refuses_or_accepts(magic + tail)


_SEEDS = {
    "jpeg": pictures.jpeg(pictures.scene(64, 48), exif=pictures.exif_with(orientation=3)),
    "png": pictures.png(pictures.scene(64, 48)),
    "webp": pictures.webp(pictures.scene(64, 48)),
    "heic": pictures.heic(pictures.scene(64, 48)),
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(_SEEDS)),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    cut=st.integers(min_value=16),
)
def test_damaged_real_images_are_refused_cleanly(
    name: str, edits: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(_SEEDS[name])
    for position, value in edits:
        data[16 + position % (len(data) - 16)] = value  # keep the magic number
    _refuses_or_accepts(bytes(data[: max(16, cut % (len(data) + 1))]))


def test_damaged_exif_does_not_refuse_the_photo_and_is_noted() -> None:
    # IFD0 with one ASCII tag (Make) whose 1000 bytes would lie past the end of the data.
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x0f\x00\x02\x00\x00\x03\xe8"
    tiff += b"\x00\x00\x10\x00" + b"\x00\x00\x00\x00"
    data = pictures.encode(pictures.scene(320, 240), "JPEG", exif=b"Exif\x00\x00" + tiff)

    processed = images.process_image(io.BytesIO(data), MediaType.JPEG)

    assert (processed.width, processed.height) == (320, 240)
    assert "make" not in processed.metadata["exif"]
    assert any("Tag data" in note for note in processed.metadata["warnings"])
