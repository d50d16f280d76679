"""Integrity checks: each flag fires on the case it describes and stays quiet otherwise."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.evaluations.integrity import (
    CheckResult,
    Fix,
    IntegrityInput,
    OtherPhoto,
    Photo,
    SiteFence,
    Thresholds,
    check_capture_times,
    check_clock_skew,
    check_exif,
    check_geofence,
    check_pace,
    check_photo_locations,
    check_reuse,
    check_time_on_site,
    hamming,
    run_checks,
)
from backend.evaluations.models import EvaluationVersion
from tests.evaluations.helpers import (
    VISIT_END,
    VISIT_START,
    World,
    add_member,
    beijing,
    make_evidence,
    make_world,
    put,
    visit_payload,
)

SITE = SiteFence(latitude=28.71689, longitude=115.96021, radius_m=150.0)
#: About 111 m per 0.001° of latitude.
NORTH_100M = SITE.latitude + 100 / 111_195
NORTH_1KM = SITE.latitude + 1000 / 111_195
START = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
END = START + timedelta(minutes=40)


def photo(**fields: Any) -> Photo:
    defaults: dict[str, Any] = {
        "evidence_id": uuid.uuid4(),
        "sha256": "a" * 64,
        "received_at": END + timedelta(minutes=5),
        "captured_at": START + timedelta(minutes=10),
    }
    return Photo(**(defaults | fields))


def data(**fields: Any) -> IntegrityInput:
    defaults: dict[str, Any] = {
        "site": SITE,
        "started_at": START,
        "ended_at": END,
        "synced_at": END + timedelta(minutes=1),
        "fixes": [Fix(SITE.latitude, SITE.longitude, 10.0, START)],
        "photos": [],
        "others": [],
        "rated_items": 10,
    }
    return IntegrityInput(**(defaults | fields))


def codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.flags]


# --------------------------------------------------------------------------- geofence


def test_a_fix_inside_the_fence_passes() -> None:
    result = check_geofence(data(fixes=[Fix(NORTH_100M, SITE.longitude, 20.0)]))
    assert result.status == "passed"
    assert codes(result) == []


def test_fixes_all_outside_the_fence_are_an_alert() -> None:
    result = check_geofence(data(fixes=[Fix(NORTH_1KM, SITE.longitude, 30.0)]))
    assert codes(result) == ["GEOFENCE_OUTSIDE"]
    flag = result.flags[0]
    assert flag.severity == "alert"
    assert 995 < flag.numbers["nearest_distance_m"] < 1005
    assert flag.numbers["radius_m"] == 150.0
    assert "围栏" in flag.zh and "geofence" in flag.en


def test_a_poor_fix_near_the_fence_is_uncertain_not_outside() -> None:
    # 100 m from the site but ±80 m: the circle straddles the 150 m fence.
    result = check_geofence(data(fixes=[Fix(NORTH_100M, SITE.longitude, 80.0)]))
    assert codes(result) == ["GEOFENCE_UNCERTAIN"]


def test_a_very_poor_fix_far_away_is_uncertain_when_its_circle_reaches_the_site() -> None:
    result = check_geofence(data(fixes=[Fix(NORTH_1KM, SITE.longitude, 2000.0)]))
    assert codes(result) == ["GEOFENCE_UNCERTAIN"]


def test_one_good_fix_inside_is_enough() -> None:
    fixes = [Fix(NORTH_1KM, SITE.longitude, 10.0), Fix(SITE.latitude, SITE.longitude, 10.0)]
    assert check_geofence(data(fixes=fixes)).status == "passed"


def test_no_fix_at_all_is_flagged() -> None:
    assert codes(check_geofence(data(fixes=[]))) == ["NO_GPS_FIXES"]


def test_photo_taken_outside_the_fence_is_flagged() -> None:
    outside = photo(capture=Fix(NORTH_1KM, SITE.longitude, 15.0))
    inside = photo(capture=Fix(SITE.latitude, SITE.longitude, 15.0))

    result = check_photo_locations(data(photos=[outside, inside]))

    assert codes(result) == ["PHOTO_OUTSIDE_GEOFENCE"]
    assert result.flags[0].evidence_id == outside.evidence_id
    assert check_photo_locations(data(photos=[inside])).status == "passed"
    assert check_photo_locations(data(photos=[photo()])).status == "not_applicable"


# --------------------------------------------------------------------------- times


def test_photos_inside_the_visit_or_its_tolerance_pass() -> None:
    photos = [
        photo(captured_at=START - timedelta(minutes=4)),
        photo(captured_at=END + timedelta(minutes=5)),
    ]
    assert check_capture_times(data(photos=photos)).status == "passed"


def test_photos_outside_the_visit_are_flagged_with_the_gap() -> None:
    early = photo(captured_at=START - timedelta(minutes=30))
    late = photo(captured_at=END + timedelta(hours=2))

    result = check_capture_times(data(photos=[early, late]))

    assert codes(result) == ["PHOTO_OUTSIDE_VISIT", "PHOTO_OUTSIDE_VISIT"]
    assert result.flags[0].numbers == {"minutes": 30.0, "tolerance_min": 5.0, "before": True}
    assert result.flags[1].numbers["minutes"] == 120.0
    assert result.flags[1].numbers["before"] is False


def test_capture_times_need_the_visit_times() -> None:
    result = check_capture_times(data(started_at=None, photos=[photo()]))
    assert result.status == "not_applicable"


def test_a_short_visit_is_flagged_and_a_long_one_is_not() -> None:
    short = check_time_on_site(data(ended_at=START + timedelta(minutes=3)))
    assert codes(short) == ["TIME_ON_SITE_SHORT"]
    assert short.flags[0].numbers == {"minutes": 3.0, "minimum_min": 5.0}
    assert check_time_on_site(data()).status == "passed"
    assert codes(check_time_on_site(data(ended_at=None))) == ["VISIT_TIMES_MISSING"]


def test_the_minimum_time_on_site_is_configurable() -> None:
    strict = Thresholds(min_time_on_site=timedelta(hours=1))
    assert codes(check_time_on_site(data(), strict)) == ["TIME_ON_SITE_SHORT"]


# --------------------------------------------------------------------------- clocks


def test_a_photo_captured_after_the_server_received_it_shows_a_clock_ahead() -> None:
    ahead = photo(captured_at=END + timedelta(minutes=30), received_at=END + timedelta(minutes=5))
    result = check_clock_skew(data(photos=[ahead]))
    assert codes(result) == ["DEVICE_CLOCK_AHEAD"]
    assert result.flags[0].numbers["minutes_ahead"] == 25.0


def test_evaluation_times_after_the_sync_show_a_clock_ahead() -> None:
    result = check_clock_skew(
        data(ended_at=END + timedelta(hours=1), synced_at=END + timedelta(minutes=1))
    )
    assert codes(result) == ["DEVICE_CLOCK_AHEAD"]
    assert result.flags[0].numbers["field"] == "ended_at"


def test_late_uploads_and_small_drift_are_not_clock_skew() -> None:
    offline = photo(captured_at=START, received_at=START + timedelta(hours=8))
    drift = photo(captured_at=END + timedelta(minutes=8), received_at=END)
    assert check_clock_skew(data(photos=[offline, drift])).status == "passed"


def test_a_device_clock_behind_is_measured_from_its_time_at_send() -> None:
    # Offline for a day, clock 40 min slow: the capture-time heuristic cannot tell it, the
    # device's clock at send can.
    slow = photo(
        captured_at=START,
        received_at=START + timedelta(days=1),
        device_sent_at=START + timedelta(days=1) - timedelta(minutes=40),
    )
    result = check_clock_skew(data(photos=[slow]))
    assert codes(result) == ["DEVICE_CLOCK_BEHIND"]
    flag = result.flags[0]
    assert flag.numbers == {"measured": True, "offset_min": -40.0, "limit_min": 10.0}
    assert flag.evidence_id == slow.evidence_id
    assert "慢 40.0 分钟" in flag.zh and "behind" in flag.en


def test_an_evaluation_sent_by_a_fast_clock_is_measured_ahead() -> None:
    synced = END + timedelta(hours=3)
    result = check_clock_skew(data(synced_at=synced, device_sent_at=synced + timedelta(hours=1)))
    assert codes(result) == ["DEVICE_CLOCK_AHEAD"]
    assert result.flags[0].numbers["offset_min"] == 60.0


def test_a_measured_clock_overrides_the_heuristic() -> None:
    # Times after the sync would look like a fast clock, but the clock at send was right.
    result = check_clock_skew(
        data(
            ended_at=END + timedelta(hours=1),
            synced_at=END + timedelta(minutes=1),
            device_sent_at=END + timedelta(minutes=1, seconds=3),
        )
    )
    assert result.status == "passed"


# --------------------------------------------------------------------------- EXIF


def test_exif_time_far_from_the_capture_time_is_flagged() -> None:
    gallery = photo(exif_taken_at=START - timedelta(days=3))
    result = check_exif(data(photos=[gallery]))
    assert codes(result) == ["EXIF_TIME_MISMATCH"]
    assert result.flags[0].numbers["minutes"] == 3 * 24 * 60 + 10


def test_exif_position_far_from_the_capture_position_is_flagged() -> None:
    moved = photo(
        capture=Fix(SITE.latitude, SITE.longitude, 20.0),
        exif_latitude=NORTH_1KM,
        exif_longitude=SITE.longitude,
    )
    result = check_exif(data(photos=[moved]))
    assert codes(result) == ["EXIF_LOCATION_MISMATCH"]
    assert result.flags[0].numbers["limit_m"] == 220.0


def test_agreeing_exif_passes_and_missing_exif_is_not_applicable() -> None:
    agreeing = photo(
        exif_taken_at=START + timedelta(minutes=10, seconds=2),
        capture=Fix(SITE.latitude, SITE.longitude, 20.0),
        exif_latitude=NORTH_100M,
        exif_longitude=SITE.longitude,
    )
    assert check_exif(data(photos=[agreeing])).status == "passed"
    assert check_exif(data(photos=[photo()])).status == "not_applicable"


# --------------------------------------------------------------------------- reuse


def test_the_same_file_in_another_evaluation_is_reuse() -> None:
    mine = photo(sha256="b" * 64)
    other = OtherPhoto(uuid.uuid4(), uuid.uuid4(), "b" * 64, None)
    result = check_reuse(data(photos=[mine], others=[other]))
    assert codes(result) == ["PHOTO_REUSED"]
    assert result.flags[0].severity == "alert"
    assert result.flags[0].numbers["other_evaluations"] == [str(other.evaluation_id)]


def test_a_perceptually_near_photo_is_flagged_within_the_distance() -> None:
    mine = photo(phash="ffffffff00000000")
    near = OtherPhoto(uuid.uuid4(), uuid.uuid4(), "c" * 64, "ffffffff0000003f")  # 6 bits
    far = OtherPhoto(uuid.uuid4(), uuid.uuid4(), "d" * 64, "ffffffff0000007f")  # 7 bits

    flagged = check_reuse(data(photos=[mine], others=[near, far]))
    quiet = check_reuse(data(photos=[mine], others=[far]))

    assert codes(flagged) == ["PHOTO_NEAR_DUPLICATE"]
    assert flagged.flags[0].numbers["hamming_distance"] == 6
    assert flagged.flags[0].numbers["other_evaluations"] == [str(near.evaluation_id)]
    assert quiet.status == "passed"


def test_hamming_distance_of_hex_hashes() -> None:
    assert hamming("0000000000000000", "000000000000000f") == 4
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("not-hex", "00") is None


# --------------------------------------------------------------------------- pace


def test_too_little_time_per_rated_item_is_flagged() -> None:
    # 19 items in 4 minutes: about 12.6 s each, below 15 s.
    result = check_pace(data(ended_at=START + timedelta(minutes=4), rated_items=19))
    assert codes(result) == ["TOO_FAST"]
    assert result.flags[0].numbers["seconds_per_item"] == 12.6
    assert check_pace(data(rated_items=19)).status == "passed"
    assert check_pace(data(rated_items=0)).status == "not_applicable"


def test_a_clean_visit_raises_no_flag_at_all() -> None:
    clean = data(
        photos=[
            photo(
                capture=Fix(SITE.latitude, SITE.longitude, 10.0),
                exif_taken_at=START + timedelta(minutes=10),
                phash="0123456789abcdef",
            )
        ],
        others=[OtherPhoto(uuid.uuid4(), uuid.uuid4(), "e" * 64, "fedcba9876543210")],
    )
    results = run_checks(clean)
    assert [r.flags for r in results] == [()] * len(results)
    assert {r.status for r in results} == {"passed"}


def test_thresholds_are_reported_in_seconds() -> None:
    reported = Thresholds().as_json()
    assert reported["min_time_on_site_s"] == 300.0
    assert reported["max_phash_distance"] == 6
    assert set(reported) == {
        (f.name + "_s") if isinstance(f.default, timedelta) else f.name
        for f in dataclasses.fields(Thresholds)
    }


# --------------------------------------------------------------------------- endpoint


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def test_the_endpoint_reports_flags_from_the_stored_evaluation(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    reused = make_evidence(db_session, world.shopper, data=b"same bytes")
    # An earlier evaluation (an auditor's inspection) cites a photo with the same bytes.
    earlier = make_evidence(db_session, world.auditor, data=b"same bytes")
    inspection = visit_payload(
        world, mode="A", evidence=[{"evidence_id": str(earlier.id), "item": None}]
    )
    del inspection["assignment_id"]
    assert put(client, world.auditor, uuid.uuid4(), inspection).status_code == 201
    late = make_evidence(
        db_session,
        world.shopper,
        captured_at=VISIT_END + timedelta(hours=3),
        received_at=VISIT_END + timedelta(hours=4),
    )
    evaluation_id = uuid.uuid4()
    body = visit_payload(
        world,
        gps_fixes=[
            {
                "latitude": NORTH_1KM,
                "longitude": world.site.longitude,
                "accuracy_m": 20,
                "captured_at": beijing(VISIT_START + timedelta(minutes=5)),
            }
        ],
        evidence=[
            {"evidence_id": str(reused.id), "item": "1.1"},
            {"evidence_id": str(late.id), "item": None},
        ],
        submit=True,
    )
    assert put(client, world.shopper, evaluation_id, body).status_code == 201

    response = client.get(
        f"/api/evaluations/{evaluation_id}/integrity?reason=复核", headers=world.leader.headers
    )

    assert response.status_code == 200
    report = response.get_json()
    assert report["version"] == 1
    flags = {(f["code"], f["evidence_id"]) for f in report["flags"]}
    assert flags == {
        ("GEOFENCE_OUTSIDE", None),
        ("PHOTO_REUSED", str(reused.id)),
        ("PHOTO_OUTSIDE_VISIT", str(late.id)),
    }
    statuses = {c["check"]: c["status"] for c in report["checks"]}
    assert statuses["time_on_site"] == "passed"
    assert statuses["exif"] == "not_applicable"
    assert report["thresholds"]["max_phash_distance"] == 6
    logged = db_session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "evaluation.integrity_read",
            AuditEntry.object_id == str(evaluation_id),
        )
    ).one()
    assert logged.reason == "复核"
    assert VISIT_START < VISIT_END  # the helper's visit frames the photos above


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("auditor", 200),
        ("reviewer", 200),
        ("shopper", 403),  # not even for their own evaluation
        ("outside_auditor", 404),
        ("client_user", 403),
        ("admin", 403),
    ],
)
def test_who_may_see_integrity_flags(
    client: FlaskClient, db_session: Session, world: World, who: str, status: int
) -> None:
    evaluation_id = uuid.uuid4()
    assert put(client, world.shopper, evaluation_id, visit_payload(world)).status_code == 201

    response = client.get(
        f"/api/evaluations/{evaluation_id}/integrity", headers=getattr(world, who).headers
    )

    assert response.status_code == status


def test_a_reviewer_from_the_team_may_not_see_integrity_flags(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    assert put(client, world.shopper, evaluation_id, visit_payload(world)).status_code == 201
    add_member(db_session, world.engagement, world.reviewer.user)

    response = client.get(
        f"/api/evaluations/{evaluation_id}/integrity", headers=world.reviewer.headers
    )

    assert response.status_code == 403
    assert response.get_json()["code"] == "CONFLICT_OF_INTEREST"


def test_the_device_time_at_send_is_kept_and_reported(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    slow_clock = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    response = client.put(
        f"/api/evaluations/{evaluation_id}",
        json=visit_payload(world),
        headers={**world.shopper.headers, "X-Device-Time": slow_clock},
    )
    assert response.status_code == 201

    version = db_session.scalars(
        sa.select(EvaluationVersion).where(EvaluationVersion.evaluation_id == evaluation_id)
    ).one()
    assert version.device_sent_at == datetime.fromisoformat(slow_clock)
    report = client.get(
        f"/api/evaluations/{evaluation_id}/integrity", headers=world.leader.headers
    ).get_json()
    skew = [f for f in report["flags"] if f["check"] == "clock_skew"]
    assert [f["code"] for f in skew] == ["DEVICE_CLOCK_BEHIND"]
    assert -31 < skew[0]["numbers"]["offset_min"] < -29


def test_a_malformed_device_time_is_refused(client: FlaskClient, world: World) -> None:
    response = client.put(
        f"/api/evaluations/{uuid.uuid4()}",
        json=visit_payload(world),
        headers={**world.shopper.headers, "X-Device-Time": "yesterday"},
    )
    assert response.status_code == 422
    assert "X-Device-Time" in response.get_json()["details"]
