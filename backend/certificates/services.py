"""Issuing, changing and reading certificates (CQC rule §6.3, §9).

A certificate is issued once the certification decision approved it (§6.2); it is due within
30 days of the passed audit (§6.3, ``lifecycle.issue_by``) and valid until the day before the same
date three years after issue (§9.2, ``lifecycle.valid_until``: 2022-01-21 → 2025-01-20). Its
number follows the organisation's format (``organisations.numbering``), in upper case without
spaces, unique in the organisation. Its fields are sealed with the body's Ed25519 key
(``seal``); the seal goes into the QR code and the PDF. A change (§9.3) keeps the number, notes
the change date and seals the fields again; suspension and withdrawal (§9.4, §9.5) set dates
from which the status follows (``lifecycle.certificate_status``). Services flush; the request
commits.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.auth.actor import Actor
from backend.certificates.models import Certificate, CertificateChange, CertificateSuspension
from backend.certificates.seal import SealError, seal
from backend.clients.models import CertificationUnit, Client, Site
from backend.decisions.models import Decision
from backend.decisions.services import approved_decision
from backend.engagements.models import Engagement, EngagementSite
from backend.errors import (
    CertificateExists,
    Conflict,
    NotApproved,
    NotFound,
    ValidationFailed,
)
from backend.evaluations.content import load_scheme_version
from backend.lifecycle import Suspension, certificate_status, issue_by, valid_until
from backend.lifecycle.certificate import STATUS_ZH, Status
from backend.organisations import numbering
from backend.organisations.models import OrganisationSettings
from backend.scoring.model import MODES, CertificateRule
from backend.scoring.scheme import Scheme
from backend.unit_of_work import flush_as_stored
from backend.users.models import Organisation

#: Beijing time: a certificate's dates are the body's calendar days.
CHINA = timezone(timedelta(hours=8))
#: The CQC rule's numbers (§6.3 within 30 days, §9.2 three years) for a scheme that has no
#: lifecycle section of its own (e.g. a service-standard scheme certified under the CQC rule).
DEFAULT_RULE = CertificateRule(
    issue_within_days=30, validity_years=3, section="CQC 服务认证规则 §6.3、§9.2"
)
#: The fields a change (§9.3) may alter; the number, the dates of issue and the body stay.
CHANGEABLE = ("client", "provider", "scope")


@dataclass(frozen=True)
class CertificateView:
    certificate: Certificate
    status: Status
    changes: list[CertificateChange]
    titles: dict[str, str]

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def rule_of(scheme: Scheme) -> CertificateRule:
    return scheme.lifecycle.certificate if scheme.lifecycle is not None else DEFAULT_RULE


def normalise_number(text: str) -> str:
    """§9.2 认证证书编号: upper case, no spaces (full-width ones included)."""
    return "".join(text.split()).replace("\u3000", "").upper()


def _modes_text(modes: list[str]) -> list[str]:
    return [f"{m}（{MODES[m][0]}）" if m in MODES else m for m in modes]


def _basis(scheme: Scheme) -> str:
    document = scheme.document or {}
    code = str(document.get("code") or scheme.id)
    title = document.get("title") or {}
    title_zh = title.get("zh") if isinstance(title, dict) else None
    return f"{code}《{title_zh or scheme.title.zh}》"


def _default_scope(session: Session, engagement: Engagement) -> str:
    scopes = session.scalars(
        sa.select(CertificationUnit.scope)
        .join(Site, Site.unit_id == CertificationUnit.id)
        .join(EngagementSite, EngagementSite.site_id == Site.id)
        .where(EngagementSite.engagement_id == engagement.id, CertificationUnit.scope.is_not(None))
        .distinct()
    ).all()
    return "；".join(sorted(s for s in scopes if s)) or engagement.title


def _next_sequence(session: Session, organisation_id: uuid.UUID) -> int:
    highest = session.scalar(
        sa.select(sa.func.max(Certificate.sequence)).where(
            Certificate.organisation_id == organisation_id
        )
    )
    return (highest or 0) + 1


def _number(
    session: Session, organisation_id: uuid.UUID, sequence: int, on: date, scheme: Scheme
) -> str:
    settings = session.get(OrganisationSettings, organisation_id)
    template = settings.certificate_number_format if settings else numbering.DEFAULT_FORMAT
    code = str((scheme.document or {}).get("code") or scheme.id)
    return normalise_number(numbering.render(numbering.parse_format(template), sequence, on, code))


def _reseal(certificate: Certificate, key: Ed25519PrivateKey) -> None:
    try:
        certificate.payload = seal(certificate.fields, key)
    except SealError as exc:
        raise ValidationFailed(details={"scope": [str(exc)]}) from exc


def _check_texts(texts: dict[str, str]) -> None:
    problems = {name: ["不能为空 / may not be empty"] for name, v in texts.items() if not v.strip()}
    problems |= {
        name: ["最多 500 个字符 / at most 500 characters"]
        for name, v in texts.items()
        if len(v) > 500
    }
    if problems:
        raise ValidationFailed(details=problems)


def issue(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    key: Ed25519PrivateKey,
    *,
    issued_on: date | None = None,
    scope: str | None = None,
    provider: str | None = None,
) -> CertificateView:
    """Issue the certificate of an approved engagement (administrators of the body)."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    existing = session.scalars(
        sa.select(Certificate).where(Certificate.engagement_id == engagement.id)
    ).first()
    if existing is not None:
        raise CertificateExists(certificate_id=str(existing.id), number=existing.number)
    decision = approved_decision(session, engagement.id)
    if decision is None:
        raise NotApproved(engagement_id=str(engagement.id))
    on = issued_on or today_in_china()
    decided_on = decision.decided_at.astimezone(CHINA).date()
    if on < decided_on:
        raise ValidationFailed(
            details={"issued_on": [f"不能早于认证决定日 {decided_on} / not before the decision"]}
        )
    if on > today_in_china():
        raise ValidationFailed(details={"issued_on": ["不能晚于今天 / not in the future"]})
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    rule = rule_of(scheme)
    client = session.get_one(Client, engagement.client_id)
    organisation = session.get_one(Organisation, engagement.organisation_id)
    texts = {
        "scope": scope if scope is not None else _default_scope(session, engagement),
        "provider": provider if provider is not None else (client.service_provider or client.name),
    }
    _check_texts(texts)
    sequence = _next_sequence(session, organisation.id)
    number = _number(session, organisation.id, sequence, on, scheme)
    clash = session.scalar(
        sa.select(Certificate.id).where(
            Certificate.organisation_id == organisation.id, Certificate.number == number
        )
    )
    if clash is not None:
        # A format without {year} after the running number restarted elsewhere, say.
        raise Conflict(details={"number": number, "reason": "number_taken"})
    token = secrets.token_urlsafe(12)
    certificate = Certificate(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        engagement_id=engagement.id,
        number=number,
        sequence=sequence,
        token=token,
        issued_on=on,
        valid_until=valid_until(rule, on),
        issue_by=issue_by(rule, engagement.ends_on),
        issued_by_id=actor.user.id,
        scans=0,
    )
    certificate.fields = _fields(
        certificate,
        client=client.name,
        provider=texts["provider"].strip(),
        scope=texts["scope"].strip(),
        modes=_modes_text(list(engagement.modes)),
        basis=_basis(scheme),
        body=organisation.name,
        decision=decision,
    )
    _reseal(certificate, key)
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="certificate.issued",
        object_type="certificate",
        object_id=certificate.id,
        details={"number": number, "issued_on": on.isoformat(), "late": on > certificate.issue_by},
    )
    flush_as_stored(session)
    return _view(session, certificate)


