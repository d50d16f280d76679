"""The survey tallies follow every write to the answers (issue 13, "Flat costs").

The analysis reads ``survey_tally_groups`` and ``survey_tally_levels``, which database triggers
keep (migration b8d3f1a6c925). After each kind of write, one row or many in one statement,
through the ORM, a bulk UPDATE, a DELETE or the public page, the tables must hold exactly what a
count of the answers gives (``tallies.RECOUNT_*``), and the analysis read from them must equal the
scoring core's over every answer, and the overview's counts per site equal ``reads.exclusion``'s.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.surveys import tallies
from backend.surveys.campaigns import scheme_of
from backend.surveys.models import CallbackOutcome, SurveyCampaign, SurveyResponse
from backend.surveys.reads import exclusion
from tests.surveys.conftest import SurveyWorld, answer, create_campaign, respondent
from tests.surveys.random_answers import both_analyses, campaign_engagement, random_answers

KEPT_GROUPS = (
    "SELECT campaign_id, survey_site_id, channel, callback_outcome, included, flag_names, "
    "score_possible, n, earned FROM survey_tally_groups WHERE n <> 0 OR earned <> 0"
)
KEPT_LEVELS = (
    "SELECT campaign_id, survey_site_id, position, level, n FROM survey_tally_levels WHERE n <> 0"
)


def _rows(db_session: Session, query: str) -> set[tuple[Any, ...]]:
    return {tuple(row) for row in db_session.execute(sa.text(query))}


def assert_tallies_follow_the_answers(db_session: Session) -> None:
    db_session.flush()
    assert _rows(db_session, KEPT_GROUPS) == _rows(db_session, tallies.RECOUNT_GROUPS)
    assert _rows(db_session, KEPT_LEVELS) == _rows(db_session, tallies.RECOUNT_LEVELS)


def test_the_tally_triggers_exist_at_the_head_on_this_database(db_session: Session) -> None:
    if db_session.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger "
            "WHERE tgrelid = 'survey_responses'::regclass AND NOT tgisinternal"
        )
    else:
        query = (
            "SELECT name FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'survey_responses'"
        )
    names = set(db_session.scalars(sa.text(query)))
    positions = db_session.execute(
        sa.text("SELECT COUNT(*), MIN(position), MAX(position) FROM survey_tally_positions")
    ).one()

    assert {"survey_tally_insert", "survey_tally_update", "survey_tally_delete"} <= names
    assert tuple(positions) == (tallies.TALLY_POSITIONS, 1, tallies.TALLY_POSITIONS)


def test_every_kind_of_write_leaves_the_tallies_equal_to_a_count_of_the_answers(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    rng = random.Random(7)  # noqa: S311 - test data
    created = create_campaign(client, world)
    campaign = db_session.get_one(SurveyCampaign, uuid.UUID(created["id"]))
    scale = tallies.scale_of(scheme_of(db_session, campaign_engagement(db_session, campaign)))

    # Many answers flushed together: multi-row INSERT statements.
    random_answers(db_session, world, campaign, rng, 150)
    assert tallies.ensure_scored(db_session, campaign.id, scale)
    assert_tallies_follow_the_answers(db_session)
    rows = list(
        db_session.scalars(
            sa.select(SurveyResponse).where(SurveyResponse.campaign_id == campaign.id)
        )
    )
    assert db_session.scalar(sa.text("SELECT COUNT(*) FROM survey_tally_groups")) > 5

    # An auditor includes flagged answers, one row at a time.
    flagged = [r for r in rows if r.flags and r.included_reason is None]
    assert flagged
    for r in flagged[: len(flagged) // 2 + 1]:
        r.included_reason = "回访核实无误"
    assert_tallies_follow_the_answers(db_session)

    # Callbacks denied for many answers in one statement.
    denied = [r.id for r in rng.sample(rows, 25)]
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.id.in_(denied))
        .values(callback_outcome=CallbackOutcome.DENIED)
    )
    assert_tallies_follow_the_answers(db_session)

    # A change of columns the tallies do not count changes nothing in them.
    before = _rows(db_session, "SELECT * FROM survey_tally_groups")
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.campaign_id == campaign.id)
        .values(comment="已回访")
    )
    assert _rows(db_session, "SELECT * FROM survey_tally_groups") == before

    # Rescored on the same scheme (nothing moves), then an answer changed and rescored.
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.campaign_id == campaign.id)
        .values(scored_with="another scheme")
    )
    assert tallies.ensure_scored(db_session, campaign.id, scale)
    changed = rows[3]
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.id == changed.id)
        .values(answers={"1.1": 1, "1.2": "na"}, scored_with=None)
    )
    assert tallies.ensure_scored(db_session, campaign.id, scale)
    assert_tallies_follow_the_answers(db_session)

    # Answers deleted, one and many.
    db_session.execute(sa.delete(SurveyResponse).where(SurveyResponse.id == rows[0].id))
    db_session.execute(
        sa.delete(SurveyResponse).where(SurveyResponse.id.in_([r.id for r in rows[10:30]]))
    )
    db_session.expire_all()
    assert_tallies_follow_the_answers(db_session)

    # An answer through the public page, as a customer sends it.
    code = created["sites"][0]["code"]
    assert answer(respondent(app, "198.51.100.9"), code, {"1.1": 4, "1.2": 5}).status_code == 200
    assert_tallies_follow_the_answers(db_session)

    in_python, in_sql = both_analyses(db_session, campaign)
    assert in_sql == in_python
    assert in_sql["overall"]["responses"] == 150 - 21 + 1
    # The engagement overview's counts per site, as reads.exclusion counts the answers.
    expected: dict[uuid.UUID, tuple[int, int]] = {}
    for r in db_session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.campaign_id == campaign.id)
    ):
        received, counted = expected.get(r.survey_site_id, (0, 0))
        expected[r.survey_site_id] = (received + 1, counted + (exclusion(r) is None))
    assert tallies.answers_per_site(db_session, [campaign.id]) == expected
