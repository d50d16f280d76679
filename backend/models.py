"""Every model, imported in one place so that ``Base.metadata`` is complete.

Alembic's autogenerate and ``db.create_all`` see only tables whose modules were imported.
"""

from __future__ import annotations

from backend.users.models import Organisation, User

__all__ = ["Organisation", "User"]
