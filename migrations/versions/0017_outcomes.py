"""outcome pages ("We asked, you said, we did") for closed surveys and prioritisation rounds: themes, "We did" links
and the people who asked to hear the outcome; the channel of survey responses staff enter on someone's behalf
(paper, phone, event). The proposal status "recommended" needs no schema change.

Revision ID: 0017_outcomes
Revises: 0016_survey_results_while_open
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_outcomes"
down_revision = "0016_survey_results_while_open"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("we_asked", sa.Text(), nullable=False),
        sa.Column("you_said", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["round_id"], ["prioritisation_rounds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
        sa.UniqueConstraint("survey_id"),
    )
    op.create_index(op.f("ix_outcomes_published_at"), "outcomes", ["published_at"], unique=False)
    op.create_table(
        "outcome_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("answer_count", sa.Integer(), nullable=False),
        sa.Column("quotes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outcome_themes_outcome_id"), "outcome_themes", ["outcome_id"], unique=False)
    op.create_table(
        "outcome_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outcome_actions_outcome_id"), "outcome_actions", ["outcome_id"], unique=False)
    op.create_table(
        "outcome_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["prioritisation_rounds.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "email"),
        sa.UniqueConstraint("survey_id", "email"),
    )

    for table in ("survey_responses", "survey_pending_responses"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("channel", sa.String(length=16), server_default="", nullable=False))


def downgrade() -> None:
    for table in ("survey_pending_responses", "survey_responses"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("channel")
    op.drop_table("outcome_subscriptions")
    op.drop_index(op.f("ix_outcome_actions_outcome_id"), table_name="outcome_actions")
    op.drop_table("outcome_actions")
    op.drop_index(op.f("ix_outcome_themes_outcome_id"), table_name="outcome_themes")
    op.drop_table("outcome_themes")
    op.drop_index(op.f("ix_outcomes_published_at"), table_name="outcomes")
    op.drop_table("outcomes")
