"""The audit plan (审查计划, CQC rule §4.4.4) and the document review (文件审核, §5.1.4).

§4.4.4 a) lists what a plan holds at least: purpose, basis, scope, process and requirements,
sampling plan, departments and sites, dates, team. Dates, team and sites are the engagement's
own; the plan holds the rest. §4.4.4 c): the plan is sent to the client beforehand to confirm;
a change afterwards is notified and agreed again. Here a plan is *issued* as a snapshot with a
revision number; the client confirms that revision; a change to anything in the snapshot after
that issues a new revision, which the client is told about (push, audit log) and confirms again.

Person-days come from the scheme (``lifecycle.document_review.person_days``, §5.1.2: 1;
``lifecycle.onsite_audit.person_days_per_unit``, §5.2.2 and §7.2: 2 per certification unit).
The Tengbiao documents (CTS TBSC034/134) give no person-day figures at all: for their schemes
the team leader enters the number (``manual_person_days``), and the plan says it was entered.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.clients.models import CertificationUnit, Client, Site
from backend.db import utcnow
from backend.engagements import access
from backend.engagements import services as engagements
from backend.engagements.access import Need
from backend.engagements.models import Engagement, EngagementKind
from backend.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from backend.planning.models import (
    Application,
    ApplicationUnit,
    AuditPlan,
    DocumentReview,
    DocumentReviewOutcome,
    PlanStatus,
)
from backend.schemes.models import SchemeVersion
from backend.schemes.services import parsed_scheme
from backend.scoring import Scheme
from backend.scoring.model import ServiceModel, Text
from backend.users.models import Organisation, Role

#: The plan's free-text parts (§4.4.4 a)).
TEXT_FIELDS = ("purpose", "basis", "scope", "process", "departments")
#: Engagement kinds that start with a document review: §5.1 is part of the initial audit, and a
#: recertification follows the new-application procedure (§8 按新申请的流程).
_REVIEWED_KINDS = frozenset({EngagementKind.INITIAL, EngagementKind.RECERTIFICATION})


def _invalid(field: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(details={field: [message], **extra})


def _for(session: Session, actor: Actor, engagement_id: uuid.UUID, need: Need) -> Engagement:
    """The engagement if the access table lets the actor ``need`` it (backend.engagements.access).

    Writing the plan and recording the document review is ``Need.PLAN`` (§4.4.4: 审查组长编制审查
    计划; the routes admit team leaders only); reading them ``Need.SEE``.
    """
    return access.require(session, actor, engagement_id, need).engagement


# --------------------------------------------------------------------------- person-days


@dataclass(frozen=True, slots=True)
class PersonDays:
    """Person-days of an engagement and where the numbers come from."""

    document_review: Decimal | None
    onsite: Decimal | None
    extra: Decimal
    total: Decimal | None
    units: int
    #: ``scheme`` (computed from the scheme's numbers) or ``manual`` (the scheme gives none).
    source: str
    section: str


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def person_days(
    scheme: Scheme, kind: EngagementKind, units: int, plan: AuditPlan | None
) -> PersonDays:
    """The person-days of an engagement from the scheme's numbers (CQC §5.1.2, §5.2.2, §7.2)."""
    other: Mapping[str, Any] = scheme.lifecycle.other if scheme.lifecycle is not None else {}
    review = other.get("document_review") or {}
    onsite = other.get("onsite_audit") or {}
    per_review = _number(review.get("person_days")) if isinstance(review, Mapping) else None
    per_unit = _number(onsite.get("person_days_per_unit")) if isinstance(onsite, Mapping) else None
    extra = plan.extra_person_days if plan is not None else Decimal(0)
    if per_unit is None:
        manual = plan.manual_person_days if plan is not None else None
        return PersonDays(
            document_review=None,
            onsite=None,
            extra=extra,
            total=None if manual is None else manual + extra,
            units=units,
            source="manual",
            section="",
        )
    review_days = per_review if (per_review is not None and kind in _REVIEWED_KINDS) else None
    onsite_days = per_unit * max(units, 1)
    sections = [str(onsite.get("section", ""))]
    if review_days is not None:
        sections.insert(0, str(review.get("section", "")))
    return PersonDays(
        document_review=review_days,
        onsite=onsite_days,
        extra=extra,
        total=(review_days or Decimal(0)) + onsite_days + extra,
        units=units,
        source="scheme",
        section=", ".join(s for s in sections if s),
    )


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class PlanView:
    engagement: Engagement
    plan: AuditPlan | None
    current: dict[str, Any]
    current_sha256: str
    person_days: PersonDays
    latest_review: DocumentReview | None
    #: Codes the sampling plan may name (service items, conformity clauses).
    service_items: list[str]
    #: The scheme's service items by characteristic (chapter), for choosing items per mode.
    service_model: list[dict[str, Any]]

    @property
    def status(self) -> PlanStatus:
        return self.plan.status if self.plan is not None else PlanStatus.DRAFT

    @property
    def changed_since_issue(self) -> bool:
        """The plan, dates, team or sites differ from what the client last received."""
        return self.plan is not None and self.plan.issued_sha256 not in (
            None,
            self.current_sha256,
        )


