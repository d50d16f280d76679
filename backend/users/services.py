"""Users and organisations: look-ups and changes, with the session and actor passed in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from backend.audit.changes import apply_changes
from backend.audit.services import record
from backend.auth import session_store
from backend.auth.actor import Actor
from backend.auth.passwords import check_new_password, hash_password
from backend.clients.models import Client
from backend.devices.services import revoke_all_devices
from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.unit_of_work import flush_as_stored
from backend.users.models import Organisation, Role, User


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
        flush_as_stored(session)
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
    diff = apply_changes(
        user,
        {
            "role": role,
            "client_id": client_id,
            "display_name": changes.get("display_name", user.display_name),
            "is_active": changes.get("is_active", user.is_active),
        },
    )
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
        flush_as_stored(session)
    return user


def _sign_out_everywhere(session: Session, user: User) -> dict[str, Any]:
    """A deactivated user's sessions end and devices are revoked, for good: reactivating the
    account later does not bring back a cookie or a token someone may have kept (issue 9 B3)."""
    ended = session_store.end_all(session, user.id, session_store.DEACTIVATED)
    devices = revoke_all_devices(session, user.id)
    return {"sessions_ended": ended, "devices_revoked": [str(d) for d in devices]}


#: Letters and digits nobody confuses when reading a temporary password aloud (no 0/O, 1/l/I).
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    """Three groups of five readable characters (about 86 bits): ``k7Mwp-2xQrt-Hn4ds``."""
    import secrets

    return "-".join("".join(secrets.choice(_READABLE) for _ in range(5)) for _ in range(3))


def reset_password(
    session: Session, actor: Actor, user_id: uuid.UUID, *, ip: str | None = None
) -> str:
    """Give a user a new temporary password (administrators); the password, shown once.

    Whoever knew the old password loses the account with it: the user's sessions end and their
    paired devices are revoked, as on a password change (the phones pair again and keep their
    unsent records). The user signs in with the temporary password and changes it.
    """
    # Imported here: these modules need backend.auth.access, which needs this module.
    from backend.auth import session_store
    from backend.devices.services import revoke_all_devices

    _check_admin(actor)
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.user.organisation_id:
        raise NotFound()
    if user.id == actor.user.id:
        raise Conflict(
            details={
                "reason": "请在“设置”中修改自己的密码 / change your own password in the settings"
            }
        )
    if not user.is_active:
        raise Conflict(
            details={"reason": "账号已停用：请先启用 / the account is deactivated: activate it"}
        )
    password = temporary_password()
    user.password_hash = hash_password(password)
    ended = session_store.end_all(session, user.id, session_store.PASSWORD_CHANGED)
    devices = revoke_all_devices(session, user.id)
    _record(
        session,
        actor,
        action="user.password_reset",
        object_type="user",
        object_id=user.id,
        details={"sessions_ended": ended, "devices_revoked": [str(d) for d in devices]},
        ip=ip,
    )
    flush_as_stored(session)
    return password
