"""Serves the built PWA (``pwa/dist``) at ``/``, next to the API under ``/api``.

Caching follows what each file is: hashed files under ``/assets/`` never change, so browsers
keep them for a year; everything else (the page, the service worker, the manifest, icons) is
revalidated on each use so that a deploy reaches phones as soon as they are online.

Every file carries ``APP_CSP`` (the service worker's own scope takes its policy from its script's
answer): the built app has no inline script or style (``pwa/dist/index.html`` loads one module
and one stylesheet; the code builds elements, never markup with ``style=``), so nothing inline
is allowed, and ``frame-ancestors 'none'`` (with ``X-Frame-Options: DENY`` for old browsers, set
for every answer in ``backend.app``) keeps another site from framing the app to trick taps on
it (clickjacking).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from werkzeug.routing import PathConverter

from backend.errors import PwaNotBuilt

blp = Blueprint("pwa", __name__)

_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"

#: The app shell's Content-Security-Policy, directive by directive (what the built PWA needs).
APP_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",  # the hashed module bundle; no inline script, no eval
        "style-src 'self'",  # the hashed stylesheet; no inline style
        # Photos shown from IndexedDB and evidence fetched with a device token are blob: URLs;
        # a paired device's QR code comes as a data: URI.
        "img-src 'self' blob: data:",
        "connect-src 'self'",  # the API, same origin
        "worker-src 'self'",  # the service worker (sw.js)
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


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
    response.headers["Content-Security-Policy"] = APP_CSP
    return response
