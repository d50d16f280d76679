"""Quality flags, inclusion with a reason, the reproducible callback draw, callbacks, contacts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.surveys import crypto, logic
from backend.surveys.models import CallbackOutcome, SurveyResponse
from backend.surveys.review import purge_expired_contacts
from backend.surveys.setup import survey_settings
from tests.factories import sign_in
from tests.surveys.conftest import (
    SurveyWorld,
    answer,
    create_campaign,
    respondent,
    responses,
    set_dates,
)

SETTINGS = logic.FlagSettings(
    min_seconds_per_question=2.0,
    burst_threshold=3,
    burst_window_minutes=10,
    opening_time="09:00",
    closing_time="18:00",
)
NOON_CST = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def flag_names(**kwargs: Any) -> list[str]:
    defaults: dict[str, Any] = {
        "received_at": NOON_CST,
        "started_at": NOON_CST - timedelta(minutes=2),
        "earlier_from_address": 0,
    }
    answers = kwargs.pop("answers", {"1.1": 4, "1.2": 5, "1.3": 3})
    flags = logic.quality_flags(answers, kwargs.pop("settings", SETTINGS), **{**defaults, **kwargs})
    return [f["flag"] for f in flags]


def test_a_considered_answer_has_no_flag() -> None:
    assert flag_names() == []


def test_too_fast_is_less_than_the_minimum_per_question() -> None:
    answers = {f"{c}.1": (c % 5) + 1 for c in range(1, 11)}  # 10 questions: 20 s minimum
    assert flag_names(answers=answers, started_at=NOON_CST - timedelta(seconds=19)) == ["too_fast"]
    assert flag_names(answers=answers, started_at=NOON_CST - timedelta(seconds=20)) == []


def test_straight_lining_is_one_level_for_every_rated_question() -> None:
    assert flag_names(answers={"1.1": 5, "1.2": 5, "1.3": 5, "2.1": "na"}) == ["straight_lining"]
    assert flag_names(answers={"1.1": 5, "1.2": 5}) == []  # too few to tell


def test_a_burst_is_the_threshold_reached_from_one_address() -> None:
    assert flag_names(earlier_from_address=2) == []
    assert flag_names(earlier_from_address=3) == ["burst"]


def test_outside_hours_uses_beijing_time_and_overnight_hours() -> None:
    assert flag_names(received_at=datetime(2026, 12, 3, 10, 30, tzinfo=UTC)) == ["outside_hours"]
    night = logic.FlagSettings(2.0, 3, 10, "22:00", "06:00")
    # 23:30 Beijing is inside 22:00–06:00; noon is outside.
    assert flag_names(settings=night, received_at=datetime(2026, 12, 3, 15, 30, tzinfo=UTC)) == []
    assert flag_names(settings=night) == ["outside_hours"]


def test_flags_are_kept_with_the_answer_and_exclude_it_until_included_with_a_reason(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world, burst_threshold=2)
    code = campaign["sites"][0]["code"]
    for _ in range(3):
        assert answer(respondent(app, "198.51.100.9"), code).status_code == 200
    straight = answer(respondent(app, "198.51.100.10"), code, {"1.1": 3, "1.2": 3, "1.3": 3})
    assert straight.status_code == 200
    rows = responses(db_session, campaign["id"])
    assert [[f["flag"] for f in r.flags] for r in rows] == [[], [], ["burst"], ["straight_lining"]]

    sign_in(client, world.auditor)
    before = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis").get_json()
    listed = client.get(f"/api/survey-campaigns/{campaign['id']}/responses").get_json()
    included = client.post(
        f"/api/survey-responses/{rows[2].id}/inclusion",
        json={"include": True, "reason": "同一公司 Wi-Fi，现场核实为不同顾客"},
    )
    after = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis").get_json()

    assert before["overall"]["counted"] == 2
    assert before["excluded"] == {"flagged": 2}
    assert before["overall"]["flags"] == {"burst": 1, "straight_lining": 1}
    assert [r["flags"] for r in before["latest"]] == [["straight_lining"], ["burst"], [], []]
    assert [r["excluded_because"] for r in listed] == [None, None, "flagged", "flagged"]
    assert included.status_code == 200
    assert included.get_json()["counted"] is True
    assert after["overall"]["counted"] == 3
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "survey_response.included")
    ).one()
    assert entry.reason == "同一公司 Wi-Fi，现场核实为不同顾客"
    assert entry.actor_id == world.auditor.id
    unflagged = client.post(
        f"/api/survey-responses/{rows[0].id}/inclusion", json={"include": True, "reason": "x"}
    )
    assert unflagged.status_code == 409


def _closed_campaign_with_phones(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld, count: int
) -> dict[str, Any]:
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    for i in range(count):
        reply = answer(
            respondent(app, f"198.18.0.{i + 1}"),
            code,
            phone=f"1390000{i:04d}",
            consent="1",
        )
        assert reply.status_code == 200
    answer(respondent(app, "198.18.1.1"), code)  # no phone: never drawn
    now = datetime.now(UTC)
    set_dates(db_session, campaign["id"], opens=now - timedelta(days=10), closes=now - timedelta(1))
    return campaign


def test_the_callback_draw_is_reproducible_from_the_seed_in_the_audit_log(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = _closed_campaign_with_phones(app, client, db_session, world, 30)
    sign_in(client, world.leader)

    drawn = client.post(f"/api/survey-campaigns/{campaign['id']}/callback-draw", json={})
    again = client.post(f"/api/survey-campaigns/{campaign['id']}/callback-draw", json={})

    assert drawn.status_code == 201, drawn.get_json()
    body = drawn.get_json()
    assert len(body["eligible_ids"]) == 30
    assert len(body["selected_ids"]) == 3  # ⌈10 % × 30⌉, not 4 by float rounding
    assert again.status_code == 409
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "survey_callbacks.drawn")
    ).one()
    seed = entry.details["seed"]
    assert seed == body["seed"]
    # Anyone with the logged seed and ids repeats the draw, in any order of the ids.
    repeated = logic.draw(list(reversed(entry.details["eligible_ids"])), 0.1, seed)
    assert repeated == body["selected_ids"] == entry.details["selected_ids"]
    assert logic.draw(entry.details["eligible_ids"], 0.1, seed + "x") != repeated
    rows = {str(r.id): r for r in responses(db_session, campaign["id"])}
    assert {rid for rid, r in rows.items() if r.callback_outcome is CallbackOutcome.PENDING} == set(
        body["selected_ids"]
    )


def test_a_given_seed_gives_the_same_draw_on_another_campaign_with_the_same_answers() -> None:
    ids = [str(uuid.UUID(int=i)) for i in range(50)]
    assert logic.draw(ids, 0.1, "seed-0123456789") == logic.draw(ids[::-1], 0.1, "seed-0123456789")
    assert len(logic.draw(ids, 0.1, "seed-0123456789")) == 5
    assert logic.draw_size(0.1, 31) == 4
    assert logic.draw_size(0.1, 0) == 0


def test_no_draw_before_the_close_date(
    client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    sign_in(client, world.leader)
    early = client.post(f"/api/survey-campaigns/{campaign['id']}/callback-draw", json={})
    assert early.status_code == 409
    assert early.get_json()["code"] == "INVALID_TRANSITION"


def test_callbacks_list_masked_numbers_and_denied_answers_leave_the_score(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = _closed_campaign_with_phones(app, client, db_session, world, 10)
    sign_in(client, world.leader)
    drawn = client.post(
        f"/api/survey-campaigns/{campaign['id']}/callback-draw",
        json={"seed": "reproducible-seed", "share": 0.2},
    ).get_json()
    first, second = drawn["selected_ids"]
    sign_in(client, world.auditor)

    listed = client.get(f"/api/survey-campaigns/{campaign['id']}/callbacks").get_json()
    before = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis").get_json()
    number = client.post(
        f"/api/survey-responses/{first}/contact", json={"reason": "回访核实"}
    ).get_json()
    denied = client.post(
        f"/api/survey-responses/{first}/callback", json={"outcome": "denied", "note": "称未参加"}
    )
    confirmed = client.post(
        f"/api/survey-responses/{second}/callback", json={"outcome": "confirmed"}
    )
    after = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis").get_json()

    assert [e["outcome"] for e in listed] == ["pending", "pending"]
    assert all(e["phone_masked"].startswith("139") and "****" in e["phone_masked"] for e in listed)
    assert number["phone"].startswith("1390000")
    assert denied.status_code == 200 and denied.get_json()["excluded_because"] == "callback_denied"
    assert confirmed.get_json()["counted"] is True
    assert after["overall"]["counted"] == before["overall"]["counted"] - 1
    assert after["excluded"] == {"callback_denied": 1}
    read = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "survey_contact.read")
    ).one()
    assert read.reason == "回访核实" and read.actor_id == world.auditor.id
    # An answer that was not drawn is not called.
    undrawn = next(r for r in responses(db_session, campaign["id"]) if r.callback_outcome is None)
    refused = client.post(f"/api/survey-responses/{undrawn.id}/contact", json={"reason": "x"})
    assert refused.status_code == 403


def test_client_users_never_see_contacts_or_responses(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = _closed_campaign_with_phones(app, client, db_session, world, 3)
    sign_in(client, world.client_user)
    analysis = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis")
    listed = client.get(f"/api/survey-campaigns/{campaign['id']}/responses")
    callbacks = client.get(f"/api/survey-campaigns/{campaign['id']}/callbacks")

    assert analysis.status_code == 200
    text = analysis.get_data(as_text=True)
    assert "1390000" not in text and "per_respondent" not in text
    assert listed.status_code == 403
    assert callbacks.status_code == 403


def test_phone_numbers_are_encrypted_in_the_database_and_bound_to_their_row(
    app: Flask, db_session: Session, world: SurveyWorld, client: FlaskClient
) -> None:
    campaign = create_campaign(client, world)
    reply = answer(
        respondent(app), campaign["sites"][0]["code"], phone="+86 138-1234-5678", consent="1"
    )
    assert reply.status_code == 200
    (row,) = responses(db_session, campaign["id"])
    raw = db_session.execute(
        sa.text("SELECT contact_ciphertext, contact_key_id FROM survey_responses WHERE id = :id"),
        {"id": row.id.hex if db_session.get_bind().dialect.name == "sqlite" else row.id},
    ).one()
    blob = bytes(raw[0])

    assert b"13812345678" not in blob and b"5678" not in blob
    assert len(blob) == 12 + 11 + 16  # nonce, 11 digits, GCM tag
    with app.app_context():
        key = survey_settings().contact_key
    assert raw[1] == crypto.key_id(key)
    assert crypto.decrypt(key, blob, str(row.id)) == "13812345678"
    with pytest.raises(crypto.ContactUnreadable):
        crypto.decrypt(key, blob, str(uuid.uuid4()))  # copied onto another row
    with pytest.raises(crypto.ContactUnreadable):
        crypto.decrypt(bytes(32), blob, str(row.id))  # another key
    assert row.contact_consent_at is not None


def test_contacts_are_deleted_when_the_retention_period_ends(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = _closed_campaign_with_phones(app, client, db_session, world, 4)
    closes = datetime.now(UTC) - timedelta(days=1)

    kept = purge_expired_contacts(db_session, now=closes + timedelta(days=89))
    purged = purge_expired_contacts(db_session, now=closes + timedelta(days=91))
    again = purge_expired_contacts(db_session, now=closes + timedelta(days=92))

    assert (kept, purged, again) == (0, 4, 0)
    rows = responses(db_session, campaign["id"])
    assert all(r.contact_ciphertext is None and r.contact_key_id is None for r in rows)
    assert sum(r.contact_purged_at is not None for r in rows) == 4
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "survey_contacts.purged")
    ).one()
    assert entry.details["count"] == 4


def test_the_purge_command_runs(app: Flask, db_session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["surveys", "purge-contacts"])
    assert result.exit_code == 0, result.output
    assert "contact number(s) deleted" in result.output


def test_masking_keeps_the_prefix_and_last_four() -> None:
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("07918888888") == "079****8888"


def test_the_stored_answers_never_hold_the_number(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world)
    answer(respondent(app), campaign["sites"][0]["code"], phone="13812345678", consent="1")
    dumped = db_session.execute(sa.select(SurveyResponse.__table__)).all()
    assert "13812345678" not in repr(dumped)


def test_the_local_windows_count_per_address_and_free_up_as_time_passes() -> None:
    from backend.surveys.limits import LocalWindows

    windows = LocalWindows([(2, 60.0), (3, 3600.0)])
    assert windows.hit("a", now=0) is None
    assert windows.hit("a", now=1) is None
    assert windows.hit("a", now=2) == pytest.approx(58)  # the first leaves the minute at 60
    assert windows.hit("b", now=2) is None  # another address
    assert windows.hit("a", now=61) is None
    assert windows.hit("a", now=200) == pytest.approx(3400)  # three in the hour
