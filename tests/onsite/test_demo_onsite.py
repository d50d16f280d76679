"""The demo data of the audit on site: a level on TBSC034, a final score and a decision on CQC."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.demo import DEMO_ENGAGEMENT, DEMO_LOGINS, load_demo_data
from backend.engagements.models import Engagement
from backend.evaluations.scores import engagement_scores
from backend.onsite.demo import DEMO_CQC_ENGAGEMENT
from backend.onsite.models import OnsiteAuditRecord
from backend.users.models import Role, User


def _scores(session: Session, title: str) -> dict[str, Any]:
    engagement = session.scalars(sa.select(Engagement).where(Engagement.title == title)).one()
    email = next(login.email for login in DEMO_LOGINS if login.role is Role.TEAM_LEADER)
    leader = session.scalars(sa.select(User).where(User.email == email)).one()
    return engagement_scores(session, Actor(leader), engagement.id)


def test_the_demo_has_a_management_level_and_a_cqc_final_score_and_decision(
    db_session: Session,
) -> None:
    load_demo_data(db_session)
    tbsc = _scores(db_session, DEMO_ENGAGEMENT)
    # 8 × 8 + 13 × 3 = 103 → level 4.
    assert tbsc["management"]["total"] == 103
    assert tbsc["management"]["level"] == 4
    cqc = _scores(db_session, DEMO_CQC_ENGAGEMENT)
    # (4 + 2 + 0) / 3 = 2: below 3, and 4.4.2 is a nonconformity.
    assert cqc["conformity"]["final"] == 2
    assert cqc["conformity"]["nonconformities"] == ["4.4.2"]
    assert cqc["conformity"]["clauses"]["4.3.2"]["suggestion"]
    assert [r["conforms"] for r in cqc["timing"]] == [True, True, True, True, False, False]
    assert cqc["decision"]["outcome"] == "not_certified"
    records = db_session.scalar(sa.select(sa.func.count()).select_from(OnsiteAuditRecord))
    load_demo_data(db_session)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OnsiteAuditRecord)) == records
