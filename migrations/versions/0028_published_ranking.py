"""perf: a round's public ranking is stored when its summary is published, so the public pages read it instead of
every member's scores (issue 17).

Revision ID: 0028_published_ranking
Revises: 0027_values_by_source
Create Date: 2026-12-06

The columns start empty: a round published before this is ranked from its scores on each request, as before, until
it is published again.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_published_ranking"
down_revision = "0027_values_by_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding columns only: SQLite adds them in place, so no table that references these is rebuilt.
    op.add_column("prioritisation_rounds", sa.Column("published_members_scored", sa.Integer(), nullable=True))
    op.add_column("prioritisation_round_proposals", sa.Column("published_place", sa.Integer(), nullable=True))
    op.add_column("prioritisation_round_proposals", sa.Column("published_rank", sa.Float(), nullable=True))
    op.add_column("prioritisation_round_proposals", sa.Column("published_score", sa.Float(), nullable=True))
    op.add_column("prioritisation_round_proposals", sa.Column("published_scorers", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of prioritisation_rounds would cascade to the
    # tables that reference it (its members, topics and scores).
    for column in ("published_scorers", "published_score", "published_rank", "published_place"):
        op.execute(f"ALTER TABLE prioritisation_round_proposals DROP COLUMN {column}")
    op.execute("ALTER TABLE prioritisation_rounds DROP COLUMN published_members_scored")
