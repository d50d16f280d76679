"""A phone's outbox, replayed over real HTTP as the PWA does (pwa/src/data/replay.ts).

The same requests, in the same order, with the same headers: each photo ``PUT
/api/evidence/<id>`` (raw bytes, ``X-Content-SHA256``, ``X-Captured-At``, ``X-Device-Time``),
then its visit ``PUT /api/evaluations/<id>`` (JSON, ``X-Device-Time``); ids made on the phone,
the device token as ``Authorization: Bearer``. An entry leaves the outbox only when the answer
confirms it (a photo: the server's SHA-256 equals ours; a visit: 201 or 200); a failure that
time cures (no connection, 5xx) keeps it, to be sent again, here to another server.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Entry:
    """One outbox entry: a photo upload or a visit's create."""

    kind: str  # "evidence" | "create"
    record_id: uuid.UUID
    body: bytes
    headers: dict[str, str]
    #: Answers received for it, in order: (server, status) or (server, "connection lost").
    attempts: list[tuple[str, int | str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        noun = "evidence" if self.kind == "evidence" else "evaluations"
        return f"/api/{noun}/{self.record_id}"


@dataclass
class Server:
    name: str
    port: int


class Phone:
    """The outbox of one paired phone (its device token) and the visits queued in it."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.outbox: list[Entry] = []
        #: What the phone holds: photo id → SHA-256, and visit id → its create body.
        self.photos: dict[uuid.UUID, str] = {}
        self.visits: dict[uuid.UUID, dict[str, Any]] = {}

    def record_visit(self, body: dict[str, Any], photos: list[tuple[bytes, str]]) -> uuid.UUID:
        """Queue a visit with its photos ((JPEG bytes, captured at)), as outbox.ts does: the
        photos first (with the visit's first GPS fix, as photos.ts records it), then the create
        that cites them."""
        fix = body["gps_fixes"][0]
        visit_id = uuid.uuid4()
        cited = []
        for data, captured_at in photos:
            photo_id = uuid.uuid4()
            digest = hashlib.sha256(data).hexdigest()
            self.photos[photo_id] = digest
            self.outbox.append(
                Entry(
                    "evidence",
                    photo_id,
                    data,
                    {
                        "Content-Type": "application/octet-stream",
                        "X-Content-SHA256": digest,
                        "X-Captured-At": captured_at,
                        "X-Capture-Latitude": str(fix["latitude"]),
                        "X-Capture-Longitude": str(fix["longitude"]),
                        "X-Capture-Accuracy": str(fix["accuracy_m"]),
                        "X-Original-Filename": f"IMG_{len(self.photos):04d}.jpg",
                    },
                )
            )
            cited.append({"evidence_id": str(photo_id), "item": "1.1"})
        body = {**body, "evidence": cited, "submit": True}
        self.visits[visit_id] = body
        self.outbox.append(
            Entry(
                "create",
                visit_id,
                json.dumps(body, ensure_ascii=False).encode("utf-8"),
                {"Content-Type": "application/json"},
            )
        )
        return visit_id

    def headers(self, entry: Entry) -> dict[str, str]:
        return {
            "Accept": "application/json",
            "Accept-Language": "zh-CN",
            "Authorization": f"Bearer {self.token}",
            # The phone's clock when it sends (docs/sync.md, "The device's clock").
            "X-Device-Time": datetime.now(UTC).isoformat(),
            "Content-Length": str(len(entry.body)),
            **entry.headers,
        }

    def send(self, entry: Entry, server: Server) -> tuple[int, dict[str, Any]]:
        """Send one entry whole; (status, answer). Raises OSError/HTTPException when the
        connection is lost (the entry stays in the outbox)."""
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request("PUT", entry.path, body=entry.body, headers=self.headers(entry))
            response = connection.getresponse()
            answer = json.loads(response.read() or b"{}")
        finally:
            connection.close()
        entry.attempts.append((server.name, response.status))
        return response.status, answer

    def confirmed(self, entry: Entry, status: int, answer: dict[str, Any]) -> bool:
        """Whether the answer lets the entry leave the outbox (replay.ts's rule)."""
        if entry.kind == "evidence":
            return status in (200, 201) and answer.get("sha256") == self.photos[entry.record_id]
        return status in (200, 201) and answer.get("id") == str(entry.record_id)
