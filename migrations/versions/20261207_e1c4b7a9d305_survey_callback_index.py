"""survey callback index

The callback list (GET /api/survey-campaigns/<id>/callbacks) is read a page at a time in arrival
order (received_at, id) among a campaign's drawn answers (backend/surveys/review.py). This
partial index holds exactly those rows in that order, so a page reads its own rows however many
answers the campaign has (issue 13, "Flat costs").

Revision ID: e1c4b7a9d305
Revises: 4878e32e5c77
Create Date: 2026-12-07 18:40:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1c4b7a9d305"
down_revision = "4878e32e5c77"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_survey_responses_campaign_callbacks",
        "survey_responses",
        ["campaign_id", "received_at", "id"],
        postgresql_where=sa.text("callback_outcome IS NOT NULL"),
        sqlite_where=sa.text("callback_outcome IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_survey_responses_campaign_callbacks", table_name="survey_responses")
