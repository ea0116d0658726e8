"""evidence: briefings, their topics, sources, indicator and proposal links, attachments, and full-text search

Revision ID: 0004_evidence
Revises: 0003_proposals
Create Date: 2026-11-28

On SQLite, an FTS5 index (``evidence_briefings_fts``, external content, kept in step by triggers) makes search
ranked; PostgreSQL ranks with ``to_tsvector`` at query time and needs nothing here. A later migration that
rebuilds ``evidence_briefings`` in SQLite batch mode drops the triggers with the old table: recreate them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_evidence"
down_revision = "0003_proposals"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE evidence_briefings_fts USING fts5(
        title, summary, key_findings, body, tags, content='evidence_briefings', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER evidence_briefings_fts_ai AFTER INSERT ON evidence_briefings BEGIN
        INSERT INTO evidence_briefings_fts(rowid, title, summary, key_findings, body, tags)
        VALUES (new.id, new.title, new.summary, new.key_findings, new.body, new.tags);
    END""",
    """CREATE TRIGGER evidence_briefings_fts_ad AFTER DELETE ON evidence_briefings BEGIN
        INSERT INTO evidence_briefings_fts(evidence_briefings_fts, rowid, title, summary, key_findings, body, tags)
        VALUES ('delete', old.id, old.title, old.summary, old.key_findings, old.body, old.tags);
    END""",
    """CREATE TRIGGER evidence_briefings_fts_au AFTER UPDATE ON evidence_briefings BEGIN
        INSERT INTO evidence_briefings_fts(evidence_briefings_fts, rowid, title, summary, key_findings, body, tags)
        VALUES ('delete', old.id, old.title, old.summary, old.key_findings, old.body, old.tags);
        INSERT INTO evidence_briefings_fts(rowid, title, summary, key_findings, body, tags)
        VALUES (new.id, new.title, new.summary, new.key_findings, new.body, new.tags);
    END""",
]


def upgrade():
    op.create_table(
        "evidence_briefings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("key_findings", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("evidence_type", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_example", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_evidence_briefings_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_briefings")),
        sa.UniqueConstraint("slug", name=op.f("uq_evidence_briefings_slug")),
    )
    with op.batch_alter_table("evidence_briefings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_briefings_evidence_type"), ["evidence_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_briefings_grade"), ["grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_briefings_review_by"), ["review_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_briefings_status"), ["status"], unique=False)

    op.create_table(
        "evidence_briefing_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["evidence_briefings.id"],
            name=op.f("fk_evidence_briefing_topics_briefing_id_evidence_briefings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_briefing_topics")),
        sa.UniqueConstraint("briefing_id", "topic", name=op.f("uq_evidence_briefing_topics_briefing_id")),
    )
    with op.batch_alter_table("evidence_briefing_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_briefing_topics_briefing_id"), ["briefing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_briefing_topics_topic"), ["topic"], unique=False)

    op.create_table(
        "evidence_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["evidence_briefings.id"],
            name=op.f("fk_evidence_sources_briefing_id_evidence_briefings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_sources")),
    )
    with op.batch_alter_table("evidence_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_sources_briefing_id"), ["briefing_id"], unique=False)

    op.create_table(
        "evidence_briefing_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["evidence_briefings.id"],
            name=op.f("fk_evidence_briefing_indicators_briefing_id_evidence_briefings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_evidence_briefing_indicators_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_briefing_indicators")),
        sa.UniqueConstraint("briefing_id", "indicator_id", name=op.f("uq_evidence_briefing_indicators_briefing_id")),
    )
    with op.batch_alter_table("evidence_briefing_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_briefing_indicators_briefing_id"), ["briefing_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_briefing_indicators_indicator_id"), ["indicator_id"], unique=False
        )

    op.create_table(
        "evidence_briefing_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["evidence_briefings.id"],
            name=op.f("fk_evidence_briefing_proposals_briefing_id_evidence_briefings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_evidence_briefing_proposals_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_briefing_proposals")),
        sa.UniqueConstraint("briefing_id", "proposal_id", name=op.f("uq_evidence_briefing_proposals_briefing_id")),
    )
    with op.batch_alter_table("evidence_briefing_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_briefing_proposals_briefing_id"), ["briefing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_briefing_proposals_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "evidence_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["evidence_briefings.id"],
            name=op.f("fk_evidence_attachments_briefing_id_evidence_briefings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_evidence_attachments_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_evidence_attachments_stored_name")),
    )
    with op.batch_alter_table("evidence_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_attachments_briefing_id"), ["briefing_id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("evidence_briefings_fts_au", "evidence_briefings_fts_ad", "evidence_briefings_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS evidence_briefings_fts")

    with op.batch_alter_table("evidence_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_attachments_briefing_id"))
    op.drop_table("evidence_attachments")

    with op.batch_alter_table("evidence_briefing_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_briefing_proposals_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_briefing_proposals_briefing_id"))
    op.drop_table("evidence_briefing_proposals")

    with op.batch_alter_table("evidence_briefing_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_briefing_indicators_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_briefing_indicators_briefing_id"))
    op.drop_table("evidence_briefing_indicators")

    with op.batch_alter_table("evidence_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sources_briefing_id"))
    op.drop_table("evidence_sources")

    with op.batch_alter_table("evidence_briefing_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_briefing_topics_topic"))
        batch_op.drop_index(batch_op.f("ix_evidence_briefing_topics_briefing_id"))
    op.drop_table("evidence_briefing_topics")

    with op.batch_alter_table("evidence_briefings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_briefings_status"))
        batch_op.drop_index(batch_op.f("ix_evidence_briefings_review_by"))
        batch_op.drop_index(batch_op.f("ix_evidence_briefings_grade"))
        batch_op.drop_index(batch_op.f("ix_evidence_briefings_evidence_type"))
    op.drop_table("evidence_briefings")
