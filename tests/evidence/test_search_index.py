"""PostgreSQL's GIN index for briefing search exists after migration and the real search query can use it."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import Select, inspect, literal, text
from sqlalchemy.dialects import postgresql

from portal.evidence.search import PAGE_SIZE, search_briefings, search_statement
from portal.extensions import db
from portal.models import BriefingStatus, EvidenceBriefing, EvidenceBriefingTopic
from tests.conftest import database_backend

pytestmark = pytest.mark.skipif(
    database_backend() != "postgresql",
    reason="PostgreSQL only: SQLite searches through its FTS5 table (migration 0004), which has no GIN index",
)

INDEX_NAME = "ix_evidence_briefings_search"
BRIEFINGS = 300


@pytest.fixture
def campylobacter_briefing(app: Flask) -> EvidenceBriefing:
    """Many published briefings about smoking and one about campylobacter (returned), all on one topic, analysed.

    With the status and topic indexes as unselective as in real use, the planner's choice between them and the
    search index shows whether the search expression can use the index at all.
    """
    rows = [
        EvidenceBriefing(
            slug=f"briefing-{number}",
            title=f"Smoking in pregnancy {number}",
            summary="Stop smoking support for pregnant women.",
            key_findings="Financial incentives help",
            evidence_type="systematic_review",
            grade="moderate",
            tags="smoking",
            published_on=date(2026, 1, 1),
            review_by=date(2027, 1, 1),
            status=BriefingStatus.PUBLISHED.value,
        )
        for number in range(BRIEFINGS)
    ]
    rows[-1].title, rows[-1].summary = "Food poisoning", "Campylobacter infections from chicken."
    db.session.add_all(rows)
    db.session.flush()
    db.session.add_all(EvidenceBriefingTopic(briefing_id=row.id, topic="healthy_lifestyles") for row in rows)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE evidence_briefings, evidence_briefing_topics"))
    return rows[-1]


def _generic_plan(statement: Select) -> str:
    """EXPLAIN of ``statement``'s generic plan: the one PostgreSQL reuses for a prepared statement.

    A custom plan folds bind parameters into constants, so it would use the index even if the query's tsvector
    expression had a parameter in it (as it once did, for the space between summary and key findings); the
    generic plan can only use the index when the expression is literally the index's. Sequential scans are
    discouraged because even a few hundred rows are cheap to scan: the question is whether the index *can* be used.
    """
    dialect = postgresql.psycopg.dialect(paramstyle="numeric_dollar")
    compiled = statement.compile(dialect=dialect)
    arguments = ", ".join(
        str(literal(compiled.params[name]).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        for name in compiled.positiontup or ()
    )
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql(f"PREPARE briefing_search AS {compiled}")
        try:
            return "\n".join(connection.exec_driver_sql(f"EXPLAIN EXECUTE briefing_search({arguments})").scalars())
        finally:
            connection.rollback()
            connection.exec_driver_sql("DEALLOCATE briefing_search")  # a prepared statement outlives transactions
            connection.rollback()


def test_the_index_exists_after_migration(app: Flask) -> None:
    assert INDEX_NAME in {index["name"] for index in inspect(db.engine).get_indexes("evidence_briefings")}
    definition = db.session.scalar(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": INDEX_NAME}
    )
    assert "USING gin" in definition


@pytest.mark.parametrize(
    "filters",
    [{}, {"include_drafts": True}, {"topic": "healthy_lifestyles", "evidence_type": "systematic_review"}],
    ids=["public", "staff", "filtered"],
)
def test_the_search_query_uses_the_index(
    campylobacter_briefing: EvidenceBriefing, filters: dict[str, str | bool]
) -> None:
    found = search_briefings("campylo", **filters).briefings  # type: ignore[arg-type]
    assert [b.id for b in found] == [campylobacter_briefing.id]

    plan = _generic_plan(search_statement("campylo", **filters).limit(PAGE_SIZE))  # type: ignore[arg-type]

    assert f"Bitmap Index Scan on {INDEX_NAME}" in plan, plan