def canonical_sha256(content: Mapping[str, Any]) -> str:
    raw = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _units(session: Session, engagement: Engagement) -> list[CertificationUnit]:
    site_units = sa.select(Site.unit_id).where(Site.id.in_([s.site_id for s in engagement.sites]))
    applied = (
        sa.select(ApplicationUnit.unit_id)
        .join(Application, Application.id == ApplicationUnit.application_id)
        .where(Application.engagement_id == engagement.id)
    )
    return list(
        session.scalars(
            sa.select(CertificationUnit)
            .where(sa.or_(CertificationUnit.id.in_(site_units), CertificationUnit.id.in_(applied)))
            .order_by(CertificationUnit.name, CertificationUnit.id)
        )
    )


def item_codes(scheme: Scheme) -> list[str]:
    """The codes a sampling plan may name: service items and conformity clauses."""
    codes: list[str] = []
    if scheme.service is not None:
        codes.extend(scheme.service.items)
    if scheme.conformity is not None:
        codes.extend(scheme.conformity.clauses)
    return codes


def service_model(scheme: Scheme) -> list[dict[str, Any]]:
    """The service items a mode may rate (``items_by_mode``), grouped by the scheme's service
    characteristics (its chapters, Annex 1) in the scheme's order: code and title of each. Items
    no characteristic lists (a scheme's bonus items) come last, under the bonus title."""
    if scheme.service is None:
        return []
    service = scheme.service
    groups: list[dict[str, Any]] = []
    listed: set[str] = set()
    for characteristic in service.characteristics:
        codes = [i.code for i in characteristic.items if i.code in service.items]
        listed.update(codes)
        groups.append(_group(characteristic.code, characteristic.title, service, codes))
    rest = [code for code in service.items if code not in listed]
    if rest:
        groups.append(_group("", service.bonus_title, service, rest))
    return [g for g in groups if g["items"]]


def _group(
    code: str, title: Text | None, service: ServiceModel, codes: list[str]
) -> dict[str, Any]:
    def text(t: Text | None) -> dict[str, str]:
        return {"zh": t.zh, "en": t.en} if t is not None else {"zh": "", "en": ""}

    return {
        "code": code,
        "title": text(title),
        "items": [{"code": c, "title": text(service.items[c].title)} for c in codes],
    }


