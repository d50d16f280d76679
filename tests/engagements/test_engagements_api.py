"""/api/engagements and the membership helpers (reviewer independence, CQC §6.1, §6.2)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.engagements import services
from backend.engagements.models import (
    Engagement,
    EngagementMember,
    EngagementStatus,
    TeamRole,
)
from backend.errors import NotFound
from backend.users.models import Role
from tests.engagements.support import World, audit_entries, count
from tests.factories import (
    make_assignment,
    make_client,
    make_engagement,
    make_organisation,
    make_site,
    make_unit,
    make_user,
    sign_in,
)


def body(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "client_id": str(world.client.id),
        "scheme_version_id": str(world.scheme.id),
        "kind": "initial",
        "modes": ["E", "A", "B"],
        "title": "  2026 年初次认证  ",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-20",
        "auditor_ids": [str(world.other_auditor.id)],
        "site_ids": [str(world.site.id)],
        **overrides,
    }


# --------------------------------------------------------------------------- create


def test_a_team_leader_plans_an_engagement_and_leads_it(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.other_leader)

    response = client.post("/api/engagements", json=body(world))

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["title"] == "2026 年初次认证"
    assert answer["modes"] == ["A", "B", "E"]
    assert answer["kind"] == "initial" and answer["status"] == "planned"
    assert answer["client"] == {"id": str(world.client.id), "name": world.client.name}
    assert answer["scheme_version"]["id"] == str(world.scheme.id)
    assert answer["scheme_version"]["content_hash"] == world.scheme.content_hash
    assert answer["team"] == [
        {"user_id": str(world.other_leader.id), "display_name": "李组长", "team_role": "leader"},
        {"user_id": str(world.other_auditor.id), "display_name": "赵审查", "team_role": "auditor"},
    ]
    assert [s["id"] for s in answer["sites"]] == [str(world.site.id)]
    engagement_id = uuid.UUID(answer["id"])
    assert services.member_role(db_session, engagement_id, world.other_leader.id) is TeamRole.LEADER
    (entry,) = audit_entries(db_session, "engagement.created", engagement_id)
    assert entry.actor_id == world.other_leader.id
    assert entry.details["leader_id"] == str(world.other_leader.id)
    assert entry.details["modes"] == ["A", "B", "E"]


def test_an_administrator_names_the_team_leader(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.admin)

    without = client.post("/api/engagements", json=body(world))
    named = client.post("/api/engagements", json=body(world, leader_id=str(world.other_leader.id)))

    assert without.status_code == 422
    assert "leader_id" in without.get_json()["details"]
    assert named.status_code == 201
    leader = named.get_json()["team"][0]
    assert leader == {
        "user_id": str(world.other_leader.id),
        "display_name": "李组长",
        "team_role": "leader",
    }
    assert not services.is_member(db_session, uuid.UUID(named.get_json()["id"]), world.admin.id)


@pytest.mark.parametrize(
    "role", [Role.AUDITOR, Role.REVIEWER, Role.SHOPPER, Role.CLIENT_USER, Role.SCHEME_MANAGER]
)
def test_other_roles_may_not_plan_engagements(
    client: FlaskClient, db_session: Session, world: World, role: Role
) -> None:
    sign_in(client, world.user(role))

    response = client.post("/api/engagements", json=body(world))

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"
    assert count(db_session, Engagement) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget": 1}, "budget"),
        ({"modes": ["A", "Z"]}, "modes"),
        ({"modes": ["A", "A"]}, "modes"),
        ({"modes": []}, "modes"),
        ({"modes": "ABE"}, "modes"),
        ({"kind": "annual"}, "kind"),
        ({"title": " "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "审查\u0000"}, "title"),
        ({"starts_on": "2026-12-21"}, "ends_on"),
        ({"starts_on": "01/12/2026"}, "starts_on"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"auditor_ids": [str(uuid.UUID(int=1))] * 2}, "auditor_ids"),
    ],
)
def test_invalid_engagement_bodies_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    world: World,
    overrides: dict[str, Any],
    field: str,
) -> None:
    sign_in(client, world.other_leader)

    response = client.post("/api/engagements", json=body(world, **overrides))

    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert field in response.get_json()["details"]
    assert count(db_session, Engagement) == 1
    assert audit_entries(db_session, "engagement.created") == []


def test_references_must_be_records_of_the_organisation(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    stranger_org = make_organisation(db_session)
    stranger_client = make_client(db_session, organisation=stranger_org)
    stranger_auditor = make_user(db_session, role=Role.AUDITOR, organisation=stranger_org)
    second_client = make_client(db_session, organisation=world.organisation)
    foreign_site = make_site(db_session, unit=make_unit(db_session, client=second_client))
    inactive = make_user(
        db_session, role=Role.AUDITOR, organisation=world.organisation, is_active=False
    )
    sign_in(client, world.other_leader)

    cases = [
        ({"client_id": str(stranger_client.id)}, "client_id"),
        ({"client_id": str(uuid.uuid4())}, "client_id"),
        ({"scheme_version_id": str(uuid.uuid4())}, "scheme_version_id"),
        ({"leader_id": str(world.auditor.id)}, "leader_id"),
        ({"auditor_ids": [str(stranger_auditor.id)]}, "auditor_ids"),
        ({"auditor_ids": [str(world.shopper.id)]}, "auditor_ids"),
        ({"auditor_ids": [str(world.reviewer.id)]}, "auditor_ids"),
        ({"auditor_ids": [str(inactive.id)]}, "auditor_ids"),
        ({"auditor_ids": [str(world.other_leader.id)]}, "auditor_ids"),  # already the leader
        ({"site_ids": [str(foreign_site.id)]}, "site_ids"),
    ]
    for overrides, field in cases:
        response = client.post("/api/engagements", json=body(world, **overrides))
        assert response.status_code == 422, overrides
        assert field in response.get_json()["details"], overrides
    assert count(db_session, Engagement) == 1


# --------------------------------------------------------------------------- read


def listed(client: FlaskClient) -> set[str]:
    response = client.get("/api/engagements")
    assert response.status_code == 200
    return {e["id"] for e in response.get_json()}


def test_who_sees_which_engagement(client: FlaskClient, db_session: Session, world: World) -> None:
    theirs = make_engagement(
        db_session,
        client=world.client,
        leader=world.other_leader,
        auditors=[world.other_auditor],
    )
    make_engagement(db_session)  # another organisation's
    ours, other = str(world.engagement.id), str(theirs.id)

    expectations = {
        world.admin: {ours, other},
        world.leader: {ours},
        world.auditor: {ours},
        world.other_leader: {other},
        world.other_auditor: {other},
        # CQC §6.1, §6.2: reviewers see what they may review, never what they audited.
        world.reviewer: {ours, other},
        world.reviewer_on_team: {other},
    }
    for user, expected in expectations.items():
        sign_in(client, user)
        assert listed(client) == expected, user.display_name


def test_a_reviewer_who_was_on_the_team_cannot_open_the_engagement(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.reviewer_on_team)
    assert client.get(f"/api/engagements/{world.engagement.id}").status_code == 404
    sign_in(client, world.reviewer)
    assert client.get(f"/api/engagements/{world.engagement.id}").status_code == 200


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.CLIENT_USER, Role.SCHEME_MANAGER])
def test_shoppers_client_users_and_scheme_managers_see_no_engagements(
    client: FlaskClient, db_session: Session, world: World, role: Role
) -> None:
    sign_in(client, world.user(role))
    assert client.get("/api/engagements").status_code == 403
    assert client.get(f"/api/engagements/{world.engagement.id}").status_code == 403


def test_engagements_need_a_signed_in_user(client: FlaskClient, world: World) -> None:
    assert client.get("/api/engagements").status_code == 401
    assert client.get(f"/api/engagements/{world.engagement.id}").status_code == 401
    assert client.post("/api/engagements", json=body(world)).status_code == 401
    response = client.patch(f"/api/engagements/{world.engagement.id}", json={"title": "x"})
    assert response.status_code == 401


def test_one_engagement_with_team_and_sites(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.auditor)

    response = client.get(f"/api/engagements/{world.engagement.id}")

    assert response.status_code == 200
    answer = response.get_json()
    assert [m["team_role"] for m in answer["team"]] == ["leader", "auditor", "auditor"]
    assert {s["name"] for s in answer["sites"]} == {"一号场所", "二号场所"}


def test_another_organisations_engagement_is_not_found(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    theirs = make_engagement(db_session)
    sign_in(client, world.admin)
    for method in ("get", "patch"):
        response = getattr(client, method)(f"/api/engagements/{theirs.id}", json={"title": "x"})
        assert response.status_code == 404
        assert response.get_json()["code"] == "NOT_FOUND"


# --------------------------------------------------------------------------- update


def test_the_team_leader_changes_the_plan_and_the_change_is_audited(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.leader)

    response = client.patch(
        f"/api/engagements/{world.engagement.id}",
        json={"title": "改期后的审查", "ends_on": "2027-01-15", "modes": ["B", "A"]},
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "改期后的审查"
    assert response.get_json()["ends_on"] == "2027-01-15"
    assert response.get_json()["modes"] == ["A", "B"]
    (entry,) = audit_entries(db_session, "engagement.updated", world.engagement.id)
    assert entry.details["changes"]["ends_on"] == {"from": "2026-12-31", "to": "2027-01-15"}
    assert entry.details["changes"]["modes"] == {"from": ["A", "B", "E"], "to": ["A", "B"]}


def test_auditors_can_be_added_but_never_removed(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.leader)
    path = f"/api/engagements/{world.engagement.id}"
    current = [str(world.auditor.id), str(world.reviewer_on_team.id)]

    added = client.patch(path, json={"auditor_ids": [*current, str(world.other_auditor.id)]})
    removed = client.patch(path, json={"auditor_ids": [str(world.other_auditor.id)]})

    assert added.status_code == 200
    assert services.is_member(db_session, world.engagement.id, world.other_auditor.id)
    assert removed.status_code == 422
    assert set(removed.get_json()["details"]["removed"]) == set(current)
    assert services.is_member(db_session, world.engagement.id, world.auditor.id)
    (entry,) = audit_entries(db_session, "engagement.updated", world.engagement.id)
    assert entry.details["changes"] == {"auditors_added": [str(world.other_auditor.id)]}


def test_a_site_with_assignments_stays_in_the_engagement(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    make_assignment(db_session, engagement=world.engagement, site=world.site, shopper=world.shopper)
    sign_in(client, world.admin)
    path = f"/api/engagements/{world.engagement.id}"

    refused = client.patch(path, json={"site_ids": [str(world.other_site.id)]})
    accepted = client.patch(path, json={"site_ids": [str(world.site.id)]})

    assert refused.status_code == 409
    assert refused.get_json()["details"]["site_ids"] == [str(world.site.id)]
    assert accepted.status_code == 200
    assert [s["id"] for s in accepted.get_json()["sites"]] == [str(world.site.id)]


def test_dates_are_checked_against_the_stored_ones(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.leader)
    response = client.patch(
        f"/api/engagements/{world.engagement.id}", json={"starts_on": "2027-02-01"}
    )
    assert response.status_code == 422
    assert "ends_on" in response.get_json()["details"]


@pytest.mark.parametrize("user", ["auditor", "other_leader"])
def test_only_the_engagements_own_leader_or_an_admin_changes_it(
    client: FlaskClient, db_session: Session, world: World, user: str
) -> None:
    sign_in(client, getattr(world, user))
    response = client.patch(f"/api/engagements/{world.engagement.id}", json={"title": "x"})
    # The auditor's role may not edit at all (403); another team leader does not see it (404).
    assert response.status_code == (403 if user == "auditor" else 404)
    db_session.refresh(world.engagement)
    assert world.engagement.title != "x"


def test_a_team_leader_on_the_team_as_auditor_may_not_change_it(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    db_session.add(
        EngagementMember(
            engagement_id=world.engagement.id,
            user_id=world.other_leader.id,
            team_role=TeamRole.AUDITOR,
        )
    )
    db_session.commit()
    sign_in(client, world.other_leader)

    response = client.patch(f"/api/engagements/{world.engagement.id}", json={"title": "x"})

    assert response.status_code == 403


def test_a_decided_engagement_is_no_longer_planned(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    world.engagement.status = EngagementStatus.DECIDED
    db_session.commit()
    sign_in(client, world.leader)

    response = client.patch(f"/api/engagements/{world.engagement.id}", json={"title": "x"})

    assert response.status_code == 409
    assert response.get_json()["code"] == "INVALID_TRANSITION"


def test_patch_refuses_unknown_fields_and_a_new_scheme_pin(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.leader)
    response = client.patch(
        f"/api/engagements/{world.engagement.id}",
        json={"scheme_version_id": str(uuid.uuid4())},
    )
    assert response.status_code == 422
    assert "scheme_version_id" in response.get_json()["details"]


# --------------------------------------------------------------------------- service helpers


def test_membership_helpers(db_session: Session, world: World) -> None:
    engagement_id = world.engagement.id
    assert services.member_role(db_session, engagement_id, world.leader.id) is TeamRole.LEADER
    assert services.member_role(db_session, engagement_id, world.auditor.id) is TeamRole.AUDITOR
    assert services.member_role(db_session, engagement_id, world.reviewer.id) is None
    assert services.is_member(db_session, engagement_id, world.reviewer_on_team.id)
    assert not services.is_member(db_session, engagement_id, world.reviewer.id)
    assert not services.is_member(db_session, uuid.uuid4(), world.leader.id)


def test_get_engagement_for_hides_what_the_actor_may_not_see(
    db_session: Session, world: World
) -> None:
    found = services.get_engagement_for(db_session, Actor(world.auditor), world.engagement.id)
    assert found.id == world.engagement.id
    for user in (world.other_auditor, world.reviewer_on_team, world.shopper, world.client_user):
        with pytest.raises(NotFound):
            services.get_engagement_for(db_session, Actor(user), world.engagement.id)
