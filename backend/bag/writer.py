"""Write a certification file (认证档案) as a BagIt bag (RFC 8493) inside a ZIP, streaming.

Layout in the ZIP (one top directory, as RFC 8493 §2 describes a bag on disk)::

    <name>/bagit.txt                      BagIt-Version 1.0, UTF-8 (§2.1.1)
    <name>/bag-info.txt                   who made it, when, for which engagement (§2.2.2)
    <name>/data/...                       the payload: records, evidence originals, scores, ...
    <name>/manifest-sha256.txt            one line per payload file (§2.1.3)
    <name>/tagmanifest-sha256.txt         the tag files' checksums (§2.2.1)
    <name>/tagmanifest-sha256.txt.sig     Ed25519 signature of the tag manifest, base64,
                                          with the key id (our addition: who vouches for it)

The tag manifest covers the payload manifest, so one signature vouches for every byte. Files are
written through ``ZipFile.open(..., "w")`` while being hashed, so memory stays flat whatever the
size of the evidence; the caller passes a progress callback to report bytes written.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import IO, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.certificates.seal import key_id

CHUNK: Final = 1024 * 1024
SIGNATURE_FILE: Final = "tagmanifest-sha256.txt.sig"


class BagError(ValueError):
    """A payload path that a bag cannot hold (absolute, outside data/, written twice)."""


def encode_path(path: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % in a manifest's file path are percent-encoded."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    return _ESCAPE.sub(lambda match: _UNESCAPED[match.group(0).upper()], text)


_UNESCAPED: Final = {"%25": "%", "%0D": "\r", "%0A": "\n"}
_ESCAPE: Final = re.compile("%25|%0[dDaA]")


class BagWriter:
    """Add payload files one by one, then ``close`` to write the manifests and the signature."""

    def __init__(
        self,
        target: IO[bytes],
        name: str,
        signing_key: Ed25519PrivateKey,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        if not name or "/" in name or name.startswith("."):
            raise BagError(f"bag name {name!r} is not a plain directory name")
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self._root = name
        self._key = signing_key
        self._progress = progress
        self._manifest: dict[str, str] = {}
        self._octets = 0
        self._closed = False

    def add_bytes(self, path: str, data: bytes) -> str:
        return self.add_stream(path, [data])

    def add_stream(self, path: str, chunks: Iterable[bytes]) -> str:
        """Write ``data/<path>`` from ``chunks``; return its SHA-256 (hex)."""
        member = self._payload_member(path)
        digest = hashlib.sha256()
        # Evidence originals are JPEG/PNG/PDF, already compressed: storing them saves CPU.
        compress = zipfile.ZIP_STORED if _compressed(path) else zipfile.ZIP_DEFLATED
        info = zipfile.ZipInfo(f"{self._root}/{member}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = compress
        with self._zip.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
                self._octets += len(chunk)
                if self._progress is not None:
                    self._progress(len(chunk))
        checksum = digest.hexdigest()
        self._manifest[member] = checksum
        return checksum

    def add_file(self, path: str, source: IO[bytes]) -> str:
        return self.add_stream(path, iter(lambda: source.read(CHUNK), b""))

    def close(self, info: Mapping[str, str], today: date) -> None:
        """Write bagit.txt, bag-info.txt, the manifests and the signature; close the ZIP."""
        if self._closed:
            return
        self._closed = True
        tags: dict[str, bytes] = {}
        tags["bagit.txt"] = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        fields = {
            **info,
            "Bagging-Date": today.isoformat(),
            "Payload-Oxum": f"{self._octets}.{len(self._manifest)}",
        }
        tags["bag-info.txt"] = "".join(
            f"{label}: {' '.join(str(value).split())}\n" for label, value in fields.items()
        ).encode("utf-8")
        tags["manifest-sha256.txt"] = "".join(
            f"{checksum}  {encode_path(member)}\n"
            for member, checksum in sorted(self._manifest.items())
        ).encode("utf-8")
        for name, content in tags.items():
            self._write_tag(name, content)
        tagmanifest = "".join(
            f"{hashlib.sha256(content).hexdigest()}  {name}\n"
            for name, content in sorted(tags.items())
        ).encode("utf-8")
        self._write_tag("tagmanifest-sha256.txt", tagmanifest)
        signature = base64.b64encode(self._key.sign(tagmanifest)).decode("ascii")
        signer = key_id(self._key.public_key())
        self._write_tag(SIGNATURE_FILE, f"ed25519 {signer} {signature}\n".encode("ascii"))
        self._zip.close()

    def abort(self) -> None:
        """Give up: close the ZIP without manifests or signature (the caller drops the target).

        Such a ZIP is no bag: ``verify_bag`` reports its tag manifest and signature missing.
        """
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, ValueError):
            self._zip.close()

    def _write_tag(self, name: str, content: bytes) -> None:
        info = zipfile.ZipInfo(f"{self._root}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, content)

    def _payload_member(self, path: str) -> str:
        parts = path.split("/")
        if not path or path.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise BagError(f"payload path {path!r} is not a plain relative path")
        member = f"data/{path}"
        if member in self._manifest:
            raise BagError(f"payload path {path!r} written twice")
        return member


def _compressed(path: str) -> bool:
    return path.lower().rsplit(".", 1)[-1] in {"jpg", "jpeg", "png", "webp", "heic", "pdf", "zip"}
