"""customer surveys

Survey campaigns (mode E) with their sites and poster codes, one-time codes, responses with
quality flags, encrypted contact numbers and callback outcomes, and callback draws (issue 5).

Revision ID: 1a70564d5d1a
Revises: 6adc137361f4
Create Date: 2026-11-21 10:39:35.822057

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1a70564d5d1a"
down_revision = "6adc137361f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("callback_share", sa.Float(), nullable=False),
        sa.Column("contact_retention_days", sa.Integer(), nullable=False),
        sa.Column("min_seconds_per_question", sa.Float(), nullable=False),
        sa.Column("burst_threshold", sa.Integer(), nullable=False),
        sa.Column("burst_window_minutes", sa.Integer(), nullable=False),
        sa.Column("opening_time", sa.String(length=5), nullable=True),
        sa.Column("closing_time", sa.String(length=5), nullable=True),
        sa.Column("requires_code", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "callback_share > 0 AND callback_share <= 1",
            name=op.f("ck_survey_campaigns_callback_share"),
        ),
        sa.CheckConstraint("opens_at < closes_at", name=op.f("ck_survey_campaigns_dates_ordered")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_survey_campaigns_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_survey_campaigns_engagement_id_engagements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_survey_campaigns_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_campaigns")),
    )
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_campaigns_engagement_id"), ["engagement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_campaigns_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "survey_callback_draws",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("eligible_ids", sa.JSON(), nullable=False),
        sa.Column("selected_ids", sa.JSON(), nullable=False),
        sa.Column("drawn_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "drawn_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_callback_draws_campaign_id_survey_campaigns"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["drawn_by_id"],
            ["users.id"],
            name=op.f("fk_survey_callback_draws_drawn_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_callback_draws")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_survey_callback_draws_campaign_id")),
    )
    op.create_table(
        "survey_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_codes_campaign_id_survey_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_codes")),
        sa.UniqueConstraint("campaign_id", "code_hash", name="uq_survey_codes_campaign_code"),
    )
    with op.batch_alter_table("survey_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_codes_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "survey_sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("target >= 0", name=op.f("ck_survey_sites_target_positive")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_sites_campaign_id_survey_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_survey_sites_site_id_sites"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_sites")),
        sa.UniqueConstraint("campaign_id", "site_id", name="uq_survey_sites_campaign_site"),
        sa.UniqueConstraint("code", name=op.f("uq_survey_sites_code")),
    )
    with op.batch_alter_table("survey_sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_sites_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("survey_site_id", sa.Uuid(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "online",
                "offline",
                name="survey_channel",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_hash", sa.String(length=64), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("included_reason", sa.Text(), nullable=True),
        sa.Column("included_by_id", sa.Uuid(), nullable=True),
        sa.Column("contact_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("contact_key_id", sa.String(length=16), nullable=True),
        sa.Column("contact_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "callback_outcome",
            sa.Enum(
                "pending",
                "confirmed",
                "not_reached",
                "denied",
                name="callback_outcome",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_by_id", sa.Uuid(), nullable=True),
        sa.Column("one_time_code_id", sa.Uuid(), nullable=True),
        sa.Column("entered_by_id", sa.Uuid(), nullable=True),
        sa.Column("interviewer_ids", sa.JSON(), nullable=True),
        sa.Column("staff_absent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "channel = 'online' OR (staff_absent AND entered_by_id IS NOT NULL)",
            name=op.f("ck_survey_responses_offline_attested"),
        ),
        sa.ForeignKeyConstraint(
            ["callback_by_id"],
            ["users.id"],
            name=op.f("fk_survey_responses_callback_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_responses_campaign_id_survey_campaigns"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_survey_responses_entered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["included_by_id"],
            ["users.id"],
            name=op.f("fk_survey_responses_included_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["one_time_code_id"],
            ["survey_codes.id"],
            name=op.f("fk_survey_responses_one_time_code_id_survey_codes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["survey_site_id"],
            ["survey_sites.id"],
            name=op.f("fk_survey_responses_survey_site_id_survey_sites"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("campaign_id", "device_hash", name="uq_survey_responses_device"),
        sa.UniqueConstraint("one_time_code_id", name=op.f("uq_survey_responses_one_time_code_id")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_responses_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            "ix_survey_responses_campaign_ip",
            ["campaign_id", "ip_hash", "received_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_survey_responses_survey_site_id"), ["survey_site_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_survey_site_id"))
        batch_op.drop_index("ix_survey_responses_campaign_ip")
        batch_op.drop_index(batch_op.f("ix_survey_responses_campaign_id"))

    op.drop_table("survey_responses")
    with op.batch_alter_table("survey_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_sites_campaign_id"))

    op.drop_table("survey_sites")
    with op.batch_alter_table("survey_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_codes_campaign_id"))

    op.drop_table("survey_codes")
    op.drop_table("survey_callback_draws")
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_campaigns_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_survey_campaigns_engagement_id"))

    op.drop_table("survey_campaigns")
