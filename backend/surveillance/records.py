"""A certificate's records as the lifecycle core's facts, and the core's answer for them.

The product never computes a lifecycle date itself: it reads what happened (the audit the
certificate came from, its surveillance and recertification audits with their conclusions, its
suspensions with their causes, extensions granted, withdrawal) into ``backend.lifecycle.Facts``
and asks ``backend.lifecycle.calculate``, as ``fieldcert lifecycle`` does with its JSON input.
A scheme without a lifecycle section (a service-standard scheme certified under the CQC rule)
takes the CQC rule's, from ``schemes/cqc83-831102-2025.yaml``, as certificates do
(``backend.certificates.services.DEFAULT_RULE``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from backend.certificates.models import Certificate, CertificateSuspension
from backend.engagements.models import Engagement, EngagementKind
from backend.evaluations.content import load_scheme_version
from backend.lifecycle import (
    Audit,
    Facts,
    LifecycleResult,
    Surveillance,
    SurveillanceExtension,
    Suspension,
    calculate,
)
from backend.lifecycle import Certificate as CertificateFacts
from backend.lifecycle import Nonconformity as NonconformityFact
from backend.nonconformities.models import Nonconformity as NonconformityRow
from backend.scoring.model import AuditKind, LifecycleModel, Scheme
from backend.scoring.scheme import load_scheme
from backend.surveillance.models import (
    CertificateAudit,
    ExtraSurveillance,
    SurveillanceExtensionGrant,
)

#: The CQC rule, whose lifecycle numbers apply when a scheme has none of its own.
_Row = TypeVar("_Row")
CQC_RULE_FILE = Path(__file__).resolve().parents[2] / "schemes" / "cqc83-831102-2025.yaml"


@lru_cache(maxsize=1)
def cqc_rule() -> Scheme:
    return load_scheme(CQC_RULE_FILE)


def with_lifecycle(scheme: Scheme) -> tuple[Scheme, LifecycleModel]:
    """The scheme, with the CQC rule's lifecycle section when it has none, and that section."""
    model = scheme.lifecycle or cqc_rule().lifecycle
    if model is None:  # pragma: no cover - the CQC rule file has one
        raise RuntimeError(f"{CQC_RULE_FILE} has no lifecycle section")
    return replace(scheme, lifecycle=model), model


@dataclass(frozen=True)
class Linked:
    """An audit after certification: its link row and engagement."""

    link: CertificateAudit
    engagement: Engagement


@dataclass(frozen=True)
class Assessed:
    """One certificate's records and what the lifecycle core makes of them ``today``."""

    certificate: Certificate
    engagement: Engagement
    scheme: Scheme
    model: LifecycleModel
    linked: tuple[Linked, ...]
    suspensions: tuple[CertificateSuspension, ...]
    extensions: tuple[SurveillanceExtensionGrant, ...]
    extras: tuple[ExtraSurveillance, ...]
    facts: Facts
    result: LifecycleResult


