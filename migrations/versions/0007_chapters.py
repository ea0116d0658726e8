"""chapters: tables for the chapters feature.

Revision ID: 0007_chapters
Revises: 0006_prioritisation
Create Date: 2026-11-28

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0007_chapters"
down_revision = "0006_prioritisation"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
