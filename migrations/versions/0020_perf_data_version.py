"""perf: one-row data version counter; public page cache keys carry it (issue 17).

Revision ID: 0020_perf_data_version
Revises: 0019_organisation_membership
Create Date: 2026-12-05

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_perf_data_version"
down_revision = "0019_organisation_membership"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0, "epoch": secrets.token_hex(8)}])


def downgrade() -> None:
    op.drop_table("data_version")
