"""The one test world: an organisation's people, a client with a unit and two sites, an engagement.

The engagement tests and the survey tests used to build their own copies of it; both now call
`build_world` and differ only in what they ask for (site names, modes, who else is on the team).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backend.clients.models import CertificationUnit, Client, Site
from backend.engagements.models import Engagement
from backend.schemes.models import SchemeVersion
from backend.users.models import Organisation, Role, User
from tests.factories import (
    make_client,
    make_engagement,
    make_organisation,
    make_scheme_version,
    make_site,
    make_unit,
    make_user,
)


@dataclass
class World:
    organisation: Organisation
    client: Client
    unit: CertificationUnit
    site: Site
    other_site: Site
    scheme: SchemeVersion
    admin: User
    leader: User
    auditor: User
    #: On the team only when the world was built with ``second_auditor_on_team``.
    second_auditor: User
    other_leader: User
    other_auditor: User
    reviewer: User
    #: A reviewer who was on the audit team (e.g. promoted from auditor afterwards).
    reviewer_on_team: User
    shopper: User
    other_shopper: User
    client_user: User
    scheme_manager: User
    engagement: Engagement

    def user(self, role: Role) -> User:
        """The world's (non-member, where it matters) user of a role."""
        return {
            Role.ADMIN: self.admin,
            Role.SCHEME_MANAGER: self.scheme_manager,
            Role.TEAM_LEADER: self.other_leader,
            Role.AUDITOR: self.other_auditor,
            Role.REVIEWER: self.reviewer,
            Role.SHOPPER: self.shopper,
            Role.CLIENT_USER: self.client_user,
        }[role]


def build_world(
    db_session: Session,
    *,
    site_names: tuple[str, str] = ("一号场所", "二号场所"),
    modes: Sequence[str] = ("A", "B", "E"),
    second_auditor_on_team: bool = False,
) -> World:
    """Build and commit the world (also on a database of a test's own)."""
    organisation = make_organisation(db_session)
    client = make_client(db_session, organisation=organisation, name="江西某污水处理工程有限公司")
    unit = make_unit(db_session, client=client)
    site = make_site(db_session, unit=unit, name=site_names[0])
    other_site = make_site(db_session, unit=unit, name=site_names[1])

    def user(role: Role, name: str) -> User:
        return make_user(db_session, role=role, organisation=organisation, display_name=name)

    leader = user(Role.TEAM_LEADER, "张组长")
    auditor = user(Role.AUDITOR, "刘审查")
    second_auditor = user(Role.AUDITOR, "吴审查")
    reviewer_on_team = user(Role.REVIEWER, "曾在组复核")
    client_user = user(Role.CLIENT_USER, "孙委托")
    client_user.client_id = client.id
    team = [auditor, second_auditor] if second_auditor_on_team else [auditor]
    engagement = make_engagement(
        db_session,
        client=client,
        leader=leader,
        auditors=[*team, reviewer_on_team],
        sites=[site, other_site],
        modes=modes,
    )
    built = World(
        organisation=organisation,
        client=client,
        unit=unit,
        site=site,
        other_site=other_site,
        scheme=make_scheme_version(db_session),
        admin=user(Role.ADMIN, "王管理"),
        leader=leader,
        auditor=auditor,
        second_auditor=second_auditor,
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
    db_session.commit()
    return built
