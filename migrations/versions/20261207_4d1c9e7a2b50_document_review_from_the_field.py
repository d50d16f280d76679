"""document review from the field

An auditor on the engagement's team records the document review (CQC rule §5.1.4) on the phone,
offline, under the phone's id (issue 11): ``document_reviews`` gets the create's hash (an
idempotent PUT recognises its replay), the device and the phone's clock at sending.

Revision ID: 4d1c9e7a2b50
Revises: 2ac06b8f693c
Create Date: 2026-12-07 17:50:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4d1c9e7a2b50"
down_revision = "2ac06b8f693c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("create_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("device_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("device_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_document_reviews_device_id_devices"),
            "devices",
            ["device_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("document_reviews", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_document_reviews_device_id_devices"), type_="foreignkey"
        )
        batch_op.drop_column("device_sent_at")
        batch_op.drop_column("device_id")
        batch_op.drop_column("create_hash")
