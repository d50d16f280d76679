"""GET /api/engagements/<id>/scores: accepted evaluations only, mean of per-evaluation scores.

Expected numbers are worked out by hand from TBSC034 Annex 1 (item points 1.1 = 5, 1.2 = 7,
7.1 = 8) and §5.1.1's bands read as their upper bound (level 5 → α 1, level 1 → α 0.2).
"""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.evaluations.helpers import (
    World,
    make_world,
    record_evaluation,
)
from tests.factories import make_engagement, make_scheme_version


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def test_scores_are_the_mean_of_accepted_per_evaluation_scores(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    # E1: 1.1 at α 1 (5 of 5) and 1.2 at α 0.2 (1.4 of 7): 6.4 / 12 = 53.33…
    e1 = record_evaluation(client, db_session, world, {"1.1": {"level": 5}, "1.2": {"level": 1}})
    # E2, another site: 1.2 not applicable, so 5 / 5 = 100.
    e2 = record_evaluation(
        client,
        db_session,
        world,
        {"1.1": {"level": 5}, "1.2": {"na": True, "reason": "无此设施"}},
        site=world.other_site,
    )
    # E3, an auditor's open inspection (mode A): 7.1 at α 0.5, 4 / 8 = 50.
    e3 = record_evaluation(client, db_session, world, {"7.1": {"alpha": 0.5}}, by=world.auditor)
    # Not counted: still submitted, rejected, accepted then excluded (all would drag it down).
    record_evaluation(client, db_session, world, {"1.1": {"level": 1}}, outcome=())
    record_evaluation(client, db_session, world, {"1.1": {"level": 1}}, outcome=("reject",))
    record_evaluation(
        client, db_session, world, {"1.1": {"level": 1}}, outcome=("accept", "exclude")
    )

    response = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.leader.headers
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["scheme"]["id"] == "cts-tbsc034-2026"
    assert body["accepted_evaluations"] == 3
    assert body["evaluations_counted"] == 3
    # (160/3 + 100 + 50) / 3 = 610/9 = 67.78, not the pooled 15.4 / 25 = 61.6.
    assert body["overall"]["exact"] == "610/9"
    assert body["overall"]["score"] == pytest.approx(67.7778, abs=1e-4)
    assert body["overall"]["method"] == "mean_of_evaluations"
    numbers = body["overall"]["explanation"]["numbers"]
    assert numbers["pooled_ratio_for_comparison"] == "61.60"
    assert "均值" in body["overall"]["explanation"]["zh"]
    by_id = {e["id"]: e for e in body["evaluations"]}
    assert set(by_id) == {str(e1), str(e2), str(e3)}
    assert by_id[str(e1)]["exact"] == "160/3"
    assert by_id[str(e2)]["score"] == 100.0
    assert by_id[str(e2)]["not_applicable"] == {"1.2": "无此设施"}
    assert by_id[str(e3)]["score"] == 50.0
    assert by_id[str(e3)]["mode"] == "A"
    sites = {s["site_id"]: s for s in body["per_site"]}
    # Site A: (160/3 + 50) / 2 = 155/3; site B: 100.
    assert sites[str(world.site.id)]["exact"] == "155/3"
    assert sites[str(world.site.id)]["evaluations_counted"] == 2
    assert sites[str(world.other_site.id)]["score"] == 100.0
    modes = {m["mode"]: m for m in body["per_mode"]}
    assert modes["B"]["exact"] == "230/3"  # (160/3 + 100) / 2
    assert modes["B"]["evaluations_counted"] == 2
    assert modes["A"]["score"] == 50.0
    chars = {c["code"]: c for c in body["per_characteristic"]}
    assert chars["1"]["exact"] == "230/3"  # E1 53.33 and E2 100; E3 rated nothing of 1
    assert chars["1"]["title"]["zh"] == "功能性"
    assert chars["7"]["score"] == 50.0
    assert chars["2"]["score"] is None


def test_no_accepted_evaluation_means_no_score(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    record_evaluation(client, db_session, world, {"1.1": {"level": 5}}, outcome=())

    body = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.reviewer.headers
    ).get_json()

    assert body["accepted_evaluations"] == 0
    assert body["overall"]["score"] is None
    assert body["evaluations"] == []


def test_an_engagement_whose_scheme_rates_no_items_has_no_service_score(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    cqc = make_engagement(
        db_session,
        leader=world.leader.user,
        scheme_version=make_scheme_version(db_session, name="cqc83-831102-2025.yaml"),
    )

    response = client.get(f"/api/engagements/{cqc.id}/scores", headers=world.leader.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["scheme"]["id"].startswith("cqc")
    assert body["overall"]["score"] is None
    assert "no service-characteristic items" in body["overall"]["explanation"]["en"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("auditor", 200),
        ("reviewer", 200),
        ("client_user", 200),  # their own client's engagement
        ("other_client_user", 404),
        ("outside_auditor", 403),
        ("shopper", 403),
        ("admin", 200),  # issue 9 C10
    ],
)
def test_who_may_see_scores(client: FlaskClient, world: World, who: str, status: int) -> None:
    response = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=getattr(world, who).headers
    )

    assert response.status_code == status


def test_the_administrator_reads_scores_and_results(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    """Issue 9 C10: the administrator may read an engagement's scores and results (was 403)."""
    accepted = record_evaluation(
        client, db_session, world, {"1.1": {"level": 5}, "1.2": {"level": 1}}
    )
    record_evaluation(client, db_session, world, {"1.1": {"level": 1}}, outcome=("return",))
    url = f"/api/engagements/{world.engagement.id}"

    scores = client.get(f"{url}/scores", headers=world.admin.headers)
    results = client.get(f"{url}/results", headers=world.admin.headers)

    assert scores.status_code == 200, scores.get_json()
    leaders = client.get(f"{url}/scores", headers=world.leader.headers).get_json()
    assert scores.get_json() == leaders
    assert scores.get_json()["overall"]["exact"] == "160/3"  # 6.4 / 12 × 100, accepted only
    assert results.status_code == 200, results.get_json()
    assert [r["id"] for r in results.get_json()] == [str(accepted)]
    assert "evaluator" not in results.get_json()[0]


def test_scores_of_an_unknown_engagement_are_not_found(client: FlaskClient, world: World) -> None:
    response = client.get(f"/api/engagements/{uuid.uuid4()}/scores", headers=world.leader.headers)

    assert response.status_code == 404
