"""ncs nonconformities

Nonconformity records (``nonconformities``: clause, finding, stage, the deadlines derived from
the scheme, CQC rule §5.2.3.1, §7.4 b) and the evidence they cite (``nonconformity_evidence``).

Revision ID: 53eda19d70e1
Revises: 7cf867d52d87
Create Date: 2026-12-07 14:22:47.544364

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "53eda19d70e1"
down_revision = "7cf867d52d87"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nonconformities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("clause", sa.String(length=50), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("audit_kind", sa.String(length=20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("typical_due", sa.Date(), nullable=False),
        sa.Column("latest_due", sa.Date(), nullable=False),
        sa.Column("on_miss", sa.String(length=30), nullable=False),
        sa.Column("rule_section", sa.String(length=100), nullable=False),
        sa.Column("opened_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_comment", sa.Text(), nullable=True),
        sa.Column("verification_method", sa.String(length=20), nullable=True),
        sa.Column("verification", sa.Text(), nullable=True),
        sa.Column("rejudged", sa.String(length=20), nullable=True),
        sa.Column("equivalent_reason", sa.Text(), nullable=True),
        sa.Column("verified_by_id", sa.Uuid(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consequence", sa.String(length=30), nullable=True),
        sa.Column("consequence_on", sa.Date(), nullable=True),
        sa.Column("reminded", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "stage IN ('open', 'answered', 'closed')", name=op.f("ck_nonconformities_stage_known")
        ),
        sa.CheckConstraint(
            "opened_on <= typical_due AND typical_due <= latest_due",
            name=op.f("ck_nonconformities_dues"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_nonconformities_answered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_nonconformities_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["users.id"],
            name=op.f("fk_nonconformities_opened_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_nonconformities_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_nonconformities_verified_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformities")),
        sa.UniqueConstraint("engagement_id", "number", name="uq_nonconformities_number"),
        sa.UniqueConstraint(
            "engagement_id", "source", "source_ref", name="uq_nonconformities_source_ref"
        ),
    )
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nonconformities_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_nonconformities_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "nonconformity_evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nonconformity_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "part IN ('finding', 'answer')", name=op.f("ck_nonconformity_evidence_part_known")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_nonconformity_evidence_evidence_id_evidence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformities.id"],
            name=op.f("fk_nonconformity_evidence_nonconformity_id_nonconformities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonconformity_evidence")),
        sa.UniqueConstraint(
            "nonconformity_id", "evidence_id", name="uq_nonconformity_evidence_pair"
        ),
    )
    with op.batch_alter_table("nonconformity_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nonconformity_evidence_evidence_id"), ["evidence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_nonconformity_evidence_nonconformity_id"),
            ["nonconformity_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("nonconformity_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformity_evidence_nonconformity_id"))
        batch_op.drop_index(batch_op.f("ix_nonconformity_evidence_evidence_id"))

    op.drop_table("nonconformity_evidence")
    with op.batch_alter_table("nonconformities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonconformities_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_nonconformities_engagement_id"))

    op.drop_table("nonconformities")
