"""proposals: tables for the proposals feature.

Revision ID: 0003_proposals
Revises: 0002_indicators
Create Date: 2026-11-28

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0003_proposals"
down_revision = "0002_indicators"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
