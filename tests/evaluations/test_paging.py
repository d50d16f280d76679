"""The review queue in pages (issue 13, "Flat costs"): keyset cursors, bounded page size, a
refused cursor in the one error shape, and list reads audited as a query and a count."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.evaluations.models import Evaluation
from backend.paging import MAX_PAGE_SIZE, encode_cursor
from tests.evaluations.helpers import World, make_world, put, review, visit_payload
from tests.paging import follow_pages


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def _visits(client: FlaskClient, world: World, *, submitted: int, drafts: int) -> list[str]:
    ids = []
    for n in range(submitted + drafts):
        evaluation_id = uuid.uuid4()
        body = visit_payload(world, assignment_id=None, mode="A", submit=n < submitted)
        assert put(client, world.auditor, evaluation_id, body).status_code == 201
        ids.append(str(evaluation_id))
    return ids


def _all_pages(client: FlaskClient, world: World, query: str) -> tuple[list[list[str]], list[Any]]:
    answers = follow_pages(
        lambda url: client.get(url, headers=world.leader.headers),
        f"/api/engagements/{world.engagement.id}/evaluations?{query}",
    )
    return [[e["id"] for e in answer.get_json()] for answer in answers], answers


def test_pages_cover_the_queue_once_in_order_across_ties_and_drafts(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    ids = _visits(client, world, submitted=5, drafts=3)
    # Ties: three submissions at one instant, two drafts created at one instant (order by id).
    same = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    db_session.execute(
        sa.update(Evaluation)
        .where(Evaluation.id.in_([uuid.UUID(i) for i in ids[1:4]]))
        .values(submitted_at=same, created_at=same)
    )
    db_session.execute(
        sa.update(Evaluation)
        .where(Evaluation.id.in_([uuid.UUID(i) for i in ids[5:7]]))
        .values(created_at=same)
    )
    db_session.commit()
    whole = client.get(
        f"/api/engagements/{world.engagement.id}/evaluations?limit=500",
        headers=world.leader.headers,
    )
    assert "X-Next-Cursor" not in whole.headers
    expected = [e["id"] for e in whole.get_json()]

    pages, _ = _all_pages(client, world, "limit=3")

    assert [len(p) for p in pages] == [3, 3, 2]
    assert [i for p in pages for i in p] == expected
    assert sorted(expected) == sorted(ids)
    # Submitted first (oldest submission first), drafts last.
    statuses = [e["status"] for e in whole.get_json()]
    assert statuses == ["submitted"] * 5 + ["draft"] * 3


def test_a_status_filter_pages_only_its_rows(client: FlaskClient, world: World) -> None:
    ids = _visits(client, world, submitted=4, drafts=2)

    pages, _ = _all_pages(client, world, "status=submitted&limit=2")

    assert [len(p) for p in pages] == [2, 2]
    assert [i for p in pages for i in p] == ids[:4]


def test_the_default_page_is_100_and_the_size_is_bounded(client: FlaskClient, world: World) -> None:
    url = f"/api/engagements/{world.engagement.id}/evaluations"
    for limit in (0, MAX_PAGE_SIZE + 1, -1):
        answer = client.get(f"{url}?limit={limit}", headers=world.leader.headers)
        assert answer.status_code == 422
        assert answer.get_json()["code"] == "VALIDATION_ERROR"
        assert "limit" in str(answer.get_json()["details"])
    assert (
        client.get(f"{url}?limit={MAX_PAGE_SIZE}", headers=world.leader.headers).status_code == 200
    )


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64-$$$",
        "bm90IGpzb24",  # "not json"
        encode_cursor(
            "0" * 16, ["2026-05-01T08:00:00+00:00", "2026-05-01T08:00:00+00:00", str(uuid.uuid4())]
        ),
        "x" * 600,
    ],
    ids=["garbage", "not-json", "other-scope", "too-long"],
)
def test_a_tampered_cursor_is_refused_in_the_one_error_shape(
    client: FlaskClient, world: World, cursor: str
) -> None:
    answer = client.get(
        f"/api/engagements/{world.engagement.id}/evaluations?cursor={cursor}",
        headers=world.leader.headers,
    )

    assert answer.status_code == 422
    body = answer.get_json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "VALIDATION_ERROR"
    assert "cursor" in body["details"]


def test_a_cursor_of_other_filters_or_with_a_bad_key_is_refused(
    client: FlaskClient, world: World
) -> None:
    _visits(client, world, submitted=3, drafts=0)
    url = f"/api/engagements/{world.engagement.id}/evaluations"
    first = client.get(f"{url}?status=submitted&limit=1", headers=world.leader.headers)
    cursor = first.headers["X-Next-Cursor"]
    scope = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[0]
    naive = encode_cursor(scope, ["2026-05-01T08:00:00", "2026-05-01T08:00:00", str(uuid.uuid4())])
    bad_id = encode_cursor(scope, [None, "2026-05-01T08:00:00+00:00", "nope"])

    other_filter = client.get(f"{url}?cursor={cursor}&limit=1", headers=world.leader.headers)
    answers = [
        client.get(f"{url}?status=submitted&cursor={c}", headers=world.leader.headers)
        for c in (naive, bad_id)
    ]

    assert other_filter.status_code == 422
    assert other_filter.get_json()["details"]["cursor"]
    assert [a.status_code for a in answers] == [422, 422]
    assert all(a.get_json()["code"] == "VALIDATION_ERROR" for a in answers)


def test_a_list_read_is_audited_as_its_query_and_count_not_every_id(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    ids = _visits(client, world, submitted=3, drafts=0)

    _, answers = _all_pages(client, world, "status=submitted&limit=2")

    reads = list(
        db_session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "evaluation.list_read")
            .order_by(AuditEntry.id)
        )
    )
    assert len(reads) == 2
    first, second = reads
    assert first.actor_id == world.leader.user.id
    assert first.object_type == "engagement"
    assert first.object_id == str(world.engagement.id)
    assert first.details["fields"] == ["evaluator"]
    assert first.details["query"] == {"status": ["submitted"], "cursor": None, "limit": 2}
    assert first.details["count"] == 2
    assert second.details["query"]["cursor"] == answers[0].headers["X-Next-Cursor"]
    assert second.details["count"] == 1
    text = str(first.details) + str(second.details)
    assert not any(i in text for i in ids)


def test_the_clients_results_are_paged_in_submission_order(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    ids = _visits(client, world, submitted=5, drafts=1)
    for evaluation_id in ids[:4]:  # the fifth stays submitted: not a result
        assert review(client, world.leader, uuid.UUID(evaluation_id), "accept").status_code == 200
    # Two accepted at one instant: their order is by id.
    same = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    db_session.execute(
        sa.update(Evaluation)
        .where(Evaluation.id.in_([uuid.UUID(i) for i in ids[1:3]]))
        .values(submitted_at=same, created_at=same)
    )
    db_session.commit()
    expected = [
        str(e.id)
        for e in db_session.scalars(
            sa.select(Evaluation)
            .where(Evaluation.id.in_([uuid.UUID(i) for i in ids[:4]]))
            .order_by(Evaluation.submitted_at, Evaluation.created_at, Evaluation.id)
        )
    ]
    url = f"/api/engagements/{world.engagement.id}/results?limit=3"

    first = client.get(url, headers=world.client_user.headers)
    cursor = first.headers["X-Next-Cursor"]
    second = client.get(f"{url}&cursor={cursor}", headers=world.client_user.headers)

    assert [r["id"] for r in first.get_json()] == expected[:3]
    assert [r["id"] for r in second.get_json()] == expected[3:]
    assert "X-Next-Cursor" not in second.headers and "Link" not in second.headers
    assert first.headers["Link"].endswith('>; rel="next"')
    # A cursor of the review queue is not one of the results.
    queue = client.get(
        f"/api/engagements/{world.engagement.id}/evaluations?limit=1",
        headers=world.leader.headers,
    )
    refused = client.get(
        f"{url}&cursor={queue.headers['X-Next-Cursor']}", headers=world.client_user.headers
    )
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "VALIDATION_ERROR"
