"""Demo data of the audit on site (``make run``): a completed management audit on the demo
TBSC034 engagement, and a demo CQC engagement with clause judgements and timing rows.

Recorded by the demo auditor and accepted by the demo team leader through the same services as
the API, under fixed ids, so that a second run writes nothing (replays answer the stored records).

TBSC034 (Annex 3): the eight 2/4/6/8/10 clauses at level 4 (8 × 8 = 64) and the thirteen others
at level 3 (13 × 3 = 39): total 103, management level 4 (95 ≤ t < 105).
CQC (§5.2.3): 4.3.1 完全符合 (4), 4.3.2 部分符合 with its suggestion (2), 4.4.2 不符合 (0, a
nonconformity): final (4 + 2 + 0) / 3 = 2, below the pass mark 3.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.clients.models import Client, Site
from backend.engagements import services as engagements
from backend.engagements.models import Engagement, EngagementKind
from backend.evaluations.content import load_scheme_version
from backend.onsite import records
from backend.onsite.models import OnsiteAuditRecord, RecordStatus
from backend.schemes.models import SchemeVersion
from backend.scoring.model import ManagementModel

DEMO_CQC_ENGAGEMENT = "江西某污水处理工程有限公司 城市消防远程监控系统运行服务认证（演示）"
DEMO_CQC_SCHEME = "cqc83-831102-2025"
#: Fixed namespace: the demo records' ids are derived from their engagement's id.
_NAMESPACE = uuid.UUID("4c1d0f3e-5a0b-4d7e-9c55-0b6d2f1a7e11")


def _id(engagement: Engagement, name: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{engagement.id}:{name}")


def _management(model: ManagementModel) -> dict[str, Any]:
    clauses: dict[str, Any] = {}
    for code, clause in model.clauses.items():
        heavy = clause.points_by_level is not None and clause.points_by_level[-1] == 10
        clauses[code] = {
            "level": 4 if heavy else 3,
            "note": "查阅制度文件与运行记录，访谈项目负责人" if heavy else "查阅制度文件",
            "evidence": [],
        }
    return {"clauses": clauses, "exemption": None, "notes": "管理要求审核（演示数据）"}


def _row(n: int, clause: str, item: str, received: str, sent: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"timing-row-{n}")),
        "clause": clause,
        "item": item,
        "received": received,
        "sent": sent,
        "note": "",
    }


def _conformity(day: str, next_day: str) -> dict[str, Any]:
    return {
        "clauses": {
            "4.3.1": {"judgement": "full", "note": "火警转发均在 3 s 内"},
            "4.3.2": {
                "judgement": "partial",
                "suggestion": "优化异常状态信息的转发队列，对超过 10 s 的转发设置平台内告警",
                "note": "3 条中 2 条符合时限",
            },
            "4.4.2": {
                "judgement": "non",
                "finding": "1 号用户信息传输装置断开通信后 180 s 才告警，超过 100 s 的要求",
                "note": "抽查 1 台装置",
            },
        },
        "timing": [
            _row(
                1,
                "4.3.1",
                "1号楼3层感烟探测器火警",
                f"{day}T09:15:02+08:00",
                f"{day}T09:15:04+08:00",
            ),
            _row(
                2,
                "4.3.1",
                "2号楼1层手动报警按钮",
                f"{day}T09:20:10.120+08:00",
                f"{day}T09:20:13.120+08:00",
            ),
            _row(
                3,
                "4.3.2",
                "消防水箱（池）的水位异常报警",
                f"{day}T23:59:58.250+08:00",
                f"{next_day}T00:00:04+08:00",
            ),
            _row(
                4,
                "4.3.2",
                "消防水泵控制柜（箱）电源故障",
                f"{day}T10:00:00+08:00",
                f"{day}T10:00:10+08:00",
            ),
            _row(
                5,
                "4.3.2",
                "室外消火栓低压力异常报警",
                f"{day}T10:05:00+08:00",
                f"{day}T10:05:12+08:00",
            ),
            _row(
                6,
                "4.4.2",
                "1号用户信息传输装置通信故障",
                f"{day}T11:00:00+08:00",
                f"{day}T11:03:00+08:00",
            ),
        ],
        "notes": "现场审查：条款符合性与时效检查（演示数据）",
    }


def _accepted(
    session: Session,
    auditor: Actor,
    leader: Actor,
    engagement: Engagement,
    record_id: uuid.UUID,
    kind: str,
    content: dict[str, Any],
) -> None:
    existing = session.get(OnsiteAuditRecord, record_id)
    if existing is None:
        payload = {"engagement_id": engagement.id, "kind": kind, "content": content, "submit": True}
        records.create_record(session, auditor, record_id, payload)
        existing = session.get_one(OnsiteAuditRecord, record_id)
    if existing.status is RecordStatus.SUBMITTED:
        records.review_record(
            session,
            leader,
            record_id,
            action="accept",
            comment=None,
            expected_version=existing.version,
        )


def load_onsite_demo(
    session: Session,
    leader: Actor,
    auditor: Actor,
    client: Client,
    sites: Sequence[Site],
    engagement: Engagement,
    now: datetime,
) -> None:
    """The accepted management audit of ``engagement`` and the demo CQC engagement's audit."""
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    if scheme.management is not None:
        _accepted(
            session,
            auditor,
            leader,
            engagement,
            _id(engagement, "management"),
            "management",
            _management(scheme.management),
        )
    cqc = session.scalars(
        sa.select(Engagement).where(
            Engagement.organisation_id == leader.user.organisation_id,
            Engagement.title == DEMO_CQC_ENGAGEMENT,
        )
    ).first()
    if cqc is None:
        version = session.scalars(
            sa.select(SchemeVersion)
            .where(SchemeVersion.scheme_id == DEMO_CQC_SCHEME)
            .order_by(SchemeVersion.imported_at.desc())
        ).first()
        if version is None:
            return
        today = now.date()
        cqc = engagements.create_engagement(
            session,
            leader,
            client_id=client.id,
            scheme_version_id=version.id,
            kind=EngagementKind.INITIAL,
            modes=("A", "E", "G"),
            title=DEMO_CQC_ENGAGEMENT,
            starts_on=today,
            ends_on=today + timedelta(days=60),
            auditor_ids=[auditor.user.id],
            site_ids=[site.id for site in sites],
        )
    # The timing checks were made on the audit's first day (a fixed date: replays match).
    day = cqc.created_at.date() if cqc.created_at else now.date()
    content = _conformity(day.isoformat(), (day + timedelta(days=1)).isoformat())
    _accepted(session, auditor, leader, cqc, _id(cqc, "conformity"), "conformity", content)
