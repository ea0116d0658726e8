"""A round's published summary: the ranking stored at publication, shown a page at a time, and all of it as CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable

from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import PrioritisationRound
from portal.prioritisation import services
from portal.prioritisation.published import PublicSummary, public_summary, published_summary
from portal.table_pages import TABLE_PAGE_SIZE
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.prioritisation.conftest import RoundSetup, score_all
from tests.test_performance_queries import counted_queries

TOPICS = TABLE_PAGE_SIZE + 5


def _published_round(round_setup: Callable[..., RoundSetup]) -> RoundSetup:
    """A closed, published round of TOPICS topics scored by three members, the first one decided on."""
    setup = round_setup(members=3, proposals=TOPICS)
    # Topic j gets the same score from everyone on every criterion: 1 to 5 in turn, so ranks tie in fives.
    score_all(setup, [[[j % 5 + 1] * 8 for j in range(TOPICS)] for _ in setup.members])
    services.close_round(setup.round.id, setup.chair.id)
    services.record_decision(
        setup.round.id,
        setup.proposals[4].id,
        services.Decision.PRIORITISED,
        "The steering group agreed.",
        setup.chair.id,
    )
    services.publish_summary(setup.round.id, setup.chair.id)
    return setup


def _page_rows(page: object) -> list[tuple[str, str, str]]:
    """(rank, reference, weighted score) of each row of the ranking table."""
    rows = []
    for row in page.select("#ranking-table tbody tr"):  # type: ignore[attr-defined]
        cells = row.select("td")
        rows.append((cells[0].get_text(strip=True), row.th.span.get_text(strip=True), cells[1].get_text(strip=True)))
    return rows


def test_a_long_ranking_is_paged_and_its_csv_has_every_topic_in_the_same_order(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = _published_round(round_setup)
    summary = f"/prioritisation/rounds/{setup.round.id}/summary"

    first = client_request.get(summary)
    assert "(page 1 of 2)" in first.title.get_text()
    first_rows = _page_rows(first)
    assert len(first_rows) == TABLE_PAGE_SIZE
    assert first.select_one("#ranking-rows").get_text(strip=True) == (
        f"Topics 1 to {TABLE_PAGE_SIZE} of {TOPICS}, best ranked first."
    )
    next_link = first.select_one("nav[aria-label='Pages of the ranking'] a[rel=next]")
    second = client_request.get(next_link["href"])
    assert "(page 2 of 2)" in second.title.get_text()
    second_rows = _page_rows(second)
    assert len(second_rows) == TOPICS - TABLE_PAGE_SIZE
    # Past the end shows the last page; nonsense shows the first.
    assert _page_rows(client_request.get(f"{summary}?ranking-page=9")) == second_rows
    assert _page_rows(client_request.get(f"{summary}?ranking-page=x")) == first_rows

    # Eleven topics scored 5 on everything share the top eleven places: each has their mean place, 6, and says so.
    assert first_rows[0][0] == "6 (tied)" and first_rows[0][2] == "5.00"
    assert second_rows[-1][2] == "1.00"

    link = first.find("a", string=f"Download the ranking of all {TOPICS} topics (CSV)")
    response = client.get(link["href"])
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, body = table[0], table[1:]
    assert header[:3] == ["Rank", "Reference", "Topic"] and header[4] == "Steering group decision"
    assert [(r[0], r[1], float(r[3])) for r in body] == [
        (rank, reference, float(score)) for rank, reference, score in first_rows + second_rows
    ]
    decided = next(r for r in body if r[1] == setup.proposals[4].reference)
    assert decided[4:7] == ["Prioritised", decided[5], "The steering group agreed."] and decided[5]
    assert sum(r[4] == "Not decided yet" for r in body) == TOPICS - 1
    text = response.get_data(as_text=True)
    for member in setup.members:
        assert member.display_name not in text and member.email not in text


def test_the_ranking_csv_of_an_unpublished_round_is_not_found(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup()
    services.close_round(setup.round.id, setup.chair.id)
    client_request.get(f"/prioritisation/rounds/{setup.round.id}/summary.csv", expected_status=404)
    sign_in(client, setup.chair.email)
    client_request.get(f"/prioritisation/rounds/{setup.round.id}/summary.csv", expected_status=404)


def _full(setup: RoundSetup, member: int, proposal: int, value: int) -> None:
    entries = {c.id: services.ScoreEntry(value) for c in setup.criteria}
    services.save_scores(setup.round.id, setup.proposals[proposal].id, setup.members[member].id, entries)


def _mixed_round(round_setup: Callable[..., RoundSetup]) -> RoundSetup:
    """Five members (quorum 3), closed. A and D ranked with weighted scores, C tied with D, B below the quorum."""
    setup = round_setup(members=5, proposals=4)
    for member in range(3):
        _full(setup, member, 0, 4)
        _full(setup, member, 2, 2)
        _full(setup, member, 3, 2)
    _full(setup, 0, 1, 5)
    _full(setup, 1, 1, 5)
    services.close_round(setup.round.id, setup.chair.id)
    return setup


def _shown(summary: PublicSummary) -> list[tuple[int, float | None, float | None, int, bool]]:
    return [
        (row.entry.proposal_id, None if math.isnan(row.rank) else row.rank, row.score, row.scorers, row.quorate)
        for row in summary.rows
    ]


def test_publishing_stores_the_ranking_its_scores_give_and_the_public_pages_read_it_not_the_scores(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = _mixed_round(round_setup)
    from_scores = _shown(public_summary(setup.round))
    services.publish_summary(setup.round.id, setup.chair.id)

    db.session.expire_all()
    round_ = db.session.get(PrioritisationRound, setup.round.id)
    assert round_.published_members_scored == 3
    assert _shown(published_summary(round_)) == from_scores
    a, b, c, d = (p.id for p in setup.proposals)
    assert [row[0] for row in from_scores] == [a, c, d, b] and from_scores[1][1] == from_scores[2][1] == 2.5
    assert from_scores[3][1:] == (None, None, 2, False), "B: 2 full scorers of a quorum of 3, never ranked"

    summary_url = f"/prioritisation/rounds/{setup.round.id}/summary"
    with counted_queries() as statements:
        page = client_request.get(summary_url)
        csv_text = client.get(f"{summary_url}.csv").get_data(as_text=True)
    assert not [s for s in statements if "prioritisation_scores" in s], "no score is read to show the ranking"
    ranks = [row.select("td")[0].get_text(strip=True) for row in page.select("#ranking-table tbody tr")]
    assert ranks == ["1", "2.5 (tied)", "2.5 (tied)", "Not enough scores"]
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == ranks


def test_withdrawing_a_summary_clears_its_stored_ranking_and_one_published_before_it_was_stored_is_worked_out(
    client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = _mixed_round(round_setup)
    services.publish_summary(setup.round.id, setup.chair.id)
    services.publish_summary(setup.round.id, setup.chair.id, publish=False)
    db.session.expire_all()
    round_ = db.session.get(PrioritisationRound, setup.round.id)
    assert round_.published_members_scored is None
    assert {
        (e.published_place, e.published_rank, e.published_score, e.published_scorers) for e in round_.proposals
    } == {(None, None, None, None)}

    # As a round published before migration 0028 stands: published, nothing stored. Its page works it out.
    round_.summary_published_at = round_.closed_at
    db.session.commit()
    with counted_queries() as statements:
        page = client_request.get(f"/prioritisation/rounds/{setup.round.id}/summary")
    assert [s for s in statements if "prioritisation_scores" in s], "worked out from the scores"
    ranks = [row.select("td")[0].get_text(strip=True) for row in page.select("#ranking-table tbody tr")]
    assert ranks == ["1", "2.5 (tied)", "2.5 (tied)", "Not enough scores"]


def test_the_staff_results_and_the_decision_page_say_when_three_topics_share_a_rank(
    client: FlaskClient, client_request: ClientRequest, round_setup: Callable[..., RoundSetup]
) -> None:
    setup = round_setup(members=3, proposals=4)
    # A, B and C tie for the top (each ranked 2, the mean of places 1 to 3); D is 4th alone.
    score_all(setup, [[[4] * 8, [4] * 8, [4] * 8, [2] * 8] for _ in setup.members])
    sign_in(client, setup.chair.email)
    page = client_request.get(f"/prioritisation/rounds/{setup.round.id}/results")
    ranks = {
        row.th.get_text(" ", strip=True): row.select("td")[0].get_text(strip=True)
        for table in page.select("table")
        if table.find("th", string="Borda rank")
        for row in table.select("tbody tr")
    }
    assert sorted(ranks.values()) == ["2 (tied)", "2 (tied)", "2 (tied)", "4"], ranks
    decision = client_request.get(f"/prioritisation/rounds/{setup.round.id}/proposals/{setup.proposals[0].id}/decision")
    assert "2 (tied) of 4" in decision.get_text(" ", strip=True)
