"""The reuse check on the database: the band index reads the same matches as reading every hash.

Issue 13, "Flat costs": ``integrity._others`` used to read every perceptual hash of the
organisation; it now asks the band index (backend/evidence/phash_index.py) for candidates.
These tests store random hashes and hashes planted at and just past the threshold, and compare
the report with the brute-force comparison over all of them. Also: a photo whose hash is still
being made leaves the check *pending*, never silently passed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.app import MIGRATIONS_DIR
from backend.db import utcnow
from backend.evaluations import integrity
from backend.evaluations.integrity import Thresholds, check_reuse, hamming
from backend.evaluations.models import Evaluation
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.evidence.phash_index import band_values
from backend.extensions import db
from backend.users.models import Organisation
from tests.database import fresh_database
from tests.evaluations.helpers import (
    VISIT_START,
    World,
    make_evidence,
    make_world,
    put,
    visit_payload,
)
from tests.factories import make_organisation, make_user

#: The migration before the one that adds and fills the bands.
BEFORE_BANDS = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision("8f3a1c5d7e92").down_revision


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def hexed(value: int) -> str:
    return format(value, "016x")


def flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def derived(
    session: Session, world: World, phash: str | None, *, pending: bool = False
) -> Evidence:
    evidence = make_evidence(session, world.shopper, phash=phash)
    evidence.derived_at = None if pending else utcnow()
    session.commit()
    return evidence


def an_evaluation(client: FlaskClient, world: World, evidence: list[Evidence]) -> uuid.UUID:
    """An auditor's inspection citing ``evidence`` (the other evaluations of the organisation)."""
    body = visit_payload(
        world, mode="A", evidence=[{"evidence_id": str(e.id), "item": None} for e in evidence]
    )
    del body["assignment_id"]
    evaluation_id = uuid.uuid4()
    assert put(client, world.auditor, evaluation_id, body).status_code == 201
    return evaluation_id


def my_visit(client: FlaskClient, world: World, evidence: list[Evidence]) -> uuid.UUID:
    evaluation_id = uuid.uuid4()
    body = visit_payload(
        world, evidence=[{"evidence_id": str(e.id), "item": None} for e in evidence]
    )
    assert put(client, world.shopper, evaluation_id, body).status_code == 201
    return evaluation_id


def cite(session: Session, evaluation_id: uuid.UUID, evidence: list[Evidence]) -> None:
    """Link many stored photos to one other evaluation (faster than one visit per photo)."""
    session.add_all(
        EvaluationEvidence(evaluation_id=evaluation_id, evidence_id=e.id) for e in evidence
    )
    session.commit()


