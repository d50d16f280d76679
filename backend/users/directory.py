"""The directory of an organisation's field people, for planning teams and visits (issue 9 C10).

A team leader plans an engagement: its leader and auditors (DOMAIN.md 审查组长, 审查员), the
shoppers it assigns visits to, and, to keep CQC rule §6.1, §6.2 in view, the reviewers who may
later review it only if they stay off the team. ``GET /api/users`` is the administrator's
account management (email addresses, client links); this directory gives the planner only what
planning needs: id, display name, role and whether the account is active. Administrators,
scheme managers and client users are not field people and are not listed.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.errors import Forbidden
from backend.users.models import Role, User

#: Who reads the directory: administrators, and team leaders planning their engagements.
DIRECTORY_READERS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER})
#: Who is listed: the people a team leader puts on a team, assigns visits to, or keeps off it.
LISTED_ROLES: frozenset[Role] = frozenset(
    {Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.SHOPPER}
)


def directory(
    session: Session,
    actor: Actor,
    *,
    roles: Collection[Role] | None = None,
    active: bool | None = None,
) -> list[User]:
    """The field people of the actor's organisation, by role and name.

    ``roles``: only these (each one of ``LISTED_ROLES``; the schema refuses others); ``active``:
    only active (True) or deactivated (False) accounts; None: both, each marked.
    """
    if actor.role not in DIRECTORY_READERS:
        raise Forbidden(
            details={
                "role": actor.role.value,
                "allowed": sorted(r.value for r in DIRECTORY_READERS),
            }
        )
    wanted = LISTED_ROLES if not roles else LISTED_ROLES & frozenset(roles)
    query = sa.select(User).where(
        User.organisation_id == actor.user.organisation_id, User.role.in_(sorted(wanted))
    )
    if active is not None:
        query = query.where(User.is_active == active)
    # Sorted here, not in SQL: one order (role, then name by code point) on SQLite and on a
    # PostgreSQL whatever its collation.
    return sorted(session.scalars(query), key=lambda u: (u.role.value, u.display_name, str(u.id)))
