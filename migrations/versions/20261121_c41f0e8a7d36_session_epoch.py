"""session epoch

``users.session_epoch``: session cookies carry the epoch they were issued in, and a password
change moves it on, so the user's other signed-in browsers are signed out.

Revision ID: c41f0e8a7d36
Revises: b7d2e4c19a05
Create Date: 2026-11-21 11:10:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c41f0e8a7d36"
down_revision = "b7d2e4c19a05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
