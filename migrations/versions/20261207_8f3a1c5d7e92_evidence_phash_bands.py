"""evidence phash bands

The reuse check of the integrity report looks near perceptual hashes up in an index instead of
reading every hash of the organisation (issue 13, "Flat costs"; backend/evidence/phash_index.py):
the 64-bit hash's four 16-bit bands, most significant first, each in an indexed column with the
organisation. Existing hashes get their bands here; new ones from the model and the derive job.

Revision ID: 8f3a1c5d7e92
Revises: 4d1c9e7a2b50
Create Date: 2026-12-07 18:00:00

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8f3a1c5d7e92"
down_revision = "4d1c9e7a2b50"
branch_labels = None
depends_on = None

BANDS = 4
#: Rows updated per statement when the bands are computed here rather than in SQL.
BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        for i in range(BANDS):
            batch.add_column(sa.Column(f"phash_band_{i}", sa.Integer(), nullable=True))
    _backfill()
    with op.batch_alter_table("evidence") as batch:
        for i in range(BANDS):
            batch.create_index(
                f"ix_evidence_phash_band_{i}", ["organisation_id", f"phash_band_{i}"]
            )


def _backfill() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Four hex digits → bit(16) → integer, for well-formed hashes only (as band_values).
        bands = ", ".join(
            f"phash_band_{i} = ('x' || substr(phash, {4 * i + 1}, 4))::bit(16)::integer"
            for i in range(BANDS)
        )
        op.execute(f"UPDATE evidence SET {bands} WHERE phash ~ '^[0-9a-fA-F]{{16}}$'")  # noqa: S608 - constants only
        return
    # SQLite has no hex parsing: the bands are computed here, a batch at a time.
    evidence = sa.table(
        "evidence",
        sa.column("id", sa.Uuid()),
        sa.column("phash", sa.String()),
        *(sa.column(f"phash_band_{i}", sa.Integer()) for i in range(BANDS)),
    )
    rows = bind.execute(
        sa.select(evidence.c.id, evidence.c.phash).where(evidence.c.phash.is_not(None))
    ).all()
    update = (
        sa.update(evidence)
        .where(evidence.c.id == sa.bindparam("row_id"))
        .values({f"phash_band_{i}": sa.bindparam(f"b{i}") for i in range(BANDS)})
    )
    params = []
    for row_id, phash in rows:
        values = _bands(phash)
        if values is not None:
            params.append({"row_id": row_id, **{f"b{i}": v for i, v in enumerate(values)}})
    for start in range(0, len(params), BATCH):
        bind.execute(update, params[start : start + BATCH])


def _bands(phash: str) -> tuple[int, ...] | None:
    """As backend/evidence/phash_index.band_values (a migration does not import the app)."""
    if len(phash) != 16 or any(c not in "0123456789abcdefABCDEF" for c in phash):
        return None
    value = int(phash, 16)
    return tuple((value >> shift) & 0xFFFF for shift in (48, 32, 16, 0))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        for i in range(BANDS):
            batch.drop_index(f"ix_evidence_phash_band_{i}")
        for i in range(BANDS):
            batch.drop_column(f"phash_band_{i}")
