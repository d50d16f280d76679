"""survey answers scored once

Issue 13 (flat costs): each survey answer stores, when it arrives, what the analysis sums in SQL
(backend/surveys/tallies.py): Σ points × α and Σ points of its rated items as integers on the
scheme's scale, its level per scheme item, the scheme it was scored on, and its flags' names.
Existing answers are scored here with their engagement's pinned scheme; an answer that cannot be
scored (``scored_with`` left NULL) is scored again by the first analysis of its campaign
(``tallies.ensure_scored``), which also covers rows loaded in bulk later. The indexes serve the
analysis's "first 50" and "latest 50" and the paged list (campaign, received_at, id), and the
check for answers still to score (campaign, scored_with; a partial index of unscored answers).

The backfill uses the app's scheme loader and scoring rule (``backend.schemes.services``,
``backend.surveys.tallies``): the rule must be exactly the one the analysis uses.

Revision ID: 9c4f2e7a1b53
Revises: e3a91f6c2d48
Create Date: 2026-12-07 18:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

# revision identifiers, used by Alembic.
revision = "9c4f2e7a1b53"
down_revision = "e3a91f6c2d48"
branch_labels = None
depends_on = None

_responses = sa.table(
    "survey_responses",
    sa.column("id", sa.Uuid()),
    sa.column("campaign_id", sa.Uuid()),
    sa.column("answers", sa.JSON()),
    sa.column("flags", sa.JSON()),
    sa.column("score_earned", sa.BigInteger()),
    sa.column("score_possible", sa.BigInteger()),
    sa.column("levels", sa.Text()),
    sa.column("scored_with", sa.String()),
    sa.column("flag_names", sa.String()),
)
_campaigns = sa.table(
    "survey_campaigns", sa.column("id", sa.Uuid()), sa.column("engagement_id", sa.Uuid())
)
_engagements = sa.table(
    "engagements", sa.column("id", sa.Uuid()), sa.column("scheme_version_id", sa.Uuid())
)


def upgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.add_column(sa.Column("score_earned", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("score_possible", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("levels", sa.Text(), nullable=True))
        batch.add_column(sa.Column("scored_with", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("flag_names", sa.String(length=200), nullable=True))
        batch.create_index(
            "ix_survey_responses_campaign_received", ["campaign_id", "received_at", "id"]
        )
        batch.create_index("ix_survey_responses_campaign_scored", ["campaign_id", "scored_with"])
        batch.create_index(
            "ix_survey_responses_unscored",
            ["campaign_id"],
            postgresql_where=sa.text("score_possible IS NULL"),
            sqlite_where=sa.text("score_possible IS NULL"),
        )
    _backfill()


def _backfill() -> None:
    from backend.schemes.services import StoredSchemeCorrupt, load_scheme_version
    from backend.surveys import tallies

    connection = op.get_bind()
    session = Session(bind=connection)
    campaigns = connection.execute(
        sa.select(_campaigns.c.id, _engagements.c.scheme_version_id).join(
            _engagements, _engagements.c.id == _campaigns.c.engagement_id
        )
    ).all()
    for campaign_id, scheme_version_id in campaigns:
        try:
            scale = tallies.scale_of(load_scheme_version(session, scheme_version_id))
        except StoredSchemeCorrupt:
            continue  # left unscored: the campaign's first analysis reports SCHEME_INVALID
        rows = connection.execute(
            sa.select(_responses.c.id, _responses.c.answers, _responses.c.flags).where(
                _responses.c.campaign_id == campaign_id
            )
        ).all()
        for rid, answers, flags in rows:
            connection.execute(
                _responses.update()
                .where(_responses.c.id == rid)
                .values(**tallies.stored_columns(scale, answers or {}, flags))
            )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_index("ix_survey_responses_unscored")
        batch.drop_index("ix_survey_responses_campaign_scored")
        batch.drop_index("ix_survey_responses_campaign_received")
        batch.drop_column("flag_names")
        batch.drop_column("scored_with")
        batch.drop_column("levels")
        batch.drop_column("score_possible")
        batch.drop_column("score_earned")
