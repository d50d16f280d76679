"""The certified demo engagement (issue 12), loaded by ``fieldcert demo load`` (backend.demo).

A second engagement of the demo client taken the whole way, through the real services: two
open inspections (mode A) by the demo auditor, each with a site photo through the evidence
pipeline, accepted by the demo team leader; the on-site management ratings; the review (CQC
rule §6.1) and the decision (§6.2) by the demo reviewer, who is not on the team; the certificate
(§6.3, §9) issued by the demo administrator and sealed with the body's key. ``demo logins``
prints its verification URL, the address its QR code opens. Created once: a later load finds it
by its title and leaves it alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.certificates.models import Certificate
from backend.clients.models import Client, Site
from backend.engagements import services as engagements
from backend.engagements.models import Engagement, EngagementKind
from backend.schemes.models import SchemeVersion
from backend.users.models import Role, User

#: Issue 12: a second engagement of the demo client, audited, reviewed, decided and certified,
#: so that the whole path to a certificate (and its public page /c/<token>) can be seen at once.
DEMO_CERTIFIED_ENGAGEMENT = (
    "江西某污水处理工程有限公司 城镇污水处理厂工程施工服务认证（初次认证，已获证）"
)
#: The on-site audit ended this many days before the load (the certificate is due within 30
#: days of it, CQC rule §6.3).
DEMO_CERTIFIED_AUDIT_DAYS_AGO = 12
#: The open inspections' ratings (experience level 1–5 per item, scheme Annex 1): mostly
#: excellent, a few items good.
DEMO_GOOD_ITEMS = frozenset({"2.2", "4.1", "6.3"})


def load_certified_demo(
    session: Session,
    users: Mapping[Role, User],
    client: Client,
    sites: Sequence[Site],
    now: datetime,
    scheme_id: str,
) -> None:
    """The certified demo engagement, through the real services: two open inspections (A) by
    the demo auditor with a site photo each, accepted by the team leader; the on-site
    management ratings; the review and decision by the demo reviewer (not on the team, CQC
    §6.1, §6.2); the certificate issued by the administrator (§6.3, §9). Created once: a later
    run finds it by its title and leaves it alone."""
    existing = session.scalars(
        sa.select(Engagement).where(
            Engagement.organisation_id == client.organisation_id,
            Engagement.title == DEMO_CERTIFIED_ENGAGEMENT,
        )
    ).first()
    if existing is not None:
        return
    from backend.certificates import services as certificates
    from backend.certificates.keys import load_or_create_private_key
    from backend.decisions import services as decisions
    from backend.decisions.file import CHECKLIST_KEYS
    from backend.evaluations.content import load_scheme_version

    admin, leader = Actor(users[Role.ADMIN]), Actor(users[Role.TEAM_LEADER])
    auditor, reviewer = Actor(users[Role.AUDITOR]), Actor(users[Role.REVIEWER])
    scheme_row = session.scalars(
        sa.select(SchemeVersion)
        .where(SchemeVersion.scheme_id == scheme_id)
        .order_by(SchemeVersion.imported_at.desc())
    ).first()
    if scheme_row is None:
        raise click.ClickException(f"scheme {scheme_id} was not imported")
    scheme = load_scheme_version(session, scheme_row.id)
    if scheme.service is None or scheme.management is None:
        raise click.ClickException(f"scheme {scheme_id} lost its models")
    ended = now.date() - timedelta(days=DEMO_CERTIFIED_AUDIT_DAYS_AGO)
    engagement = engagements.create_engagement(
        session,
        leader,
        client_id=client.id,
        scheme_version_id=scheme_row.id,
        kind=EngagementKind.INITIAL,
        # Only what was done: the two open inspections (A).
        modes=("A",),
        title=DEMO_CERTIFIED_ENGAGEMENT,
        starts_on=ended - timedelta(days=1),
        ends_on=ended,
        auditor_ids=[users[Role.AUDITOR].id],
        site_ids=[site.id for site in sites],
    )
    ratings = {
        code: {"level": 4 if code in DEMO_GOOD_ITEMS else 5} for code in scheme.service.items
    }
    for number, site in enumerate(sites):
        _demo_inspection(session, auditor, leader, engagement, site, ratings, ended, number)
    decisions.record_on_site(
        session, leader, engagement.id, {"management": dict.fromkeys(scheme.management.clauses, 5)}
    )
    decisions.submit_review(
        session,
        reviewer,
        engagement.id,
        {key: {"confirmed": True, "note": "已核对原始记录"} for key in CHECKLIST_KEYS},
        "recommend",
        "测评记录、现场审查记录与得分一致，资料齐全，推荐认证。",
    )
    decisions.decide(
        session, reviewer, engagement.id, True, "服务特性与服务管理均满足认证要求，同意认证。"
    )
    key = load_or_create_private_key(Path(_config()["FIELDCERT_SIGNING_KEY_FILE"]))
    certificates.issue(session, admin, engagement.id, key)


def _config() -> Mapping[str, Any]:
    """The app's settings; outside an app (tests loading the demo), the environment's."""
    if has_app_context():
        return current_app.config
    from backend.config import load_settings

    # A SECRET_KEY override keeps load_settings from writing a key file (none is used here).
    return load_settings(overrides={"SECRET_KEY": "unused"}).flask_config()


def _demo_inspection(
    session: Session,
    auditor: Actor,
    leader: Actor,
    engagement: Engagement,
    site: Site,
    ratings: dict[str, dict[str, int]],
    day: date,
    number: int,
) -> None:
    """One open inspection (mode A) with a site photo, submitted and accepted."""
    from backend.evaluations.review import review_evaluation
    from backend.evaluations.schemas import EvaluationCreateSchema
    from backend.evaluations.services import create_evaluation

    started = datetime.combine(day, time(1 + 3 * number, 30), tzinfo=UTC)  # 09:30 Beijing
    photo = _demo_photo(session, auditor, f"{site.name} 现场照片", started, site, number)
    payload = EvaluationCreateSchema().load(
        {
            "engagement_id": str(engagement.id),
            "site_id": str(site.id),
            "mode": "A",
            "ratings": ratings,
            "notes": "公开审查：现场查看施工围挡、安全文明施工与资料管理，与项目经理面谈。",
            "item_notes": {},
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(hours=2)).isoformat(),
            "gps_fixes": [
                {
                    "latitude": site.latitude,
                    "longitude": site.longitude,
                    "accuracy_m": 8.0,
                    "captured_at": (started + timedelta(minutes=5)).isoformat(),
                }
            ],
            "evidence": [{"evidence_id": str(photo), "item": None}],
            "submit": True,
        }
    )
    evaluation_id = uuid.uuid5(_DEMO_NAMESPACE, f"inspection {engagement.id} {number}")
    create_evaluation(session, auditor, evaluation_id, payload)
    review_evaluation(
        session, leader, evaluation_id, action="accept", comment=None, expected_version=1
    )


_DEMO_NAMESPACE = uuid.UUID("0b8f5a3e-4c1d-4f57-9a0e-2f6c1d9b7e21")


def _demo_photo(
    session: Session, auditor: Actor, title: str, at: datetime, site: Site, number: int
) -> uuid.UUID:
    """A small JPEG standing for a site photo, through the evidence pipeline."""
    import hashlib
    import io

    from PIL import Image, ImageDraw

    from backend.evidence import services as evidence
    from backend.evidence.storage import StorageSettings

    image = Image.new("RGB", (640, 480), (70 + 40 * number, 120, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 260, 600, 440), fill=(200, 200, 190))
    draw.text((50, 40), f"fieldcert demo site photo {number + 1}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    data = buffer.getvalue()
    evidence_id = uuid.uuid5(_DEMO_NAMESPACE, title)
    evidence.upload(
        session,
        auditor,
        evidence_id=evidence_id,
        sha256=hashlib.sha256(data).hexdigest(),
        body=io.BytesIO(data),
        content_length=len(data),
        capture=evidence.Capture(
            captured_at=at + timedelta(minutes=10),
            latitude=site.latitude,
            longitude=site.longitude,
            accuracy_m=8.0,
            original_filename=f"{title}.jpg",
        ),
        storage=StorageSettings.from_config(_config()).build(),
        limits=evidence.EvidenceLimits(),
    )
    return evidence_id


def demo_certificate(session: Session) -> Certificate | None:
    """The certified demo engagement's certificate, if loaded."""
    return session.scalars(
        sa.select(Certificate)
        .join(Engagement, Engagement.id == Certificate.engagement_id)
        .where(Engagement.title == DEMO_CERTIFIED_ENGAGEMENT)
    ).first()


def demo_verification_url(session: Session) -> str | None:
    """The address its QR code opens (/c/<token> with the signed seal), or None."""
    from backend.certificates.pdf import verification_url

    certificate = demo_certificate(session)
    if certificate is None:
        return None
    base = str(_config().get("FIELDCERT_PUBLIC_URL") or DEMO_BASE_URL).rstrip("/")
    return verification_url(base, certificate.token, certificate.payload)


#: Where ``make run`` serves (Makefile: http://127.0.0.1:$PORT, 5000 by default).
DEMO_BASE_URL = "http://127.0.0.1:5000"
