"""chapters: topic chapters, their sections and version history, linked indicators, recommendations addressed
to commissioners and organisations, commissioners' responses with append-only progress updates, and providers'
acknowledgements.

Revision ID: 0007_chapters
Revises: 0006_prioritisation
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_chapters"
down_revision = "0006_prioritisation"
branch_labels = None
depends_on = None

# Version history and progress updates are append-only: the database refuses UPDATEs as well as the ORM.
APPEND_ONLY_TABLES = ("chapter_versions", "rec_progress_updates")


def _sqlite_trigger(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update
BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only');
END
"""


def _postgres_function(table: str) -> str:
    return f"""
CREATE FUNCTION {table}_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only';
END
$$ LANGUAGE plpgsql
"""


def _postgres_trigger(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update
BEFORE UPDATE ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_no_update()
"""


def upgrade():
    op.create_table(
        "chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("age_bands", sa.String(length=200), nullable=False),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("projections", sa.JSON(), nullable=True),
        sa.Column("projections_version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_chapters_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_chapters_proposal_id_proposals")),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_chapters_published_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapters")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_chapters_proposal_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_chapters_slug")),
    )
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapters_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_chapters_status"), ["status"], unique=False)

    op.create_table(
        "chapter_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapters.id"], name=op.f("fk_chapter_indicators_chapter_id_chapters"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_chapter_indicators_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_indicators")),
        sa.UniqueConstraint("chapter_id", "indicator_id", name=op.f("uq_chapter_indicators_chapter_id")),
    )
    with op.batch_alter_table("chapter_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapter_indicators_chapter_id"), ["chapter_id"], unique=False)

    op.create_table(
        "chapter_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapters.id"], name=op.f("fk_chapter_sections_chapter_id_chapters"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_chapter_sections_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_sections")),
        sa.UniqueConstraint("chapter_id", "key", name=op.f("uq_chapter_sections_chapter_id")),
    )
    with op.batch_alter_table("chapter_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapter_sections_chapter_id"), ["chapter_id"], unique=False)

    op.create_table(
        "chapter_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("section_key", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_chapter_versions_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapters.id"], name=op.f("fk_chapter_versions_chapter_id_chapters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chapter_versions")),
        sa.UniqueConstraint("chapter_id", "number", name=op.f("uq_chapter_versions_chapter_id")),
    )
    with op.batch_alter_table("chapter_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chapter_versions_chapter_id"), ["chapter_id"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chapter_id"], ["chapters.id"], name=op.f("fk_recommendations_chapter_id_chapters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendations_chapter_id"), ["chapter_id"], unique=False)

    op.create_table(
        "rec_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_rec_acknowledgements_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_rec_acknowledgements_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rec_acknowledgements_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_acknowledgements")),
        sa.UniqueConstraint(
            "recommendation_id", "organisation_id", name=op.f("uq_rec_acknowledgements_recommendation_id")
        ),
    )
    with op.batch_alter_table("rec_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rec_acknowledgements_recommendation_id"), ["recommendation_id"], unique=False
        )

    op.create_table(
        "rec_commissioners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_rec_commissioners_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rec_commissioners_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_commissioners")),
        sa.UniqueConstraint("recommendation_id", "user_id", name=op.f("uq_rec_commissioners_recommendation_id")),
    )
    with op.batch_alter_table("rec_commissioners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rec_commissioners_recommendation_id"), ["recommendation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rec_commissioners_user_id"), ["user_id"], unique=False)

    op.create_table(
        "rec_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_rec_organisations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_rec_organisations_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_organisations")),
        sa.UniqueConstraint(
            "recommendation_id", "organisation_id", name=op.f("uq_rec_organisations_recommendation_id")
        ),
    )
    with op.batch_alter_table("rec_organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rec_organisations_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rec_organisations_recommendation_id"), ["recommendation_id"], unique=False)

    op.create_table(
        "rec_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("planned_action", sa.Text(), nullable=False),
        sa.Column("lead", sa.String(length=200), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commissioner_id"], ["users.id"], name=op.f("fk_rec_responses_commissioner_id_users")),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_rec_responses_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_responses")),
        sa.UniqueConstraint("recommendation_id", "commissioner_id", name=op.f("uq_rec_responses_recommendation_id")),
    )
    with op.batch_alter_table("rec_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rec_responses_commissioner_id"), ["commissioner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rec_responses_recommendation_id"), ["recommendation_id"], unique=False)

    op.create_table(
        "rec_progress_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_rec_progress_updates_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["rec_responses.id"],
            name=op.f("fk_rec_progress_updates_response_id_rec_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rec_progress_updates")),
    )
    with op.batch_alter_table("rec_progress_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rec_progress_updates_response_id"), ["response_id"], unique=False)

    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        if dialect == "sqlite":
            op.execute(_sqlite_trigger(table))
        elif dialect == "postgresql":
            op.execute(_postgres_function(table))
            op.execute(_postgres_trigger(table))


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_no_update()")

    with op.batch_alter_table("rec_progress_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_progress_updates_response_id"))

    op.drop_table("rec_progress_updates")
    with op.batch_alter_table("rec_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_responses_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_rec_responses_commissioner_id"))

    op.drop_table("rec_responses")
    with op.batch_alter_table("rec_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_organisations_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_rec_organisations_organisation_id"))

    op.drop_table("rec_organisations")
    with op.batch_alter_table("rec_commissioners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_commissioners_user_id"))
        batch_op.drop_index(batch_op.f("ix_rec_commissioners_recommendation_id"))

    op.drop_table("rec_commissioners")
    with op.batch_alter_table("rec_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rec_acknowledgements_recommendation_id"))

    op.drop_table("rec_acknowledgements")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_chapter_id"))

    op.drop_table("recommendations")
    with op.batch_alter_table("chapter_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapter_versions_chapter_id"))

    op.drop_table("chapter_versions")
    with op.batch_alter_table("chapter_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapter_sections_chapter_id"))

    op.drop_table("chapter_sections")
    with op.batch_alter_table("chapter_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapter_indicators_chapter_id"))

    op.drop_table("chapter_indicators")
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chapters_status"))
        batch_op.drop_index(batch_op.f("ix_chapters_published_at"))

    op.drop_table("chapters")
