"""onsite audit records

The audit on site (issue 11): management audit, conformity and two-rater records made on the
phone (``onsite_audit_records``, client UUIDs), every version of their content
(``onsite_audit_versions``), their review history (``onsite_audit_events``) and the two-rater
pairs with their reconciliation (``rater_pairs``, seed 003).

Revision ID: 2ac06b8f693c
Revises: b7d2e4a91c30
Create Date: 2026-12-07 14:38:55.114635

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2ac06b8f693c"
down_revision = "b7d2e4a91c30"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rater_pairs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("mode", sa.String(length=1), nullable=False),
        sa.Column("rater_a_id", sa.Uuid(), nullable=False),
        sa.Column("rater_b_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("reconciliation", sa.JSON(), nullable=True),
        sa.Column("reconciliation_notes", sa.Text(), nullable=False),
        sa.Column("reconciled_by_id", sa.Uuid(), nullable=True),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rater_a_id <> rater_b_id", name=op.f("ck_rater_pairs_two_raters")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_rater_pairs_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_rater_pairs_engagement_id_engagements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rater_a_id"],
            ["users.id"],
            name=op.f("fk_rater_pairs_rater_a_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rater_b_id"],
            ["users.id"],
            name=op.f("fk_rater_pairs_rater_b_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reconciled_by_id"],
            ["users.id"],
            name=op.f("fk_rater_pairs_reconciled_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_rater_pairs_site_id_sites"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rater_pairs")),
    )
    with op.batch_alter_table("rater_pairs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rater_pairs_engagement_id"), ["engagement_id"], unique=False
        )

    op.create_table(
        "onsite_audit_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "management",
                "conformity",
                "pair_rating",
                name="onsite_record_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("pair_id", sa.Uuid(), nullable=True),
        sa.Column("auditor_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "accepted",
                "returned",
                name="onsite_record_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_hash", sa.String(length=64), nullable=False),
        sa.Column("nonconforming_clauses", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["auditor_id"],
            ["users.id"],
            name=op.f("fk_onsite_audit_records_auditor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_onsite_audit_records_device_id_devices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_onsite_audit_records_engagement_id_engagements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["rater_pairs.id"],
            name=op.f("fk_onsite_audit_records_pair_id_rater_pairs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_audit_records")),
    )
    with op.batch_alter_table("onsite_audit_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onsite_audit_records_auditor_id"), ["auditor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onsite_audit_records_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onsite_audit_records_pair_id"), ["pair_id"], unique=False
        )

    op.create_table(
        "onsite_audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "submitted",
                "accepted",
                "returned",
                name="onsite_event_from",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "submitted",
                "accepted",
                "returned",
                name="onsite_event_to",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_onsite_audit_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["onsite_audit_records.id"],
            name=op.f("fk_onsite_audit_events_record_id_onsite_audit_records"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_audit_events")),
    )
    with op.batch_alter_table("onsite_audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onsite_audit_events_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "onsite_audit_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("device_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_onsite_audit_versions_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_onsite_audit_versions_device_id_devices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["onsite_audit_records.id"],
            name=op.f("fk_onsite_audit_versions_record_id_onsite_audit_records"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_audit_versions")),
        sa.UniqueConstraint("record_id", "number", name="uq_onsite_audit_versions_record_number"),
    )
    with op.batch_alter_table("onsite_audit_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onsite_audit_versions_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("onsite_audit_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onsite_audit_versions_record_id"))

    op.drop_table("onsite_audit_versions")
    with op.batch_alter_table("onsite_audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onsite_audit_events_record_id"))

    op.drop_table("onsite_audit_events")
    with op.batch_alter_table("onsite_audit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onsite_audit_records_pair_id"))
        batch_op.drop_index(batch_op.f("ix_onsite_audit_records_engagement_id"))
        batch_op.drop_index(batch_op.f("ix_onsite_audit_records_auditor_id"))

    op.drop_table("onsite_audit_records")
    with op.batch_alter_table("rater_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rater_pairs_engagement_id"))

    op.drop_table("rater_pairs")
