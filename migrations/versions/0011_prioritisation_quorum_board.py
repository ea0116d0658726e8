"""prioritisation: a round's quorum, and the health and wellbeing board's decision on each recommended topic.

Revision ID: 0011_prioritisation_quorum_board
Revises: 0010_chapters_accountability
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_prioritisation_quorum_board"
down_revision = "0010_chapters_accountability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prioritisation_rounds") as batch:
        # NULL: a majority of the round's members, which is what existing rounds get.
        batch.add_column(sa.Column("quorum", sa.Integer(), nullable=True))
    with op.batch_alter_table("prioritisation_round_proposals") as batch:
        batch.add_column(sa.Column("board_decision", sa.String(length=16), server_default="", nullable=False))
        batch.add_column(sa.Column("board_meeting_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("board_minute_reference", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("board_papers_url", sa.String(length=500), server_default="", nullable=False))
        batch.add_column(sa.Column("board_recorded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("board_recorded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_prioritisation_round_proposals_board_recorded_by_id_users"),
            "users",
            ["board_recorded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("prioritisation_round_proposals") as batch:
        batch.drop_constraint(
            batch.f("fk_prioritisation_round_proposals_board_recorded_by_id_users"), type_="foreignkey"
        )
        batch.drop_column("board_recorded_by_id")
        batch.drop_column("board_recorded_at")
        batch.drop_column("board_papers_url")
        batch.drop_column("board_minute_reference")
        batch.drop_column("board_meeting_date")
        batch.drop_column("board_decision")
    with op.batch_alter_table("prioritisation_rounds") as batch:
        batch.drop_column("quorum")
