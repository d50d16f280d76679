"""``/api/users``: the people of my organisation (administrators) and its field directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth import services as auth_services
from backend.auth.access import allow, require_actor
from backend.auth.limits import current_limits
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.users import services
from backend.users.directory import DIRECTORY_READERS, directory
from backend.users.models import Role, User
from backend.users.schemas import (
    DirectoryArgsSchema,
    DirectoryEntrySchema,
    ManagedUserSchema,
    PasswordResetSchema,
    UserCreateSchema,
    UserUpdateSchema,
)

blp = Blueprint("users", __name__, url_prefix="/api/users", description="Users.")

_401 = "AUTH_REQUIRED: not signed in."
_403 = "FORBIDDEN: not an administrator. CSRF_FAILED: X-CSRF-Token missing or wrong."


@blp.route("")
class Users(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, ManagedUserSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: not an administrator.")
    def get(self) -> Sequence[User]:
        """List the users of my organisation

        Administrators only.
        """
        return services.list_users(db.session(), require_actor())

    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(UserCreateSchema)
    @blp.response(201, ManagedUserSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    @blp.alt_response(409, schema=ErrorSchema, description="CONFLICT: the address has an account.")
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="VALIDATION_ERROR: e.g. password shorter than 10 characters or equal to the "
        "address; client_id for a role other than client_user, or of no client of mine.",
    )
    def post(self, data: dict[str, Any]) -> User:
        """Create a user

        Administrators only; the user belongs to my organisation and signs in with the initial
        password given here.
        """
        return services.create_user(db.session(), require_actor(), **data, ip=request.remote_addr)


@blp.route("/directory")
class Directory(MethodView):
    @allow(*sorted(DIRECTORY_READERS))
    @blp.doc(security=[{"session": []}])
    @blp.arguments(DirectoryArgsSchema, location="query")
    @blp.response(200, DirectoryEntrySchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(
        403, schema=ErrorSchema, description="FORBIDDEN: not an administrator or team leader."
    )
    @blp.alt_response(
        422, schema=ErrorSchema, description="VALIDATION_ERROR: a role that is not listed."
    )
    def get(self, args: dict[str, Any]) -> Sequence[User]:
        """The field people of my organisation, to plan teams and visits

        Team leaders and administrators: team leaders, auditors, reviewers and mystery
        shoppers, with id, display name, role and whether the account is active (no email
        address). `?role=auditor` (repeatable) and `?active=true` narrow it.
        """
        return directory(db.session(), require_actor(), roles=args["role"], active=args["active"])


@blp.route("/<uuid:user_id>")
class UserById(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, ManagedUserSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such user of mine.")
    @blp.alt_response(
        409, schema=ErrorSchema, description="CONFLICT: demoting or deactivating myself."
    )
    def patch(self, data: dict[str, Any], user_id: uuid.UUID) -> User:
        """Change a user's role, client, name or active flag

        Administrators only. A deactivated user can no longer sign in: their sessions end and
        their devices are revoked, for good (reactivating the account brings neither back).
        """
        return services.update_user(
            db.session(), require_actor(), user_id, data, ip=request.remote_addr
        )


@blp.route("/<uuid:user_id>/unlock")
class UnlockSignIn(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such user of mine.")
    def post(self, user_id: uuid.UUID) -> None:
        """Unlock a user's sign-in

        Administrators only. Clears the locks (too many wrong passwords from an address) and
        the slow-down (many failures from several addresses) of the user's account; recorded
        in the audit log.
        """
        auth_services.unlock_sign_in(
            db.session(),
            require_actor(),
            user_id,
            throttle=current_limits().throttle,
            ip=request.remote_addr,
        )


@blp.route("/<uuid:user_id>/password-reset")
class PasswordReset(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, PasswordResetSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such user of mine.")
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="CONFLICT: my own account (change it with POST /api/auth/password), or a "
        "deactivated one.",
    )
    def post(self, user_id: uuid.UUID) -> dict[str, str]:
        """Reset a user's password

        Administrators only. Answers a new temporary password, once (it is not stored in
        clear); the user's sessions end and their paired devices are revoked. Recorded in the
        audit log (without the password).
        """
        password = services.reset_password(
            db.session(), require_actor(), user_id, ip=request.remote_addr
        )
        return {"temporary_password": password}
