"""The public survey list is paged: open surveys first, then those opening later, then closed ones with published
results, newest first within each; drafts and closed surveys without published results never appear (issue 17: no
page's size grows with the rows in the database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.clock import london_today
from portal.surveys.engagement import PUBLIC_PAGE_SIZE
from tests.surveys.conftest import COMMENTS


def listed_titles(client: FlaskClient, url: str) -> tuple[list[str], BeautifulSoup]:
    response = client.get(url)
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    return [h.get_text(" ", strip=True).removesuffix(" Example") for h in page.select(".portal-survey-list h2")], page


def test_the_list_is_paged_in_the_order_people_need_it(client: FlaskClient, make_survey: Callable[..., Any]) -> None:
    today = london_today()
    made: dict[str, list[str]] = {"open": [], "opening": [], "closed": []}

    def survey(group: str | None, title: str, **fields: Any) -> None:
        make_survey(title=title, sections=[("Only section", [COMMENTS])], **fields)
        if group is not None:
            made[group].append(title)

    # Interleaved, so that the order on the page is not simply the order they were made in.
    for n in range(12):
        survey("open", f"Open {n}")
        if n < 6:
            survey("opening", f"Opening later {n}", opens_on=today + timedelta(days=10))
        if n < 5:
            survey("closed", f"Closed with results {n}", status="closed", results_published=True)
        if n < 3:
            survey(None, f"Closed without results {n}", status="closed")
            survey("closed", f"Past its close date with results {n}", closes_on=today - timedelta(days=1),
                   results_published=True)  # fmt: skip
        if n < 2:
            survey(None, f"Draft {n}", status="draft")
            survey(None, f"Past its close date without results {n}", closes_on=today - timedelta(days=1))
    expected = [title for group in ("open", "opening", "closed") for title in reversed(made[group])]
    assert len(expected) == 26 > PUBLIC_PAGE_SIZE

    first, page_one = listed_titles(client, "/surveys")
    second, page_two = listed_titles(client, "/surveys?page=2")
    assert first == expected[:PUBLIC_PAGE_SIZE]
    assert second == expected[PUBLIC_PAGE_SIZE:]
    assert page_one.title is not None and "Surveys (page 1 of 2)" in page_one.title.get_text()
    assert "Showing surveys 21 to 26 of 26" in page_two.get_text(" ", strip=True)

    # GOV.UK pagination between the pages, and a page past the end shows the last one.
    nav = page_one.select_one("nav.govuk-pagination")
    assert nav is not None and nav.select_one("a[rel=next]")["href"] == "/surveys?page=2"
    assert listed_titles(client, "/surveys?page=9")[0] == second
    assert listed_titles(client, "/surveys?page=0")[0] == first


def test_a_short_list_has_no_pagination(client: FlaskClient, make_survey: Callable[..., Any]) -> None:
    make_survey(title="Only survey")
    titles, page = listed_titles(client, "/surveys")
    assert titles == ["Only survey"]
    assert page.select_one("nav.govuk-pagination") is None
    assert page.title is not None and "page 1" not in page.title.get_text()
