"""Image decoding bounded by memory and by concurrency (issue 9 B2).

A 461 KB 16-bit RGBA PNG of 7700 × 7700 pixels (under the 60 MP pixel limit) cost about 735 MB
to process. The cost is now estimated from the header and refused above the budget before a
pixel is decoded; a process runs at most ``FIELDCERT_IMAGE_DECODE_SLOTS`` decodes at once.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import textwrap
import threading
import zlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from backend.evidence import decoding, images
from backend.jobs.engine import jobs_of
from tests.evidence import pictures
from tests.evidence.conftest import put_evidence, stored_files
from tests.evidence.test_read_api import MakeFieldUser
from tests.evidence.test_upload_api import assert_error, evidence_rows

REPO = Path(__file__).resolve().parents[2]


def png_rgba16(width: int, height: int) -> bytes:
    """A valid 16-bit RGBA PNG (colour type 6, depth 16) of transparent black: tiny on disk."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 8)  # filter byte, then 8 bytes a pixel
    chunks = [compressor.compress(row) for _ in range(height)]
    data = b"".join(chunks) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + pictures._chunk(b"IHDR", header)
        + pictures._chunk(b"IDAT", data)
        + pictures._chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The finding's file: 7700 × 7700, 16-bit RGBA, under the pixel limit, about 450 KB."""
    path = tmp_path_factory.mktemp("bomb") / "rgba16.png"
    path.write_bytes(png_rgba16(7700, 7700))
    return path


def test_the_bomb_is_what_the_finding_describes(bomb: Path) -> None:
    data = bomb.read_bytes()
    assert len(data) < 600_000
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.size == (7700, 7700) and opened.mode == "RGBA"
    assert images.DEFAULT_MAX_PIXELS > 7700 * 7700


def test_the_estimate_counts_pillows_storage_and_the_pipelines_copies() -> None:
    cost = decoding.estimate(
        7700, 7700, "RGBA", native_buffer=False, turned=False, transparent=True
    )

    assert cost.bytes_per_pixel == 4
    assert cost.decoded_bytes == 7700 * 7700 * 4
    # Decoded image, RGBA copy, RGB background, alpha channel, resize steps: 15 bytes a pixel.
    assert cost.peak_bytes == 7700 * 7700 * 15
    assert cost.peak_bytes > decoding.DEFAULT_MAX_DECODE_BYTES


def test_the_bomb_is_refused_with_its_numbers_and_nothing_is_kept(
    client: FlaskClient,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    bomb: Path,
) -> None:
    response = put_evidence(client, make_field_user(), bomb.read_bytes())

    body = assert_error(response, 422, "IMAGE_TOO_LARGE")
    details = body["details"]
    assert (details["width"], details["height"], details["mode"]) == (7700, 7700, "RGBA")
    assert details["bytes_per_pixel"] == 4
    assert details["estimated_bytes"] > details["max_decode_bytes"]
    assert details["max_decode_bytes"] == decoding.DEFAULT_MAX_DECODE_BYTES
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


#: Processes one file in a fresh interpreter; prints the outcome and the peak RSS (KiB).
#: VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking process (pytest) across
#: exec, while VmHWM belongs to the new process's own memory.
_MEASURE = textwrap.dedent(
    """
    import io, json, re, sys
    from backend.evidence import decoding, images
    data = open(sys.argv[1], "rb").read()
    try:
        images.process_image(io.BytesIO(data), images.MediaType(sys.argv[2]))
        outcome = "processed"
    except (images.EvidenceFileError, decoding.TooCostlyToDecode) as error:
        outcome = type(error).__name__
    status = open("/proc/self/status").read()
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
    print(json.dumps({"outcome": outcome, "peak_kib": peak}))
    """
)


def measure(path: Path, media_type: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), media_type],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_refusing_the_bomb_costs_no_more_memory_than_starting_python(bomb: Path) -> None:
    result = measure(bomb, "image/png")

    assert result["outcome"] == "TooCostlyToDecode"
    # Python, Pillow and pillow-heif take about 40 MiB; decoding the bomb took about 750 MiB.
    assert int(str(result["peak_kib"])) < 150 * 1024, result


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_48_megapixel_phone_photo_still_passes(tmp_path: Path, orientation: int) -> None:
    photo = Image.new("RGB", (8000, 6000), (118, 92, 61))
    photo.paste((200, 180, 40), (1000, 1000, 3000, 2500))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    photo.save(path, "JPEG", quality=90, exif=exif)
    del photo

    with Image.open(path) as opened:
        opened.draft(None, (2730, 2048))
        cost = decoding.estimate(
            *opened.size,
            opened.mode,
            native_buffer=False,
            turned=orientation != 1,
            transparent=False,
        )
    result = measure(path, "image/jpeg")

    assert result["outcome"] == "processed"
    assert cost.peak_bytes < decoding.DEFAULT_MAX_DECODE_BYTES / 2
    assert int(str(result["peak_kib"])) * 1024 < 40 * 2**20 + cost.peak_bytes * 1.5, (
        result,
        cost,
    )


def test_a_smaller_budget_from_the_settings_applies(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "FIELDCERT_IMAGE_DECODE_MAX_BYTES", 1_000_000)
    photo = pictures.png(pictures.scene(800, 600))  # 800 × 600 RGB: about 2.9 MB processed

    body = assert_error(put_evidence(client, make_field_user(), photo), 422, "IMAGE_TOO_LARGE")

    assert body["details"]["max_decode_bytes"] == 1_000_000
    assert evidence_rows(db_session) == []


def test_an_upload_needs_no_decode_slot_and_its_job_waits_for_one(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 13: the upload answers once the original is safe, without decoding, so a busy
    decoder no longer refuses it (it answered 503 IMAGE_DECODER_BUSY before); the derive job
    meets the busy slot instead, fails for now, and is run again later."""
    monkeypatch.setitem(app.config, "FIELDCERT_IMAGE_DECODE_SLOTS", 1)
    monkeypatch.setitem(app.config, "FIELDCERT_IMAGE_DECODE_WAIT_SECONDS", 0.2)
    shopper = make_field_user()
    photo = pictures.png(pictures.scene(640, 480, seed=4))
    busy = threading.Event()
    done = threading.Event()

    def decode_elsewhere() -> None:
        # Another job of this process, holding the only slot while it decodes.
        with decoding.slots_for(1).hold(wait_seconds=5):
            busy.set()
            done.wait(10)

    other = threading.Thread(target=decode_elsewhere)
    other.start()
    try:
        assert busy.wait(5)
        response = put_evidence(client, shopper, photo)
    finally:
        done.set()
        other.join(10)

    assert response.status_code == 201, response.get_json()
    evidence_id = response.get_json()["id"]
    (row,) = evidence_rows(db_session)
    assert row.derived_at is None and row.display_key is None  # the job met the busy slot
    # The retry (here: the sweeper's, run by hand) makes them once the slot is free.
    with app.app_context():
        jobs_of(app).enqueue("evidence.derive", evidence_id)
    (row,) = evidence_rows(db_session)
    assert row.derived_at is not None and row.display_key is not None and row.phash
