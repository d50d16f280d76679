"""Random survey answers, and the two analyses of them (tests/surveys/test_tallies.py,
tests/surveys/test_tally_triggers.py).

``analysis.analyse`` runs the scoring core over every answer (the analysis before issue 13);
``analysis.analyse_stored`` reads what the database keeps. Both must agree on any answers.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.surveys import analysis, tallies
from backend.surveys.campaigns import scheme_of
from backend.surveys.models import CallbackOutcome, Channel, SurveyCampaign, SurveyResponse
from tests.surveys.conftest import SurveyWorld

FLAGS = ("too_fast", "straight_lining", "burst", "outside_hours")


def random_answers(
    db_session: Session, world: SurveyWorld, campaign: SurveyCampaign, rng: random.Random, n: int
) -> None:
    items = [q["item"] for q in campaign.questions]
    base = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for _ in range(n):
        asked = rng.sample(items, rng.randint(1, len(items)))
        answers: dict[str, Any] = {
            item: "na" if rng.random() < 0.15 else rng.randint(1, 5) for item in asked
        }
        if rng.random() < 0.05:
            answers = dict.fromkeys(asked, "na")  # nothing rated: no score, not in the mean
        flags = [{"flag": f} for f in FLAGS if rng.random() < 0.08]
        offline = rng.random() < 0.3
        db_session.add(
            SurveyResponse(
                id=uuid.uuid4(),
                campaign_id=campaign.id,
                survey_site_id=rng.choice(campaign.sites).id,
                channel=Channel.OFFLINE if offline else Channel.ONLINE,
                answers=answers,
                # Few distinct instants: ties are ordered by id, in both analyses.
                received_at=base + timedelta(minutes=rng.randint(0, 40)),
                flags=flags,
                included_reason="核实无误" if flags and rng.random() < 0.4 else None,
                callback_outcome=rng.choice(
                    [None, None, None, *CallbackOutcome.__members__.values()]
                ),
                staff_absent=offline,
                entered_by_id=world.auditor.id if offline else None,
            )
        )
    db_session.flush()


def both_analyses(
    db_session: Session, campaign: SurveyCampaign, *, client_view: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    scheme = scheme_of(db_session, campaign_engagement(db_session, campaign))
    scale = tallies.scale_of(scheme)
    assert tallies.ensure_scored(db_session, campaign.id, scale)
    rows = list(
        db_session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign.id)
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
        )
    )
    in_python = analysis.analyse(db_session, campaign, scheme, rows, client_view=client_view)
    in_sql = analysis.analyse_stored(db_session, campaign, scheme, scale, client_view=client_view)
    return in_python, in_sql


def campaign_engagement(db_session: Session, campaign: SurveyCampaign) -> Any:
    from backend.engagements.models import Engagement

    return db_session.get_one(Engagement, campaign.engagement_id)
