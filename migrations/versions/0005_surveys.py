"""surveys: tables for the surveys feature.

Revision ID: 0005_surveys
Revises: 0004_evidence
Create Date: 2026-11-28

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0005_surveys"
down_revision = "0004_evidence"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
