"""Clause conformity with timing rows (CQC §5.2.3, annex tables 1–3) through the API.

Table 2 points: 不符合 0, 部分符合 2, 基本符合 3, 完全符合 4; chapter = mean of its clauses, final =
mean of chapters, passed at ≥ 3 (§5.2.3.2–3). Limits: 4.3.1 3 s, 4.3.2 10 s, 4.4.2 100 s.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.nonconformities.models import Nonconformity
from tests.evaluations.helpers import World
from tests.onsite.support import accepted, cqc_world, put_record, review_record


@pytest.fixture
def world(db_session: Session) -> World:
    return cqc_world(db_session)


def row(clause: str, received: str, sent: str, item: str = "1号楼3层烟感") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "clause": clause,
        "item": item,
        "received": received,
        "sent": sent,
    }


#: 4.3.2 (≤ 10 s): 5.75 s across midnight, exactly 10 s, 10.001 s → 2 of 3 conform (66.7 %).
ROWS_432 = [
    row("4.3.2", "2026-03-02T23:59:58.250+08:00", "2026-03-03T00:00:04+08:00", "消防水箱水位"),
    row("4.3.2", "2026-03-03T10:00:00+08:00", "2026-03-03T10:00:10+08:00", "水泵控制柜电源"),
    row("4.3.2", "2026-03-03T10:00:00.000+08:00", "2026-03-03T10:00:10.001+08:00", "室外消火栓"),
]
#: 4.3.1 (≤ 3 s): exactly 3 s → 1 of 1 conforms.
ROWS_431 = [row("4.3.1", "2026-03-03T09:00:00+08:00", "2026-03-03T09:00:03+08:00")]


def full_audit() -> dict[str, Any]:
    return {
        "clauses": {
            "4.3.1": {"judgement": "full"},
            "4.3.2": {"judgement": "partial", "suggestion": "缩短异常状态转发链路，增加超时告警"},
            "4.4.2": {"judgement": "basic"},
        },
        "timing": ROWS_431 + ROWS_432,
    }


def test_rows_chapters_and_final_score(client: FlaskClient, world: World) -> None:
    made = put_record(client, world.auditor, world, "conformity", full_audit())
    assert made.status_code == 201, made.get_json()
    computed = made.get_json()["computed"]
    assert [r["difference_s"] for r in computed["timing"]] == [3, 5.75, 10, 10.001]
    assert [r["conforms"] for r in computed["timing"]] == [True, True, True, False]
    assert [r["limit_s"] for r in computed["timing"]] == [3, 10, 10, 10]
    suggestions = {c: s["judgement"] for c, s in computed["timing_suggestions"].items()}
    assert suggestions == {"4.3.1": "full", "4.3.2": "partial"}
    # (4 + 2 + 3) / 3 = 3: passed at exactly the mark.
    assert computed["conformity"]["chapters"] == {"4": 3}
    assert computed["conformity"]["final"] == 3
    assert computed["conformity"]["passed"] is True


def test_a_partial_judgement_needs_its_suggestion(client: FlaskClient, world: World) -> None:
    content = full_audit()
    del content["clauses"]["4.3.2"]["suggestion"]
    refused = put_record(client, world.auditor, world, "conformity", content)
    assert refused.status_code == 422
    assert "content.clauses.4.3.2.suggestion" in refused.get_json()["details"]


def test_overriding_the_timing_suggestion_needs_a_reason(client: FlaskClient, world: World) -> None:
    content = full_audit()
    content["clauses"]["4.3.2"] = {"judgement": "basic"}
    refused = put_record(client, world.auditor, world, "conformity", content)
    assert refused.status_code == 422
    assert "content.clauses.4.3.2.reason" in refused.get_json()["details"]
    content["clauses"]["4.3.2"]["reason"] = "超时 1 ms 系平台时钟同步误差，现场复测符合"
    made = put_record(client, world.auditor, world, "conformity", content)
    assert made.status_code == 201
    clause = made.get_json()["computed"]["conformity"]["clauses"]["4.3.2"]
    assert clause["judgement"] == "basic" and clause["timing_suggestion"] == "partial"


def test_a_negative_difference_and_a_date_without_time_are_refused(
    client: FlaskClient, world: World
) -> None:
    content = {
        "timing": [
            row("4.3.1", "2026-03-03T09:00:05+08:00", "2026-03-03T09:00:03+08:00"),
            row("4.3.1", "2026-03-03", "2026-03-03T09:00:03+08:00"),
        ]
    }
    refused = put_record(client, world.auditor, world, "conformity", content)
    assert refused.status_code == 422
    details = refused.get_json()["details"]
    assert "negative difference" in details["content.timing[0]"][0]
    assert "no time of day" in details["content.timing[1].received"][0]


def test_a_nonconformity_needs_its_finding_and_opens_on_acceptance(
    client: FlaskClient, world: World, db_session: Session
) -> None:
    content = full_audit()
    content["clauses"]["4.4.2"] = {"judgement": "non"}
    refused = put_record(client, world.auditor, world, "conformity", content)
    assert "content.clauses.4.4.2.finding" in refused.get_json()["details"]
    content["clauses"]["4.4.2"]["finding"] = "通信故障 180 s 后才告警，超过 100 s 要求"
    done = accepted(client, world, "conformity", content)
    assert done["nonconforming_clauses"] == ["4.4.2"]
    # (4 + 2 + 0) / 3 = 2: not passed.
    assert done["computed"]["conformity"]["final"] == 2
    entry = (
        db_session.query(AuditEntry)
        .filter_by(action="onsite.nonconformity_opened", object_id=done["id"])
        .one()
    )
    assert entry.details["clause"] == "4.4.2"
    assert entry.details["source"] == "conformity"
    opened = db_session.get(Nonconformity, uuid.UUID(entry.details["nonconformity_id"]))
    assert opened is not None and opened.clause == "4.4.2"
    assert opened.finding == "通信故障 180 s 后才告警，超过 100 s 要求"
    assert opened.source == "conformity"


def test_a_csv_export_is_previewed_with_its_refused_rows(client: FlaskClient, world: World) -> None:
    csv = (
        "项目/位置,平台接收时间,发送时间\n"
        "消防水箱水位,2026/3/2 23:59:58.250,2026/3/3 00:00:04\n"
        "水泵控制柜,2026-03-03 10:00:05,2026-03-03 10:00:01\n"
        "室外消火栓,2026-03-03,2026-03-03 10:00:01\n"
        ",2026-03-03 10:00:00,2026-03-03 10:00:01\n"
    )
    answer = client.post(
        f"/api/engagements/{world.engagement.id}/timing-import",
        json={"csv": csv, "clause": "4.3.2"},
        headers=world.auditor.headers,
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["rows"] == [
        {
            "line": 2,
            "clause": "4.3.2",
            "item": "消防水箱水位",
            "received": "2026-03-02 23:59:58.250",
            "sent": "2026-03-03 00:00:04",
        }
    ]
    assert [r["line"] for r in body["refused"]] == [3, 4, 5]
    assert "negative difference" in body["refused"][0]["reason"]
    assert "no time of day" in body["refused"][1]["reason"]
    assert "item" in body["refused"][2]["reason"]


def test_a_returned_conformity_record_can_be_corrected(client: FlaskClient, world: World) -> None:
    made = put_record(client, world.auditor, world, "conformity", full_audit(), submit=True)
    rid = made.get_json()["id"]
    back = review_record(client, world.leader, rid, "return", "补充 4.4.2 的检查记录")
    assert back.get_json()["status"] == "returned"
    listed = client.get(
        f"/api/engagements/{world.engagement.id}/onsite-records", headers=world.leader.headers
    )
    assert [r["status"] for r in listed.get_json()] == ["returned"]


def test_the_form_gives_the_phone_judgements_clauses_and_timing_tables(
    client: FlaskClient, world: World
) -> None:
    answer = client.get(
        f"/api/engagements/{world.engagement.id}/onsite-form", headers=world.auditor.headers
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["management"] is None
    assert [j["code"] for j in body["conformity"]["judgements"]] == [
        "non",
        "partial",
        "basic",
        "full",
    ]
    assert [c["code"] for c in body["conformity"]["clauses"]] == ["4.3.1", "4.3.2", "4.4.2"]
    assert {t["clause"]: t["limit_s"] for t in body["timing"]["tables"]} == {
        "4.3.1": 3,
        "4.3.2": 10,
        "4.4.2": 100,
    }
