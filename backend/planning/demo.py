"""Demo planning work (``fieldcert demo load``): something on the team leader's and the client
user's homes.

On the demo engagement: the accepted application it came from (application form, registration
proof and declaration as small PDFs through the evidence pipeline), a document review that is
fit (§5.1.4 1)), and the audit plan sent to the client (revision 1, waiting for the demo client
user's confirmation, §4.4.4 c)). Besides: a second application of the demo client, received and
not reviewed yet, missing its declaration (the team leader's next review, §4.3).

Idempotent: each part is created when missing and left alone otherwise (no audit entry on a
second run). Rows here are not counted in the load's tally.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import CertificationUnit, Client
from backend.config import load_settings
from backend.engagements.models import Engagement, EngagementKind
from backend.evidence import services as evidence
from backend.evidence.storage import Storage, StorageSettings
from backend.planning import applications, document_reviews, plans
from backend.planning.models import (
    Application,
    AuditPlan,
    DocumentReviewOutcome,
    DocumentType,
)
from backend.schemes.models import SchemeVersion
from backend.unit_of_work import flush_as_stored

#: Fixed ids (uuid5) so a second run finds the same uploads (the pipeline replays them).
_NAMESPACE = uuid.UUID("5b0e7a52-7f0c-4f7e-9a57-6a1f1d3c9e10")
DEMO_PLANNED_NOTE = "演示：初次认证申请（已受理，已策划审查）"
DEMO_PENDING_NOTE = "演示：履约能力服务认证申请（待评审）"
DEMO_PLAN = {
    "purpose": (
        "初次认证审查：评价服务提供者的服务特性与服务管理是否符合认证依据，作出推荐认证的结论。"
    ),
    "basis": "CTS TBSC034-2026《城镇污水处理厂工程施工服务认证技术规范》；认证合同。",
    "scope": "城镇污水处理厂工程施工服务（两个在建项目部）。",
    "process": (
        "1. 神秘顾客暗访（B），先于公开审查进行，不预先通知；\n"
        "2. 首次会议；公开的服务特性检验（A）；\n"
        "3. 顾客调查（E）：各项目部张贴二维码海报，截止后抽取 10% 回访；\n"
        "4. 末次会议，通报审查发现。"
    ),
    "departments": "工程管理部、质量安全部、项目部",
}


def _pdf(title: str) -> bytes:
    """A small, complete PDF standing for a scanned document (its title in a comment)."""
    return (
        b"%PDF-1.4\n% " + title.encode("utf-8") + b"\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _storage() -> Storage:
    """The app's evidence storage; outside a request or CLI app, the one the settings name."""
    if has_app_context():
        from backend.evidence.routes import storage_for

        return storage_for(current_app)
    # A SECRET_KEY override only keeps load_settings from writing a key file: none is used here.
    config = load_settings(overrides={"SECRET_KEY": "unused"}).flask_config()
    return StorageSettings.from_config(config).build()


def _upload(session: Session, actor: Actor, title: str) -> uuid.UUID:
    data = _pdf(title)
    evidence_id = uuid.uuid5(_NAMESPACE, title)
    evidence.upload(
        session,
        actor,
        evidence_id=evidence_id,
        sha256=hashlib.sha256(data).hexdigest(),
        body=io.BytesIO(data),
        content_length=len(data),
        capture=evidence.Capture(original_filename=f"{title}.pdf"),
        storage=_storage(),
        limits=evidence.EvidenceLimits(),
    )
    return evidence_id


