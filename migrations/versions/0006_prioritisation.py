"""prioritisation: versioned criteria, rounds, members, conflicts, scores and the append-only score change log

Revision ID: 0006_prioritisation
Revises: 0005_surveys
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_prioritisation"
down_revision = "0005_surveys"
branch_labels = None
depends_on = None

SQLITE_NO_UPDATE_TRIGGER = """
CREATE TRIGGER prioritisation_score_changes_no_update
BEFORE UPDATE ON prioritisation_score_changes
BEGIN
    SELECT RAISE(ABORT, 'prioritisation_score_changes is append-only');
END
"""

POSTGRES_NO_UPDATE_FUNCTION = """
CREATE FUNCTION prioritisation_score_changes_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'prioritisation_score_changes is append-only';
END
$$ LANGUAGE plpgsql
"""

POSTGRES_NO_UPDATE_TRIGGER = """
CREATE TRIGGER prioritisation_score_changes_no_update
BEFORE UPDATE ON prioritisation_score_changes
FOR EACH ROW EXECUTE FUNCTION prioritisation_score_changes_no_update()
"""


def upgrade():
    op.create_table(
        "prioritisation_criteria_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change_note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_prioritisation_criteria_sets_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_criteria_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_prioritisation_criteria_sets_version")),
    )

    op.create_table(
        "prioritisation_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criteria_set_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("descriptor_1", sa.String(length=300), nullable=False),
        sa.Column("descriptor_2", sa.String(length=300), nullable=False),
        sa.Column("descriptor_3", sa.String(length=300), nullable=False),
        sa.Column("descriptor_4", sa.String(length=300), nullable=False),
        sa.Column("descriptor_5", sa.String(length=300), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criteria_set_id"],
            ["prioritisation_criteria_sets.id"],
            name=op.f("fk_prioritisation_criteria_criteria_set_id_prioritisation_criteria_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_criteria")),
        sa.UniqueConstraint("criteria_set_id", "position", name=op.f("uq_prioritisation_criteria_criteria_set_id")),
    )
    with op.batch_alter_table("prioritisation_criteria", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prioritisation_criteria_criteria_set_id"), ["criteria_set_id"], unique=False
        )

    op.create_table(
        "prioritisation_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("criteria_set_id", sa.Integer(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("summary_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary_published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["users.id"], name=op.f("fk_prioritisation_rounds_chair_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_prioritisation_rounds_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_prioritisation_rounds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["criteria_set_id"],
            ["prioritisation_criteria_sets.id"],
            name=op.f("fk_prioritisation_rounds_criteria_set_id_prioritisation_criteria_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["summary_published_by_id"],
            ["users.id"],
            name=op.f("fk_prioritisation_rounds_summary_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_rounds")),
    )
    with op.batch_alter_table("prioritisation_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prioritisation_rounds_status"), ["status"], unique=False)

    op.create_table(
        "prioritisation_round_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["prioritisation_rounds.id"],
            name=op.f("fk_prioritisation_round_members_round_id_prioritisation_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_prioritisation_round_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_round_members")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_prioritisation_round_members_round_id")),
    )
    with op.batch_alter_table("prioritisation_round_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prioritisation_round_members_round_id"), ["round_id"], unique=False)

    op.create_table(
        "prioritisation_round_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_prioritisation_round_proposals_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_prioritisation_round_proposals_proposal_id_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["prioritisation_rounds.id"],
            name=op.f("fk_prioritisation_round_proposals_round_id_prioritisation_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_round_proposals")),
        sa.UniqueConstraint("round_id", "proposal_id", name=op.f("uq_prioritisation_round_proposals_round_id")),
    )
    with op.batch_alter_table("prioritisation_round_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prioritisation_round_proposals_proposal_id"), ["proposal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prioritisation_round_proposals_round_id"), ["round_id"], unique=False)

    op.create_table(
        "prioritisation_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_prioritisation_conflicts_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["prioritisation_rounds.id"],
            name=op.f("fk_prioritisation_conflicts_round_id_prioritisation_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_prioritisation_conflicts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_conflicts")),
        sa.UniqueConstraint("round_id", "user_id", "proposal_id", name=op.f("uq_prioritisation_conflicts_round_id")),
    )
    with op.batch_alter_table("prioritisation_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prioritisation_conflicts_round_id"), ["round_id"], unique=False)

    op.create_table(
        "prioritisation_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "value IS NULL OR (value >= 1 AND value <= 5)", name=op.f("ck_prioritisation_scores_value_range")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["prioritisation_criteria.id"],
            name=op.f("fk_prioritisation_scores_criterion_id_prioritisation_criteria"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_prioritisation_scores_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["prioritisation_rounds.id"],
            name=op.f("fk_prioritisation_scores_round_id_prioritisation_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_prioritisation_scores_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_scores")),
        sa.UniqueConstraint(
            "round_id",
            "proposal_id",
            "user_id",
            "criterion_id",
            name=op.f("uq_prioritisation_scores_round_id"),
        ),
    )
    with op.batch_alter_table("prioritisation_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prioritisation_scores_round_id"), ["round_id"], unique=False)

    op.create_table(
        "prioritisation_score_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_prioritisation_score_changes_changed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["prioritisation_criteria.id"],
            name=op.f("fk_prioritisation_score_changes_criterion_id_prioritisation_criteria"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_prioritisation_score_changes_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["prioritisation_rounds.id"],
            name=op.f("fk_prioritisation_score_changes_round_id_prioritisation_rounds"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_prioritisation_score_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prioritisation_score_changes")),
    )
    with op.batch_alter_table("prioritisation_score_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prioritisation_score_changes_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_prioritisation_score_changes_round_id"), ["round_id"], unique=False)

    # The score change log is append-only: the database itself refuses an UPDATE. (DELETE is refused by the ORM;
    # a database rule against it would also stop operators emptying a test database.)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(SQLITE_NO_UPDATE_TRIGGER)
    elif dialect == "postgresql":
        op.execute(POSTGRES_NO_UPDATE_FUNCTION)
        op.execute(POSTGRES_NO_UPDATE_TRIGGER)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS prioritisation_score_changes_no_update")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS prioritisation_score_changes_no_update ON prioritisation_score_changes")
        op.execute("DROP FUNCTION IF EXISTS prioritisation_score_changes_no_update()")

    with op.batch_alter_table("prioritisation_score_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_score_changes_round_id"))
        batch_op.drop_index(batch_op.f("ix_prioritisation_score_changes_changed_at"))
    op.drop_table("prioritisation_score_changes")

    with op.batch_alter_table("prioritisation_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_scores_round_id"))
    op.drop_table("prioritisation_scores")

    with op.batch_alter_table("prioritisation_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_conflicts_round_id"))
    op.drop_table("prioritisation_conflicts")

    with op.batch_alter_table("prioritisation_round_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_round_proposals_round_id"))
        batch_op.drop_index(batch_op.f("ix_prioritisation_round_proposals_proposal_id"))
    op.drop_table("prioritisation_round_proposals")

    with op.batch_alter_table("prioritisation_round_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_round_members_round_id"))
    op.drop_table("prioritisation_round_members")

    with op.batch_alter_table("prioritisation_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_rounds_status"))
    op.drop_table("prioritisation_rounds")

    with op.batch_alter_table("prioritisation_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prioritisation_criteria_criteria_set_id"))
    op.drop_table("prioritisation_criteria")

    op.drop_table("prioritisation_criteria_sets")
