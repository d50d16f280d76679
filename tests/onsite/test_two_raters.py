"""Two raters (seed 003): paired by the team leader, sealed ratings, flagged differences,
reconciliation, only the agreed evaluation counts (§5.1.2), agreement per rater pair.

TBSC034 item points: 1.1 = 5, 1.2 = 7, 7.1 = 8; a bare level counts as its band's upper bound
(level 5 → α 1, level 4 → 0.8, level 3 → 0.6).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.users.models import Role
from tests.evaluations.helpers import Person, World, add_member, make_world, person


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


@pytest.fixture
def second(db_session: Session, world: World) -> Person:
    other = person(db_session, Role.AUDITOR, world.organisation)
    add_member(db_session, world.engagement, other.user)
    return other


def pair_up(client: FlaskClient, world: World, a: Person, b: Person) -> str:
    pair_id = str(uuid.uuid4())
    body = {
        "engagement_id": str(world.engagement.id),
        "site_id": str(world.site.id),
        "mode": "A",
        "rater_ids": [str(a.user.id), str(b.user.id)],
    }
    made = client.put(f"/api/rater-pairs/{pair_id}", json=body, headers=world.leader.headers)
    assert made.status_code == 201, made.get_json()
    return pair_id


def rate(
    client: FlaskClient, world: World, who: Person, pair_id: str, ratings: dict[str, Any]
) -> str:
    record_id = str(uuid.uuid4())
    body = {
        "engagement_id": str(world.engagement.id),
        "kind": "pair_rating",
        "content": {"pair_id": pair_id, "ratings": ratings},
        "submit": True,
    }
    made = client.put(f"/api/onsite-records/{record_id}", json=body, headers=who.headers)
    assert made.status_code == 201, made.get_json()
    return record_id


A_RATINGS = {"1.1": {"level": 5}, "1.2": {"level": 4}, "7.1": {"level": 3}}
B_RATINGS = {"1.1": {"level": 5}, "1.2": {"level": 3}, "7.1": {"level": 3}}


def test_only_the_team_leader_pairs_team_members(
    client: FlaskClient, world: World, second: Person
) -> None:
    body = {
        "engagement_id": str(world.engagement.id),
        "site_id": str(world.site.id),
        "mode": "A",
        "rater_ids": [str(world.auditor.user.id), str(world.outside_auditor.user.id)],
    }
    by_auditor = client.put(
        f"/api/rater-pairs/{uuid.uuid4()}", json=body, headers=world.auditor.headers
    )
    assert by_auditor.status_code == 403
    outsider = client.put(
        f"/api/rater-pairs/{uuid.uuid4()}", json=body, headers=world.leader.headers
    )
    assert outsider.status_code == 422
    assert "rater_ids" in outsider.get_json()["details"]


def test_ratings_are_sealed_until_both_submitted_then_differences_are_flagged(
    client: FlaskClient, world: World, second: Person
) -> None:
    pair_id = pair_up(client, world, world.auditor, second)
    first = rate(client, world, world.auditor, pair_id, A_RATINGS)
    # The other rater (and the team leader) may not read it yet.
    sealed = client.get(f"/api/onsite-records/{first}", headers=second.headers)
    assert sealed.status_code == 403
    assert sealed.get_json()["details"]["reason"] == "ratings_sealed_until_both_submitted"
    view = client.get(f"/api/rater-pairs/{pair_id}", headers=second.headers).get_json()
    assert view["status"] == "rating" and view["ratings"] is None
    # Reconciling before both submitted is refused.
    early = client.put(
        f"/api/rater-pairs/{pair_id}/reconciliation",
        json={"items": {}},
        headers=world.auditor.headers,
    )
    assert early.status_code == 409
    rate(client, world, second, pair_id, B_RATINGS)
    view = client.get(f"/api/rater-pairs/{pair_id}", headers=second.headers).get_json()
    assert view["status"] == "both_submitted"
    assert view["differing"] == ["1.2"]
    # 3 items, 2 equal: exact 2/3; |diff| 0+1+0 → 1/3.
    assert view["agreement"]["items"] == 3
    assert view["agreement"]["exact"] == pytest.approx(2 / 3)
    assert view["agreement"]["mean_abs_difference"] == pytest.approx(1 / 3)
    assert client.get(f"/api/onsite-records/{first}", headers=second.headers).status_code == 200


def test_the_reconciled_evaluation_is_the_one_that_counts(
    client: FlaskClient, world: World, second: Person
) -> None:
    pair_id = pair_up(client, world, world.auditor, second)
    rate(client, world, world.auditor, pair_id, A_RATINGS)
    rate(client, world, second, pair_id, B_RATINGS)
    items: dict[str, Any] = {code: {"rating": r} for code, r in A_RATINGS.items()}
    missing_talk = client.put(
        f"/api/rater-pairs/{pair_id}/reconciliation",
        json={"items": items},
        headers=world.auditor.headers,
    )
    assert missing_talk.status_code == 422
    assert "items.1.2.discussion" in missing_talk.get_json()["details"]
    items["1.2"] = {"rating": {"level": 4}, "discussion": "复看照片：设备完好，取高于预期"}
    done = client.put(
        f"/api/rater-pairs/{pair_id}/reconciliation",
        json={"items": items},
        headers=world.auditor.headers,
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "reconciled"
    again = client.put(
        f"/api/rater-pairs/{pair_id}/reconciliation",
        json={"items": items},
        headers=world.auditor.headers,
    )
    assert again.status_code == 200
    scores = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.leader.headers
    ).get_json()
    # One person: (5 × 1 + 7 × 0.8 + 8 × 0.6) / (5 + 7 + 8) × 100 = 15.4 / 20 × 100 = 77.
    assert scores["evaluations_counted"] == 1
    assert [e["source"] for e in scores["evaluations"]] == ["reconciled_pair"]
    assert scores["overall"]["score"] == pytest.approx(77)


def test_the_pairing_and_the_reconciliation_sent_again_are_recorded_once(
    client: FlaskClient, db_session: Session, world: World, second: Person
) -> None:
    """The field app sends both through its outbox, which repeats a request whose answer was
    lost: the same PUT again answers what is stored (the pair's id, which the phone checks),
    adds no row and no audit entry; a different one under the same id is refused."""
    pair_id = pair_up(client, world, world.auditor, second)
    body = {
        "engagement_id": str(world.engagement.id),
        "site_id": str(world.site.id),
        "mode": "A",
        "rater_ids": [str(second.user.id), str(world.auditor.user.id)],
    }
    again = client.put(f"/api/rater-pairs/{pair_id}", json=body, headers=world.leader.headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == pair_id
    other = client.put(
        f"/api/rater-pairs/{pair_id}", json={**body, "mode": "B"}, headers=world.leader.headers
    )
    assert other.status_code == 409
    assert other.get_json()["code"] == "IDEMPOTENCY_CONFLICT"

    rate(client, world, world.auditor, pair_id, A_RATINGS)
    rate(client, world, second, pair_id, B_RATINGS)
    items: dict[str, Any] = {code: {"rating": r} for code, r in A_RATINGS.items()}
    items["1.2"] = {"rating": {"level": 4}, "discussion": "复看照片后取 4"}
    answers = [
        client.put(
            f"/api/rater-pairs/{pair_id}/reconciliation",
            json={"items": items, "notes": "一致"},
            headers=world.leader.headers,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.get_json()["id"] for a in answers] == [pair_id, pair_id]
    assert answers[1].get_json()["reconciliation"] == answers[0].get_json()["reconciliation"]
    changed = client.put(
        f"/api/rater-pairs/{pair_id}/reconciliation",
        json={"items": {**items, "7.1": {"rating": {"level": 2}}}, "notes": "一致"},
        headers=world.leader.headers,
    )
    assert changed.status_code == 409
    assert changed.get_json()["code"] == "INVALID_TRANSITION"
    for action in ("rater_pair.created", "rater_pair.reconciled"):
        entries = db_session.query(AuditEntry).filter_by(action=action, object_id=pair_id)
        assert entries.count() == 1, action


def test_agreement_per_rater_pair_across_engagements(
    client: FlaskClient, world: World, second: Person
) -> None:
    pair_id = pair_up(client, world, world.auditor, second)
    rate(client, world, world.auditor, pair_id, A_RATINGS)
    rate(client, world, second, pair_id, B_RATINGS)
    answer = client.get("/api/rater-pairs/agreement", headers=world.leader.headers)
    assert answer.status_code == 200, answer.get_json()
    (row,) = answer.get_json()
    assert {r["user_id"] for r in row["raters"]} == {
        str(world.auditor.user.id),
        str(second.user.id),
    }
    assert row["items"] == 3 and row["engagements"] == 1
    # Levels (5,5) (4,3) (3,3), k = 5, w = 1 - |i-j|/4. Observed (1 + 0.75 + 1)/3 = 11/12.
    # Marginals A: 5,4,3 each 1/3; B: 5 (1/3), 3 (2/3).
    # Chance: 1/3·1/3·(w55 + w45 + w35) + 1/3·2/3·(w53 + w43 + w33)
    #       = 1/9·(1 + 0.75 + 0.5) + 2/9·(0.5 + 0.75 + 1) = 2.25/9 + 4.5/9 = 0.75.
    # κ = (11/12 - 3/4) / (1/4) = (2/12) / (1/4) = 2/3.
    assert row["kappa"] == pytest.approx(2 / 3)


def test_a_pair_rates_only_the_items_the_plan_gives_its_mode(
    client: FlaskClient, world: World, second: Person
) -> None:
    # Seed 003: the team decides which items are inspected openly (A) and which are experienced
    # unannounced (B); the plan's sampling records it (§4.4.4 a)), and a pair of mode A rates
    # only A's items.
    plan = f"/api/engagements/{world.engagement.id}/plan"
    wrong_mode = client.patch(
        plan, json={"sampling": {"items_by_mode": {"C": ["1.1"]}}}, headers=world.leader.headers
    )
    wrong_item = client.patch(
        plan, json={"sampling": {"items_by_mode": {"A": ["9.9"]}}}, headers=world.leader.headers
    )
    saved = client.patch(
        plan,
        json={"sampling": {"items_by_mode": {"A": ["1.1", "1.2", "7.1"], "B": ["2.1"]}}},
        headers=world.leader.headers,
    )
    assert wrong_mode.status_code == 422
    assert wrong_mode.get_json()["details"]["unknown_modes"] == ["C"]
    assert wrong_item.status_code == 422
    assert wrong_item.get_json()["details"]["unknown_items"] == ["9.9"]
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["current"]["sampling"]["items_by_mode"]["B"] == ["2.1"]

    # The phone learns it with the engagement's packet (cached for offline use).
    packet = client.get(
        f"/api/fieldapp/engagements/{world.engagement.id}/packet",
        headers=world.auditor.headers,
    ).get_json()
    assert packet["items_by_mode"] == {"A": ["1.1", "1.2", "7.1"], "B": ["2.1"]}

    pair_id = pair_up(client, world, world.auditor, second)
    refused = client.put(
        f"/api/onsite-records/{uuid.uuid4()}",
        json={
            "engagement_id": str(world.engagement.id),
            "kind": "pair_rating",
            "content": {"pair_id": pair_id, "ratings": {**A_RATINGS, "2.1": {"level": 4}}},
            "submit": True,
        },
        headers=world.auditor.headers,
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["details"]) == ["content.ratings.2.1"]
    rate(client, world, world.auditor, pair_id, A_RATINGS)


def test_the_plan_offers_the_schemes_service_items_by_characteristic(
    client: FlaskClient, world: World
) -> None:
    # What the office plan editor lists per mode: every service item of TBSC034 once, under its
    # characteristic (Annex 1's chapters), in the scheme's order; conformity clauses are not
    # service items and are not offered.
    plan = client.get(
        f"/api/engagements/{world.engagement.id}/plan", headers=world.leader.headers
    ).get_json()
    groups = plan["service_model"]
    codes = [item["code"] for group in groups for item in group["items"]]
    assert len(codes) == len(set(codes)) and {"1.1", "1.2", "7.1"} <= set(codes)
    assert [g["code"] for g in groups] == sorted(g["code"] for g in groups)
    first = groups[0]
    assert [i["code"] for i in first["items"]][:2] == ["1.1", "1.2"]
    assert first["title"]["zh"] and first["title"]["en"]
    assert all(item["title"]["zh"] for group in groups for item in group["items"])
    assert set(codes) <= set(plan["service_items"])
