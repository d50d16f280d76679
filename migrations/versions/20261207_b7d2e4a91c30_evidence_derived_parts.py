"""evidence derived parts

The display image, thumbnail and perceptual hash of an upload are made by a background job
(issue 13, backend/evidence/derive.py): ``evidence.derived_at`` says when that job finished
(NULL while it has not), ``evidence.derive_failure`` why the image could not be processed.
Records uploaded before were derived inside their request: ``derived_at`` takes their
``received_at``.

Revision ID: b7d2e4a91c30
Revises: 5e1f0c2a9b7d
Create Date: 2026-12-07 15:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d2e4a91c30"
down_revision = "5e1f0c2a9b7d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("derived_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("derive_failure", sa.String(length=300), nullable=True))
        batch.create_index("ix_evidence_derived_at", ["derived_at"])
    op.execute("UPDATE evidence SET derived_at = received_at")


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_index("ix_evidence_derived_at")
        batch.drop_column("derive_failure")
        batch.drop_column("derived_at")