def _content(
    session: Session, engagement: Engagement, plan: AuditPlan | None, days: PersonDays
) -> dict[str, Any]:
    """The plan as the client receives it: §4.4.4 a), nothing about shoppers or visit times."""
    view = engagements.engagement_view(session, engagement)
    scheme = view.scheme_version
    scheme_model = parsed_scheme(scheme)
    sampling = dict(plan.sampling) if plan is not None else {}
    targets = sampling.get("survey_targets") or {}
    site_names = {s.id: s for s in view.sites}
    units = _units(session, engagement)
    population = session.scalar(
        sa.select(sa.func.count(Site.id)).where(Site.unit_id.in_([u.id for u in units]))
    )
    organisation = session.get_one(Organisation, engagement.organisation_id)
    return {
        "organisation": organisation.name,
        "engagement": {
            "id": str(engagement.id),
            "title": engagement.title,
            "kind": engagement.kind.value,
            "modes": list(engagement.modes),
            "starts_on": engagement.starts_on.isoformat(),
            "ends_on": engagement.ends_on.isoformat(),
        },
        "client": {"name": view.client.name, "service_provider": view.client.service_provider},
        "scheme": {
            "title": scheme.title_zh,
            "title_en": scheme.title_en,
            "version": scheme.version,
        },
        "units": [u.name for u in units],
        **{field: (getattr(plan, field) if plan is not None else "") for field in TEXT_FIELDS},
        "sites": [{"id": str(s.id), "name": s.name, "address": s.address} for s in view.sites],
        "sampling": {
            "service_items": list(sampling.get("service_items") or []),
            "survey_targets": [
                {"site_id": str(s.id), "site": s.name, "target": int(targets[str(s.id)])}
                for s in view.sites
                if str(s.id) in targets
            ],
            "note": str(sampling.get("note") or ""),
            # Only when the plan divides the items by mode: an older snapshot stays identical.
            **({"items_by_mode": items_by_mode(plan)} if items_by_mode(plan) else {}),
            "site_count": len(site_names),
            #: Sites of the units applied for: what the sites were sampled from (§4.4.2).
            "site_population": int(population or 0),
            "item_population": len(item_codes(scheme_model)),
        },
        "team": [{"name": m.display_name, "team_role": m.team_role.value} for m in view.team],
        "person_days": {
            "document_review": _decimal_text(days.document_review),
            "onsite": _decimal_text(days.onsite),
            "extra": _decimal_text(days.extra),
            "extra_reason": plan.extra_reason if plan is not None else "",
            "total": _decimal_text(days.total),
            "units": days.units,
            "source": days.source,
            "section": days.section,
        },
    }


def _plan_row(session: Session, engagement_id: uuid.UUID) -> AuditPlan | None:
    return session.scalars(
        sa.select(AuditPlan).where(AuditPlan.engagement_id == engagement_id)
    ).one_or_none()


def latest_review(session: Session, engagement_id: uuid.UUID) -> DocumentReview | None:
    return session.scalars(
        sa.select(DocumentReview)
        .where(DocumentReview.engagement_id == engagement_id)
        .order_by(DocumentReview.created_at.desc(), DocumentReview.id.desc())
        .limit(1)
    ).first()


def plan_view(session: Session, engagement: Engagement) -> PlanView:
    plan = _plan_row(session, engagement.id)
    scheme = parsed_scheme(session.get_one(SchemeVersion, engagement.scheme_version_id))
    days = person_days(scheme, engagement.kind, len(_units(session, engagement)), plan)
    content = _content(session, engagement, plan, days)
    return PlanView(
        engagement=engagement,
        plan=plan,
        current=content,
        current_sha256=canonical_sha256(content),
        person_days=days,
        latest_review=latest_review(session, engagement.id),
        service_items=item_codes(scheme),
        service_model=service_model(scheme),
    )


def get_plan(session: Session, actor: Actor, engagement_id: uuid.UUID) -> PlanView:
    """The plan of an engagement I may see (a draft when none was written yet)."""
    return plan_view(session, _for(session, actor, engagement_id, Need.SEE))


def _check_sampling(
    session: Session, engagement: Engagement, sampling: Mapping[str, Any]
) -> dict[str, Any]:
    scheme = parsed_scheme(session.get_one(SchemeVersion, engagement.scheme_version_id))
    known = set(item_codes(scheme))
    items = list(sampling.get("service_items") or [])
    unknown = [c for c in items if c not in known]
    if unknown:
        raise _invalid("sampling", "Unknown service items for this scheme.", unknown_items=unknown)
    by_mode = _check_items_by_mode(engagement, scheme, sampling.get("items_by_mode") or {})
    site_ids = {str(s.site_id) for s in engagement.sites}
    targets = {str(t["site_id"]): int(t["target"]) for t in sampling.get("survey_targets") or []}
    outside = sorted(k for k in targets if k not in site_ids)
    if outside:
        raise _invalid(
            "sampling", "Survey targets must name the engagement's sites.", unknown_sites=outside
        )
    return {
        "service_items": items,
        "survey_targets": targets,
        "note": sampling.get("note", ""),
        **({"items_by_mode": by_mode} if by_mode else {}),
    }


