"""evidence: tables for the evidence feature.

Revision ID: 0004_evidence
Revises: 0003_proposals
Create Date: 2026-11-28

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0004_evidence"
down_revision = "0003_proposals"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
