"""surveys: wards organisations serve, engagement opt-ins, surveys, sections, questions, invitations, drafts,
responses and participations.

Revision ID: 0005_surveys
Revises: 0004_evidence
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_surveys"
down_revision = "0004_evidence"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation_wards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("ward_code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_wards_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["ward_code"], ["areas.code"], name=op.f("fk_organisation_wards_ward_code_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_wards")),
        sa.UniqueConstraint("organisation_id", "ward_code", name=op.f("uq_organisation_wards_organisation_id")),
    )
    with op.batch_alter_table("organisation_wards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_wards_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("results_published", sa.Boolean(), nullable=False),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_surveys_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_surveys_proposal_id_proposals"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_status"), ["status"], unique=False)

    op.create_table(
        "engagement_opt_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_engagement_opt_ins_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_engagement_opt_ins_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_engagement_opt_ins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_opt_ins")),
        sa.UniqueConstraint("proposal_id", "user_id", name=op.f("uq_engagement_opt_ins_proposal_id")),
        sa.UniqueConstraint("survey_id", "user_id", name=op.f("uq_engagement_opt_ins_survey_id")),
    )
    with op.batch_alter_table("engagement_opt_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_engagement_opt_ins_user_id"), ["user_id"], unique=False)

    op.create_table(
        "survey_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_sections_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_sections")),
    )
    with op.batch_alter_table("survey_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_sections_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("help_text", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("scale", sa.JSON(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("whole_number", sa.Boolean(), nullable=False),
        sa.Column("condition_question_id", sa.Integer(), nullable=True),
        sa.Column("condition_values", sa.JSON(), nullable=False),
        sa.Column("result_public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["condition_question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_questions_condition_question_id_survey_questions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["survey_sections.id"],
            name=op.f("fk_survey_questions_section_id_survey_sections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_questions_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
    )
    with op.batch_alter_table("survey_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_questions_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_questions_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_invitations_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("survey_id", "email", name=op.f("uq_survey_invitations_survey_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitations_token_hash")),
    )
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_invitations_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "survey_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_survey_drafts_invitation_id_survey_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_drafts_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_survey_drafts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_drafts")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_drafts_invitation_id")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_survey_drafts_key_hash")),
        sa.UniqueConstraint("survey_id", "user_id", name=op.f("uq_survey_drafts_survey_id")),
    )
    with op.batch_alter_table("survey_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_drafts_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_survey_responses_invitation_id_survey_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"], ["users.id"], name=op.f("fk_survey_responses_respondent_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_responses_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("survey_id", "respondent_id", name=op.f("uq_survey_responses_survey_id")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_responses_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "survey_participations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_survey_participations_invitation_id_survey_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_participations_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_survey_participations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_participations")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_participations_invitation_id")),
        sa.UniqueConstraint("survey_id", "user_id", name=op.f("uq_survey_participations_survey_id")),
    )
    with op.batch_alter_table("survey_participations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_participations_survey_id"), ["survey_id"], unique=False)


def downgrade():
    for table in (
        "survey_participations",
        "survey_responses",
        "survey_drafts",
        "survey_invitations",
        "survey_questions",
        "survey_sections",
        "engagement_opt_ins",
        "surveys",
        "organisation_wards",
    ):
        # Dropping a table drops its indexes with it on both SQLite and PostgreSQL.
        op.drop_table(table)
