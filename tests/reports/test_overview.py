"""GET /api/engagements/<id>/overview and …/charts/radar.svg: the engagement page's reads."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.surveys.models import Channel, SurveyCampaign, SurveyResponse, SurveySite
from tests.evaluations.helpers import World, add_member, make_world, record_evaluation, review


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session, modes=("A", "B", "E"))


def _overview(client: FlaskClient, world: World, who: Any = None) -> Any:
    who = who or world.leader
    return client.get(f"/api/engagements/{world.engagement.id}/overview", headers=who.headers)


def _campaign(db_session: Session, world: World) -> None:
    now = datetime.now(UTC)
    campaign = SurveyCampaign(
        organisation_id=world.organisation.id,
        engagement_id=world.engagement.id,
        title="顾客满意度调查",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
        questions=[{"item": "1.1", "zh": "服务是否及时", "en": "Timely?"}],
        created_by_id=world.leader.user.id,
    )
    campaign.sites = [
        SurveySite(site_id=world.site.id, code=uuid.uuid4().hex, target=30, position=0),
        SurveySite(site_id=world.other_site.id, code=uuid.uuid4().hex, target=20, position=1),
    ]
    db_session.add(campaign)
    db_session.flush()
    # One answer that counts and one flagged (too fast) that no auditor has included yet.
    for flags in ([], [{"code": "too_fast"}]):
        db_session.add(
            SurveyResponse(
                campaign_id=campaign.id,
                survey_site_id=campaign.sites[0].id,
                channel=Channel.ONLINE,
                answers={"1.1": 4},
                received_at=now,
                flags=flags,
            )
        )
    db_session.flush()


def test_the_overview_counts_modes_evaluations_visits_surveys_and_open_flags(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    _campaign(db_session, world)
    record_evaluation(client, db_session, world, {"1.1": {"level": 5}})  # B, accepted
    returned = record_evaluation(client, db_session, world, {"1.1": {"level": 4}}, outcome=())
    assert review(client, world.leader, returned, "return", "请补照片").status_code == 200
    waiting = record_evaluation(
        client, db_session, world, {"1.1": {"level": 3}}, by=world.auditor, outcome=()
    )

    response = _overview(client, world)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["evaluations"] == {
        "draft": 0,
        "submitted": 1,
        "accepted": 1,
        "returned": 1,
        "rejected": 0,
        "excluded": 0,
    }
    modes = {m["mode"]: m for m in body["modes"]}
    assert list(modes) == ["A", "B", "E"]
    assert modes["A"]["state"] == "open"  # one inspection waits for review
    assert modes["A"]["evaluations"]["submitted"] == 1
    assert modes["B"]["state"] == "open"  # a visit is returned, the first assignment still open
    assert modes["B"]["evaluations"]["accepted"] == 1
    assert modes["B"]["open_visits"] >= 1
    assert modes["E"]["state"] == "open"  # answers come in, the target is not reached
    assert (modes["E"]["survey_answers"], modes["E"]["survey_target"]) == (1, 50)
    assert modes["E"]["name"] == {"zh": "顾客调查", "en": "Customer survey"}
    assert (body["modes_done"], body["modes_open"]) == (0, 3)
    assert body["visits"]["assigned"] + body["visits"]["in_progress"] >= 1
    [survey] = body["surveys"]
    # Counted as the scores count them: the flagged answer is received, not counted.
    assert (survey["answers"], survey["received"], survey["target"]) == (1, 2, 50)
    assert (body["survey_answers"], body["survey_received"]) == (1, 2)
    assert [
        (s["site_name"], s["answers"], s["received"], s["target"]) for s in survey["sites"]
    ] == [
        ("南昌红谷滩门店", 1, 2, 30),
        ("南昌青山湖门店", 0, 0, 20),
    ]
    # The open flags are the integrity report's flags of the evaluation waiting for review.
    flags = body["integrity"]
    assert flags["evaluations_checked"] == 1
    report = client.get(f"/api/evaluations/{waiting}/integrity", headers=world.leader.headers)
    severities = Counter(f["severity"] for f in report.get_json()["flags"])
    assert (flags["alerts"], flags["warnings"], flags["infos"]) == (
        severities["alert"],
        severities["warning"],
        severities["info"],
    )
    assert flags["evaluations_flagged"] == (1 if severities else 0)
    # Computing them read the evaluator's GPS track: logged.
    logged = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "engagement.overview_read")
    ).all()
    assert len(logged) == 1
    # The query and a count, not every id (issue 13: entries stay small).
    assert logged[0].details["query"] == {"status": ["submitted"]}
    assert logged[0].details["count"] == 1
    assert "evaluation_ids" not in logged[0].details


def test_a_mode_is_done_when_measured_and_nothing_is_left_open(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    record_evaluation(
        client, db_session, world, {"1.1": {"level": 5}}, by=world.auditor
    )  # A, accepted
    body = _overview(client, world).get_json()
    states = {m["mode"]: m["state"] for m in body["modes"]}
    assert states["A"] == "done"
    assert body["modes_done"] == 1
    assert body["integrity"]["evaluations_checked"] == 0


def test_who_may_read_the_overview(client: FlaskClient, db_session: Session, world: World) -> None:
    codes = {
        name: _overview(client, world, getattr(world, name)).status_code
        for name in (
            "leader",
            "auditor",
            "reviewer",
            "outside_auditor",
            "shopper",
            "client_user",
            "admin",
        )
    }
    # Need.EVALUATIONS: the audit team and independent reviewers (the flags are their tools).
    assert codes == {
        "leader": 200,
        "auditor": 200,
        "reviewer": 200,
        "outside_auditor": 403,
        "shopper": 403,
        "client_user": 403,
        "admin": 403,
    }
    add_member(db_session, world.engagement, world.reviewer.user)
    conflict = _overview(client, world, world.reviewer)
    assert conflict.get_json()["code"] == "CONFLICT_OF_INTEREST"
    other = client.get(f"/api/engagements/{uuid.uuid4()}/overview", headers=world.leader.headers)
    assert other.status_code == 404


def test_the_radar_chart_is_the_scores_as_svg(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    record_evaluation(client, db_session, world, {"1.1": {"level": 5}, "1.2": {"level": 1}})
    url = f"/api/engagements/{world.engagement.id}/charts/radar.svg"
    scores = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.leader.headers
    ).get_json()

    response = client.get(url, headers={**world.client_user.headers, "Accept-Language": "zh-CN"})

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "<script" not in svg
    assert "各服务特性得分" in svg
    for row in scores["per_characteristic"]:
        shown = "—" if row["score"] is None else f"{row['score']:.2f}"
        assert shown in svg
    english = client.get(url, headers={**world.leader.headers, "Accept-Language": "en"})
    assert "Score per service characteristic" in english.get_data(as_text=True)
    # The page's language switch wins over the browser's (an <img> sends the browser's).
    chosen = client.get(f"{url}?lang=en", headers={**world.leader.headers, "Accept-Language": "zh"})
    assert "Score per service characteristic" in chosen.get_data(as_text=True)
    assert client.get(f"{url}?lang=fr", headers=world.leader.headers).status_code == 422
    assert client.get(url, headers=world.shopper.headers).status_code == 403
    assert client.get(url, headers=world.other_client_user.headers).status_code == 404