def _check_items_by_mode(
    engagement: Engagement, scheme: Scheme, by_mode: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """Which service items each mode rates (§4.4.4 a) 审查抽样计划; seed 003: which items can be
    experienced unannounced, which are inspected openly): modes of the engagement, items of the
    scheme's service model, none left empty."""
    service = set(scheme.service.items) if scheme.service is not None else set()
    out: dict[str, list[str]] = {}
    for mode, codes in by_mode.items():
        if mode not in engagement.modes:
            raise _invalid("sampling", "Not a mode of this engagement.", unknown_modes=[mode])
        unknown = [c for c in codes if c not in service]
        if unknown:
            raise _invalid(
                "sampling", "Unknown service items for this scheme.", unknown_items=unknown
            )
        if not codes:
            raise _invalid("sampling", "Name the items of this mode, or leave the mode out.")
        out[mode] = list(codes)
    return out


def items_by_mode(plan: AuditPlan | None) -> dict[str, list[str]]:
    """The plan's service items per mode (empty: every mode rates every item)."""
    if plan is None:
        return {}
    found = (plan.sampling or {}).get("items_by_mode") or {}
    return {str(mode): [str(c) for c in codes] for mode, codes in found.items()}


def save_plan(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> tuple[PlanView, bool]:
    """Write the plan (the engagement's team leader); return it and whether it was re-issued.

    A plan the client has already received is issued again at once with the change (§4.4.4 c):
    变更情况书面通知受审查方): a new revision for the client to confirm.
    """
    engagement = _for(session, actor, engagement_id, Need.PLAN)
    if engagement.status.value not in ("planned", "fieldwork"):
        raise InvalidTransition(details={"status": engagement.status.value})
    plan = _plan_row(session, engagement.id)
    if plan is None:
        plan = AuditPlan(
            id=uuid.uuid4(),
            engagement_id=engagement.id,
            status=PlanStatus.DRAFT,
            revision=0,
            sampling={},
            extra_person_days=Decimal(0),
            extra_reason="",
            version=1,
            **{field: "" for field in TEXT_FIELDS},
        )
        session.add(plan)
    for field in (*TEXT_FIELDS, "extra_reason"):
        if field in changes:
            setattr(plan, field, changes[field])
    if "sampling" in changes:
        plan.sampling = _check_sampling(session, engagement, changes["sampling"])
    if "extra_person_days" in changes:
        plan.extra_person_days = changes["extra_person_days"]
    if "manual_person_days" in changes:
        plan.manual_person_days = changes["manual_person_days"]
    if plan.extra_person_days and not plan.extra_reason.strip():
        raise _invalid("extra_reason", "Say why more person-days are needed (§5.2.2).")
    plan.version += 1
    session.flush()
    record(
        session,
        actor=actor,
        action="audit_plan.saved",
        object_type="engagement",
        object_id=engagement.id,
        details={"fields": sorted(changes)},
        ip=ip,
    )
    view = plan_view(session, engagement)
    if plan.status is not PlanStatus.DRAFT and view.changed_since_issue:
        return _issue(session, actor, view, ip=ip), True
    return view, False


def issue_plan(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, ip: str | None = None
) -> PlanView:
    """Send the plan to the client for confirmation (§4.4.4 c)); again after any change."""
    engagement = _for(session, actor, engagement_id, Need.PLAN)
    view = plan_view(session, engagement)
    if view.plan is None:
        raise Conflict(details={"reason": "write the plan first"})
    if view.plan.status is not PlanStatus.DRAFT and not view.changed_since_issue:
        raise Conflict(details={"reason": "nothing changed since the last issue"})
    return _issue(session, actor, view, ip=ip)


def _issue(session: Session, actor: Actor, view: PlanView, *, ip: str | None) -> PlanView:
    plan = view.plan
    if plan is None:
        raise Conflict(details={"reason": "write the plan first"})
    missing = [f for f in ("purpose", "basis", "scope", "process") if not view.current[f].strip()]
    if missing:
        raise _invalid(
            "plan", "§4.4.4 a) needs these parts before the plan is sent.", missing=missing
        )
    if not view.current["sites"] or not view.current["team"]:
        raise _invalid("plan", "The plan needs the sites and the team (§4.4.4 a)).")
    if view.person_days.total is None:
        raise _invalid(
            "manual_person_days",
            "The scheme gives no person-days: enter them before sending the plan.",
        )
    review = view.latest_review
    if view.engagement.kind in _REVIEWED_KINDS and (
        review is None or review.outcome is DocumentReviewOutcome.RESUBMIT
    ):
        # §5.1.4 3): 符合要求后安排现场审查: no on-site plan before the documents pass.
        raise Conflict(
            details={
                "reason": "document_review_required"
                if review is None
                else "document_review_resubmit",
            }
        )
    was_confirmed = plan.confirmed_revision is not None
    plan.revision += 1
    plan.status = PlanStatus.ISSUED
    plan.issued = view.current
    plan.issued_sha256 = view.current_sha256
    plan.issued_at = utcnow()
    record(
        session,
        actor=actor,
        action="audit_plan.changed_after_confirmation" if was_confirmed else "audit_plan.issued",
        object_type="engagement",
        object_id=view.engagement.id,
        details={"revision": plan.revision, "sha256": plan.issued_sha256},
        ip=ip,
    )
    session.flush()
    return plan_view(session, view.engagement)


def confirm_plan(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    revision: int,
    ip: str | None = None,
) -> PlanView:
    """The client confirms an issued revision of the plan (§4.4.4 c)), from the portal."""
    engagement = client_engagement(session, actor, engagement_id)
    view = plan_view(session, engagement)
    plan = view.plan
    if plan is None or plan.status is PlanStatus.DRAFT:
        raise NotFound(details={"engagement_id": str(engagement_id), "reason": "no plan sent"})
    if revision != plan.revision:
        raise Conflict(
            details={"reason": "a newer revision was sent", "current_revision": plan.revision}
        )
    if plan.status is PlanStatus.CONFIRMED:
        raise InvalidTransition(details={"status": plan.status.value})
    plan.status = PlanStatus.CONFIRMED
    plan.confirmed_by_id = actor.user.id
    plan.confirmed_at = utcnow()
    plan.confirmed_revision = plan.revision
    record(
        session,
        actor=actor,
        action="audit_plan.confirmed",
        object_type="engagement",
        object_id=engagement.id,
        details={"revision": plan.revision, "sha256": plan.issued_sha256},
        ip=ip,
    )
    session.flush()
    return plan_view(session, engagement)


def client_engagement(session: Session, actor: Actor, engagement_id: uuid.UUID) -> Engagement:
    """An engagement of the client user's own client; 404 for anything else."""
    engagement = session.get(Engagement, engagement_id)
    if (
        engagement is None
        or engagement.organisation_id != actor.user.organisation_id
        or access.standing(session, actor, engagement) is not access.Standing.CLIENT
    ):
        raise NotFound(details={"engagement_id": str(engagement_id)})
    return engagement


def notify_client_users(session: Session, engagement: Engagement, revision: int) -> int:
    """Push "a plan to confirm" to the client's users (owed in the caller's transaction); the
    number queued."""
    from backend.push.models import PushSubscription
    from backend.push.services import message, notify_users
    from backend.users.models import User

    client_users = sa.select(User.id).where(
        User.client_id == engagement.client_id,
        User.role == Role.CLIENT_USER,
        User.is_active.is_(True),
    )
    changed = revision > 1
    return notify_users(
        session,
        PushSubscription.user_id.in_(client_users),
        message(
            "audit_plan.issued",
            title=(
                ("审查计划已变更", "The audit plan changed")
                if changed
                else ("请确认审查计划", "Please confirm the audit plan")
            ),
            body=(
                f"第 {revision} 版审查计划待您确认。",
                f"Revision {revision} of the audit plan awaits your confirmation.",
            ),
            url=f"/#/office/portal/plans/{engagement.id}",
            data={"engagement_id": str(engagement.id), "revision": str(revision)},
        ),
    )


def client_of(session: Session, engagement: Engagement) -> Client:
    return session.get_one(Client, engagement.client_id)
