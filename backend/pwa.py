"""Serves the built PWA (``pwa/dist``) at ``/``, next to the API under ``/api``.

Caching follows what each file is: hashed files under ``/assets/`` never change, so browsers
keep them for a year; everything else (the page, the service worker, the manifest, icons) is
revalidated on each use so that a deploy reaches phones as soon as they are online.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from werkzeug.routing import PathConverter

from backend.errors import PwaNotBuilt

blp = Blueprint("pwa", __name__)

_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


class PwaPathConverter(PathConverter):
    """A path outside ``/api``: unknown API addresses answer the JSON 404, not a file lookup."""

    regex = r"(?!api(?:/|$))[^/].*?"


def _dist() -> Path:
    dist: Path = current_app.config["PWA_DIST"]
    return dist


@blp.get("/")
def index() -> Response:
    dist = _dist()
    if not (dist / "index.html").is_file():
        raise PwaNotBuilt(details={"pwa_dist": str(dist)})
    return _send(dist, "index.html")


@blp.get("/<pwa_path:filename>")
def asset(filename: str) -> Response:
    # send_from_directory refuses paths that leave the folder and answers 404 for missing files.
    return _send(_dist(), filename)


def _send(dist: Path, filename: str) -> Response:
    mimetype = "application/manifest+json" if filename.endswith(".webmanifest") else None
    response = send_from_directory(dist, filename, mimetype=mimetype, max_age=None)
    if filename.startswith("assets/"):
        # Vite puts a content hash in every file name under assets/.
        response.headers["Cache-Control"] = _IMMUTABLE
    else:
        response.headers["Cache-Control"] = _REVALIDATE
    if filename == "sw.js":
        # The worker may control the whole origin, not only the folder it is served from.
        response.headers["Service-Worker-Allowed"] = "/"
    return response
