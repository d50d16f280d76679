"""client users linked to their client

Revision ID: 6adc137361f4
Revises: 890066e87e30
Create Date: 2026-11-21 08:49:14.154073

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6adc137361f4"
down_revision = "890066e87e30"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_client_id"), ["client_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_client_id_clients"),
            "clients",
            ["client_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            "client_link_role", "client_id IS NULL OR role = 'client_user'"
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_client_link_role"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_users_client_id_clients"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_client_id"))
        batch_op.drop_column("client_id")
