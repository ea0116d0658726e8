"""Joining a verified organisation needs approval or its email domain (issue 13 item 7): users.organisation_pending
and organisations.email_domain.

Revision ID: 0019_organisation_membership
Revises: 0017_outcomes
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_organisation_membership"
down_revision = "0017_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding columns only: SQLite adds them in place, so no table that references users is rebuilt.
    op.add_column("users", sa.Column("organisation_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("organisations", sa.Column("email_domain", sa.String(length=253), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of users would cascade to the tables that
    # reference it.
    op.execute("ALTER TABLE organisations DROP COLUMN email_domain")
    op.execute("ALTER TABLE users DROP COLUMN organisation_pending")
