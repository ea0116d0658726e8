"""security hardening: per-user session secrets; per-account sign-in lockout; single-use links to a copy of one's
personal data; anonymous survey answers pending release in batches.

Revision ID: 0012_security_hardening
Revises: 0011_prioritisation_quorum_board
Create Date: 2026-11-29

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_security_hardening"
down_revision = "0011_prioritisation_quorum_board"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing account gets its own random session secret (which also signs everyone out once).
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(24)))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)

    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "personal_data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_personal_data_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_exports")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_personal_data_exports_token_hash")),
    )
    op.create_index(op.f("ix_personal_data_exports_user_id"), "personal_data_exports", ["user_id"], unique=False)
    with op.batch_alter_table("survey_drafts") as batch:
        batch.add_column(sa.Column("submitting", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "survey_pending_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("arrival", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_pending_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_pending_responses")),
    )
    op.create_index(
        op.f("ix_survey_pending_responses_survey_id"), "survey_pending_responses", ["survey_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_pending_responses_survey_id"), table_name="survey_pending_responses")
    op.drop_table("survey_pending_responses")
    with op.batch_alter_table("survey_drafts") as batch:
        batch.drop_column("submitting")
    op.drop_table("sign_in_throttles")
    op.drop_index(op.f("ix_personal_data_exports_user_id"), table_name="personal_data_exports")
    op.drop_table("personal_data_exports")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_token")
