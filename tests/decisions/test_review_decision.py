"""Review and certification decision (CQC rule §6.1, §6.2) through the API."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.decisions.models import Decision
from backend.engagements.models import Engagement, EngagementStatus
from tests.decisions.support import (
    CONFIRM_ALL,
    MANAGEMENT_LOW,
    MANAGEMENT_TOP,
    accepted_visit,
    complete_file,
    conflicted_reviewer,
    decide,
    file_of,
    on_site,
    submit_review,
)
from tests.evaluations.helpers import make_world


def test_an_empty_file_lists_what_is_missing_and_cannot_be_reviewed(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    answer = file_of(client, world.reviewer, world)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["complete"] is False
    assert body["missing"] == ["scores", "management"]
    keys = [line["key"] for line in body["checklist"]]
    assert keys == [
        "scores",
        "management",
        "conformity",
        "timing",
        "nonconformities",
        "integrity",
        "callbacks",
    ]
    lines = {line["key"]: line for line in body["checklist"]}
    # The scheme (cts-tbsc034) has a management model and no conformity or timing model.
    assert lines["conformity"]["applies"] is False
    assert lines["timing"]["applies"] is False
    assert lines["nonconformities"]["summary"]["zh"] == "无不符合项记录。"

    refused = submit_review(client, world.reviewer, world)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "FILE_INCOMPLETE"
    assert refused.get_json()["details"]["missing"] == ["scores", "management"]


def test_a_partly_rated_management_record_keeps_the_file_incomplete(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    accepted_visit(client, world)
    assert on_site(client, world.leader, world, {"management": {"1.1": 5}}).status_code == 200
    body = file_of(client, world.reviewer, world).get_json()
    assert body["missing"] == ["management"]
    line = next(line for line in body["checklist"] if line["key"] == "management")
    assert "1.2" in line["numbers"]["missing"]


def test_the_on_site_record_is_the_team_leaders_and_checked_against_the_scheme(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    by_auditor = on_site(client, world.auditor, world, {"management": MANAGEMENT_TOP})
    assert by_auditor.status_code == 403
    by_reviewer = on_site(client, world.reviewer, world, {"management": MANAGEMENT_TOP})
    assert by_reviewer.status_code == 403
    wrong = on_site(client, world.leader, world, {"management": {"1.1": 9}})
    assert wrong.status_code == 422
    assert wrong.get_json()["code"] == "VALIDATION_ERROR"
    assert any("1.1" in path for path in wrong.get_json()["details"])
    unknown_clause = on_site(client, world.leader, world, {"management": {"99.9": 3}})
    assert unknown_clause.status_code == 422


def test_team_members_may_neither_review_nor_decide(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    former_member = conflicted_reviewer(db_session, world)
    for answer in (
        file_of(client, former_member, world),
        submit_review(client, former_member, world),
        decide(client, former_member, world),
    ):
        assert answer.status_code == 403
        assert answer.get_json()["code"] == "CONFLICT_OF_INTEREST"
    # The team leader and auditors have the wrong role altogether.
    for who in (world.leader, world.auditor, world.admin):
        assert submit_review(client, who, world).status_code == 403
        assert decide(client, who, world).status_code == 403
    assert db_session.query(Decision).filter_by(engagement_id=world.engagement.id).count() == 0


def test_every_applicable_line_must_be_confirmed(client: FlaskClient, db_session: Session) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    checklist = {**CONFIRM_ALL, "integrity": {"confirmed": False, "note": ""}}
    del checklist["callbacks"]
    answer = submit_review(client, world.reviewer, world, checklist=checklist)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "CHECKLIST_INCOMPLETE"
    assert answer.get_json()["details"]["unconfirmed"] == ["integrity", "callbacks"]
    # Lines that do not apply to the scheme need no confirmation.
    only_applicable = {k: v for k, v in CONFIRM_ALL.items() if k not in ("conformity", "timing")}
    assert (
        submit_review(client, world.reviewer, world, checklist=only_applicable).status_code == 200
    )


def test_not_recommending_needs_reasons(client: FlaskClient, db_session: Session) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    answer = submit_review(client, world.reviewer, world, conclusion="not_recommend", comment=" ")
    assert answer.status_code == 422
    assert "comment" in answer.get_json()["details"]


def test_the_decision_needs_a_recommending_review(client: FlaskClient, db_session: Session) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    before = decide(client, world.reviewer, world)
    assert before.status_code == 409
    assert before.get_json()["code"] == "REVIEW_REQUIRED"
    submit_review(client, world.reviewer, world, conclusion="not_recommend", comment="评分存疑。")
    against = decide(client, world.reviewer, world, approve=True)
    assert against.status_code == 409
    assert against.get_json()["code"] == "REVIEW_REQUIRED"
    assert against.get_json()["details"]["conclusion"] == "not_recommend"
    # Refusing follows a review that does not recommend.
    refused = decide(client, world.reviewer, world, approve=False, reasons="复核不建议认证。")
    assert refused.status_code == 201
    assert refused.get_json()["decision"]["approved"] is False


def test_approval_gets_the_grade_of_the_schemes_decision_rows(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    reviewed = submit_review(client, world.reviewer, world)
    assert reviewed.status_code == 200
    assert reviewed.get_json()["review"]["checklist"]["scores"]["confirmed"] is True
    answer = decide(client, world.reviewer, world, reasons="服务得分 100，管理等级满足一级。")
    assert answer.status_code == 201, answer.get_json()
    decision = answer.get_json()["decision"]
    assert decision["approved"] is True
    assert decision["row"] == "grade-1"
    assert decision["grade"] == {"zh": "一级", "en": "Grade 1 (一级)"}
    assert decision["service_score"] == 100.0
    assert decision["scores"]["1"] == 100.0
    db_session.expire_all()
    assert db_session.get(Engagement, world.engagement.id).status is EngagementStatus.DECIDED
    again = decide(client, world.reviewer, world)
    assert again.status_code == 409
    assert again.get_json()["code"] == "ALREADY_DECIDED"
    # The file is frozen once decided.
    late = on_site(client, world.leader, world, {"management": MANAGEMENT_LOW})
    assert late.status_code == 409
    assert late.get_json()["code"] == "ALREADY_DECIDED"


def test_approval_is_refused_where_the_scheme_gives_not_certified(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    accepted_visit(client, world)
    assert on_site(client, world.leader, world, {"management": MANAGEMENT_LOW}).status_code == 200
    assert submit_review(client, world.reviewer, world).status_code == 200
    answer = decide(client, world.reviewer, world, approve=True)
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["code"] == "DECISION_NOT_SUPPORTED"
    assert body["details"]["outcome"] == "not_certified"
    assert "管理等级" in body["details"]["explanation"]["explanation"]["zh"]
    assert db_session.query(Decision).filter_by(engagement_id=world.engagement.id).count() == 0


def test_reasons_are_required(client: FlaskClient, db_session: Session) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    submit_review(client, world.reviewer, world)
    answer = decide(client, world.reviewer, world, reasons="   ")
    assert answer.status_code == 422
    assert "reasons" in answer.get_json()["details"]
