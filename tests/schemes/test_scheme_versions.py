"""Scheme versions side by side (issue 10): the current version, the engagements per version,
and a readable diff; the CQC scheme's chapter 5 added as data and scored with."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.schemes.diff import diff_texts
from backend.schemes.services import import_scheme, load_scheme_version
from backend.scoring import parse_input, result_json, score
from backend.users.models import Organisation, Role
from tests.factories import (
    SCHEMES_DIR,
    make_client,
    make_engagement,
    make_organisation,
    make_user,
    sign_in,
)

CQC = (SCHEMES_DIR / "cqc83-831102-2025.yaml").read_text(encoding="utf-8")
#: What a scheme manager adds to the CQC file: chapter 5 of CQC/SC 11002 with one clause, as a
#: new version of the file (its incomplete_note says how).
CHAPTER_5 = """    - code: "5"
      title: {zh: "CQC/SC 11002 第5章", en: "CQC/SC 11002 chapter 5"}
      clauses:
        - code: "5.1.1"
          title: {zh: "服务人员资格", en: "Service staff qualification"}
timing:"""
CQC_13 = CQC.replace('version: "1.2"', 'version: "1.3"', 1).replace("timing:", CHAPTER_5, 1)


@pytest.fixture
def organisation(db_session: Session) -> Organisation:
    return make_organisation(db_session)


def signed_in(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> FlaskClient:
    sign_in(client, make_user(db_session, role=role, organisation=organisation))
    return client


def post(client: FlaskClient, text: str) -> Any:
    return client.post("/api/schemes", data=text.encode(), content_type="application/yaml")


def test_the_first_import_of_a_scheme_is_current_and_a_later_one_is_not_until_chosen(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    signed_in(client, db_session, organisation, Role.SCHEME_MANAGER)
    first = post(client, CQC).get_json()
    second = post(client, CQC_13).get_json()

    current = client.get("/api/schemes/current").get_json()
    assert [(c["scheme_id"], c["scheme_version_id"]) for c in current] == [
        ("cqc83-831102-2025", first["id"])
    ]
    made = client.put(f"/api/schemes/{second['id']}/current")
    assert made.status_code == 200
    assert made.get_json()["scheme_version_id"] == second["id"]
    assert client.get("/api/schemes/current").get_json()[0]["scheme_version_id"] == second["id"]
    entry = db_session.query(AuditEntry).filter_by(action="scheme.made_current").one()
    assert entry.details["previous_id"] == first["id"]
    # Choosing it again changes nothing and logs nothing.
    assert client.put(f"/api/schemes/{second['id']}/current").status_code == 200
    assert db_session.query(AuditEntry).filter_by(action="scheme.made_current").count() == 1


def test_the_diff_shows_the_added_chapter_5_clause_under_conformity(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    signed_in(client, db_session, organisation, Role.TEAM_LEADER)
    old = load_id(db_session, CQC)
    new = load_id(db_session, CQC_13)

    body = client.get(f"/api/schemes/{old}/diff/{new}").get_json()

    assert body["old"]["version"] == "1.2" and body["new"]["version"] == "1.3"
    assert {(c["section"], c["path"], c["change"]) for c in body["changes"]} == {
        ("about", "version", "changed"),
        ("conformity", "conformity.chapters[5]", "added"),
    }
    added = next(c for c in body["changes"] if c["change"] == "added")
    assert added["new"] == "5 CQC/SC 11002 第5章（5.1.1 服务人员资格）"


def load_id(db_session: Session, text: str) -> str:
    return str(import_scheme(db_session, None, text.encode(), source="test").scheme_version.id)


def test_scoring_with_the_new_version_counts_chapter_5(db_session: Session) -> None:
    new = load_id(db_session, CQC_13)
    scheme = load_scheme_version(db_session, uuid.UUID(new))
    judgements = {"4.3.1": "full", "4.3.2": "full", "4.4.2": "full", "5.1.1": "basic"}
    result = result_json(score(scheme, parse_input({"conformity": judgements}, scheme)))
    conformity = result["conformity"]
    assert conformity["exact"] == {"final": "7/2", "chapters": {"4": "4", "5": "3"}}
    assert conformity["passed"] is True
    assert result["decision"]["outcome"] == "certified"


def test_engagements_keep_their_version_and_usage_counts_them(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    engagement = make_engagement(
        db_session, client=make_client(db_session, organisation=organisation)
    )
    pinned = str(engagement.scheme_version_id)
    signed_in(client, db_session, organisation, Role.SCHEME_MANAGER)
    newer = post(client, CQC_13).get_json()["id"]
    client.put(f"/api/schemes/{newer}/current")

    usage = {
        u["scheme_version_id"]: u["engagements"]
        for u in client.get("/api/schemes/usage").get_json()
    }
    assert usage == {pinned: 1}
    db_session.refresh(engagement)
    assert str(engagement.scheme_version_id) == pinned


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.CLIENT_USER])
def test_outsiders_read_nothing_and_only_importers_choose(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    version = load_id(db_session, CQC)
    signed_in(client, db_session, organisation, role)
    for path in (
        "/api/schemes/current",
        "/api/schemes/usage",
        f"/api/schemes/{version}/diff/{version}",
    ):
        assert client.get(path).status_code == 403
    assert client.put(f"/api/schemes/{version}/current").status_code == 403


def test_a_team_leader_may_not_choose_the_current_version(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    version = load_id(db_session, CQC)
    signed_in(client, db_session, organisation, Role.TEAM_LEADER)
    response = client.put(f"/api/schemes/{version}/current")
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


# --------------------------------------------------------------------------- the diff itself


def test_entries_are_matched_by_code_so_an_insertion_is_one_change() -> None:
    old = "items:\n- {code: a, points: '1'}\n- {code: c, points: '3'}\n"
    new = "items:\n- {code: a, points: '1'}\n- {code: b, points: '2'}\n- {code: c, points: '4'}\n"
    changes = [(c.path, c.change, c.old, c.new) for c in diff_texts(old, new)]
    assert changes == [
        ("items[c].points", "changed", "3", "4"),
        ("items[b]", "added", None, "{code: b, points: '2'}"),
    ]


def test_sections_follow_the_scheme_parts() -> None:
    old = "decision:\n  rows: [{id: x, outcome: certified}]\nlifecycle: {certificate: {years: 3}}\n"
    new = "decision:\n  rows: [{id: x, outcome: refused}]\nlifecycle: {certificate: {years: 5}}\n"
    assert [(c.section, c.path) for c in diff_texts(old, new)] == [
        ("decision", "decision.rows[x].outcome"),
        ("lifecycle", "lifecycle.certificate.years"),
    ]


def test_numbers_compare_as_written() -> None:
    assert diff_texts("a: 3\n", "a: '3'\n") == []
    assert [c.new for c in diff_texts("a: 3\n", "a: 3.0\n")] == ["3.0"]


def test_removed_entries_and_scalars_in_lists() -> None:
    old = "basis: [x, y]\nscales:\n- {code: s, title: {zh: 量表, en: Scale}}\n"
    new = "basis: [x]\nscales: []\n"
    assert [(c.path, c.change, c.old) for c in diff_texts(old, new)] == [
        ("basis[1]", "removed", "y"),
        ("scales[s]", "removed", "s 量表"),
    ]
