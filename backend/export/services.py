"""Export an engagement's certification file (认证档案) as a signed BagIt bag, streaming.

``write_certification_file`` runs the parts (``parts.PARTS``) one after the other and writes each
file into a ``backend.bag.BagWriter``: records as JSON, evidence originals copied chunk by chunk
from the store (never a whole file in memory), then the manifests and the Ed25519 signature of
the tag manifest (``fieldcert verify FILE.zip`` checks them). ``export_engagement`` is the staff
download: who may take the file out (``authorise``), and an audit entry saying who did. Services
flush; the request or command commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.auth.actor import Actor
from backend.bag import BagWriter
from backend.engagements import access
from backend.engagements.access import Standing
from backend.engagements.models import Engagement
from backend.errors import ConflictOfInterest, ExportIncomplete, Forbidden, NotFound
from backend.evaluations.models import Evaluation
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.evidence.storage import Storage
from backend.export.parts import PARTS, Context, EvidenceMissing, Part
from backend.export.records import dumps
from backend.nonconformities.models import Nonconformity, NonconformityEvidence
from backend.planning.models import Application, ApplicationDocument
from backend.unit_of_work import flush_as_stored
from backend.users.models import Organisation

#: Who may take an engagement's whole file out of the system: the body's administrators (they
#: keep the records), the engagement's team leader and an independent reviewer (they read it
#: all anyway). Auditors of the team read their evaluations, not the whole file.
EXPORTERS = frozenset({Standing.ADMIN, Standing.LEADER, Standing.INDEPENDENT})


@dataclass(frozen=True)
class Progress:
    """How far an export is: payload files and bytes written, of about ``expected_bytes``."""

    files: int
    bytes: int
    expected_bytes: int
    path: str


@dataclass
class ExportSummary:
    name: str
    files: int = 0
    bytes: int = 0
    evidence: int = 0
    parts: list[dict[str, Any]] = field(default_factory=list)


def bag_name(engagement: Engagement) -> str:
    return f"fieldcert-engagement-{engagement.id}"


def expected_bytes(session: Session, engagement: Engagement) -> int:
    """The evidence originals' total size: most of the file's bytes, for the progress bar."""
    cited = (
        sa.select(EvaluationEvidence.evidence_id)
        .join(Evaluation, Evaluation.id == EvaluationEvidence.evaluation_id)
        .where(Evaluation.engagement_id == engagement.id)
        .union(
            sa.select(ApplicationDocument.evidence_id)
            .join(Application, Application.id == ApplicationDocument.application_id)
            .where(Application.engagement_id == engagement.id),
            sa.select(NonconformityEvidence.evidence_id)
            .join(Nonconformity, Nonconformity.id == NonconformityEvidence.nonconformity_id)
            .where(Nonconformity.engagement_id == engagement.id),
        )
        .subquery()
    )
    total = session.scalar(
        sa.select(sa.func.sum(Evidence.size_bytes)).where(Evidence.id.in_(sa.select(cited)))
    )
    return int(total or 0)


def write_certification_file(
    session: Session,
    engagement: Engagement,
    storage: Storage,
    key: Ed25519PrivateKey,
    target: IO[bytes],
    *,
    exported_by: str,
    progress: Callable[[Progress], None] | None = None,
    parts: Sequence[Part] = PARTS,
    now: datetime | None = None,
    public_url: str | None = None,
) -> ExportSummary:
    """Write the engagement's whole file into ``target`` (a ZIP holding one BagIt bag).

    Raises ``EvidenceMissing`` when the store lost an original the records cite: a file with a
    hole in it is not written (the ZIP in ``target`` is then incomplete; the caller drops it).
    ``public_url``: the address of the public pages, for the certificate PDF's QR code (no PDF
    without it; the seal is in the file either way).
    """
    now = now or datetime.now(UTC)
    organisation = session.get_one(Organisation, engagement.organisation_id)
    summary = ExportSummary(name=bag_name(engagement))
    expected = expected_bytes(session, engagement)
    current = {"path": ""}

    def counted(size: int) -> None:
        summary.bytes += size
        if progress is not None:
            progress(Progress(summary.files, summary.bytes, expected, current["path"]))

    bag = BagWriter(target, summary.name, key, progress=counted)
    context = Context(
        session=session, engagement=engagement, storage=storage, public_url=public_url
    )
    try:
        for part in parts:
            written: list[str] = []
            for file in part.files(context):
                current["path"] = file.path
                bag.add_stream(file.path, file.chunks)
                summary.files += 1
                written.append(f"data/{file.path}")
                if part.key == "evidence" and file.path.startswith("evidence/"):
                    summary.evidence += 1
            summary.parts.append(
                {
                    "key": part.key,
                    "title": {"zh": part.title_zh, "en": part.title_en},
                    "files": written,
                }
            )
    except BaseException:
        bag.abort()
        raise
    bag.add_bytes(
        "index.json",
        dumps(
            {
                "format": "fieldcert certification file 1",
                "engagement_id": str(engagement.id),
                "title": engagement.title,
                "certification_body": organisation.name,
                "exported_at": now.isoformat(),
                "exported_by": exported_by,
                "parts": summary.parts,
                "check": {
                    "zh": "用 fieldcert verify 检查本档案的完整性与机构签名；用 fieldcert "
                    "score --scheme data/scores/scheme.yaml --input data/scores/input.json "
                    "重新计算得分。",
                    "en": "fieldcert verify checks every file and the body's signature; fieldcert "
                    "score --scheme data/scores/scheme.yaml --input data/scores/input.json "
                    "recomputes the scores.",
                },
            }
        ),
    )
    summary.files += 1
    bag.close(
        {
            "Source-Organization": organisation.name,
            "External-Identifier": str(engagement.id),
            "External-Description": f"认证档案 / certification file: {engagement.title}",
            "Bag-Software-Agent": "fieldcert",
            "Fieldcert-Exported-By": exported_by,
        },
        now.date(),
    )
    return summary


# --------------------------------------------------------------------------- staff download


def authorise(session: Session, actor: Actor, engagement_id: uuid.UUID) -> Engagement:
    """The engagement if the actor may take its whole file (``EXPORTERS``)."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    standing = access.standing(session, actor, engagement)
    if standing in EXPORTERS:
        return engagement
    if standing is Standing.CONFLICTED:
        raise ConflictOfInterest(details={"engagement_id": str(engagement.id)})
    if standing in (Standing.OTHER_CLIENT, Standing.CLIENT, Standing.NONE):
        raise NotFound()
    raise Forbidden(
        details={"reason": "only administrators, the team leader or an independent reviewer"}
    )


def export_engagement(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    storage: Storage,
    key: Ed25519PrivateKey,
    target: IO[bytes],
    *,
    public_url: str | None = None,
    ip: str | None = None,
) -> ExportSummary:
    """A staff member exports the file into ``target``; the audit log says who took it."""
    engagement = authorise(session, actor, engagement_id)
    try:
        summary = write_certification_file(
            session,
            engagement,
            storage,
            key,
            target,
            exported_by=f"{actor.user.display_name} <{actor.user.email}>",
            public_url=public_url,
        )
    except EvidenceMissing as exc:
        raise ExportIncomplete(evidence_id=str(exc.evidence_id)) from exc
    audit.record(
        session,
        actor=actor,
        action="engagement.exported",
        object_type="engagement",
        object_id=engagement.id,
        ip=ip,
        details={"files": summary.files, "bytes": summary.bytes, "evidence": summary.evidence},
    )
    flush_as_stored(session)
    return summary