def _grouped(rows: Iterable[_Row], key: Callable[[_Row], uuid.UUID]) -> dict[uuid.UUID, list[_Row]]:
    out: dict[uuid.UUID, list[_Row]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def facts_of(
    certificate: Certificate,
    engagement: Engagement,
    linked: tuple[Linked, ...],
    suspensions: tuple[CertificateSuspension, ...],
    extensions: tuple[SurveillanceExtensionGrant, ...],
    today: date,
    nonconformities: Sequence[NonconformityRow] = (),
) -> Facts:
    """The core's facts. Only what happened by ``today`` counts: an audit planned to end later
    is not a fact yet (its engagement is on the calendar as planned work instead)."""
    origin_kind: AuditKind = (
        "recertification" if engagement.kind is EngagementKind.RECERTIFICATION else "initial"
    )
    # The certificate was issued after an approving decision: its audit passed (§6.2).
    audits = [Audit(str(engagement.id), origin_kind, engagement.ends_on, True)]
    annual: list[Surveillance] = []
    for item in linked:
        ended = item.engagement.ends_on
        if ended > today:
            continue
        passed = item.link.passed
        if item.link.purpose == "recertification":
            audits.append(Audit(str(item.engagement.id), "recertification", ended, passed))
            continue
        # Extra surveillance counts for §7.4 (a failure suspends) but not for the annual
        # schedule of §7.3, which counts annual surveillances only.
        audits.append(Audit(str(item.engagement.id), "surveillance", ended, passed))
        if item.link.purpose == "annual":
            annual.append(Surveillance(ended, passed))
    recorded = [
        Suspension(
            s.started_on, "client_request" if s.cause == "client_request" else "other", s.ended_on
        )
        for s in suspensions
        if s.started_on <= today
    ]
    if certificate.suspended_on is not None and not any(s.ended_on is None for s in recorded):
        # Suspended before suspensions had their own rows: the cause was not recorded.
        recorded.append(Suspension(certificate.suspended_on, "other"))
    withdrawn = certificate.withdrawn_on
    # §7.4 b: a surveillance nonconformity not rectified in time suspends the certificate; the
    # core decides from each one's audit and dates (those of audits that took place only).
    counted = {a.id for a in audits}
    ncs = tuple(
        NonconformityFact(str(n.id), str(n.engagement_id), n.opened_on, n.closed_on)
        for n in nonconformities
        if str(n.engagement_id) in counted and n.opened_on <= today
    )
    return Facts(
        today=today,
        audits=tuple(audits),
        nonconformities=ncs,
        certificate=CertificateFacts(
            issued_on=certificate.issued_on,
            withdrawn_on=withdrawn if withdrawn is not None and withdrawn <= today else None,
        ),
        surveillances=tuple(annual),
        suspensions=tuple(recorded),
        extensions=tuple(SurveillanceExtension(e.number, e.granted_on) for e in extensions),
    )


def assess(session: Session, certificate: Certificate, today: date) -> Assessed:
    """One certificate's life as of ``today``."""
    return assess_many(session, [certificate], today)[0]


def assess_many(
    session: Session, certificates: Sequence[Certificate], today: date
) -> list[Assessed]:
    """Many certificates' lives as of ``today``: their records read in one query per table."""
    if not certificates:
        return []
    ids = [c.id for c in certificates]
    origins = {
        e.id: e
        for e in session.scalars(
            sa.select(Engagement)
            .where(Engagement.id.in_([c.engagement_id for c in certificates]))
            .options(selectinload(Engagement.sites))
        )
    }
    linked = _grouped(
        (
            Linked(link, engagement)
            for link, engagement in session.execute(
                sa.select(CertificateAudit, Engagement)
                .join(Engagement, Engagement.id == CertificateAudit.engagement_id)
                .where(CertificateAudit.certificate_id.in_(ids))
                .order_by(Engagement.ends_on, Engagement.created_at)
            )
        ),
        lambda x: x.link.certificate_id,
    )
    suspensions = _grouped(
        session.scalars(
            sa.select(CertificateSuspension)
            .where(CertificateSuspension.certificate_id.in_(ids))
            .order_by(CertificateSuspension.started_on, CertificateSuspension.created_at)
        ),
        lambda s: s.certificate_id,
    )
    extensions = _grouped(
        session.scalars(
            sa.select(SurveillanceExtensionGrant)
            .where(SurveillanceExtensionGrant.certificate_id.in_(ids))
            .order_by(SurveillanceExtensionGrant.number)
        ),
        lambda e: e.certificate_id,
    )
    extras = _grouped(
        session.scalars(
            sa.select(ExtraSurveillance)
            .where(ExtraSurveillance.certificate_id.in_(ids))
            .order_by(ExtraSurveillance.due_by)
        ),
        lambda e: e.certificate_id,
    )
    audited = [c.engagement_id for c in certificates] + [
        x.engagement.id for group in linked.values() for x in group
    ]
    nonconformities = _grouped(
        session.scalars(
            sa.select(NonconformityRow)
            .where(NonconformityRow.engagement_id.in_(audited))
            .order_by(NonconformityRow.opened_on, NonconformityRow.number)
        ),
        lambda n: n.engagement_id,
    )
    schemes: dict[uuid.UUID, tuple[Scheme, LifecycleModel]] = {}
    out = []
    for certificate in certificates:
        engagement = origins[certificate.engagement_id]
        version = engagement.scheme_version_id
        if version not in schemes:
            schemes[version] = with_lifecycle(load_scheme_version(session, version))
        scheme, model = schemes[version]
        mine = tuple(linked.get(certificate.id, ()))
        held = tuple(suspensions.get(certificate.id, ()))
        granted = tuple(extensions.get(certificate.id, ()))
        ncs = [
            n
            for e in (engagement.id, *(x.engagement.id for x in mine))
            for n in nonconformities.get(e, ())
        ]
        facts = facts_of(certificate, engagement, mine, held, granted, today, ncs)
        out.append(
            Assessed(
                certificate,
                engagement,
                scheme,
                model,
                mine,
                held,
                granted,
                tuple(extras.get(certificate.id, ())),
                facts,
                calculate(model, facts),
            )
        )
    return out
