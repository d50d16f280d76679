"""A small field-work world: one organisation's people, a client with two sites, an engagement."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from backend.engagements.models import EngagementMember, TeamRole
from backend.users.models import Role, User
from tests.engagements.support import World
from tests.factories import (
    make_client,
    make_engagement,
    make_organisation,
    make_scheme_version,
    make_site,
    make_unit,
    make_user,
)


@pytest.fixture
def world(db_session: Session) -> World:
    organisation = make_organisation(db_session)
    client = make_client(db_session, organisation=organisation, name="江西某污水处理工程有限公司")
    unit = make_unit(db_session, client=client)
    site = make_site(db_session, unit=unit, name="一号场所")
    other_site = make_site(db_session, unit=unit, name="二号场所")

    def user(role: Role, name: str) -> User:
        return make_user(db_session, role=role, organisation=organisation, display_name=name)

    leader = user(Role.TEAM_LEADER, "张组长")
    auditor = user(Role.AUDITOR, "刘审查")
    reviewer_on_team = user(Role.REVIEWER, "曾在组复核")
    client_user = user(Role.CLIENT_USER, "孙委托")
    client_user.client_id = client.id
    engagement = make_engagement(
        db_session, client=client, leader=leader, auditors=[auditor], sites=[site, other_site]
    )
    db_session.add(
        EngagementMember(
            engagement_id=engagement.id, user_id=reviewer_on_team.id, team_role=TeamRole.AUDITOR
        )
    )
    db_session.commit()
    return World(
        organisation=organisation,
        client=client,
        unit=unit,
        site=site,
        other_site=other_site,
        scheme=make_scheme_version(db_session),
        admin=user(Role.ADMIN, "王管理"),
        leader=leader,
        auditor=auditor,
        other_leader=user(Role.TEAM_LEADER, "李组长"),
        other_auditor=user(Role.AUDITOR, "赵审查"),
        reviewer=user(Role.REVIEWER, "陈复核"),
        reviewer_on_team=reviewer_on_team,
        shopper=user(Role.SHOPPER, "周暗访"),
        other_shopper=user(Role.SHOPPER, "吴暗访"),
        client_user=client_user,
        scheme_manager=user(Role.SCHEME_MANAGER, "李方案"),
        engagement=engagement,
    )
