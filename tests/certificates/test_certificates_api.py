"""Issuing, numbering, dating and changing certificates (CQC rule §6.3, §9.2, §9.3)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.certificates.models import Certificate
from backend.certificates.seal import decode
from backend.clients.models import Client
from backend.organisations.models import OrganisationSettings
from tests.certificates.support import backdate, issue, issued, second_engagement
from tests.decisions.support import (
    approved_world,
    complete_file,
    decide,
    submit_review,
)
from tests.evaluations.helpers import make_world

BASIS = "CTS TBSC034-2026《城镇污水处理厂工程施工服务认证技术规范》"


def test_seed_003s_certificate_is_valid_until_the_day_before_three_years_on(
    client: FlaskClient, db_session: Session
) -> None:
    # Seed 003 prints 有效期 2022.1.21–2025.1.20.
    _, body = issued(client, db_session, date(2022, 1, 21))
    assert body["issued_on"] == "2022-01-21"
    assert body["valid_until"] == "2025-01-20"
    # §6.3: due 30 days after the audit ended (backdate: 2022-01-01).
    assert body["issue_by"] == "2022-01-31"
    assert body["issued_late"] is False
    assert body["status"] == "expired"
    assert body["fields"]["valid_until"] == "2025-01-20"


def test_issued_on_29_february_ends_on_27_february(
    client: FlaskClient, db_session: Session
) -> None:
    # Three years after 2024-02-29 is 2027-02-28 (no 29th); validity ends the day before.
    _, body = issued(client, db_session, date(2024, 2, 29))
    assert body["valid_until"] == "2027-02-27"


def test_the_certificate_carries_the_eight_fields_grade_and_scores(
    client: FlaskClient, db_session: Session
) -> None:
    world, body = issued(client, db_session, scope="门店零售服务")
    fields = body["fields"]
    client_row = db_session.get_one(Client, world.engagement.client_id)
    assert fields["client"] == client_row.name
    assert fields["provider"] == (client_row.service_provider or client_row.name)
    assert fields["scope"] == "门店零售服务"
    assert fields["modes"] == ["A（公开的服务特性检验）", "B（神秘顾客（暗访）的服务特性检验）"]
    assert fields["basis"] == BASIS
    assert fields["body"] == world.organisation.name
    assert fields["grade"] == "一级"
    assert fields["scores"]["1"] == 100.0
    assert fields["number"] == body["number"]
    assert body["status"] == "active"
    assert body["verification_url"].endswith(f"/c/{fields['token']}#{body['payload']}")
    sealed = decode(body["payload"])
    assert sealed.fields == {k: v for k, v in fields.items() if v is not None}
    assert body["fingerprint"] == sealed.fingerprint


def test_the_number_follows_the_format_upper_case_without_spaces_and_unique(
    client: FlaskClient, db_session: Session
) -> None:
    world, first = issued(client, db_session)
    year = date.today().year
    assert first["number"] == f"FC-{year}-00001"  # the default format
    db_session.merge(
        OrganisationSettings(
            organisation_id=world.organisation.id, certificate_number_format="fw {year} {seq:4}"
        )
    )
    db_session.commit()
    second = second_engagement(client, db_session, world)
    answer = issue(client, world.admin, second)
    assert answer.status_code == 201, answer.get_json()
    number = answer.get_json()["number"]
    # The running number goes on across formats; the literal text is upper-cased, spaces go.
    assert number == f"FW{year}0002"
    # The database refuses a second certificate with a number the organisation used.
    with pytest.raises(sa.exc.IntegrityError):
        db_session.execute(
            sa.update(Certificate)
            .where(Certificate.number == number)
            .values(number=first["number"])
        )
    db_session.rollback()


def test_only_an_approved_engagement_gets_a_certificate_and_only_one(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    complete_file(client, world)
    undecided = issue(client, world.admin, world)
    assert undecided.status_code == 409
    assert undecided.get_json()["code"] == "NOT_APPROVED"
    submit_review(client, world.reviewer, world)
    decide(client, world.reviewer, world, approve=False, reasons="不同意。")
    refused = issue(client, world.admin, world)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "NOT_APPROVED"

    approved, first = issued(client, db_session)
    again = issue(client, approved.admin, approved)
    assert again.status_code == 409
    assert again.get_json()["code"] == "CERTIFICATE_EXISTS"
    assert again.get_json()["details"]["number"] == first["number"]
    # Team leaders and reviewers do not issue.
    for who in (approved.leader, approved.reviewer):
        assert issue(client, who, approved).status_code == 403


def test_issue_dates_before_the_decision_or_in_the_future_are_refused(
    client: FlaskClient, db_session: Session
) -> None:
    world = approved_world(client, db_session)
    backdate(db_session, world, date(2022, 1, 1), date(2022, 1, 20))
    early = issue(client, world.admin, world, issued_on=date(2022, 1, 19))
    assert early.status_code == 422
    assert "issued_on" in early.get_json()["details"]
    future = issue(client, world.admin, world, issued_on=date(2999, 1, 1))
    assert future.status_code == 422
    late = issue(client, world.admin, world, issued_on=date(2022, 3, 1))
    assert late.status_code == 201
    assert late.get_json()["issued_late"] is True
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) >= 1


def test_a_change_keeps_the_number_and_notes_the_change_date(
    client: FlaskClient, db_session: Session
) -> None:
    world, first = issued(client, db_session, date(2024, 3, 1))
    answer = client.post(
        f"/api/certificates/{first['id']}/changes",
        json={
            "changes": {"scope": "门店零售服务及售后服务"},
            "reason": "扩大认证范围（§9.3）",
            "changed_on": "2025-06-02",
        },
        headers=world.admin.headers,
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["number"] == first["number"]
    assert body["issued_on"] == first["issued_on"]
    assert body["valid_until"] == first["valid_until"]
    assert body["changed_on"] == "2025-06-02"
    assert body["fields"]["scope"] == "门店零售服务及售后服务"
    assert body["fields"]["changed_on"] == "2025-06-02"
    assert body["payload"] != first["payload"]
    sealed = decode(body["payload"])
    assert sealed.fields["changed_on"] == "2025-06-02"
    assert sealed.fields["number"] == first["number"]
    assert body["changes"][0]["before"] == {"scope": first["fields"]["scope"]}
    assert body["changes"][0]["reason"] == "扩大认证范围（§9.3）"
    # Outside the validity, or with nothing to change, it is refused.
    outside = client.post(
        f"/api/certificates/{first['id']}/changes",
        json={"changes": {"scope": "x"}, "reason": "r", "changed_on": "2030-01-01"},
        headers=world.admin.headers,
    )
    assert outside.status_code == 422
    empty = client.post(
        f"/api/certificates/{first['id']}/changes",
        json={"changes": {}, "reason": "r"},
        headers=world.admin.headers,
    )
    assert empty.status_code == 422


def test_suspension_reinstatement_and_withdrawal_set_the_status(
    client: FlaskClient, db_session: Session
) -> None:
    world, first = issued(client, db_session)
    url = f"/api/certificates/{first['id']}/status"

    def act(action: str, reason: str = "监督审查未通过") -> tuple[int, dict[str, object]]:
        answer = client.post(
            url, json={"action": action, "reason": reason}, headers=world.admin.headers
        )
        return answer.status_code, answer.get_json()

    assert act("reinstate")[0] == 409
    assert act("suspend")[0] == 200
    suspended = client.get(f"/api/certificates/{first['id']}", headers=world.reviewer.headers)
    assert suspended.get_json()["status"] == "suspended"
    assert suspended.get_json()["status_zh"] == "暂停"
    status, reinstated = act("reinstate", "整改完成")
    assert status == 200 and reinstated["status"] == "active"
    status, withdrawn = act("withdraw", "认证委托人申请撤销")
    assert status == 200 and withdrawn["status_zh"] == "撤销"
    assert act("suspend")[0] == 409
    listed = client.get("/api/certificates", headers=world.admin.headers).get_json()
    assert [c["number"] for c in listed] == [first["number"]]
    kinds = [c["kind"] for c in listed[0]["changes"]]
    assert kinds == ["suspend", "reinstate", "withdraw"]
