"""indicators: tables for the indicators feature.

Revision ID: 0002_indicators
Revises: 0001_foundation
Create Date: 2026-11-28

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0002_indicators"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
