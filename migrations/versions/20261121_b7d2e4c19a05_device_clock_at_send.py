"""device clock at send

The device's clock when it sent an evidence upload or an evaluation version (``X-Device-Time``):
with the server's receipt time it measures the device clock's error in both directions.

Revision ID: b7d2e4c19a05
Revises: 1a70564d5d1a
Create Date: 2026-11-21 11:05:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d2e4c19a05"
down_revision = "1a70564d5d1a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_sent_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("evaluation_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluation_versions", schema=None) as batch_op:
        batch_op.drop_column("device_sent_at")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("device_sent_at")
