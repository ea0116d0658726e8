"""Reading the paged overview and compare pages as a visitor does (shared by their paging tests): a page's size and
parsed HTML, the indicators its tables link to, and every indicator reachable by following "Show all" and the
pagination links."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient

from tests.helpers import ClientRequest


def page_of(client: FlaskClient, url: str) -> tuple[int, BeautifulSoup]:
    """The page's size in bytes and the parsed page."""
    response = client.get(url)
    assert response.status_code == 200, url
    return len(response.get_data()), BeautifulSoup(response.get_data(as_text=True), "html.parser")


def linked_ids(container: BeautifulSoup | Tag, rows: str = "tbody th a") -> list[str]:
    """The indicator ids the links matched by ``rows`` point at (``/indicators/<id>``), in order."""
    return [str(a["href"]).rsplit("/", 1)[1] for a in container.select(rows)]


def crawl(
    client_request: ClientRequest,
    start: str,
    topic_tables: Callable[[BeautifulSoup], Iterable[tuple[str, Tag]]],
    check_link: Callable[[str], None],
) -> tuple[list[str], set[str]]:
    """Follow every show-all and pagination link from ``start`` (``check_link`` asserts each stays on the page and
    keeps its filters). Returns the indicators found, with repeats (to catch one listed twice): those of topic lists,
    and on ``start`` those of topics without a show-all link; and the URLs visited. ``topic_tables`` gives each of a
    page's topics with its table."""
    seen, queue, found = {start}, deque([start]), []
    while queue:
        url = queue.popleft()
        page = client_request.get(url)
        for topic, table in topic_tables(page):
            linked = page.select_one(f'a.portal-show-all[href*="topic={topic}"]')
            if "topic=" in url or linked is None:
                found += linked_ids(table)
        for link in page.select("a.portal-show-all, nav.govuk-pagination a"):
            href = str(link["href"])
            check_link(href)
            if href not in seen:
                seen.add(href)
                queue.append(href)
    return found, seen
