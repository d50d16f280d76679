"""The engagement access table (standing × need) and the independence rule it carries.

CQC rule §6.1, §6.2: whoever reviews or decides an engagement was not on its audit team. The
grid below restates ``ALLOWED`` cell by cell, so that a change to who may do what is a change to
this test too; the properties after it hold whatever the grid says.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.access import (
    ALLOWED,
    ON_TEAM,
    Need,
    Standing,
    allows,
    refusal,
    require,
    standing,
    standing_for,
    visible,
)
from backend.engagements.models import Engagement, TeamRole
from backend.errors import ConflictOfInterest, Forbidden, NotFound
from backend.users.models import Role, User
from tests.engagements.support import World
from tests.factories import make_client, make_organisation, make_user

#: x: allowed; .: refused. Columns in ``Standing`` order.
GRID = """
             admin leader team outsider independent conflicted client other_client none
see            x     x     x      .          x           .        .        .        .
plan           x     x     .      .          .           .        .        .        .
assign         .     x     .      .          .           .        .        .        .
assignments    x     x     x      .          .           .        .        .        .
team_work      .     x     x      .          .           .        .        .        .
evaluations    .     x     x      .          x           .        .        .        .
results        x     x     x      .          x           .        x        .        .
responses      x     x     x      .          x           .        .        .        .
analysis       x     x     x      .          x           .        x        .        .
review         .     .     .      .          x           .        .        .        .
decide         .     .     .      .          x           .        .        .        .
"""


def _grid() -> dict[Need, frozenset[Standing]]:
    header, *rows = GRID.strip().splitlines()
    standings = [Standing(name) for name in header.split()]
    grid = {}
    for row in rows:
        need, *cells = row.split()
        assert len(cells) == len(standings), row
        grid[Need(need)] = frozenset(
            s for s, cell in zip(standings, cells, strict=True) if cell == "x"
        )
    return grid


def test_the_table_is_the_grid() -> None:
    assert set(ALLOWED) == set(Need)
    assert _grid() == dict(ALLOWED)


@pytest.mark.parametrize("need", [Need.REVIEW, Need.DECIDE])
def test_nobody_who_was_on_the_team_reviews_or_decides(need: Need) -> None:
    """CQC §6.1 (review) and §6.2 (decision): only a reviewer never on the team."""
    assert ALLOWED[need] == {Standing.INDEPENDENT}
    assert not ALLOWED[need] & ON_TEAM


@pytest.mark.parametrize("nobody", [Standing.CONFLICTED, Standing.OUTSIDER, Standing.NONE])
def test_some_standings_are_allowed_nothing(nobody: Standing) -> None:
    assert [need for need in Need if allows(nobody, need)] == []


def test_clients_read_results_and_aggregates_only() -> None:
    assert {need for need in Need if allows(Standing.CLIENT, need)} == {
        Need.RESULTS,
        Need.ANALYSIS,
    }
    assert [need for need in Need if allows(Standing.OTHER_CLIENT, need)] == []


@pytest.mark.parametrize(
    ("role", "team_role", "own_client", "expected"),
    [
        (Role.ADMIN, None, False, Standing.ADMIN),
        (Role.TEAM_LEADER, TeamRole.LEADER, False, Standing.LEADER),
        (Role.TEAM_LEADER, TeamRole.AUDITOR, False, Standing.TEAM),
        (Role.TEAM_LEADER, None, False, Standing.OUTSIDER),
        (Role.AUDITOR, TeamRole.AUDITOR, False, Standing.TEAM),
        (Role.AUDITOR, None, False, Standing.OUTSIDER),
        (Role.REVIEWER, None, False, Standing.INDEPENDENT),
        # An auditor on the team, made a reviewer since: still not independent of it.
        (Role.REVIEWER, TeamRole.AUDITOR, False, Standing.CONFLICTED),
        (Role.REVIEWER, TeamRole.LEADER, False, Standing.CONFLICTED),
        (Role.CLIENT_USER, None, True, Standing.CLIENT),
        (Role.CLIENT_USER, None, False, Standing.OTHER_CLIENT),
        (Role.SHOPPER, None, False, Standing.NONE),
        (Role.SCHEME_MANAGER, None, False, Standing.NONE),
    ],
)
def test_standing_for(
    role: Role, team_role: TeamRole | None, own_client: bool, expected: Standing
) -> None:
    assert standing_for(role, team_role, own_client=own_client) is expected


def _actor(role: Role) -> Actor:
    return Actor(User(id=uuid.uuid4(), role=role, display_name="x", email="x@example.cn"))


@pytest.mark.parametrize(
    ("standing_", "role", "need", "error", "details"),
    [
        (Standing.CONFLICTED, Role.REVIEWER, Need.EVALUATIONS, ConflictOfInterest, None),
        (Standing.CONFLICTED, Role.REVIEWER, Need.DECIDE, ConflictOfInterest, None),
        (Standing.CONFLICTED, Role.REVIEWER, Need.PLAN, Forbidden, {"need": "plan"}),
        (Standing.OTHER_CLIENT, Role.CLIENT_USER, Need.RESULTS, NotFound, None),
        (Standing.OTHER_CLIENT, Role.CLIENT_USER, Need.EVALUATIONS, Forbidden, None),
        (
            Standing.OUTSIDER,
            Role.AUDITOR,
            Need.EVALUATIONS,
            Forbidden,
            {"reason": "not_on_the_audit_team"},
        ),
        (
            Standing.TEAM,
            Role.AUDITOR,
            Need.ASSIGN,
            Forbidden,
            {"reason": "only the engagement's team leader may do this"},
        ),
        (Standing.ADMIN, Role.ADMIN, Need.REVIEW, Forbidden, {"role": "admin", "need": "review"}),
    ],
)
def test_refusal_says_what_the_actor_may_learn(
    standing_: Standing,
    role: Role,
    need: Need,
    error: type[Exception],
    details: dict[str, str] | None,
) -> None:
    assert not allows(standing_, need)
    engagement = Engagement(id=uuid.uuid4())
    refused = refusal(_actor(role), engagement, standing_, need)
    assert type(refused) is error
    if error is ConflictOfInterest:
        assert refused.details == {"engagement_id": str(engagement.id)}
    if details is not None:
        assert details.items() <= refused.details.items()


# --------------------------------------------------------------------------- on the database


def _standings(db_session: Session, world: World) -> dict[str, tuple[User, Standing]]:
    other_client = make_client(db_session, organisation=world.organisation, name="另一家委托人")
    stranger = make_user(
        db_session, role=Role.CLIENT_USER, organisation=world.organisation, display_name="钱其他"
    )
    stranger.client_id = other_client.id
    db_session.commit()
    return {
        "admin": (world.admin, Standing.ADMIN),
        "leader": (world.leader, Standing.LEADER),
        "auditor": (world.auditor, Standing.TEAM),
        "other_leader": (world.other_leader, Standing.OUTSIDER),
        "other_auditor": (world.other_auditor, Standing.OUTSIDER),
        "reviewer": (world.reviewer, Standing.INDEPENDENT),
        "reviewer_on_team": (world.reviewer_on_team, Standing.CONFLICTED),
        "client_user": (world.client_user, Standing.CLIENT),
        "other_client_user": (stranger, Standing.OTHER_CLIENT),
        "shopper": (world.shopper, Standing.NONE),
        "scheme_manager": (world.scheme_manager, Standing.NONE),
    }


def test_standing_of_the_worlds_people(db_session: Session, world: World) -> None:
    people = _standings(db_session, world)
    found = {
        name: standing(db_session, Actor(user), world.engagement)
        for name, (user, _) in people.items()
    }
    assert found == {name: expected for name, (_, expected) in people.items()}


@pytest.mark.parametrize("need", list(Need))
def test_the_query_and_the_check_agree(db_session: Session, world: World, need: Need) -> None:
    """``visible`` (lists) lets in exactly whom ``require`` (one engagement) lets in."""
    for name, (user, expected) in _standings(db_session, world).items():
        actor = Actor(user)
        listed = world.engagement.id in set(e.id for e in db_session.scalars(visible(actor, need)))
        try:
            granted = require(db_session, actor, world.engagement.id, need)
        except (Forbidden, NotFound, ConflictOfInterest):
            checked = False
        else:
            checked = True
            assert granted.standing is expected, name
        assert listed == checked == allows(expected, need), (name, need)


def test_another_organisations_engagement_does_not_exist(db_session: Session, world: World) -> None:
    outsider = make_user(
        db_session, role=Role.ADMIN, organisation=make_organisation(db_session), display_name="外"
    )
    with pytest.raises(NotFound):
        require(db_session, Actor(outsider), world.engagement.id, Need.SEE)
    assert list(db_session.scalars(visible(Actor(outsider), Need.SEE))) == []
