"""One transaction per request (backend/unit_of_work.py): committed after an answer below 400,
rolled back after an error answer or an exception; nothing but that module commits."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from blinker import Namespace
from flask import Flask
from sqlalchemy.orm import Session

from backend import unit_of_work
from backend.errors import Conflict
from backend.extensions import db
from backend.users.models import Organisation

REPO = Path(__file__).resolve().parents[1]


def _calls(attribute: str) -> dict[str, list[int]]:
    """Backend module → the lines calling ``<something>.<attribute>(...)`` (or the bare name)."""
    found: dict[str, list[int]] = {}
    for path in sorted((REPO / "backend").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == attribute:
                relative = path.relative_to(REPO).as_posix()
                found.setdefault(relative, []).append(node.lineno)
    return found


def test_only_the_unit_of_work_commits() -> None:
    assert list(_calls("commit")) == ["backend/unit_of_work.py"]


def test_early_commits_are_the_documented_ones() -> None:
    callers = {
        path.removesuffix(".py").replace("/", ".")
        for path in _calls("commit_early")
        if path != "backend/unit_of_work.py"
    }
    assert callers == set(unit_of_work.EARLY_COMMITS)
    for module in unit_of_work.EARLY_COMMITS:
        assert module.rsplit(".", 1)[-1] in (unit_of_work.__doc__ or "")


def test_commit_early_refuses_an_undocumented_caller(db_session: Session) -> None:
    with pytest.raises(RuntimeError, match="may not commit early"):
        unit_of_work.commit_early(db_session)


@pytest.fixture
def uow_app(make_app: Callable[..., Flask], db_session: Session) -> Flask:
    """An app with routes that write an organisation and then answer in different ways."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # a crash answers 500, as on a server

    def write(name: str) -> None:
        db.session.add(Organisation(id=uuid.uuid4(), name=name))
        db.session.flush()

    def written_then_conflict(name: str) -> object:
        write(name)
        raise Conflict()

    def written_then_crash(name: str) -> object:
        write(name)
        raise RuntimeError("a bug after the write")

    def written_then_422(name: str) -> object:
        write(name)
        return {"code": "VALIDATION_ERROR"}, 422

    def written(name: str) -> object:
        write(name)
        return {"name": name}, 201

    for view in (written_then_conflict, written_then_crash, written_then_422, written):
        app.add_url_rule(f"/_uow/{view.__name__}/<name>", view_func=view, methods=["POST"])
    return app


def _exists(session: Session, name: str) -> bool:
    return session.scalar(sa.select(Organisation.id).where(Organisation.name == name)) is not None


@pytest.mark.parametrize(
    ("route", "status"),
    [("written_then_conflict", 409), ("written_then_crash", 500), ("written_then_422", 422)],
)
def test_a_failed_request_leaves_nothing_written(
    uow_app: Flask, db_session: Session, route: str, status: int
) -> None:
    name = f"半途 {route}"
    response = uow_app.test_client().post(f"/_uow/{route}/{name}")
    assert response.status_code == status
    assert not _exists(db_session, name)


def test_a_successful_request_is_committed(uow_app: Flask, db_session: Session) -> None:
    response = uow_app.test_client().post("/_uow/written/完成")
    assert response.status_code == 201
    assert _exists(db_session, "完成")


def test_after_commit_runs_only_once_committed(db_session: Session) -> None:
    ran: list[str] = []
    unit_of_work.after_commit(db_session, lambda: ran.append("first"))
    db_session.rollback()
    assert ran == []
    unit_of_work.after_commit(db_session, lambda: ran.append("second"))
    with unit_of_work.transaction(db_session):
        db_session.add(Organisation(id=uuid.uuid4(), name="提交之后"))
    assert ran == ["second"]


def test_transaction_rolls_back_when_the_block_raises(db_session: Session) -> None:
    with pytest.raises(ValueError), unit_of_work.transaction(db_session):
        db_session.add(Organisation(id=uuid.uuid4(), name="回滚"))
        db_session.flush()
        raise ValueError
    assert not _exists(db_session, "回滚")


def test_events_run_in_the_transaction_so_their_writes_commit_with_the_change(
    db_session: Session,
) -> None:
    """``send_at_commit``: receivers write in the change's transaction (a push owed, the jobs'
    outbox); one that fails is rolled back alone and the change stands."""
    signal = Namespace().signal("test-event")
    heard: list[str] = []

    def writes(sender: Organisation, *, session: Session, **_: object) -> None:
        heard.append(sender.name)
        session.add(Organisation(id=uuid.uuid4(), name=f"{sender.name} 的通知"))

    def fails(sender: Organisation, *, session: Session, **_: object) -> None:
        session.add(Organisation(id=uuid.uuid4(), name=f"{sender.name} 的失败"))
        session.flush()
        raise RuntimeError("a receiver failed")

    signal.connect(writes)
    signal.connect(fails)
    changed = Organisation(id=uuid.uuid4(), name="变更")
    with unit_of_work.transaction(db_session):
        db_session.add(changed)
        unit_of_work.send_at_commit(db_session, signal, changed)
        assert heard == []  # not before the change is complete
    assert heard == ["变更"]
    assert _exists(db_session, "变更") and _exists(db_session, "变更 的通知")
    assert not _exists(db_session, "变更 的失败")

    rolled_back = Organisation(id=uuid.uuid4(), name="撤销")
    db_session.add(rolled_back)
    unit_of_work.send_at_commit(db_session, signal, rolled_back)
    db_session.rollback()
    with unit_of_work.transaction(db_session):
        pass
    assert heard == ["变更"]
    assert not _exists(db_session, "撤销 的通知")
