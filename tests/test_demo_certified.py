"""Issue 12 demo: ``fieldcert demo load`` adds a certified engagement with an issued certificate,
made through the real services, and ``fieldcert demo logins`` prints its verification URL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.bag import verify_bag
from backend.certificates.keys import load_or_create_private_key
from backend.certificates.models import Certificate
from backend.cli import main
from backend.decisions.models import Decision, Review
from backend.demo import DEMO_LOGINS
from backend.demo_certified import DEMO_CERTIFIED_ENGAGEMENT, demo_certificate
from backend.engagements.models import Engagement, EngagementMember
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.evidence.models import EvaluationEvidence
from backend.users.models import Role, User


@pytest.fixture
def loaded(app: Flask, db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "FIELDCERT_STORAGE_DIR", tmp_path / "evidence")
    result = app.test_cli_runner().invoke(main, ["demo", "load"])
    assert result.exit_code == 0, result.output
    return result


def _user(session: Session, role: Role) -> User:
    email = next(login.email for login in DEMO_LOGINS if login.role is role)
    return session.scalars(sa.select(User).where(User.email == email)).one()


def test_the_demo_has_a_certified_engagement_made_by_the_real_path(
    loaded, db_session: Session
) -> None:
    engagement = db_session.scalars(
        sa.select(Engagement).where(Engagement.title == DEMO_CERTIFIED_ENGAGEMENT)
    ).one()
    evaluations = db_session.scalars(
        sa.select(Evaluation).where(Evaluation.engagement_id == engagement.id)
    ).all()
    assert len(evaluations) == 2
    assert {e.status for e in evaluations} == {EvaluationStatus.ACCEPTED}
    assert {e.evaluator_id for e in evaluations} == {_user(db_session, Role.AUDITOR).id}
    photos = db_session.scalars(
        sa.select(EvaluationEvidence).where(
            EvaluationEvidence.evaluation_id.in_([e.id for e in evaluations])
        )
    ).all()
    assert len(photos) == 2
    reviewer = _user(db_session, Role.REVIEWER)
    team = db_session.scalars(
        sa.select(EngagementMember.user_id).where(EngagementMember.engagement_id == engagement.id)
    ).all()
    assert reviewer.id not in team  # CQC §6.1, §6.2
    review = db_session.scalars(
        sa.select(Review).where(Review.engagement_id == engagement.id)
    ).one()
    decision = db_session.scalars(
        sa.select(Decision).where(Decision.engagement_id == engagement.id)
    ).one()
    assert review.reviewer_id == decision.decided_by_id == reviewer.id
    assert decision.approved and decision.grade_zh
    certificate = demo_certificate(db_session)
    assert certificate is not None and certificate.engagement_id == engagement.id
    assert certificate.issued_by_id == _user(db_session, Role.ADMIN).id
    assert certificate.fields["grade"] == decision.grade_zh
    actions = set(db_session.scalars(sa.select(AuditEntry.action)))
    assert {"certificate.issued", "engagement.on_site_recorded"} <= actions


def test_a_second_load_adds_no_second_certificate(app: Flask, loaded, db_session: Session) -> None:
    again = app.test_cli_runner().invoke(main, ["demo", "load"])
    assert again.exit_code == 0, again.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_demo_logins_print_the_verification_url_that_opens_and_verifies(
    app: Flask, loaded, client: FlaskClient, db_session: Session
) -> None:
    certificate = demo_certificate(db_session)
    assert certificate is not None
    assert f"/c/{certificate.token}#" in loaded.output  # demo load prints it too
    result = app.test_cli_runner().invoke(main, ["demo", "logins"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "/c/" in line)
    url = line.split()[-1]
    assert url == f"http://127.0.0.1:5000/c/{certificate.token}#{certificate.payload}"
    page = client.get(f"/c/{certificate.token}")
    assert page.status_code == 200
    assert certificate.number in page.get_data(as_text=True)
    checked = app.test_cli_runner().invoke(main, ["certificate", "verify", url])
    assert checked.exit_code == 0, checked.output
    assert certificate.number in checked.stdout


def test_demo_logins_without_a_certificate_print_no_url(app: Flask, db_session: Session) -> None:
    result = app.test_cli_runner().invoke(main, ["demo", "logins"])
    assert result.exit_code == 0, result.output
    assert "/c/" not in result.output


def test_the_demo_certification_file_exports_and_verifies(
    app: Flask, loaded, db_session: Session, tmp_path: Path
) -> None:
    certificate = demo_certificate(db_session)
    assert certificate is not None
    out = tmp_path / "demo.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(
        main, ["export", "engagement", str(certificate.engagement_id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    key = load_or_create_private_key(Path(app.config["FIELDCERT_SIGNING_KEY_FILE"]))
    report = verify_bag(out, [key.public_key()])
    assert report.ok, report.problems
    assert "(2 evidence originals)" in result.stdout
