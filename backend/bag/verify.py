"""Check a certification file written by ``BagWriter``: every file, every manifest, the signature.

``verify_bag`` reads the ZIP member by member (flat memory) and reports each problem by name:
a payload file changed, missing or added; a tag file changed; a tag manifest that does not match
its signature, or a signature by a key the body does not hold. ``fieldcert verify FILE.zip`` prints
them and exits 1 when there is any (RFC 8493 §3: a bag is valid when complete and every checksum
matches; we add the signature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend.bag.writer import CHUNK, SIGNATURE_FILE, decode_path
from backend.certificates.seal import key_id

TAG_FILES: Final = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")


@dataclass(frozen=True)
class Problem:
    kind: str  # changed, missing, added, tag_changed, bad_signature, unknown_key, not_a_bag
    path: str
    message: str


@dataclass
class BagReport:
    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    bytes_checked: int = 0
    signer: str | None = None
    info: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bag(path: Path, public_keys: Sequence[Ed25519PublicKey]) -> BagReport:
    report = BagReport()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(Problem("not_a_bag", str(path), f"not a readable ZIP file: {exc}"))
        return report
    with archive:
        members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        roots = {name.split("/", 1)[0] for name in members}
        if len(roots) != 1:
            report.problems.append(
                Problem("not_a_bag", str(path), "a bag holds exactly one top directory")
            )
            return report
        root = roots.pop()

        def read(name: str) -> bytes | None:
            info = members.get(f"{root}/{name}")
            return archive.read(info) if info is not None else None

        tagmanifest = read("tagmanifest-sha256.txt")
        signature_text = read(SIGNATURE_FILE)
        if tagmanifest is None or signature_text is None:
            missing = "tagmanifest-sha256.txt" if tagmanifest is None else SIGNATURE_FILE
            report.problems.append(Problem("missing", missing, f"{missing} is missing"))
            return report
        _check_signature(tagmanifest, signature_text, public_keys, report)
        tag_sums = _parse_manifest(tagmanifest, "tagmanifest-sha256.txt", report)
        for name in TAG_FILES:
            content = read(name)
            if content is None:
                report.problems.append(Problem("missing", name, f"{name} is missing"))
            elif tag_sums.get(name) != hashlib.sha256(content).hexdigest():
                report.problems.append(
                    Problem("tag_changed", name, f"{name} differs from the signed tag manifest")
                )
        manifest = read("manifest-sha256.txt") or b""
        payload_sums = _parse_manifest(manifest, "manifest-sha256.txt", report)
        report.info = _parse_info(read("bag-info.txt") or b"")
        present = {name[len(root) + 1 :] for name in members if name.startswith(f"{root}/data/")}
        for member in sorted(set(payload_sums) | present):
            if member not in present:
                report.problems.append(Problem("missing", member, f"{member} is missing"))
                continue
            if member not in payload_sums:
                report.problems.append(
                    Problem("added", member, f"{member} is not in the manifest (added)")
                )
                continue
            digest = hashlib.sha256()
            with archive.open(members[f"{root}/{member}"]) as source:
                for chunk in iter(lambda: source.read(CHUNK), b""):
                    digest.update(chunk)
                    report.bytes_checked += len(chunk)
            report.files_checked += 1
            if digest.hexdigest() != payload_sums[member]:
                report.problems.append(
                    Problem("changed", member, f"{member} differs from its checksum (changed)")
                )
        known = {
            f"{root}/{name}" for name in (*TAG_FILES, "tagmanifest-sha256.txt", SIGNATURE_FILE)
        }
        for name in sorted(members):
            if name not in known and not name.startswith(f"{root}/data/"):
                relative = name[len(root) + 1 :]
                report.problems.append(
                    Problem("added", relative, f"{relative} is not part of the bag (added)")
                )
    return report


def _check_signature(
    tagmanifest: bytes,
    signature_text: bytes,
    public_keys: Sequence[Ed25519PublicKey],
    report: BagReport,
) -> None:
    try:
        scheme, signer, encoded = signature_text.decode("ascii").split()
        signature = base64.b64decode(encoded, validate=True)
    except (UnicodeDecodeError, ValueError, binascii.Error):
        report.problems.append(
            Problem("bad_signature", SIGNATURE_FILE, "the signature file cannot be read")
        )
        return
    report.signer = signer
    keys = {key_id(key): key for key in public_keys}
    if scheme != "ed25519" or signer not in keys:
        report.problems.append(
            Problem(
                "unknown_key",
                SIGNATURE_FILE,
                f"signed with key {signer}, which is not one of the body's keys",
            )
        )
        return
    try:
        keys[signer].verify(signature, tagmanifest)
    except InvalidSignature:
        report.problems.append(
            Problem(
                "bad_signature",
                "tagmanifest-sha256.txt",
                "the tag manifest does not match its signature",
            )
        )


def _parse_manifest(content: bytes, name: str, report: BagReport) -> dict[str, str]:
    sums: dict[str, str] = {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        report.problems.append(Problem("tag_changed", name, f"{name} is not UTF-8"))
        return sums
    for number, line in enumerate(text.splitlines(), start=1):
        checksum, _, encoded = line.partition(" ")
        encoded = encoded.lstrip(" ")
        if len(checksum) != 64 or not encoded:
            report.problems.append(
                Problem("tag_changed", name, f"{name} line {number} is not 'checksum  path'")
            )
            continue
        sums[decode_path(encoded)] = checksum.lower()
    return sums


def _parse_info(content: bytes) -> dict[str, str]:
    info: dict[str, str] = {}
    for line in content.decode("utf-8", errors="replace").splitlines():
        label, sep, value = line.partition(":")
        if sep:
            info[label.strip()] = value.strip()
    return info
