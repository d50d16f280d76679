"""GET /api/engagements/<id>/report.pdf: contents, the provisional mark, who may read it."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.engagements.models import AssignmentStatus, EngagementStatus
from backend.organisations.models import OrganisationSettings
from backend.reports import engagement as report_service
from tests.evaluations.helpers import (
    Person,
    World,
    add_member,
    make_world,
    record_evaluation,
)
from tests.reports.pdfcheck import assert_fonts_embedded, text

HEADINGS = (
    "服务认证测评报告",
    "一、基本信息",
    "二、服务特性测评得分",
    "三、各服务特性得分",
    "四、各认证模式得分",
    "五、各服务场所得分",
    "六、测评记录真实性核查汇总",
    "七、认证决定",
)


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def _get(client: FlaskClient, who: Person, world: World) -> Any:
    return client.get(f"/api/engagements/{world.engagement.id}/report.pdf", headers=who.headers)


def _flat(pdf: bytes) -> str:
    """The PDF's text without white space (table cells wrap, extraction adds spaces)."""
    return re.sub(r"\s+", "", text(pdf))


def _has(content: str, phrase: str) -> bool:
    return re.sub(r"\s+", "", phrase) in content


def test_the_report_prints_scores_tables_chart_and_flags(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    # 1.1 at α 1 (5 of 5), 1.2 at α 0.2 (1.4 of 7): 53.33; the other site 100 (1.2 N/A).
    record_evaluation(client, db_session, world, {"1.1": {"level": 5}, "1.2": {"level": 1}})
    record_evaluation(
        client,
        db_session,
        world,
        {"1.1": {"level": 5}, "1.2": {"na": True, "reason": "无此设施"}},
        by=world.auditor,
        site=world.other_site,
    )
    record_evaluation(client, db_session, world, {"1.1": {"level": 1}}, outcome=())

    response = _get(client, world.leader, world)

    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    pdf = response.data
    assert_fonts_embedded(pdf)
    content = _flat(pdf)
    positions = [content.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    for expected in (
        world.engagement.title,
        "南昌红谷滩门店",
        "南昌青山湖门店",
        "76.67",  # (53.33 + 100) / 2: the mean of the per-evaluation scores (§5.1.2)
        "53.33",
        "100.00",
        "A 公开的服务特性检验",
        "B 神秘顾客（暗访）的服务特性检验",
        "计入测评 2 次",
        "对计入得分的 2 份测评记录",
        "到访位置（地理围栏）",
        "尚未作出认证决定",
        # Still incomplete: one visit waits for review, the engagement is only planned.
        "阶段性结果",
        "1 份测评记录已提交、尚待复核",
        "审查尚未结束",
        world.leader.user.display_name,
    ):
        assert _has(content, expected), expected


def test_complete_results_are_not_marked_provisional(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    record_evaluation(client, db_session, world, {"1.1": {"level": 4}})
    record_evaluation(
        client, db_session, world, {"1.1": {"level": 5}}, by=world.auditor, site=world.other_site
    )
    world.assignment.status = AssignmentStatus.CANCELLED
    world.engagement.status = EngagementStatus.REVIEW
    db_session.commit()

    content = _flat(_get(client, world.leader, world).data)

    assert "阶段性结果" not in content
    assert "90.00" in content  # (80 + 100) / 2


def test_an_engagement_without_results_says_so(client: FlaskClient, world: World) -> None:
    response = _get(client, world.auditor, world)

    assert response.status_code == 200
    content = _flat(response.data)
    assert "阶段性结果" in content
    assert "尚无通过复核并计入得分的测评" in content
    assert _has(content, "1 项神秘顾客暗访任务尚未完成")
    assert "暂无数据" in content or "—" in content
    assert "未进行真实性核查" in content


def test_a_site_and_a_mode_without_results_are_named(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    record_evaluation(client, db_session, world, {"1.1": {"level": 4}})

    content = _flat(_get(client, world.leader, world).data)

    assert _has(content, "以下抽样场所尚无计入得分的测评：南昌青山湖门店")
    assert _has(content, "以下认证模式尚无计入得分的测评：A（公开的服务特性检验）")


def test_reading_the_report_is_logged(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    record_evaluation(client, db_session, world, {"1.1": {"level": 4}})

    assert _get(client, world.reviewer, world).status_code == 200

    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "engagement.report_read")
    ).one()
    assert entry.actor_id == world.reviewer.user.id
    # Which evaluations: the query and a count, not every id (issue 13: entries stay small).
    assert (entry.object_type, entry.object_id) == ("engagement", str(world.engagement.id))
    assert entry.details["query"] == {"counted_in_scores": True}
    assert entry.details["count"] == 1
    assert "evaluation_ids" not in entry.details
    assert entry.details["fields"] == ["gps_fixes"]


@pytest.fixture
def decision() -> Iterator[None]:
    def source(session: Session, engagement_id: uuid.UUID) -> report_service.DecisionSummary:
        return report_service.DecisionSummary(
            outcome="批准认证注册", decided_on=date(2027, 1, 8), decided_by="周决定"
        )

    report_service.decision_sources.append(source)
    yield
    report_service.decision_sources.remove(source)


@pytest.mark.usefixtures("decision")
def test_the_decision_is_printed_once_recorded(client: FlaskClient, world: World) -> None:
    content = _flat(_get(client, world.leader, world).data)

    assert "批准认证注册" in content and "2027年1月8日" in content and "周决定" in content
    assert "尚未作出认证决定" not in content


def test_who_may_read_the_report(client: FlaskClient, db_session: Session, world: World) -> None:
    on_team_reviewer = Person(world.reviewer.user, world.reviewer.device, world.reviewer.headers)
    codes = {
        "leader": _get(client, world.leader, world).status_code,
        "auditor": _get(client, world.auditor, world).status_code,
        "reviewer": _get(client, world.reviewer, world).status_code,
        "outside_auditor": _get(client, world.outside_auditor, world).status_code,
        "shopper": _get(client, world.shopper, world).status_code,
        "client_user": _get(client, world.client_user, world).status_code,
        "admin": _get(client, world.admin, world).status_code,
    }
    assert codes == {
        "leader": 200,
        "auditor": 200,
        "reviewer": 200,
        "outside_auditor": 403,
        "shopper": 403,
        "client_user": 403,
        "admin": 403,
    }
    # A reviewer who was on the audit team may not read it (CQC rule §6.1, §6.2).
    add_member(db_session, world.engagement, world.reviewer.user)
    conflict = _get(client, on_team_reviewer, world)
    assert conflict.status_code == 403
    assert conflict.get_json()["code"] == "CONFLICT_OF_INTEREST"
    other = client.get(f"/api/engagements/{uuid.uuid4()}/report.pdf", headers=world.leader.headers)
    assert other.status_code == 404


def test_the_organisation_settings_give_the_letterhead(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    logo = io.BytesIO()
    Image.new("RGB", (90, 30), "#1f4e9a").save(logo, format="PNG")
    db_session.add(
        OrganisationSettings(
            organisation_id=world.organisation.id,
            address="江西省南昌市红谷滩区学府大道 1 号",
            logo=logo.getvalue(),
            logo_media_type="image/png",
            logo_sha256=hashlib.sha256(logo.getvalue()).hexdigest(),
            logo_width=90,
            logo_height=30,
        )
    )
    db_session.commit()

    pdf = _get(client, world.leader, world).data

    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert "学府大道 1 号" in page.extract_text()
        assert world.organisation.name in page.extract_text()
        objects = page["/Resources"].get("/XObject") or {}
        assert any(x.get_object().get("/Subtype") == "/Image" for x in objects.values())
