"""The public verification page ``/c/<token>`` and the body's public key ``/c/public-key.pem``.

The QR code on a certificate opens this page on any phone, WeChat's in-app browser included: no
sign-in, no script, no service worker, no font and no other resource (CSS inline, the radar chart
inline SVG), gzip-compressed under 30 KB (measured in tests/certificates). It shows the eight
fields, the grade, the status today (active, suspended, withdrawn, expired), the characteristic
scores and the fingerprint of the signed seal. The token is random: certificate numbers follow a
pattern and would let anyone walk through a body's certificates. Every opening is counted.

The public key is at a stable address so that anyone can check a seal offline
(``fieldcert certificate verify --public-key``).
"""

from __future__ import annotations

import gzip
import secrets
from datetime import date

import flask
from flask import Blueprint, render_template, request
from markupsafe import Markup

from backend.certificates import services
from backend.certificates.keys import public_key_pem
from backend.certificates.seal import decode
from backend.certificates.signing import base_url, body_signing_key
from backend.extensions import db
from backend.lifecycle import dates
from backend.reports.charts import Datum, radar_svg

blp = Blueprint("certificates_public", __name__, template_folder="templates")
KEY_PATH = "/c/public-key.pem"


def _zh(day: str | date | None) -> str | None:
    if day is None:
        return None
    return dates.zh(date.fromisoformat(day) if isinstance(day, str) else day)


@blp.get(KEY_PATH)
def public_key() -> flask.Response:
    """The body's Ed25519 public key (PEM): what seals are checked against."""
    pem = public_key_pem(body_signing_key().public_key())
    response = flask.Response(pem, mimetype="application/x-pem-file")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blp.get("/c/<token>")
def certificate_page(token: str) -> flask.Response:
    view = services.public_certificate(db.session(), token)
    nonce = secrets.token_urlsafe(12)
    if view is None:
        html = render_template("certificates/missing.html", nonce=nonce)
        return _html(html, nonce, status=404)
    c = view.certificate
    fields = c.fields
    scores = fields.get("scores") or {}
    rows = [
        {"title": view.titles.get(code, code), "value": f"{float(value):.2f}"}
        for code, value in scores.items()
    ]
    radar = radar_svg(
        [Datum(view.titles.get(code, code), float(value)) for code, value in scores.items()],
        title="各服务特性得分",
        font_size=11.0,
    )
    since = None
    if view.status == "suspended" and c.suspended_on:
        since = f"自{_zh(c.suspended_on)}起暂停。"
    elif view.status == "withdrawn" and c.withdrawn_on:
        since = f"自{_zh(c.withdrawn_on)}起撤销。"
    elif view.status == "expired":
        since = f"有效期已于{_zh(c.valid_until)}届满。"
    html = render_template(
        "certificates/public.html",
        nonce=nonce,
        f=fields,
        status=view.status,
        status_zh=view.status_zh,
        status_since=since,
        issued_on=_zh(c.issued_on),
        valid_until=_zh(c.valid_until),
        changed_on=_zh(c.changed_on),
        scores=rows,
        radar=Markup(radar),  # noqa: S704 - drawn by our chart code, labels escaped
        fingerprint=decode(c.payload).fingerprint,
        key_url=base_url() + KEY_PATH,
    )
    return _html(html, nonce, status=200)


def _html(html: str, nonce: str, *, status: int) -> flask.Response:
    body = html.encode("utf-8")
    response = flask.Response(status=status, mimetype="text/html")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        response.headers["Content-Encoding"] = "gzip"
    response.set_data(body)
    response.vary.add("Accept-Encoding")
    # The status changes (suspension, withdrawal): a scan always asks the server.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