def _application(
    session: Session,
    leader: Actor,
    client: Client,
    unit: CertificationUnit,
    scheme: SchemeVersion,
    note: str,
    documents: dict[DocumentType, str],
    received: datetime,
) -> Application:
    found = session.scalars(
        sa.select(Application).where(Application.client_id == client.id, Application.note == note)
    ).first()
    if found is not None:
        return found
    application = applications.create_application(
        session,
        leader,
        client_id=client.id,
        scheme_version_id=scheme.id,
        kind=EngagementKind.INITIAL,
        unit_ids=[unit.id],
        received_on=received.date(),
        note=note,
    )
    flush_as_stored(session)
    for doc_type, title in documents.items():
        evidence_id = _upload(session, leader, title)
        applications.add_document(
            session, leader, application.id, evidence_id=evidence_id, doc_type=doc_type, title=title
        )
    flush_as_stored(session)
    return application


def load_planning_demo(
    session: Session,
    leader: Actor,
    client: Client,
    unit: CertificationUnit,
    engagement: Engagement,
    now: datetime,
) -> None:
    """The demo's application, document review and issued plan (see the module docstring)."""
    scheme = session.get_one(SchemeVersion, engagement.scheme_version_id)
    planned = _application(
        session,
        leader,
        client,
        unit,
        scheme,
        DEMO_PLANNED_NOTE,
        {
            DocumentType.APPLICATION_FORM: "服务认证申请书",
            DocumentType.REGISTRATION_PROOF: "营业执照（副本）",
            DocumentType.AUTHENTICITY_DECLARATION: "申报材料真实性声明",
        },
        now - timedelta(days=20),
    )
    if planned.reviewed_at is None:
        applications.review_application(session, leader, planned.id, accepted=True)
    if (
        planned.engagement_id is None
        and session.scalar(
            sa.select(Application.id).where(Application.engagement_id == engagement.id)
        )
        is None
    ):
        planned.engagement_id = engagement.id
    flush_as_stored(session)

    if plans.latest_review(session, engagement.id) is None:
        document_reviews.record_document_review(
            session,
            leader,
            engagement.id,
            outcome=DocumentReviewOutcome.FIT,
            findings="申请文件、服务规范和管理制度齐全有效，可进行现场审查。",
        )
        flush_as_stored(session)
    if (
        session.scalar(sa.select(AuditPlan.id).where(AuditPlan.engagement_id == engagement.id))
        is None
    ):
        plans.save_plan(
            session,
            leader,
            engagement.id,
            {
                **DEMO_PLAN,
                # CTS TBSC034 gives no person-days: the team leader's figure (docs/planning.md).
                "manual_person_days": 4,
                "sampling": {
                    "service_items": ["1.1", "1.2", "2.1", "3.1", "4.1", "5.1", "6.1", "7.1"],
                    "survey_targets": [
                        {"site_id": link.site_id, "target": 30} for link in engagement.sites
                    ],
                    "note": "两个项目部全部抽样（初次审查全覆盖，§4.4.4 b)）。",
                    # Seed 003: which items are inspected openly (A: the equipment, the site,
                    # competence, safety and the written service norms) and which are
                    # experienced unannounced (B: how the people serve).
                    "items_by_mode": {
                        "A": [
                            "1.1",
                            "1.2",
                            "1.3",
                            "2.1",
                            "2.2",
                            "2.3",
                            "3.2",
                            "3.3",
                            "4.2",
                            "4.3",
                            "5.2",
                            "5.3",
                            "6.2",
                            "6.3",
                            "7.1",
                        ],
                        "B": ["1.1", "2.1", "3.1", "4.1", "5.1", "6.1"],
                    },
                },
            },
        )
        plans.issue_plan(session, leader, engagement.id)
        flush_as_stored(session)

    other = session.scalars(
        sa.select(SchemeVersion)
        .where(SchemeVersion.scheme_id == "cts-tbsc134-2026")
        .order_by(SchemeVersion.imported_at.desc())
    ).first()
    if other is not None:
        _application(
            session,
            leader,
            client,
            unit,
            other,
            DEMO_PENDING_NOTE,
            {
                DocumentType.APPLICATION_FORM: "履约能力服务认证申请书",
                DocumentType.REGISTRATION_PROOF: "营业执照（副本，2026 年）",
            },
            now - timedelta(days=2),
        )
