"""file jobs

Issue 13: large exports are made by a background job and downloaded when done
(backend/jobs/files.py): who asked for which file, its progress counts, where it is stored.

Revision ID: 4878e32e5c77
Revises: 9c4f2e7a1b53
Create Date: 2026-12-07 17:45:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4878e32e5c77"
down_revision = "9c4f2e7a1b53"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "done",
                "failed",
                name="file_job_state",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_file_jobs_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_file_jobs_requested_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_jobs")),
    )
    with op.batch_alter_table("file_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_file_jobs_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_file_jobs_requested_by_id"), ["requested_by_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("file_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_jobs_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_file_jobs_organisation_id"))

    op.drop_table("file_jobs")
