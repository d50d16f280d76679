"""job outbox

A transactional outbox for background jobs (issue 13, backend/jobs/outbox.py): a change that owes
a job (a push notification) writes a ``job_outbox`` row in its own transaction; the row is put on
the queue after the commit and again by the worker's relay if that never happened (the process
died between the commit and the queue). ``done_at`` is set by the job itself, so a job relayed
twice runs once.

Revision ID: e3a91f6c2d48
Revises: c5e8a2f4b613
Create Date: 2026-12-07 17:50:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3a91f6c2d48"
down_revision = "c5e8a2f4b613"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
    )
    op.create_index("ix_job_outbox_waiting", "job_outbox", ["relayed_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_job_outbox_waiting", table_name="job_outbox")
    op.drop_table("job_outbox")
