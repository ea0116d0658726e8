"""prioritisation: tables for the prioritisation feature.

Revision ID: 0006_prioritisation
Revises: 0005_surveys
Create Date: 2026-11-28

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0006_prioritisation"
down_revision = "0005_surveys"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
