"""The parts of a certification file (认证档案): each writes its files into the bag's data/.

An engagement's file is everything the certification rests on (GB/T 27065 §7.12 records; CQC
rule §6: the review and the decision look at all of it): the engagement with its team, sites and
assignments; every evaluation with *all* its versions and status events; the customer survey
answers counted for it; the application, plan and document reviews; the nonconformities with
their evidence (§5.2.3.1, §7.4); the on-site record, review checklist and decision; the
certificate and its changes, and its surveillance records (§7, §8); the scores with their input
in the ``fieldcert score`` format (and the scheme file, so anyone can score it again); the
evidence originals byte for byte; and the audit-log entries of all these records.

``PARTS`` is the list, in order. A feature that adds records to the file adds one ``Part``: a
function from the ``Context`` to the files it writes. Parts that cite evidence or audited
objects add their ids to the context (``evidence``, ``audited``), and the evidence and audit-log
parts, which come last, write what was collected. Each file is produced lazily, one at a time,
so memory stays flat however large the engagement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.certificates.models import Certificate, CertificateChange
from backend.clients.models import CertificationUnit, Client, Site
from backend.decisions.file import on_site_data
from backend.decisions.models import Decision, OnSiteRecord, Review
from backend.engagements.models import Assignment, Engagement, EngagementMember, EngagementSite
from backend.evaluations.content import load_scheme_version
from backend.evaluations.models import Evaluation, EvaluationEvent, EvaluationVersion
from backend.evaluations.ratings import scoring_ratings
from backend.evaluations.scores import other_measurements
from backend.evaluations.views import accepted_versions
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.evidence.storage import ObjectNotFound, Storage
from backend.export.records import dumps, dumps_line, row_json
from backend.nonconformities.models import Nonconformity, NonconformityEvidence
from backend.planning.models import (
    Application,
    ApplicationDocument,
    ApplicationUnit,
    AuditPlan,
    DocumentReview,
)
from backend.schemes.models import SchemeVersion
from backend.scoring import parse_input, result_json, score
from backend.surveillance.models import (
    CertificateAudit,
    ExtraSurveillance,
    SurveillanceExtensionGrant,
)
from backend.surveys.models import SurveyCampaign, SurveyResponse, SurveySite
from backend.users.models import Organisation, User

#: Read size for evidence originals: one chunk in memory at a time.
READ_CHUNK: Final = 1024 * 1024
#: How many ids one ``IN (...)`` query carries (SQLite and PostgreSQL limits are far above).
ID_BATCH: Final = 500
#: Columns never exported: secrets and hashes that identify a respondent's phone or address,
#: and the encrypted phone number (GB/T 35273 minimisation: the file needs none of them).
RESPONSE_OMIT: Final = ("contact_ciphertext", "device_hash", "ip_hash", "form_nonce")


@dataclass(frozen=True)
class File:
    """One payload file: its path under data/ and its bytes, produced when written."""

    path: str
    chunks: Iterable[bytes]


@dataclass
class Context:
    """What the parts share: the engagement, the store, and the ids collected on the way."""

    session: Session
    engagement: Engagement
    storage: Storage
    #: Evidence cited anywhere in the file, in the order first cited.
    evidence: dict[uuid.UUID, str] = field(default_factory=dict)
    #: Ids of exported records whose audit-log entries belong in the file.
    audited: set[str] = field(default_factory=set)
    #: Where the public page lives (the certificate PDF's QR code); None: no PDF in the file.
    public_url: str | None = None

    def cite(self, evidence_id: uuid.UUID, where: str) -> None:
        self.evidence.setdefault(evidence_id, where)

    def audit(self, *ids: object) -> None:
        self.audited.update(str(i) for i in ids if i is not None)


@dataclass(frozen=True)
class Part:
    key: str
    title_zh: str
    title_en: str
    files: Callable[[Context], Iterator[File]]


def _json(path: str, document: Any) -> File:
    return File(path, (dumps(document),))


def _person(session: Session, user_id: uuid.UUID | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None:
        return {"id": str(user_id)}
    return {"id": str(user.id), "display_name": user.display_name, "role": user.role.value}


# --------------------------------------------------------------------------- engagement


def engagement_files(ctx: Context) -> Iterator[File]:
    s, e = ctx.session, ctx.engagement
    ctx.audit(e.id)
    members = s.scalars(
        sa.select(EngagementMember)
        .where(EngagementMember.engagement_id == e.id)
        .order_by(EngagementMember.id)
    ).all()
    links = s.scalars(
        sa.select(EngagementSite)
        .where(EngagementSite.engagement_id == e.id)
        .order_by(EngagementSite.id)
    ).all()
    sites = [s.get_one(Site, link.site_id) for link in links]
    units = {site.unit_id: s.get_one(CertificationUnit, site.unit_id) for site in sites}
    client = s.get_one(Client, e.client_id)
    organisation = s.get_one(Organisation, e.organisation_id)
    scheme = s.get_one(SchemeVersion, e.scheme_version_id)
    ctx.audit(client.id, *units, *(site.id for site in sites))
    yield _json(
        "records/engagement.json",
        {
            "engagement": row_json(e),
            "certification_body": {"id": str(organisation.id), "name": organisation.name},
            "scheme_version": row_json(scheme, omit=("source_text",)),
            "team": [{**row_json(m), "person": _person(s, m.user_id)} for m in members],
            "client": row_json(client),
            "units": [row_json(unit) for unit in units.values()],
            "sites": [row_json(site) for site in sites],
        },
    )
    assignments = s.scalars(
        sa.select(Assignment)
        .where(Assignment.engagement_id == e.id)
        .order_by(Assignment.window_start, Assignment.id)
    ).all()
    ctx.audit(*(a.id for a in assignments))
    yield _json(
        "records/assignments.json",
        [{**row_json(a), "shopper": _person(s, a.shopper_id)} for a in assignments],
    )


# --------------------------------------------------------------------------- evaluations


def evaluation_files(ctx: Context) -> Iterator[File]:
    """One file per evaluation: the evaluation, every version, every status event, its evidence."""
    s = ctx.session
    ids = s.scalars(
        sa.select(Evaluation.id)
        .where(Evaluation.engagement_id == ctx.engagement.id)
        .order_by(Evaluation.created_at, Evaluation.id)
    ).all()
    for evaluation_id in ids:
        evaluation = s.get_one(Evaluation, evaluation_id)
        versions = s.scalars(
            sa.select(EvaluationVersion)
            .where(EvaluationVersion.evaluation_id == evaluation_id)
            .order_by(EvaluationVersion.number)
        ).all()
        events = s.scalars(
            sa.select(EvaluationEvent)
            .where(EvaluationEvent.evaluation_id == evaluation_id)
            .order_by(EvaluationEvent.at, EvaluationEvent.id)
        ).all()
        cited = s.scalars(
            sa.select(EvaluationEvidence)
            .where(EvaluationEvidence.evaluation_id == evaluation_id)
            .order_by(EvaluationEvidence.id)
        ).all()
        for link in cited:
            ctx.cite(link.evidence_id, f"evaluation {evaluation_id}")
        ctx.audit(evaluation_id, *(link.evidence_id for link in cited))
        document = {
            "evaluation": row_json(evaluation),
            "evaluator": _person(s, evaluation.evaluator_id),
            "versions": [row_json(v) for v in versions],
            "events": [row_json(event) for event in events],
            "evidence": [row_json(link) for link in cited],
        }
        yield _json(f"records/evaluations/{evaluation_id}.json", document)
        # Each evaluation's rows are needed once: let the session forget them.
        for row in (evaluation, *versions, *events, *cited):
            s.expunge(row)


# --------------------------------------------------------------------------- surveys


def survey_files(ctx: Context) -> Iterator[File]:
    """The campaigns, every response (marked counted or not) and the counted answers as scored."""
    s = ctx.session
    campaigns = s.scalars(
        sa.select(SurveyCampaign)
        .where(SurveyCampaign.engagement_id == ctx.engagement.id)
        .order_by(SurveyCampaign.created_at, SurveyCampaign.id)
    ).all()
    if not campaigns:
        return
    counted = other_measurements(s, ctx.engagement.id)
    counted_ids = {m.id for m in counted}
    survey_sites = s.scalars(
        sa.select(SurveySite)
        .where(SurveySite.campaign_id.in_([c.id for c in campaigns]))
        .order_by(SurveySite.campaign_id, SurveySite.position)
    ).all()
    ctx.audit(*(c.id for c in campaigns))
    yield _json(
        "records/survey-campaigns.json",
        {
            "campaigns": [row_json(c) for c in campaigns],
            "sites": [row_json(site) for site in survey_sites],
        },
    )
    yield _json(
        "records/survey-answers-counted.json",
        [
            {"id": m.id, "site_id": str(m.site_id), "mode": m.mode, "ratings": dict(m.ratings)}
            for m in counted
        ],
    )

    def responses() -> Iterator[bytes]:
        query = (
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id.in_([c.id for c in campaigns]))
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
            .execution_options(yield_per=ID_BATCH)
        )
        for response in s.scalars(query):
            ctx.audit(response.id)
            record = row_json(response, omit=RESPONSE_OMIT)
            record["counted"] = str(response.id) in counted_ids
            record["had_contact"] = response.contact_ciphertext is not None
            yield dumps_line(record)

    yield File("records/survey-responses.jsonl", responses())


# --------------------------------------------------------------------------- planning


def planning_files(ctx: Context) -> Iterator[File]:
    """The application (§4.2) and its review (§4.3), the audit plan (§4.4.4), document reviews."""
    s, e = ctx.session, ctx.engagement
    application = s.scalars(sa.select(Application).where(Application.engagement_id == e.id)).first()
    if application is not None:
        units = s.scalars(
            sa.select(ApplicationUnit).where(ApplicationUnit.application_id == application.id)
        ).all()
        documents = s.scalars(
            sa.select(ApplicationDocument)
            .where(ApplicationDocument.application_id == application.id)
            .order_by(ApplicationDocument.created_at, ApplicationDocument.id)
        ).all()
        for document in documents:
            ctx.cite(document.evidence_id, f"application {application.id}")
        ctx.audit(application.id, *(d.id for d in documents), *(d.evidence_id for d in documents))
        yield _json(
            "records/application.json",
            {
                "application": row_json(application),
                "units": [row_json(unit) for unit in units],
                "documents": [row_json(document) for document in documents],
            },
        )
    plan = s.scalars(sa.select(AuditPlan).where(AuditPlan.engagement_id == e.id)).first()
    if plan is not None:
        ctx.audit(plan.id)
        yield _json("records/audit-plan.json", row_json(plan))
    reviews = s.scalars(
        sa.select(DocumentReview)
        .where(DocumentReview.engagement_id == e.id)
        .order_by(DocumentReview.created_at, DocumentReview.id)
    ).all()
    if reviews:
        ctx.audit(*(r.id for r in reviews))
        yield _json("records/document-reviews.json", [row_json(r) for r in reviews])


# --------------------------------------------------------------------------- nonconformities


def nonconformity_files(ctx: Context) -> Iterator[File]:
    """Every nonconformity (§5.2.3.1, §7.4): finding, the client's answer, the verification,
    and the evidence each stage cites (the originals go into evidence/)."""
    s = ctx.session
    rows = s.scalars(
        sa.select(Nonconformity)
        .where(Nonconformity.engagement_id == ctx.engagement.id)
        .order_by(Nonconformity.number)
    ).all()
    if not rows:
        return
    cited = s.scalars(
        sa.select(NonconformityEvidence)
        .where(NonconformityEvidence.nonconformity_id.in_([r.id for r in rows]))
        .order_by(NonconformityEvidence.created_at, NonconformityEvidence.id)
    ).all()
    for link in cited:
        ctx.cite(link.evidence_id, f"nonconformity {link.nonconformity_id}")
    ctx.audit(*(r.id for r in rows), *(link.evidence_id for link in cited))
    yield _json(
        "records/nonconformities.json",
        [
            {
                **row_json(r),
                "evidence": [row_json(c) for c in cited if c.nonconformity_id == r.id],
            }
            for r in rows
        ],
    )


# --------------------------------------------------------------------------- decision


def decision_files(ctx: Context) -> Iterator[File]:
    """The on-site record, the review with its checklist (§6.1) and the decision (§6.2)."""
    s, e = ctx.session, ctx.engagement
    record = s.get(OnSiteRecord, e.id)
    if record is not None:
        yield _json("records/on-site-record.json", row_json(record))
    review = s.scalars(sa.select(Review).where(Review.engagement_id == e.id)).first()
    if review is not None:
        ctx.audit(review.id)
        yield _json(
            "records/review.json",
            {**row_json(review), "reviewer": _person(s, review.reviewer_id)},
        )
    decision = s.scalars(sa.select(Decision).where(Decision.engagement_id == e.id)).first()
    if decision is not None:
        ctx.audit(decision.id)
        yield _json(
            "records/decision.json",
            {**row_json(decision), "decided_by": _person(s, decision.decided_by_id)},
        )


def certificate_files(ctx: Context) -> Iterator[File]:
    """The certificate (§9.1) with its sealed fields and payload, and every change (§9.3)."""
    s = ctx.session
    certificate = s.scalars(
        sa.select(Certificate).where(Certificate.engagement_id == ctx.engagement.id)
    ).first()
    if certificate is None:
        return
    changes = s.scalars(
        sa.select(CertificateChange)
        .where(CertificateChange.certificate_id == certificate.id)
        .order_by(CertificateChange.created_at, CertificateChange.id)
    ).all()
    ctx.audit(certificate.id)
    yield _json(
        "records/certificate.json",
        {"certificate": row_json(certificate), "changes": [row_json(c) for c in changes]},
    )
    # The QR code's text: `fieldcert certificate verify certificate/seal.txt` checks it offline.
    yield File("certificate/seal.txt", (certificate.payload.encode("ascii") + b"\n",))
    if ctx.public_url is not None:
        yield File("certificate/certificate.pdf", (_certificate_pdf(ctx, certificate),))


def _certificate_pdf(ctx: Context, certificate: Certificate) -> bytes:
    """The certificate as the body prints it (§9.1), its seal attached: what
    ``GET /api/certificates/<id>/certificate.pdf`` answers."""
    from backend.certificates.pdf import render_certificate_pdf, verification_url
    from backend.certificates.seal import decode
    from backend.reports.letterhead import letterhead_for

    scheme = load_scheme_version(ctx.session, ctx.engagement.scheme_version_id)
    titles = (
        {ch.code: ch.title.zh for ch in scheme.service.characteristics} if scheme.service else {}
    )
    return render_certificate_pdf(
        certificate.fields,
        certificate.payload,
        url=verification_url(ctx.public_url or "", certificate.token, certificate.payload),
        fingerprint=decode(certificate.payload).fingerprint,
        titles=titles,
        letterhead=letterhead_for(ctx.session, certificate.organisation_id),
    )


# --------------------------------------------------------------------------- surveillance


def surveillance_files(ctx: Context) -> Iterator[File]:
    """The certificate's life (§7, §8): this engagement as a surveillance or recertification
    audit of a certificate, and, for the engagement that certified, the audits, extra
    surveillances and extensions of its certificate."""
    s, e = ctx.session, ctx.engagement
    as_audit = s.get(CertificateAudit, e.id)
    certificate_id = s.scalar(sa.select(Certificate.id).where(Certificate.engagement_id == e.id))
    document: dict[str, Any] = {}
    if as_audit is not None:
        document["audit_of_certificate"] = row_json(as_audit)
    if certificate_id is not None:
        for key, model in (
            ("audits", CertificateAudit),
            ("extra_surveillances", ExtraSurveillance),
            ("extensions", SurveillanceExtensionGrant),
        ):
            rows = s.scalars(
                sa.select(model)
                .where(model.certificate_id == certificate_id)
                .order_by(model.created_at)
            ).all()
            if rows:
                document[key] = [row_json(row) for row in rows]
    if document:
        yield _json("records/surveillance.json", document)


# --------------------------------------------------------------------------- scores


def score_input(session: Session, engagement: Engagement) -> dict[str, Any]:
    """The scoring input of the whole file, as the review and decision score it
    (``backend.decisions.file.build_file``): accepted evaluations, counted survey answers, the
    on-site record's management, conformity and timing, in the ``fieldcert score`` format."""
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    data: dict[str, Any] = {}
    if scheme.service is not None:
        data["evaluations"] = [
            {"id": str(ev.id), "mode": ev.mode, "ratings": scoring_ratings(version.ratings)}
            for ev, version in accepted_versions(session, engagement.id)
        ] + [
            {"id": m.id, "mode": m.mode, "ratings": dict(m.ratings)}
            for m in other_measurements(session, engagement.id)
        ]
    on_site = on_site_data(session, engagement.id) or {}
    for key in ("management", "conformity", "timing"):
        if key in on_site:
            data[key] = on_site[key]
    return data


