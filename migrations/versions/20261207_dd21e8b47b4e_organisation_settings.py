"""organisation settings

``organisation_settings``: one row per certification body, made on first save (issue 10): the
address printed on reports, the certificate-number format (backend/organisations/numbering.py)
and the report logo (a PNG or JPEG of at most 512 KB, with its SHA-256 and size). The name stays
on ``organisations``.

Revision ID: dd21e8b47b4e
Revises: 34e9cfb75cc6
Create Date: 2026-12-07 06:08:47.527206

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dd21e8b47b4e"
down_revision = "34e9cfb75cc6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_settings",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=500), server_default="", nullable=False),
        sa.Column(
            "certificate_number_format",
            sa.String(length=100),
            server_default="FC-{year}-{seq:5}",
            nullable=False,
        ),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_media_type", sa.String(length=20), nullable=True),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("logo_width", sa.Integer(), nullable=True),
        sa.Column("logo_height", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "logo_media_type IS NULL OR logo_media_type IN ('image/png', 'image/jpeg')",
            name=op.f("ck_organisation_settings_logo_media_type"),
        ),
        sa.CheckConstraint(
            "(logo IS NULL) = (logo_media_type IS NULL) AND (logo IS NULL) = (logo_sha256 IS NULL)",
            name=op.f("ck_organisation_settings_logo_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_settings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisation_settings")),
    )


def downgrade() -> None:
    op.drop_table("organisation_settings")
