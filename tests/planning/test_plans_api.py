"""The audit plan (§4.4.4), the document review (§5.1.4), person-days, the spread of visits."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.engagements.models import Assignment
from backend.push import services as push
from backend.push.models import PushSubscription
from backend.push.sender import Job
from tests.engagements.support import audit_entries, count
from tests.factories import sign_in
from tests.planning.conftest import Office, accepted_engagement
from tests.reports.pdfcheck import text as pdf_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "planning"

PLAN = {
    "purpose": "初次认证现场审查，确认服务符合认证依据",
    "basis": "CQC83-831102-2025《服务认证规则》；CQC/SC 11002《消防设施物联网服务技术规范》",
    "scope": "消防设施物联网平台服务",
    "process": "首次会议—服务能力确认（G）—公开检验（A）—顾客调查（E）—末次会议",
    "departments": "运营中心、客服部",
}


class RecordingSender:
    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def queue(self, session: Session, job: Job) -> bool:
        self.jobs.append(job)
        return True

    def payloads_for(self, user_id: uuid.UUID) -> list[dict[str, Any]]:
        return [json.loads(job.payload) for job in self.jobs if job.user_id == user_id]


@pytest.fixture
def recording(app: Flask, monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    sender = RecordingSender()
    monkeypatch.setitem(app.extensions, push.EXTENSION, sender)
    return sender


def subscribe(db_session: Session, user_id: uuid.UUID) -> None:
    from tests.push.conftest import BrowserKeys

    db_session.add(
        PushSubscription(
            user_id=user_id,
            endpoint=f"https://push.example.test/{uuid.uuid4()}",
            **BrowserKeys().as_json(),
        )
    )
    db_session.commit()


def fit_review(client: FlaskClient, engagement_id: str) -> None:
    response = client.post(
        f"/api/engagements/{engagement_id}/document-reviews", json={"outcome": "fit"}
    )
    assert response.status_code == 201, response.get_json()


# --------------------------------------------------------------------------- person-days


def test_person_days_come_from_the_cqc_scheme(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office)

    plan = client.get(f"/api/engagements/{engagement_id}/plan").get_json()

    # §5.1.2: document review 1 person-day; §5.2.2: 2 per certification unit (one unit here).
    days = plan["current"]["person_days"]
    assert days["document_review"] == "1"
    assert days["onsite"] == "2"
    assert days["total"] == "3"
    assert days["source"] == "scheme"
    assert "§5.1" in days["section"] and "§5.2.2" in days["section"]
    assert plan["status"] == "draft" and plan["revision"] == 0


def test_more_person_days_need_a_reason(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/plan"

    without = client.patch(url, json={"extra_person_days": "1"})
    with_reason = client.patch(
        url, json={"extra_person_days": "1", "extra_reason": "联网单位信息数量较多（§5.2.2）"}
    )

    assert without.status_code == 422 and "extra_reason" in without.get_json()["details"]
    assert with_reason.status_code == 200
    assert with_reason.get_json()["current"]["person_days"]["total"] == "4"


def test_a_scheme_without_person_days_asks_for_them(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office, scheme=office.tengbiao)
    url = f"/api/engagements/{engagement_id}/plan"
    client.patch(url, json=PLAN)
    fit_review(client, engagement_id)

    days = client.get(url).get_json()["current"]["person_days"]
    refused = client.post(f"{url}/issue")
    client.patch(url, json={"manual_person_days": "4.5"})
    issued = client.post(f"{url}/issue")

    assert days["source"] == "manual" and days["total"] is None
    assert refused.status_code == 422
    assert "manual_person_days" in refused.get_json()["details"]
    assert issued.status_code == 200, issued.get_json()
    assert issued.get_json()["issued"]["person_days"]["total"] == "4.5"


# --------------------------------------------------------------------------- document review


def test_the_three_outcomes_of_the_document_review(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/document-reviews"
    plan = f"/api/engagements/{engagement_id}/plan"
    client.patch(plan, json=PLAN)

    unknown = client.post(url, json={"outcome": "maybe"})
    resubmit_empty = client.post(url, json={"outcome": "resubmit"})
    not_yet = client.post(f"{plan}/issue")
    resubmit = client.post(
        url,
        json={
            "outcome": "resubmit",
            "findings": "服务管理制度文件缺失，无法进行现场审查",
            "requested": ["服务管理制度", "应急预案"],
        },
    )
    blocked = client.post(f"{plan}/issue")
    fix = client.post(
        url,
        json={
            "outcome": "fix_during_audit",
            "findings": "应急预案未覆盖设备通信故障",
            "requested": ["修订后的应急预案"],
        },
    )
    allowed = client.post(f"{plan}/issue")
    fit_with_requests = client.post(url, json={"outcome": "fit", "requested": ["x"]})

    assert unknown.status_code == 422
    assert resubmit_empty.status_code == 422
    assert set(resubmit_empty.get_json()["details"]) >= {"requested"}
    # §5.1.4 3): no on-site audit is arranged before the documents pass.
    assert not_yet.status_code == 409
    assert not_yet.get_json()["details"]["reason"] == "document_review_required"
    assert resubmit.status_code == 201
    assert blocked.status_code == 409
    assert blocked.get_json()["details"]["reason"] == "document_review_resubmit"
    # §5.1.4 2): problems to complete, evidence may come at the on-site audit.
    assert fix.status_code == 201 and fix.get_json()["requested"] == ["修订后的应急预案"]
    assert allowed.status_code == 200, allowed.get_json()
    assert fit_with_requests.status_code == 422
    outcomes = [r["outcome"] for r in client.get(url).get_json()]
    assert outcomes == ["resubmit", "fix_during_audit"]
    assert len(audit_entries(db_session, "document_review.recorded", engagement_id)) == 2

    sign_in(client, office.client_user)
    (mine,) = client.get("/api/portal/engagements").get_json()
    assert mine["document_review"]["outcome"] == "fix_during_audit"
    assert mine["document_review"]["requested"] == ["修订后的应急预案"]


def test_only_the_engagements_leader_records_the_review(
    client: FlaskClient, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office)
    sign_in(client, office.auditor)
    response = client.post(
        f"/api/engagements/{engagement_id}/document-reviews", json={"outcome": "fit"}
    )
    assert response.status_code == 403


def test_an_auditor_of_the_team_records_the_review_on_the_phone_exactly_once(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    # Issue 11: the document review recorded by the auditor in the field, offline, through the
    # outbox: PUT under the phone's id, so a lost answer is simply sent again (docs/sync.md).
    engagement_id = accepted_engagement(client, office)
    plan = f"/api/engagements/{engagement_id}/plan"
    client.patch(plan, json=PLAN)
    review_id = str(uuid.uuid4())
    url = f"/api/engagements/{engagement_id}/document-reviews/{review_id}"
    body = {
        "outcome": "fix_during_audit",
        "findings": "应急预案未覆盖设备通信故障",
        "requested": ["修订后的应急预案"],
    }
    sign_in(client, office.auditor)

    first = client.put(url, json=body, headers={"X-Device-Time": "2026-12-05T09:30:00+08:00"})
    again = client.put(url, json=body)
    other = client.put(url, json={**body, "findings": "另一个结论"})
    invalid = client.put(
        f"/api/engagements/{engagement_id}/document-reviews/{uuid.uuid4()}",
        json={"outcome": "resubmit", "findings": "文件缺失"},
    )

    assert first.status_code == 201, first.get_json()
    assert first.get_json()["id"] == review_id
    assert first.get_json()["reviewed_by_id"] == str(office.auditor.id)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert other.status_code == 409 and other.get_json()["code"] == "IDEMPOTENCY_CONFLICT"
    # §5.1.4 2), 3): what the client must supply is named.
    assert invalid.status_code == 422 and "requested" in invalid.get_json()["details"]
    listed = client.get(f"/api/engagements/{engagement_id}/document-reviews").get_json()
    assert [r["id"] for r in listed] == [review_id]
    entries = audit_entries(db_session, "document_review.recorded", engagement_id)
    assert [(e.details["review_id"], e.details["via"]) for e in entries] == [(review_id, "field")]

    # The team leader's office path still works, and adds a review: none is overwritten.
    sign_in(client, office.leader)
    assert client.post(plan + "/issue").status_code == 200
    fit = client.post(f"/api/engagements/{engagement_id}/document-reviews", json={"outcome": "fit"})
    assert fit.status_code == 201
    outcomes = [
        r["outcome"]
        for r in client.get(f"/api/engagements/{engagement_id}/document-reviews").get_json()
    ]
    assert outcomes == ["fix_during_audit", "fit"]


def test_only_the_audit_team_records_the_review_in_the_field(
    client: FlaskClient, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/document-reviews/{uuid.uuid4()}"
    sign_in(client, office.other_leader)  # a team leader, not on this team
    outsider = client.put(url, json={"outcome": "fit"})
    sign_in(client, office.reviewer)
    reviewer = client.put(url, json={"outcome": "fit"})

    assert outsider.status_code == 403
    assert outsider.get_json()["details"]["reason"] == "not_on_the_audit_team"
    assert reviewer.status_code == 403


# --------------------------------------------------------------------------- plan and confirmation


def test_the_plan_is_issued_confirmed_and_a_change_is_notified_and_confirmed_again(
    client: FlaskClient, db_session: Session, office: Office, recording: RecordingSender
) -> None:
    subscribe(db_session, office.client_user.id)
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/plan"
    sampling = {
        "service_items": ["4.3.1", "4.3.2"],
        "survey_targets": [{"site_id": str(office.site.id), "target": 30}],
    }
    written = client.patch(url, json={**PLAN, "sampling": sampling})
    fit_review(client, engagement_id)

    issued = client.post(f"{url}/issue")

    assert written.status_code == 200, written.get_json()
    assert issued.status_code == 200, issued.get_json()
    plan = issued.get_json()
    assert plan["status"] == "issued" and plan["revision"] == 1
    content = plan["issued"]
    assert content["purpose"] == PLAN["purpose"]
    assert [s["name"] for s in content["sites"]] == ["一号场所", "二号场所"]
    assert content["sampling"]["survey_targets"] == [
        {"site_id": str(office.site.id), "site": "一号场所", "target": 30}
    ]
    assert {m["name"] for m in content["team"]} == {"张组长", "刘审查"}
    assert content["engagement"]["starts_on"] == "2026-12-01"
    (first,) = recording.payloads_for(office.client_user.id)
    assert first["type"] == "audit_plan.issued" and first["data"]["revision"] == "1"

    sign_in(client, office.client_user)
    (to_confirm,) = client.get("/api/portal/plans").get_json()
    assert to_confirm["status"] == "issued" and to_confirm["content"] == content
    stale = client.post(f"/api/portal/plans/{engagement_id}/confirm", json={"revision": 2})
    confirmed = client.post(f"/api/portal/plans/{engagement_id}/confirm", json={"revision": 1})
    assert stale.status_code == 409
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["confirmed_revision"] == 1
    (entry,) = audit_entries(db_session, "audit_plan.confirmed", engagement_id)
    assert entry.actor_id == office.client_user.id

    # §4.4.4 c): a change after confirmation goes to the client again and needs confirming.
    sign_in(client, office.leader)
    changed = client.patch(url, json={"process": PLAN["process"] + "；增加夜间值守抽查"})
    assert changed.status_code == 200
    assert changed.get_json()["status"] == "issued"
    assert changed.get_json()["revision"] == 2
    assert changed.get_json()["confirmed_revision"] == 1
    assert audit_entries(db_session, "audit_plan.changed_after_confirmation", engagement_id)
    second = recording.payloads_for(office.client_user.id)[-1]
    assert second["data"]["revision"] == "2"
    assert second["title"]["zh-CN"] == "审查计划已变更"

    sign_in(client, office.client_user)
    (mine,) = client.get("/api/portal/engagements").get_json()
    assert mine["plan_status"] == "issued" and mine["plan_revision"] == 2
    again = client.post(f"/api/portal/plans/{engagement_id}/confirm", json={"revision": 2})
    assert again.get_json()["status"] == "confirmed"


def test_a_team_change_shows_as_a_change_to_send_again(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/plan"
    client.patch(url, json=PLAN)
    fit_review(client, engagement_id)
    client.post(f"{url}/issue")
    nothing = client.post(f"{url}/issue")

    client.patch(f"/api/engagements/{engagement_id}", json={"ends_on": "2026-12-12"})
    plan = client.get(url).get_json()
    reissued = client.post(f"{url}/issue")

    assert nothing.status_code == 409
    assert plan["changed_since_issue"] is True
    assert reissued.status_code == 200
    assert reissued.get_json()["revision"] == 2
    assert reissued.get_json()["issued"]["engagement"]["ends_on"] == "2026-12-12"


def test_the_plan_needs_the_parts_of_section_4_4_4(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/plan"
    client.patch(url, json={"purpose": "初次认证"})
    fit_review(client, engagement_id)

    response = client.post(f"{url}/issue")

    assert response.status_code == 422
    assert response.get_json()["details"]["missing"] == ["basis", "scope", "process"]


def test_sampling_names_the_schemes_items_and_the_engagements_sites(
    client: FlaskClient, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/plan"
    bad_item = client.patch(url, json={"sampling": {"service_items": ["9.9.9"]}})
    bad_site = client.patch(
        url,
        json={"sampling": {"survey_targets": [{"site_id": str(uuid.uuid4()), "target": 5}]}},
    )
    assert bad_item.status_code == 422
    assert bad_item.get_json()["details"]["unknown_items"] == ["9.9.9"]
    assert bad_site.status_code == 422


def test_the_plan_pdf(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office)
    url = f"/api/engagements/{engagement_id}/plan"
    client.patch(url, json=PLAN)
    fit_review(client, engagement_id)
    client.post(f"{url}/issue")

    staff = client.get(f"{url}.pdf")
    sign_in(client, office.client_user)
    portal = client.get(f"/api/portal/plans/{engagement_id}/plan.pdf")
    sign_in(client, office.other_client_user)
    stranger = client.get(f"/api/portal/plans/{engagement_id}/plan.pdf")

    assert staff.status_code == 200 and staff.mimetype == "application/pdf"
    assert staff.data.startswith(b"%PDF-")
    assert portal.status_code == 200
    written = pdf_text(staff.data)
    # §4.4.4 a): the parts of the plan, as issued.
    for part in (
        PLAN["purpose"],
        "消防设施物联网平台服务",
        "一号场所",
        "二号场所",
        "张组长",
        "刘审查",
    ):
        assert part in written, part
    assert "人日" in written
    assert pdf_text(portal.data) == written  # the client gets the same issued snapshot
    assert stranger.status_code == 404

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "audit-plan.pdf").write_bytes(staff.data)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        out = str(ARTIFACTS / "audit-plan")
        subprocess.run(
            [pdftoppm, "-r", "70", "-png", str(ARTIFACTS / "audit-plan.pdf"), out], check=True
        )


def test_a_draft_plan_without_person_days_cannot_be_drawn(
    client: FlaskClient, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office, scheme=office.tengbiao)
    response = client.get(f"/api/engagements/{engagement_id}/plan.pdf")
    assert response.status_code == 409


def test_only_the_engagements_leader_writes_the_plan(client: FlaskClient, office: Office) -> None:
    engagement_id = accepted_engagement(client, office)
    sign_in(client, office.other_leader)
    response = client.patch(f"/api/engagements/{engagement_id}/plan", json=PLAN)
    assert response.status_code == 403
    assert response.get_json()["details"]["reason"] == "not_on_the_audit_team"
    sign_in(client, office.auditor)  # on the team, not its leader
    response = client.patch(f"/api/engagements/{engagement_id}/plan", json=PLAN)
    assert response.status_code == 403


# --------------------------------------------------------------------------- spread


def test_visits_are_spread_over_the_sites_and_days(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office)
    response = client.post(
        f"/api/engagements/{engagement_id}/assignments/spread",
        json={
            "shopper_ids": [str(office.shopper.id), str(office.other_shopper.id)],
            "visits_per_site": 2,
            "first_day": "2026-12-01",
            "last_day": "2026-12-04",
        },
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == 4
    rows = db_session.query(Assignment).all()
    by_site: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_site.setdefault(row.site_id, []).append(row.window_start.date())
    assert set(by_site) == {office.site.id, office.other_site.id}
    for days in by_site.values():
        assert len(set(days)) == 2  # two visits of a site on different days
    assert {r.shopper_id for r in rows} == {office.shopper.id, office.other_shopper.id}
    # 09:00–17:00 Beijing time is 01:00–09:00 UTC.
    assert {(r.window_start.hour, r.window_end.hour) for r in rows} == {(1, 9)}


def test_a_spread_with_a_wrong_shopper_creates_nothing(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    engagement_id = accepted_engagement(client, office)
    response = client.post(
        f"/api/engagements/{engagement_id}/assignments/spread",
        json={
            "shopper_ids": [str(office.shopper.id), str(office.auditor.id)],
            "visits_per_site": 1,
            "first_day": "2026-12-01",
            "last_day": "2026-12-02",
        },
    )
    assert response.status_code == 422
    assert response.get_json()["details"]["unknown"] == [str(office.auditor.id)]
    assert count(db_session, Assignment) == 0
