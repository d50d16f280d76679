"""Who acts: the plain record every service takes, free of the request.

``backend.auth.access`` builds an ``Actor`` from a request (session cookie or device token); the
CLI and the tests build one directly. Services and the audit log import it from here, so that
nothing below the routes depends on request code (no import circle through ``access``).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.devices.models import Device
from backend.users.models import Role, User


@dataclass(frozen=True)
class Actor:
    """The user a request acts for, and the paired device it came from (if any)."""

    user: User
    device: Device | None = None

    @property
    def role(self) -> Role:
        return self.user.role

    def has(self, *roles: Role) -> bool:
        return self.user.role in roles
