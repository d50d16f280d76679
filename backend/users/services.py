"""Users and organisations: look-ups and changes, with the session and actor passed in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from backend.auth.passwords import check_new_password, hash_password
from backend.clients.models import Client
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.users.models import Organisation, Role, User

if TYPE_CHECKING:
    from backend.auth.access import Actor


def normalise_email(email: str) -> str:
    """The stored form of an email address: trimmed and lowercased."""
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(
        sa.select(User)
        .options(joinedload(User.organisation))
        .where(User.email == normalise_email(email))
    ).one_or_none()


def get_active_user(session: Session, user_id: uuid.UUID) -> User | None:
    """The user with this id, or None when there is none or they were deactivated."""
    user = session.get(User, user_id, options=[joinedload(User.organisation)])
    return user if user is not None and user.is_active else None


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalars(sa.select(Organisation).where(Organisation.name == name)).one_or_none()


def add_organisation(session: Session, *, name: str) -> Organisation:
    """Add an organisation to the session (the calling service commits)."""
    organisation = Organisation(id=uuid.uuid4(), name=name)
    session.add(organisation)
    return organisation


def add_user(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    is_active: bool = True,
) -> User:
    """Add a user with an argon2id hash of ``password`` (the calling service commits)."""
    user = User(
        id=uuid.uuid4(),
        organisation=organisation,
        email=normalise_email(email),
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        is_active=is_active,
    )
    session.add(user)
    return user


def list_users(session: Session, actor: Actor) -> Sequence[User]:
    """The users of the actor's organisation, by email; administrators only."""
    _check_admin(actor)
    return session.scalars(
        sa.select(User)
        .options(joinedload(User.organisation))
        .where(User.organisation_id == actor.user.organisation_id)
        .order_by(User.email)
    ).all()


def _check_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(details={"role": actor.role.value, "allowed": [Role.ADMIN.value]})


def _check_client_link(
    session: Session, actor: Actor, *, role: Role, client_id: uuid.UUID | None
) -> None:
    """Only client users are linked to a client, and only to one of the organisation's."""
    if client_id is None:
        return
    if role is not Role.CLIENT_USER:
        raise ValidationFailed(
            details={"client_id": ["只有委托方用户可关联委托方 / only client users have a client"]}
        )
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != actor.user.organisation_id:
        raise ValidationFailed(details={"client_id": ["委托方不存在 / no such client"]})


def _record(session: Session, actor: Actor, **entry: Any) -> None:
    # Imported here: backend.audit.services needs backend.auth.access, which needs this module.
    from backend.audit.services import record

    record(session, actor=actor, **entry)


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    client_id: uuid.UUID | None = None,
    ip: str | None = None,
) -> User:
    """Create a user in the administrator's organisation with an initial password."""
    _check_admin(actor)
    check_new_password(password, email=email, field="password")
    _check_client_link(session, actor, role=role, client_id=client_id)
    if get_user_by_email(session, email) is not None:
        raise Conflict(details={"email": ["该邮箱已有账号 / an account with this address exists"]})
    user = add_user(
        session,
        organisation=actor.user.organisation,
        email=email,
        display_name=display_name,
        role=role,
        password=password,
    )
    user.client_id = client_id
    session.flush()
    _record(
        session,
        actor,
        action="user.created",
        object_type="user",
        object_id=user.id,
        details={
            "email": user.email,
            "role": role.value,
            "client_id": str(client_id) if client_id else None,
        },
        ip=ip,
    )
    try:
        session.commit()
    except sa.exc.IntegrityError:
        # Someone created the same address between our check and our insert.
        session.rollback()
        raise Conflict(
            details={"email": ["该邮箱已有账号 / an account with this address exists"]}
        ) from None
    return user


def update_user(
    session: Session,
    actor: Actor,
    user_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> User:
    """Change a user's role, client link, display name or active flag (administrators).

    An administrator cannot demote or deactivate themselves: the organisation could be left
    without anyone able to manage it.
    """
    _check_admin(actor)
    user = session.get(User, user_id, options=[joinedload(User.organisation)])
    if user is None or user.organisation_id != actor.user.organisation_id:
        raise NotFound()
    if user.id == actor.user.id and (
        changes.get("role", Role.ADMIN) is not Role.ADMIN or changes.get("is_active") is False
    ):
        raise Conflict(
            details={
                "reason": "不能降低自己的角色或停用自己 / you cannot demote or deactivate yourself"
            }
        )
    role = changes.get("role", user.role)
    client_id = changes.get("client_id", user.client_id)
    if role is not Role.CLIENT_USER and "client_id" not in changes:
        # Leaving the client-user role drops the client link (the database requires it).
        client_id = None
    _check_client_link(session, actor, role=role, client_id=client_id)
    deactivating = user.is_active and changes.get("is_active") is False
    diff: dict[str, dict[str, Any]] = {}
    for field, value in (
        ("role", role),
        ("client_id", client_id),
        ("display_name", changes.get("display_name", user.display_name)),
        ("is_active", changes.get("is_active", user.is_active)),
    ):
        old = getattr(user, field)
        if old != value:
            setattr(user, field, value)
            diff[field] = {"from": _plain(old), "to": _plain(value)}
    details: dict[str, Any] = {"changes": diff}
    if deactivating:
        details.update(_sign_out_everywhere(session, user))
    if diff:
        _record(
            session,
            actor,
            action="user.updated",
            object_type="user",
            object_id=user.id,
            details=details,
            ip=ip,
        )
        session.commit()
    return user


def _sign_out_everywhere(session: Session, user: User) -> dict[str, Any]:
    """A deactivated user's sessions end and devices are revoked, for good: reactivating the
    account later does not bring back a cookie or a token someone may have kept (issue 9 B3)."""
    # Imported here: these modules need backend.auth.access, which needs this module.
    from backend.auth import session_store
    from backend.devices.services import revoke_all_devices

    ended = session_store.end_all(session, user.id, session_store.DEACTIVATED)
    devices = revoke_all_devices(session, user.id)
    return {"sessions_ended": ended, "devices_revoked": [str(d) for d in devices]}


def _plain(value: Any) -> Any:
    """A JSON-safe form of a value for audit details."""
    if isinstance(value, Role):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