def brute_force_near(
    session: Session, organisation_id: uuid.UUID, mine: uuid.UUID, phash: str, limit: int
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """Every (evaluation, evidence) of the others within ``limit``: reading every hash."""
    rows = session.execute(
        sa.select(EvaluationEvidence.evaluation_id, Evidence.id, Evidence.phash)
        .join(Evidence, Evidence.id == EvaluationEvidence.evidence_id)
        .where(
            Evidence.organisation_id == organisation_id,
            EvaluationEvidence.evaluation_id != mine,
            Evidence.phash.is_not(None),
        )
    ).all()
    return {
        (ev, e) for ev, e, other in rows if (d := hamming(phash, other)) is not None and d <= limit
    }


@pytest.mark.parametrize("limit", [0, 3, 4, 6, 7, 11])
def test_the_indexed_read_finds_what_reading_every_hash_finds(
    client: FlaskClient, db_session: Session, world: World, limit: int
) -> None:
    rng = random.Random(limit)  # noqa: S311 - repeatable test data, not a secret
    base = rng.getrandbits(64)
    stored: list[Evidence] = []
    for _ in range(120):
        choice = rng.random()
        if choice < 0.4:
            value = rng.getrandbits(64)
        else:
            # At the limit, one past it, or anywhere up to three past it.
            bits = (
                limit if choice < 0.6 else limit + 1 if choice < 0.8 else rng.randint(0, limit + 3)
            )
            value = flip(base, rng.sample(range(64), bits))
        stored.append(derived(db_session, world, hexed(value)))
    other = an_evaluation(client, world, [])
    cite(db_session, other, stored)
    mine_photo = derived(db_session, world, hexed(base))
    mine = my_visit(client, world, [mine_photo])
    evaluation = db_session.get_one(Evaluation, mine)
    thresholds = Thresholds(max_phash_distance=limit)

    data = integrity.load_input(db_session, evaluation, world.organisation.id, thresholds)

    read = {
        (o.evaluation_id, o.evidence_id)
        for o in data.others
        if o.phash is not None and (d := hamming(hexed(base), o.phash)) is not None and d <= limit
    }
    expected = brute_force_near(db_session, world.organisation.id, mine, hexed(base), limit)
    assert read == expected
    assert len(expected) > 10  # the planted hashes at the limit
    # The index reads candidates, not the organisation's photos: far fewer than stored.
    assert len(data.others) < len(stored)
    flags = check_reuse(data, thresholds).flags
    assert [f.numbers["hamming_distance"] for f in flags] == [
        min(
            hamming(hexed(base), db_session.get_one(Evidence, e).phash or "") or 0
            for _, e in expected
        )
    ]


def test_a_threshold_past_the_index_compares_with_every_hash(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    base = random.Random(5).getrandbits(64)  # noqa: S311 - repeatable test data
    far = derived(db_session, world, hexed(flip(base, list(range(14)))))  # 14 bits
    an_evaluation(client, world, [far])
    mine = my_visit(client, world, [derived(db_session, world, hexed(base))])
    thresholds = Thresholds(max_phash_distance=14)

    data = integrity.load_input(
        db_session, db_session.get_one(Evaluation, mine), world.organisation.id, thresholds
    )

    assert [f.code for f in check_reuse(data, thresholds).flags] == ["PHOTO_NEAR_DUPLICATE"]


def test_a_photo_whose_hash_is_being_made_leaves_the_reuse_check_pending(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    waiting = derived(db_session, world, None, pending=True)
    evaluation_id = my_visit(client, world, [waiting])

    report = client.get(
        f"/api/evaluations/{evaluation_id}/integrity", headers=world.leader.headers
    ).get_json()

    reuse = next(c for c in report["checks"] if c["check"] == "photo_reuse")
    assert reuse["status"] == "pending"
    assert reuse["pending_evidence"] == [str(waiting.id)]
    assert "感知哈希仍在生成" in reuse["note"]["zh"] and "wait" in reuse["note"]["en"]

    # The job made the hash: the check runs and passes (nothing near it).
    waiting.phash, waiting.derived_at = "0123456789abcdef", utcnow()
    db_session.commit()
    report = client.get(
        f"/api/evaluations/{evaluation_id}/integrity", headers=world.leader.headers
    ).get_json()
    reuse = next(c for c in report["checks"] if c["check"] == "photo_reuse")
    assert (reuse["status"], reuse["pending_evidence"], reuse["note"]) == ("passed", [], None)


def test_identical_bytes_are_flagged_while_the_hash_is_still_being_made(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    earlier = make_evidence(db_session, world.auditor, data=b"same bytes")
    an_evaluation(client, world, [earlier])
    waiting = derived(db_session, world, None, pending=True)
    waiting_copy = make_evidence(db_session, world.shopper, data=b"same bytes")
    evaluation_id = my_visit(client, world, [waiting, waiting_copy])

    report = client.get(
        f"/api/evaluations/{evaluation_id}/integrity", headers=world.leader.headers
    ).get_json()

    reuse = next(c for c in report["checks"] if c["check"] == "photo_reuse")
    assert reuse["status"] == "flagged"
    assert reuse["pending_evidence"] == [str(waiting.id)]  # the copy is flagged, not pending
    assert {f["code"] for f in report["flags"]} >= {"PHOTO_REUSED"}


def test_other_evaluations_photos_still_waiting_are_named_in_the_note(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    an_evaluation(client, world, [derived(db_session, world, None, pending=True)])
    mine = my_visit(client, world, [derived(db_session, world, "0123456789abcdef")])

    report = client.get(f"/api/evaluations/{mine}/integrity", headers=world.leader.headers)

    reuse = next(c for c in report.get_json()["checks"] if c["check"] == "photo_reuse")
    assert reuse["status"] == "passed"
    assert "其他测评中另有 1 张照片" in reuse["note"]["zh"]
    assert "1 photo(s) of other evaluations" in reuse["note"]["en"]


def test_a_photo_that_could_not_be_decoded_is_compared_by_its_bytes_only(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    damaged = derived(db_session, world, None)
    damaged.derive_failure = "truncated"
    db_session.commit()
    mine = my_visit(client, world, [damaged])

    report = client.get(f"/api/evaluations/{mine}/integrity", headers=world.leader.headers)

    reuse = next(c for c in report.get_json()["checks"] if c["check"] == "photo_reuse")
    assert (reuse["status"], reuse["pending_evidence"]) == ("passed", [])
    assert "damaged image data" in reuse["note"]["en"]


def test_the_model_keeps_the_bands_with_the_hash(db_session: Session, world: World) -> None:
    evidence = derived(db_session, world, "0123456789abcdef")
    assert (evidence.phash_band_0, evidence.phash_band_3) == (0x0123, 0xCDEF)
    evidence.phash = None
    db_session.commit()
    assert evidence.phash_band_0 is None and evidence.phash_band_3 is None


def test_the_migration_fills_the_bands_of_stored_hashes(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """Both ways of the backfill: SQL on PostgreSQL, Python batches elsewhere."""
    with fresh_database(tmp_path) as url:
        app = make_app(database_url=url)
        with app.app_context():
            try:
                flask_migrate.upgrade(revision=BEFORE_BANDS)
                # The tables of organisations and users are as their models; evidence is not
                # yet (no bands): its rows go in as plain inserts.
                with Session(db.engine) as session:
                    organisation = make_organisation(session).id
                    user = make_user(
                        session, organisation=session.get_one(Organisation, organisation)
                    ).id
                with db.engine.begin() as connection:
                    for phash in ("0123456789abcdef", "not-a-hash", None):
                        connection.execute(
                            sa.insert(Evidence.__table__).values(
                                id=uuid.uuid4(),
                                organisation_id=organisation,
                                sha256=uuid.uuid4().hex * 2,
                                size_bytes=1,
                                media_type="image/jpeg",
                                kind="photo",
                                uploaded_by_id=user,
                                received_at=VISIT_START + timedelta(minutes=1),
                                metadata={},
                                phash=phash,
                                original_key="k",
                            )
                        )

                flask_migrate.upgrade()

                with db.engine.connect() as connection:
                    rows = connection.execute(
                        sa.text(
                            "SELECT phash, phash_band_0, phash_band_1, phash_band_2, "
                            "phash_band_3 FROM evidence"
                        )
                    ).all()
                bands = {phash: tuple(rest) for phash, *rest in rows}
                assert bands == {
                    "0123456789abcdef": band_values("0123456789abcdef"),
                    "not-a-hash": (None,) * 4,
                    None: (None,) * 4,
                }
            finally:
                db.engine.dispose()


def test_inputs_read_in_batches_equal_those_read_one_by_one(
    client: FlaskClient, db_session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_inputs`` (overview, report) reads what ``load_input`` reads for each evaluation:
    photos, reuse candidates (same bytes, near hash), photos of others still being hashed (one
    cited by the evaluation itself, one by another), and an evaluation without photos."""
    shared = make_evidence(db_session, world.auditor, data=b"shared bytes")
    near = derived(db_session, world, "0123456789abcdef")
    ids = [
        an_evaluation(client, world, [shared, derived(db_session, world, None, pending=True)]),
        my_visit(
            client,
            world,
            [
                make_evidence(db_session, world.shopper, data=b"shared bytes"),
                derived(db_session, world, hexed(flip(0x0123456789ABCDEF, [3]))),
            ],
        ),
        an_evaluation(client, world, [near, derived(db_session, world, None, pending=True)]),
        an_evaluation(client, world, []),
    ]
    evaluations = [db_session.get_one(Evaluation, i) for i in ids]
    organisation_id = world.organisation.id
    # Batches of two: the last batch is a different one from the first.
    monkeypatch.setattr(integrity, "BATCH_SIZE", 2)

    batched = list(integrity.load_inputs(db_session, evaluations, organisation_id))
    single = [integrity.load_input(db_session, e, organisation_id) for e in evaluations]

    assert [e.id for e, _ in batched] == ids
    assert [read for _, read in batched] == single
    assert [len(s.others) for s in single][:3] != [0, 0, 0]  # the case has reuse candidates
    # Counts of others' waiting photos differ by which evaluation cites which.
    assert len({s.others_pending for s in single}) > 1
