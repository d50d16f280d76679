"""current scheme versions

``current_scheme_versions``: per scheme id, the version new engagements are planned with
(issue 10). Planned engagements keep the version they pinned. Existing schemes get their most
recently imported version as current (on a new server, the first import of a scheme makes it
current).

Revision ID: 3e32d98b6d73
Revises: dd21e8b47b4e
Create Date: 2026-12-07 06:31:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3e32d98b6d73"
down_revision = "dd21e8b47b4e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_scheme_versions",
        sa.Column("scheme_id", sa.String(length=100), nullable=False),
        sa.Column("scheme_version_id", sa.Uuid(), nullable=False),
        sa.Column("set_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["scheme_version_id"],
            ["scheme_versions.id"],
            name=op.f("fk_current_scheme_versions_scheme_version_id_scheme_versions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_current_scheme_versions_set_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("scheme_id", name=op.f("pk_current_scheme_versions")),
    )
    with op.batch_alter_table("current_scheme_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_current_scheme_versions_scheme_version_id"),
            ["scheme_version_id"],
            unique=False,
        )
    # The newest import of each scheme is current (ties broken by id, as the list orders them).
    op.execute(
        """
        INSERT INTO current_scheme_versions (scheme_id, scheme_version_id)
        SELECT v.scheme_id, v.id FROM scheme_versions v
        WHERE NOT EXISTS (
            SELECT 1 FROM scheme_versions w
            WHERE w.scheme_id = v.scheme_id
              AND (w.imported_at > v.imported_at OR (w.imported_at = v.imported_at AND w.id > v.id))
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("current_scheme_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_current_scheme_versions_scheme_version_id"))
    op.drop_table("current_scheme_versions")
