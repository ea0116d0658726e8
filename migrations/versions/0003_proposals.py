"""topic proposals: proposals, status trail, moderators' edits, supports, linked indicators and wards, drafts,
reference counters

Revision ID: 0003_proposals
Revises: 0002_indicators
Create Date: 2026-11-28 14:57:02.529866

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_proposals"
down_revision = "0002_indicators"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("population_groups", sa.Text(), nullable=False),
        sa.Column("population_other", sa.String(length=200), nullable=False),
        sa.Column("age_groups", sa.Text(), nullable=False),
        sa.Column("evidence_of_need", sa.Text(), nullable=False),
        sa.Column("decisions_informed", sa.Text(), nullable=False),
        sa.Column("proposer_type", sa.String(length=16), nullable=False),
        sa.Column("proposer_organisation", sa.String(length=200), nullable=False),
        sa.Column("proposer_sector", sa.String(length=32), nullable=False),
        sa.Column("proposer_name", sa.String(length=120), nullable=False),
        sa.Column("proposer_email", sa.String(length=254), nullable=False),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("personal_data_removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["proposals.id"], name=op.f("fk_proposals_merged_into_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"], ["users.id"], name=op.f("fk_proposals_proposer_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_proposals_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_proposals_reference")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_proposer_email"), ["proposer_email"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_proposer_id"), ["proposer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_status"), ["status"], unique=False)

    op.create_table(
        "proposal_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("public_answer", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("related_proposal_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_proposal_status_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_status_events_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_status_events_related_proposal_id_proposals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_status_events")),
    )
    with op.batch_alter_table("proposal_status_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_status_events_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("original_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_proposal_edits_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_edits_proposal_id_proposals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_edits")),
    )
    with op.batch_alter_table("proposal_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_edits_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_supports_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_proposal_supports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_supports")),
        sa.UniqueConstraint("proposal_id", "user_id", name=op.f("uq_proposal_supports_proposal_id")),
    )
    with op.batch_alter_table("proposal_supports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_supports_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_wards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_wards_proposal_id_proposals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["ward_code"], ["areas.code"], name=op.f("fk_proposal_wards_ward_code_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_wards")),
        sa.UniqueConstraint("proposal_id", "ward_code", name=op.f("uq_proposal_wards_proposal_id")),
    )
    with op.batch_alter_table("proposal_wards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_wards_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_proposal_indicators_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_indicators_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_indicators")),
        sa.UniqueConstraint("proposal_id", "indicator_id", name=op.f("uq_proposal_indicators_proposal_id")),
    )
    with op.batch_alter_table("proposal_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_indicators_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_drafts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_drafts")),
    )
    with op.batch_alter_table("proposal_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_drafts_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "proposal_reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_proposal_reference_counters")),
    )


def downgrade():
    op.drop_table("proposal_reference_counters")
    with op.batch_alter_table("proposal_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_drafts_updated_at"))

    op.drop_table("proposal_drafts")
    with op.batch_alter_table("proposal_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_indicators_proposal_id"))

    op.drop_table("proposal_indicators")
    with op.batch_alter_table("proposal_wards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_wards_proposal_id"))

    op.drop_table("proposal_wards")
    with op.batch_alter_table("proposal_supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_supports_proposal_id"))

    op.drop_table("proposal_supports")
    with op.batch_alter_table("proposal_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_edits_proposal_id"))

    op.drop_table("proposal_edits")
    with op.batch_alter_table("proposal_status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_status_events_proposal_id"))

    op.drop_table("proposal_status_events")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_proposals_proposer_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_proposer_email"))
        batch_op.drop_index(batch_op.f("ix_proposals_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_created_at"))

    op.drop_table("proposals")
