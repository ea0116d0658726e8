"""briefing search index: on PostgreSQL, a GIN index over the weighted tsvector that evidence search matches, so
a search no longer re-parses every briefing. SQLite already has its FTS5 index (0004_evidence).

The expression must stay exactly the one ``portal.evidence.search._postgres_document`` builds (same regconfig
literal, weights, separator and order), or the planner will not use the index; tests/evidence/test_search_index.py
checks that it does. The index is not modelled by the ORM: ``portal.database.include_in_autogenerate`` leaves it
out of the model comparison.

Revision ID: 0008_briefing_search_index
Revises: 0007_chapters
Create Date: 2026-11-28

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_briefing_search_index"
down_revision = "0007_chapters"
branch_labels = None
depends_on = None

INDEX_NAME = "ix_evidence_briefings_search"

SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, title), 'A')"
    " || setweight(to_tsvector('english'::regconfig, tags), 'B')"
    " || setweight(to_tsvector('english'::regconfig, summary || ' ' || key_findings), 'C')"
    " || setweight(to_tsvector('english'::regconfig, body), 'D')"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX_NAME} ON evidence_briefings USING gin (({SEARCH_DOCUMENT}))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
