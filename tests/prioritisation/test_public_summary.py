"""A round's published summary at the size of a real shortlist: the ranking a page at a time, and all of it as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask.testing import FlaskClient

from portal.prioritisation import services
from portal.table_pages import TABLE_PAGE_SIZE
from tests.conftest import sign_in
from tests.helpers import ClientRequest
from tests.prioritisation.conftest import RoundSetup, score_all

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

    # Eleven topics scored 5 on everything share the top eleven places: each has their mean rank, 6.
    assert first_rows[0][0] == "6" and first_rows[0][2] == "5.00"
    assert second_rows[-1][2] == "1.00"

    link = first.find("a", string=f"Download the ranking of all {TOPICS} topics (CSV)")
    response = client.get(link["href"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
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
