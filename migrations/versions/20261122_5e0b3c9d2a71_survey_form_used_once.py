"""survey form used once

``survey_responses.form_nonce``: the random id signed into each served survey form, unique per
campaign, so one page load stores at most one answer (security finding B6: the same form was
accepted again and again with fresh device tokens).

Revision ID: 5e0b3c9d2a71
Revises: c41f0e8a7d36
Create Date: 2026-11-22 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e0b3c9d2a71"
down_revision = "c41f0e8a7d36"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_nonce", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_survey_responses_form", ["campaign_id", "form_nonce"])


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_constraint("uq_survey_responses_form", type_="unique")
        batch_op.drop_column("form_nonce")
