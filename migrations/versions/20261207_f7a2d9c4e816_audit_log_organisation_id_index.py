"""audit log (organisation_id, id) index

GET /api/audit reads an organisation's entries newest first, a page cut by id (before_id or
cursor; backend/audit/queries.py). This index holds that order, so a page reads its own entries
backwards from the cut however long the log is (issue 13, "Flat costs"). It begins with
``organisation_id``, which needs no index of its own any more.

Plain CREATE/DROP INDEX, not a batch: on SQLite a batch would copy the table and lose the
triggers that refuse UPDATE and DELETE.

Revision ID: f7a2d9c4e816
Revises: e1c4b7a9d305
Create Date: 2026-12-07 18:45:00

"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = "f7a2d9c4e816"
down_revision = "e1c4b7a9d305"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_organisation_id_id", "audit_log", ["organisation_id", "id"])
    op.drop_index("ix_audit_log_organisation_id", table_name="audit_log")


def downgrade() -> None:
    op.create_index("ix_audit_log_organisation_id", "audit_log", ["organisation_id"])
    op.drop_index("ix_audit_log_organisation_id_id", table_name="audit_log")
