"""The benchmark's floor endpoint: receive a file and store its bytes, nothing else.

Mounted only when ``FIELDCERT_BENCH_FLOOR=1`` (bench/api_bench.py sets it for its own server), so
production servers never have it. It writes the body the way evidence storage does (temporary
file, fsync, rename) without hashing, decoding or any database row: the difference between its
rate and the evidence upload's is what the evidence pipeline costs.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request

blp = Blueprint("bench_floor", __name__)

_CHUNK = 64 * 1024


@blp.put("/api/_bench/floor")
def store_bytes() -> Response:
    directory = Path(current_app.config["FIELDCERT_STORAGE_DIR"]) / "bench-floor"
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "wb") as out:
        while chunk := request.stream.read(_CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, directory / uuid.uuid4().hex)
    return Response(status=201)


def enabled(config: Mapping[str, Any]) -> bool:
    """``FIELDCERT_BENCH_FLOOR=1`` in the environment (read by ``backend.config``)."""
    return config.get("FIELDCERT_BENCH_FLOOR") is True