def score_files(ctx: Context) -> Iterator[File]:
    """``fieldcert score --scheme scores/scheme.yaml --input scores/input.json`` prints
    ``scores/result.json`` again: the file carries the numbers and how to check them."""
    s, e = ctx.session, ctx.engagement
    version = s.get_one(SchemeVersion, e.scheme_version_id)
    data = score_input(s, e)
    scheme = load_scheme_version(s, e.scheme_version_id)
    result = result_json(score(scheme, parse_input(data, scheme)))
    yield File("scores/scheme.yaml", (version.source_text.encode("utf-8"),))
    yield _json("scores/input.json", data)
    yield _json("scores/result.json", result)


# --------------------------------------------------------------------------- evidence


class EvidenceMissing(LookupError):
    """An evidence original the records cite is not in the store."""

    def __init__(self, evidence_id: uuid.UUID, key: str) -> None:
        super().__init__(f"evidence {evidence_id}: original {key} is missing from storage")
        self.evidence_id = evidence_id
        self.key = key


def evidence_extension(media_type: str) -> str:
    return _EXTENSIONS.get(media_type, "bin")


_EXTENSIONS: Final = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}


def evidence_path(evidence: Evidence) -> str:
    return f"evidence/{evidence.id}.{evidence_extension(evidence.media_type)}"


