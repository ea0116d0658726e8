"""No N+1 queries (issue 17): each public list page runs the same number of SQL statements at two data sizes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from portal.evidence import services as evidence_services
from portal.extensions import db
from portal.models import Proposal, ProposalStatus, Role
from tests.chapters.conftest import make_chapter, make_prioritised, quick_proposals  # noqa: F401 (fixtures)
from tests.evidence.conftest import briefing_input
from tests.prioritisation.conftest import make_proposal, round_setup, score_all  # noqa: F401 (fixtures)
from tests.surveys.conftest import build_survey

DATA = Path(__file__).resolve().parent.parent / "data"
# Indicator files in the order they are added: the second size has 12 indicators where the first has 1.
INDICATOR_FILES = [
    DATA / "fingertips" / "fingertips_campylobacter_93356_countyua_2015-2017.csv",
    DATA / "fingertips" / "fingertips_cyp_mental_health_west_midlands_countyua.csv",
    DATA / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv",
]


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def queries_for(client: FlaskClient, url: str) -> int:
    client.get(url)  # warm: first-use lookups (configuration rows, caches) are not what grows with the data
    with counted_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _add_briefings(count: int, start: int) -> None:
    for n in range(start, start + count):
        briefing = evidence_services.create_briefing(briefing_input(title=f"Briefing number {n}"), author_id=None)
        evidence_services.set_published(briefing.id, True, None)


def _add_topics(count: int, start: int) -> None:
    for n in range(start, start + count):
        db.session.add(
            Proposal(
                reference=f"JSNA-2026-{9000 + n:04d}",
                title=f"Published topic {n}",
                need="People in the city need this looked at.",
                status=ProposalStatus.PUBLISHED.value,
            )
        )
    db.session.commit()


def _add_surveys(count: int, start: int) -> None:
    for n in range(start, start + count):
        build_survey(title=f"Survey number {n}", status="open")


def _add_indicators(count: int, start: int) -> None:
    from portal.indicators.file_import import import_file
    from portal.indicators.reference_data import seed_comparator_groups, seed_reference_areas

    if start == 0:
        seed_reference_areas()
        seed_comparator_groups()
    for path in INDICATOR_FILES[start : start + count]:
        assert import_file(path, "fingertips").ok


def _add_outcomes(count: int, start: int) -> None:
    """Published outcome pages, alternately of a closed survey and of a closed prioritisation round."""
    from datetime import date

    from portal.models import CriteriaSet, Outcome, PrioritisationRound

    criteria = db.session.scalar(select(CriteriaSet).limit(1))
    if criteria is None:
        criteria = CriteriaSet(version=1)
        db.session.add(criteria)
    for n in range(start, start + count):
        outcome = Outcome(title=f"Outcome number {n}", we_asked="What matters most?", published_at=datetime.now(UTC))
        if n % 2:
            outcome.kind = "round"
            outcome.round = PrioritisationRound(
                title=f"Round {n}", criteria_set=criteria, deadline=date(2026, 1, 1), status="closed"
            )
        else:
            outcome.kind = "survey"
            outcome.survey = build_survey(title=f"Survey number {n}", status="closed")
        db.session.add(outcome)
    db.session.commit()


@pytest.mark.parametrize(
    ("url", "adder", "small", "large"),
    [
        ("/evidence", _add_briefings, 2, 8),
        ("/topics", _add_topics, 2, 8),
        ("/surveys", _add_surveys, 2, 8),
        ("/indicators", _add_indicators, 1, 3),
        ("/outcomes", _add_outcomes, 2, 8),
    ],
)
def test_list_page_queries_do_not_grow_with_rows(
    app: Flask, client: FlaskClient, url: str, adder: Callable[[int, int], None], small: int, large: int
) -> None:
    adder(small, 0)
    at_small = queries_for(client, url)
    adder(large - small, small)
    at_large = queries_for(client, url)
    assert at_large == at_small, f"{url}: {at_small} queries with {small} items, {at_large} with {large}"


def test_chapters_page_queries_do_not_grow_with_chapters(
    app: Flask,
    client: FlaskClient,
    make_chapter: Callable[..., Any],  # noqa: F811
) -> None:
    for n in range(2):
        make_chapter(title=f"Chapter topic {n}")
    at_small = queries_for(client, "/chapters")
    for n in range(2, 6):
        make_chapter(title=f"Chapter topic {n}")
    at_large = queries_for(client, "/chapters")
    assert at_large == at_small, f"/chapters: {at_small} queries with 2 chapters, {at_large} with 6"


def test_home_and_prioritisation_queries_do_not_grow_with_data(
    app: Flask,
    client: FlaskClient,
    round_setup: Callable[..., Any],  # noqa: F811
) -> None:
    round_setup(proposals=2)
    _add_briefings(2, 0)
    at_small = {url: queries_for(client, url) for url in ("/", "/prioritisation/")}
    for _ in range(3):
        round_setup(proposals=4)
    _add_briefings(6, 2)
    at_large = {url: queries_for(client, url) for url in ("/", "/prioritisation/")}
    assert at_large == at_small


def _published_round(round_setup: Callable[..., Any], members: int, topics: int) -> int:  # noqa: F811
    """A closed round with every score given and its summary published."""
    setup = round_setup(members=members, proposals=topics)
    score_all(setup, [[[3] * len(setup.criteria)] * topics] * members)
    setup.round.status = "closed"
    setup.round.summary_published_at = datetime.now(UTC)
    db.session.commit()
    return setup.round.id


def test_round_results_queries_do_not_grow_with_members_or_topics(
    app: Flask,
    client: FlaskClient,
    round_setup: Callable[..., Any],  # noqa: F811
    login_as: Callable[..., Any],
) -> None:
    """The published summary, the staff results and every member's scores read each member's user and each topic's
    proposal with the round, not one query per member and per topic."""
    small = _published_round(round_setup, members=2, topics=2)
    large = _published_round(round_setup, members=5, topics=7)
    login_as(Role.ANALYST)
    for page in ("summary", "results", "individual-scores"):
        at_small = queries_for(client, f"/prioritisation/rounds/{small}/{page}")
        at_large = queries_for(client, f"/prioritisation/rounds/{large}/{page}")
        assert at_large == at_small, f"{page}: {at_small} queries with 2 members × 2 topics, {at_large} with 5 × 7"
