"""security: subject access for people without an account: an export link can be for an email address alone.

Revision ID: 0025_sar_by_email
Revises: 0020_perf_data_version
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_sar_by_email"
down_revision = "0020_perf_data_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("personal_data_exports") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=False, server_default=""))
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM personal_data_exports WHERE user_id IS NULL")
    with op.batch_alter_table("personal_data_exports") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("email")