def _fields(
    certificate: Certificate,
    *,
    client: str,
    provider: str,
    scope: str,
    modes: list[str],
    basis: str,
    body: str,
    decision: Decision,
) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "client": client,
        "provider": provider,
        "scope": scope,
        "modes": modes,
        "basis": basis,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "body": body,
        "grade": decision.grade_zh,
        "scores": {k: v for k, v in decision.scores.items() if v is not None},
        "token": certificate.token,
        "changed_on": None,
    }


def _organisation_certificate(
    session: Session, actor: Actor, certificate_id: uuid.UUID
) -> Certificate:
    certificate = session.get(Certificate, certificate_id)
    if certificate is None or certificate.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return certificate


def change(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    key: Ed25519PrivateKey,
    *,
    changes: dict[str, str],
    reason: str,
    changed_on: date | None = None,
) -> CertificateView:
    """§9.3 认证证书的变更: new field values, the same number, the change date noted."""
    certificate = _organisation_certificate(session, actor, certificate_id)
    on = changed_on or today_in_china()
    problems: dict[str, list[str]] = {}
    if not changes:
        problems["changes"] = ["至少变更一项 / change at least one field"]
    if not reason.strip():
        problems["reason"] = ["请写明变更原因 / give the reason"]
    if on < certificate.issued_on or on > certificate.valid_until:
        problems["changed_on"] = ["应在证书有效期内 / within the validity"]
    if _status(certificate, on) == "withdrawn":
        problems["certificate"] = ["已撤销的证书不能变更 / a withdrawn certificate stays as it is"]
    if problems:
        raise ValidationFailed(details=problems)
    _check_texts(changes)
    before = {name: certificate.fields.get(name) for name in changes}
    fields = dict(certificate.fields)
    fields.update({name: value.strip() for name, value in changes.items()})
    fields["changed_on"] = on.isoformat()
    certificate.fields = fields
    certificate.changed_on = on
    _reseal(certificate, key)
    session.add(
        CertificateChange(
            certificate_id=certificate.id,
            changed_on=on,
            kind="fields",
            reason=reason.strip(),
            before=before,
            after={name: fields[name] for name in changes},
            changed_by_id=actor.user.id,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="certificate.changed",
        object_type="certificate",
        object_id=certificate.id,
        reason=reason.strip(),
        details={"fields": sorted(changes), "changed_on": on.isoformat()},
    )
    flush_as_stored(session)
    return _view(session, certificate)


def set_status(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    *,
    action: str,
    on: date | None,
    reason: str,
    cause: str | None = None,
) -> CertificateView:
    """Suspend (§9.4), reinstate or withdraw (§9.5) a certificate from a day on.

    A suspension records its cause (§9.4: at the client's request at most 12 months, for other
    causes at most 3; ``other`` when not given); reinstatement and withdrawal end it that day.
    """
    certificate = _organisation_certificate(session, actor, certificate_id)
    day = on or today_in_china()
    current = _status(certificate, day)
    allowed = {
        "suspend": ("active",),
        "reinstate": ("suspended",),
        "withdraw": ("active", "suspended"),
    }[action]
    if not reason.strip():
        raise ValidationFailed(details={"reason": ["请写明原因 / give the reason"]})
    if current not in allowed:
        raise Conflict(details={"status": current, "action": action, "allowed": list(allowed)})
    before = {
        "suspended_on": _iso(certificate.suspended_on),
        "withdrawn_on": _iso(certificate.withdrawn_on),
    }
    if action == "suspend":
        certificate.suspended_on = day
        session.add(
            CertificateSuspension(
                certificate_id=certificate.id,
                started_on=day,
                cause=cause or "other",
                reason=reason.strip(),
                created_by_id=actor.user.id,
            )
        )
    else:
        if certificate.suspended_on is not None and day < certificate.suspended_on:
            raise ValidationFailed(
                details={"on": [f"不能早于暂停日 {certificate.suspended_on} / not before it"]}
            )
        if action == "reinstate":
            certificate.suspended_on = None
        else:
            certificate.withdrawn_on = day
        for open_one in session.scalars(
            sa.select(CertificateSuspension).where(
                CertificateSuspension.certificate_id == certificate.id,
                CertificateSuspension.ended_on.is_(None),
            )
        ):
            open_one.ended_on = day
            open_one.ended_how = "reinstated" if action == "reinstate" else "withdrawn"
    session.add(
        CertificateChange(
            certificate_id=certificate.id,
            changed_on=day,
            kind=action,
            reason=reason.strip(),
            before=before,
            after={
                "suspended_on": _iso(certificate.suspended_on),
                "withdrawn_on": _iso(certificate.withdrawn_on),
            },
            changed_by_id=actor.user.id,
        )
    )
    audit.record(
        session,
        actor=actor,
        action=f"certificate.{action}",
        object_type="certificate",
        object_id=certificate.id,
        reason=reason.strip(),
        details={"on": day.isoformat()}
        | ({"cause": cause or "other"} if action == "suspend" else {}),
    )
    flush_as_stored(session)
    return _view(session, certificate)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _status(certificate: Certificate, today: date) -> Status:
    suspensions = (
        [Suspension(started_on=certificate.suspended_on, cause="other")]
        if certificate.suspended_on is not None
        else []
    )
    return certificate_status(
        certificate.valid_until, certificate.withdrawn_on, today, suspensions, ()
    )


def _view(session: Session, certificate: Certificate) -> CertificateView:
    changes = list(
        session.scalars(
            sa.select(CertificateChange)
            .where(CertificateChange.certificate_id == certificate.id)
            .order_by(CertificateChange.created_at, CertificateChange.changed_on)
        )
    )
    engagement = session.get_one(Engagement, certificate.engagement_id)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    titles = (
        {ch.code: ch.title.zh for ch in scheme.service.characteristics} if scheme.service else {}
    )
    return CertificateView(certificate, _status(certificate, today_in_china()), changes, titles)


def get_certificate(session: Session, actor: Actor, certificate_id: uuid.UUID) -> CertificateView:
    return _view(session, _organisation_certificate(session, actor, certificate_id))


def list_certificates(session: Session, actor: Actor) -> list[CertificateView]:
    rows = session.scalars(
        sa.select(Certificate)
        .where(Certificate.organisation_id == actor.user.organisation_id)
        .order_by(Certificate.sequence.desc())
    ).all()
    return [_view(session, row) for row in rows]


def client_certificates(session: Session, actor: Actor) -> list[CertificateView]:
    """The certificates of the client user's own client (the portal), newest first; none for a
    user tied to no client."""
    if actor.user.client_id is None:
        return []
    rows = session.scalars(
        sa.select(Certificate)
        .join(Engagement, Engagement.id == Certificate.engagement_id)
        .where(
            Certificate.organisation_id == actor.user.organisation_id,
            Engagement.client_id == actor.user.client_id,
        )
        .order_by(Certificate.sequence.desc())
    ).all()
    return [_view(session, row) for row in rows]


def public_certificate(session: Session, token: str) -> CertificateView | None:
    """The certificate behind a public token, counting the scan (no sign-in: the public page)."""
    if not token or len(token) > 32:
        return None
    certificate = session.scalars(sa.select(Certificate).where(Certificate.token == token)).first()
    if certificate is None:
        return None
    # One UPDATE: concurrent scans each count (no read-modify-write of the value).
    session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id)
        .values(scans=Certificate.scans + 1)
        .execution_options(synchronize_session=False)
    )
    return _view(session, certificate)
