"""evaluation queue indexes

The review queue and an engagement's evaluation list are read a page at a time in the order
(submitted_at, created_at, id), filtered by engagement and often by status
(backend/evaluations/reads.py). These two indexes hold that order, so a page reads its own rows
at any depth and however many evaluations the engagement has (issue 13, "Flat costs"). They
begin with ``engagement_id``, which needs no index of its own any more.

Revision ID: c5e8a2f4b613
Revises: 8f3a1c5d7e92
Create Date: 2026-12-07 18:10:00

"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e8a2f4b613"
down_revision = "8f3a1c5d7e92"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.create_index(
            "ix_evaluations_engagement_queue",
            ["engagement_id", "status", "submitted_at", "created_at", "id"],
        )
        batch.create_index(
            "ix_evaluations_engagement_order",
            ["engagement_id", "submitted_at", "created_at", "id"],
        )
        batch.drop_index("ix_evaluations_engagement_id")


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.create_index("ix_evaluations_engagement_id", ["engagement_id"])
        batch.drop_index("ix_evaluations_engagement_order")
        batch.drop_index("ix_evaluations_engagement_queue")
