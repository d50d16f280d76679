"""What the database itself guarantees about organisations and users."""

from __future__ import annotations

import uuid
from datetime import UTC

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from backend.users.models import Role, User
from backend.users.services import add_user
from tests.factories import make_organisation, make_user


def test_role_is_stored_by_value(db_session: Session) -> None:
    user = make_user(db_session, role=Role.SCHEME_MANAGER)
    stored = db_session.execute(
        sa.text("SELECT role FROM users WHERE email = :email"), {"email": user.email}
    ).scalar_one()
    assert stored == "scheme_manager"


def test_database_refuses_an_unknown_role(db_session: Session) -> None:
    organisation = make_organisation(db_session)
    # Plain SQL, past the ORM's own enum check: the CHECK constraint must refuse it.
    with pytest.raises(IntegrityError, match=r"(?i)check constraint"):
        db_session.execute(
            sa.text(
                "INSERT INTO users (id, organisation_id, email, display_name, role, "
                "password_hash) VALUES (:id, :organisation_id, 'x@example.test', 'x', "
                "'superuser', 'x')"
            ),
            {"id": uuid.uuid4().hex, "organisation_id": organisation.id.hex},
        )


def test_orm_refuses_an_unknown_role_string(db_session: Session) -> None:
    with pytest.raises(StatementError):
        make_user(db_session, role="superuser")  # type: ignore[arg-type]


def test_email_is_unique(db_session: Session) -> None:
    make_user(db_session, email="twice@example.test")
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        make_user(db_session, email="twice@example.test")


def test_database_refuses_an_email_with_capitals(db_session: Session) -> None:
    with pytest.raises(IntegrityError, match=r"(?i)check constraint"):
        make_user(db_session, email="Capital@example.test")


def test_add_user_lowercases_the_email_and_hashes_the_password(db_session: Session) -> None:
    user = add_user(
        db_session,
        organisation=make_organisation(db_session),
        email=" New.Person@Example.TEST ",
        display_name="新用户",
        role=Role.SHOPPER,
        password="pw-123456",
    )
    db_session.commit()
    assert user.email == "new.person@example.test"
    assert user.password_hash.startswith("$argon2id$")


def test_created_at_is_timezone_aware_utc(db_session: Session) -> None:
    user = make_user(db_session)
    db_session.expire_all()
    reloaded = db_session.get(User, user.id)
    assert reloaded is not None
    assert reloaded.created_at.tzinfo is UTC
