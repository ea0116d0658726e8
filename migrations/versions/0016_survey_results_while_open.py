"""surveys: a per-survey setting to show published results while the survey is open (off by default: results stay
private until it closes).

Revision ID: 0016_survey_results_while_open
Revises: 0014_indicators_area_lengths
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_survey_results_while_open"
down_revision = "0014_indicators_area_lengths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("results_while_open", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("results_while_open")
