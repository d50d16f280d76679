"""Applications (§4.2), their review (§4.3) and the engagement planned from an accepted one.

Administrators and team leaders of the certification body record an application with the
documents the client sent (each an evidence file: PDF or image, stored by SHA-256 like a
photo), review it, and plan the engagement. The client's own users read it in the portal.
Services flush; the caller's request commits (one place commits per request).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.clients.models import CertificationUnit, Client, Site
from backend.db import utcnow
from backend.engagements import services as engagements
from backend.engagements.models import Engagement, EngagementKind
from backend.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from backend.evidence.models import Evidence
from backend.planning.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationUnit,
    DocumentType,
    RefusalReason,
)
from backend.schemes.models import SchemeVersion
from backend.users.models import Role

#: Who records and reviews applications and plans engagements from them.
PLANNERS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER})
#: The evidence media types a document may have (the pipeline detects them from the content).
DOCUMENT_MEDIA_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic"}
)


def required_documents(kind: EngagementKind) -> tuple[DocumentType, ...]:
    """The documents §4.2 asks of every application; the rest are 如有 (when there are any).

    The registration proof is asked 首次申请时 (on a first application) only.
    """
    needed = [DocumentType.APPLICATION_FORM, DocumentType.AUTHENTICITY_DECLARATION]
    if kind is EngagementKind.INITIAL:
        needed.insert(1, DocumentType.REGISTRATION_PROOF)
    return tuple(needed)


def _invalid(field: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(details={field: [message], **extra})


def _check(actor: Actor, roles: frozenset[Role]) -> None:
    if actor.role not in roles:
        raise Forbidden(
            details={"role": actor.role.value, "allowed": sorted(r.value for r in roles)}
        )


@dataclass(frozen=True, slots=True)
class DocumentView:
    document: ApplicationDocument
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class ApplicationView:
    application: Application
    client: Client
    scheme_version: SchemeVersion
    units: list[CertificationUnit]
    documents: list[DocumentView]

    @property
    def missing_documents(self) -> list[DocumentType]:
        """Required documents (§4.2) not received yet: what the client is asked for."""
        have = {d.document.doc_type for d in self.documents}
        return [t for t in required_documents(self.application.kind) if t not in have]


def application_views(session: Session, rows: Sequence[Application]) -> list[ApplicationView]:
    """Views of applications, with a fixed number of queries."""
    if not rows:
        return []
    clients = {
        c.id: c
        for c in session.scalars(
            sa.select(Client).where(Client.id.in_({a.client_id for a in rows}))
        )
    }
    schemes = {
        s.id: s
        for s in session.scalars(
            sa.select(SchemeVersion).where(
                SchemeVersion.id.in_({a.scheme_version_id for a in rows})
            )
        )
    }
    unit_ids = {u.unit_id for a in rows for u in a.units}
    units = {
        u.id: u
        for u in session.scalars(
            sa.select(CertificationUnit).where(CertificationUnit.id.in_(unit_ids))
        )
    }
    evidence_ids = {d.evidence_id for a in rows for d in a.documents}
    evidence = {
        e.id: e for e in session.scalars(sa.select(Evidence).where(Evidence.id.in_(evidence_ids)))
    }
    return [
        ApplicationView(
            application=a,
            client=clients[a.client_id],
            scheme_version=schemes[a.scheme_version_id],
            units=sorted((units[u.unit_id] for u in a.units), key=lambda u: (u.name, u.id)),
            documents=[DocumentView(d, evidence[d.evidence_id]) for d in a.documents],
        )
        for a in rows
    ]


def application_view(session: Session, application: Application) -> ApplicationView:
    return application_views(session, [application])[0]


def _visible(actor: Actor) -> sa.Select[Application]:
    query = sa.select(Application).where(Application.organisation_id == actor.user.organisation_id)
    if actor.role in PLANNERS:
        return query
    if actor.role is Role.CLIENT_USER and actor.user.client_id is not None:
        return query.where(Application.client_id == actor.user.client_id)
    return query.where(sa.false())


def get_application_for(session: Session, actor: Actor, application_id: uuid.UUID) -> Application:
    """The application if the actor may see it; 404 otherwise (other clients, organisations)."""
    found = session.scalars(_visible(actor).where(Application.id == application_id)).one_or_none()
    if found is None:
        raise NotFound(details={"application_id": str(application_id)})
    return found


def list_applications(session: Session, actor: Actor) -> list[ApplicationView]:
    """Applications I may see, newest first (client users: their own client's)."""
    rows = session.scalars(
        _visible(actor).order_by(Application.received_on.desc(), Application.created_at.desc())
    ).all()
    return application_views(session, rows)


def create_application(
    session: Session,
    actor: Actor,
    *,
    client_id: uuid.UUID,
    scheme_version_id: uuid.UUID,
    kind: EngagementKind,
    unit_ids: Sequence[uuid.UUID],
    received_on: date,
    note: str = "",
    ip: str | None = None,
) -> Application:
    """Record an application for certification units of a client (§4.1, §4.2)."""
    _check(actor, PLANNERS)
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != actor.user.organisation_id:
        raise _invalid("client_id", "Unknown client.")
    if session.get(SchemeVersion, scheme_version_id) is None:
        raise _invalid("scheme_version_id", "Unknown scheme version.")
    found = set(
        session.scalars(
            sa.select(CertificationUnit.id).where(
                CertificationUnit.id.in_(unit_ids), CertificationUnit.client_id == client.id
            )
        )
    )
    unknown = [str(u) for u in unit_ids if u not in found]
    if unknown:
        raise _invalid("unit_ids", "Must be certification units of the client.", unknown=unknown)
    application = Application(
        id=uuid.uuid4(),
        organisation_id=actor.user.organisation_id,
        client_id=client.id,
        scheme_version_id=scheme_version_id,
        kind=kind,
        status=ApplicationStatus.SUBMITTED,
        received_on=received_on,
        note=note,
        created_by_id=actor.user.id,
        refusal_reasons=[],
        review_note="",
        units=[ApplicationUnit(id=uuid.uuid4(), unit_id=u) for u in unit_ids],
        documents=[],
    )
    session.add(application)
    record(
        session,
        actor=actor,
        action="application.created",
        object_type="application",
        object_id=application.id,
        details={
            "client_id": str(client.id),
            "scheme_version_id": str(scheme_version_id),
            "kind": kind.value,
            "unit_ids": [str(u) for u in unit_ids],
            "received_on": received_on.isoformat(),
        },
        ip=ip,
    )
    session.flush()
    return application


def add_document(
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    evidence_id: uuid.UUID,
    doc_type: DocumentType,
    title: str = "",
    ip: str | None = None,
) -> Application:
    """Attach an uploaded evidence file (PDF or image) to an application as one of its documents.

    The file went through the evidence pipeline (``PUT /api/evidence/<id>``): its SHA-256 was
    verified and the type detected from the content. Documents are added until the review;
    after it they are part of what was reviewed and stay as they are.
    """
    _check(actor, PLANNERS)
    application = get_application_for(session, actor, application_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        raise InvalidTransition(details={"status": application.status.value})
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.organisation_id != actor.user.organisation_id:
        raise _invalid("evidence_id", "Unknown evidence file: upload it first.")
    if evidence.media_type not in DOCUMENT_MEDIA_TYPES:
        raise _invalid(
            "evidence_id",
            "A document must be a PDF or an image.",
            media_type=evidence.media_type,
        )
    if any(d.evidence_id == evidence.id for d in application.documents):
        raise Conflict(details={"reason": "the file is already a document of this application"})
    document = ApplicationDocument(
        id=uuid.uuid4(),
        doc_type=doc_type,
        evidence_id=evidence.id,
        title=title,
        added_by_id=actor.user.id,
    )
    application.documents.append(document)
    record(
        session,
        actor=actor,
        action="application.document_added",
        object_type="application",
        object_id=application.id,
        details={
            "document_id": str(document.id),
            "doc_type": doc_type.value,
            "evidence_id": str(evidence.id),
            "sha256": evidence.sha256,
        },
        ip=ip,
    )
    session.flush()
    return application


def review_application(
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    accepted: bool,
    reasons: Sequence[RefusalReason] = (),
    note: str = "",
    ip: str | None = None,
) -> Application:
    """Accept (受理) or not accept (不予受理) an application (§4.3).

    Not accepting names one or more of the four grounds of §4.3 (``other`` with a note saying
    which). Accepting needs the documents §4.2 requires of every application.
    """
    _check(actor, PLANNERS)
    application = get_application_for(session, actor, application_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        raise InvalidTransition(details={"status": application.status.value})
    if accepted:
        if reasons:
            raise _invalid("reasons", "An accepted application has no grounds for refusal.")
        missing = application_view(session, application).missing_documents
        if missing:
            raise Conflict(
                details={
                    "reason": "required documents are missing (§4.2)",
                    "missing_documents": [m.value for m in missing],
                }
            )
    else:
        if not reasons:
            raise _invalid("reasons", "Name the grounds of §4.3 for not accepting.")
        if RefusalReason.OTHER in reasons and not note.strip():
            raise _invalid("note", "Say which other situation (§4.3 4)).")
    application.status = ApplicationStatus.ACCEPTED if accepted else ApplicationStatus.NOT_ACCEPTED
    application.refusal_reasons = [r.value for r in reasons]
    application.review_note = note
    application.reviewed_by_id = actor.user.id
    application.reviewed_at = utcnow()
    record(
        session,
        actor=actor,
        action="application.accepted" if accepted else "application.not_accepted",
        object_type="application",
        object_id=application.id,
        details={"reasons": application.refusal_reasons, "note": note},
        ip=ip,
    )
    session.flush()
    return application


def plan_engagement(
    session: Session,
    actor: Actor,
    application_id: uuid.UUID,
    *,
    title: str,
    modes: Sequence[str],
    starts_on: date,
    ends_on: date,
    site_ids: Sequence[uuid.UUID],
    auditor_ids: Sequence[uuid.UUID] = (),
    leader_id: uuid.UUID | None = None,
    ip: str | None = None,
) -> Engagement:
    """Plan the engagement of an accepted application: its units' sites, modes, dates, team."""
    _check(actor, PLANNERS)
    application = get_application_for(session, actor, application_id)
    if application.status is not ApplicationStatus.ACCEPTED:
        raise InvalidTransition(details={"status": application.status.value})
    if application.engagement_id is not None:
        raise Conflict(
            details={
                "reason": "this application already has its engagement",
                "engagement_id": str(application.engagement_id),
            }
        )
    unit_ids = [u.unit_id for u in application.units]
    in_units = set(
        session.scalars(sa.select(Site.id).where(Site.id.in_(site_ids), Site.unit_id.in_(unit_ids)))
    )
    outside = [str(s) for s in site_ids if s not in in_units]
    if outside:
        raise _invalid(
            "site_ids", "Must be sites of the units applied for (§4.1).", unknown=outside
        )
    engagement = engagements.create_engagement(
        session,
        actor,
        client_id=application.client_id,
        scheme_version_id=application.scheme_version_id,
        kind=application.kind,
        modes=modes,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        leader_id=leader_id,
        auditor_ids=auditor_ids,
        site_ids=site_ids,
        ip=ip,
    )
    application.engagement_id = engagement.id
    record(
        session,
        actor=actor,
        action="application.engagement_planned",
        object_type="application",
        object_id=application.id,
        details={"engagement_id": str(engagement.id)},
        ip=ip,
    )
    session.flush()
    return engagement