def evidence_files(ctx: Context) -> Iterator[File]:
    """Every cited original, byte for byte from the store (streamed), and their metadata."""
    s = ctx.session
    ids = list(ctx.evidence)
    listing: list[dict[str, Any]] = []
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start : start + ID_BATCH]
        rows = {row.id: row for row in s.scalars(sa.select(Evidence).where(Evidence.id.in_(batch)))}
        for evidence_id in batch:
            evidence = rows.get(evidence_id)
            if evidence is None:
                continue
            path = evidence_path(evidence)
            cited_by = ctx.evidence[evidence_id]
            listing.append({**row_json(evidence), "file": f"data/{path}", "cited_by": cited_by})
            yield File(path, _stream(ctx.storage, evidence.id, evidence.original_key))
            s.expunge(evidence)
    yield _json("records/evidence.json", listing)


def _stream(storage: Storage, evidence_id: uuid.UUID, key: str) -> Iterator[bytes]:
    try:
        stored = storage.open(key)
    except ObjectNotFound:
        raise EvidenceMissing(evidence_id, key) from None
    with stored.stream as source:
        yield from iter(lambda: source.read(READ_CHUNK), b"")


# --------------------------------------------------------------------------- audit log


def audit_files(ctx: Context) -> Iterator[File]:
    """The audit-log entries of every exported record, oldest first, as JSON Lines."""
    s = ctx.session
    objects = sorted(ctx.audited)

    def lines() -> Iterator[bytes]:
        entry_ids: set[int] = set()
        for start in range(0, len(objects), ID_BATCH):
            batch = objects[start : start + ID_BATCH]
            entry_ids.update(
                s.scalars(sa.select(AuditEntry.id).where(AuditEntry.object_id.in_(batch)))
            )
        ordered = sorted(entry_ids)
        for start in range(0, len(ordered), ID_BATCH):
            batch_ids = ordered[start : start + ID_BATCH]
            entries = s.scalars(
                sa.select(AuditEntry).where(AuditEntry.id.in_(batch_ids)).order_by(AuditEntry.id)
            ).all()
            for entry in entries:
                yield dumps_line({**row_json(entry), "actor": _person(s, entry.actor_id)})
                s.expunge(entry)

    yield File("audit-log.jsonl", lines())


#: The file's parts, in order. Evidence and the audit log come last: they write what the
#: parts before them cited. A new part goes before them.
PARTS: tuple[Part, ...] = (
    Part(
        "engagement",
        "认证项目、审查组、场所与任务",
        "Engagement, team, sites, assignments",
        engagement_files,
    ),
    Part(
        "planning",
        "认证申请、审查计划与文件审核",
        "Application, audit plan, document reviews",
        planning_files,
    ),
    Part("evaluations", "测评记录（全部版本）", "Evaluations (every version)", evaluation_files),
    Part("surveys", "顾客调查", "Customer surveys", survey_files),
    Part("nonconformities", "不符合项", "Nonconformities", nonconformity_files),
    Part(
        "decision",
        "现场审查记录、复核与认证决定",
        "On-site record, review, decision",
        decision_files,
    ),
    Part("certificate", "认证证书", "Certificate", certificate_files),
    Part(
        "surveillance",
        "监督审查、扩展与再认证",
        "Surveillance, extensions, recertification",
        surveillance_files,
    ),
    Part("scores", "得分及其输入", "Scores with their input", score_files),
    Part("evidence", "证据原件", "Evidence originals", evidence_files),
    Part("audit_log", "审计日志", "Audit log", audit_files),
)
