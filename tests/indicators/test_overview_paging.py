"""The overview stays the same size whatever the number of indicators (issue 17): each topic's first few, a link to
all of a topic, that topic a page at a time; read in one query, the limits done in SQL; every indicator reachable."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient
from sqlalchemy import insert

from portal.deployment import home_area_code
from portal.extensions import db
from portal.indicators import overview_query
from portal.indicators.catalogue import TOPICS
from portal.indicators.overview import PAGE_SIZE, PER_TOPIC
from portal.indicators.overview_query import stored_overview_slice
from portal.indicators.stored_summaries import stored_overview, stored_summary, to_json
from portal.indicators.themes import THEMES
from portal.models import Indicator, IndicatorSummaryRecord
from portal.stats.comparison import Comparison
from tests.helpers import ClientRequest
from tests.indicators.conftest import SeededIndicators
from tests.indicators.paging import crawl, linked_ids, page_of
from tests.test_performance_queries import queries_for

TOPIC_KEYS = [key for key, _ in TOPICS]
VERDICTS = [Comparison.WORSE, Comparison.BETTER, Comparison.SIMILAR]
# Names of mixed case, so the database's order has to be the overview's (lower-cased name, then id).
NAMES = ("Alpha measure", "bravo measure", "Gamma measure", "delta measure")


def add_published(count: int, start: int = 0, topics: list[str] | None = None, prefix: str = "added-") -> None:
    """``count`` more published indicators, each with a stored headline summary (a copy of the suicide rate's under
    its own id, name, topic and verdict), numbered from ``start``; the topics taken in turn from ``topics``."""
    base = stored_summary("41001")
    assert base is not None
    home = home_area_code()
    chosen = topics or TOPIC_KEYS
    indicators, records = [], []
    for n in range(start, start + count):
        topic, verdict = chosen[n % len(chosen)], VERDICTS[n % len(VERDICTS)]
        indicator_id, name = f"{prefix}{n:04d}", f"{NAMES[n % len(NAMES)]} {n:04d}"
        indicators.append({"id": indicator_id, "name": name, "topic": topic, "status": "published"})
        summary = replace(base, indicator_id=indicator_id, name=name, topic=topic, compared_to_england=verdict)
        records.append(
            {
                "indicator_id": indicator_id,
                "area_code": home,
                "breakdown": "",
                "topic": topic,
                "compared_to_england": verdict.value,
                "summary": to_json(summary),
            }
        )
    db.session.execute(insert(Indicator), indicators)
    db.session.execute(insert(IndicatorSummaryRecord), records)
    db.session.commit()


def shown_ids(page: BeautifulSoup) -> list[str]:
    """The indicators the overview's tables link to, in order."""
    return linked_ids(page, "#overview-results tbody th a")


def all_ids(topic: str | None = None, significance: str | None = None) -> list[str]:
    return [s.indicator_id for _, items in stored_overview(topic, significance) for s in items]


# --- size and queries do not grow --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "small", "topics"),
    [
        ("/indicators", (PER_TOPIC + 1) * len(TOPICS), None),  # every topic has more than it shows
        ("/indicators?significance=Worse", 3 * (PER_TOPIC + 1) * len(TOPICS), None),
        ("/indicators?topic=health", 2 * PAGE_SIZE + 10, ["health"]),
        ("/indicators?topic=health&page=2", 2 * PAGE_SIZE + 10, ["health"]),
        ("/indicators?topic=health&significance=Better&page=2", 6 * PAGE_SIZE + 10, ["health"]),
    ],
)
def test_page_size_and_queries_do_not_grow_with_the_indicators(
    seeded_indicators: SeededIndicators,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    small: int,
    topics: list[str] | None,
) -> None:
    read = []
    real_from_json = overview_query.from_json
    monkeypatch.setattr(overview_query, "from_json", lambda data: read.append(1) or real_from_json(data))
    add_published(small, 0, topics)
    queries_small = queries_for(client, url)
    bytes_small, page_small = page_of(client, url)
    read.clear()
    add_published(400, small, topics)
    queries_large = queries_for(client, url)
    read.clear()
    bytes_large, page_large = page_of(client, url)
    assert queries_large == queries_small
    assert len(shown_ids(page_large)) == len(shown_ids(page_small)) <= max(PAGE_SIZE, PER_TOPIC * len(TOPICS))
    # The same number of rows: only counts, names and verdicts shown differ (400 more rows would add over 400 KB).
    assert abs(bytes_large - bytes_small) < 0.02 * bytes_small, (bytes_small, bytes_large)
    # The limit is in the query: only the summaries shown are read from the database, not all 400 more.
    assert len(read) == len(shown_ids(page_large))


# --- the same indicators, in the same order, as the whole overview -------------------------------------------------


def test_slices_are_the_whole_overview_in_order_for_every_filter(seeded_indicators: SeededIndicators) -> None:
    add_published(3 * PAGE_SIZE + 7)
    themes: list[dict[str, Any]] = [{}] + [{"ids": t.indicator_ids, "id_prefix": t.id_prefix} for t in THEMES.values()]
    for topic in [None, *TOPIC_KEYS]:
        for significance in [None, *(c.value for c in Comparison)]:
            for theme in themes:
                wanted = set(all_ids()) if not theme else _theme_ids(theme)
                narrowed = [
                    (t, [s for s in items if s.indicator_id in wanted])
                    for t, items in stored_overview(topic, significance)
                ]
                whole = [(t, items) for t, items in narrowed if items]
                firsts = stored_overview_slice(topic, significance, per_topic=PER_TOPIC, **theme)
                assert firsts.groups == [(t, items[:PER_TOPIC]) for t, items in whole]
                assert firsts.topic_totals == {t: len(items) for t, items in whole}
                assert firsts.total == sum(len(items) for _, items in whole)
                pages, offset = [], 0
                while offset == 0 or offset < firsts.total:
                    part = stored_overview_slice(topic, significance, offset=offset, limit=PAGE_SIZE, **theme)
                    assert part.offset == offset and part.total == firsts.total
                    pages += [s for _, items in part.groups for s in items]
                    offset += PAGE_SIZE
                assert pages == [s for _, items in whole for s in items]


def _theme_ids(theme: dict[str, Any]) -> set[str]:
    ids = set(all_ids())
    return {i for i in ids if i in theme["ids"] or (theme["id_prefix"] and i.startswith(theme["id_prefix"]))}


def test_a_page_past_the_end_is_the_last_page(seeded_indicators: SeededIndicators, client: FlaskClient) -> None:
    add_published(PAGE_SIZE + 5, topics=["housing"])
    housing = all_ids("housing")
    _, last = page_of(client, "/indicators?topic=housing&page=2")
    _, past = page_of(client, "/indicators?topic=housing&page=99")
    assert shown_ids(past) == shown_ids(last) == housing[PAGE_SIZE:]
    assert past.select_one("nav.govuk-pagination [aria-current=page]").get_text(strip=True) == "2"
    for odd in ("0", "-1", "abc", "1e3", "99999999999"):
        _, page = page_of(client, f"/indicators?topic=housing&page={odd}")
        assert shown_ids(page) == housing[:PAGE_SIZE], odd


# --- links: show all, pagination, filters kept, every indicator reachable -----------------------------------------


def test_each_topic_shows_its_first_indicators_and_links_to_all_of_them(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    add_published(3 * PAGE_SIZE, topics=["health", "housing"])
    page = client_request.get("/indicators")
    for topic, label in TOPICS:
        ids = all_ids(topic)
        heading = page.find("h2", id=f"topic-{topic}")
        if not ids:
            assert heading is None
            continue
        table = heading.find_next("table")
        assert [a["href"].rsplit("/", 1)[1] for a in table.select("tbody th a")] == ids[:PER_TOPIC]
        link = page.find("a", href=f"/indicators?topic={topic}", class_="portal-show-all")
        if len(ids) > PER_TOPIC:
            assert link.get_text(strip=True) == f"Show all {len(ids)} {label.lower()} indicators"
        else:
            assert link is None
    assert page.select_one("#overview-count").get_text(strip=True).startswith(f"{len(all_ids())} indicators")
    assert f"first {PER_TOPIC} indicators" in page.select_one("#overview-limit").get_text()
    assert not page.select("nav.govuk-pagination")


def test_the_topic_list_is_paged_with_govuk_pagination(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    add_published(2 * PAGE_SIZE + 3, topics=["housing"])
    housing = all_ids("housing")
    page = client_request.get("/indicators?topic=housing&page=2")
    assert shown_ids(page) == housing[PAGE_SIZE : 2 * PAGE_SIZE]
    assert page.select_one("#overview-range").get_text(strip=True) == (
        f"Showing indicators {PAGE_SIZE + 1} to {2 * PAGE_SIZE} of {len(housing)}"
    )
    nav = page.select_one("nav.govuk-pagination")
    assert nav["aria-label"] == "Pages of the indicators"
    assert nav.select_one("[aria-current=page]")["aria-label"] == "Page 2"
    assert nav.select_one("a[rel=prev]")["href"] == "/indicators?topic=housing"  # page 1 has no page parameter
    assert nav.select_one("a[rel=next]")["href"] == "/indicators?topic=housing&page=3"
    assert [a["aria-label"] for a in nav.select(".govuk-pagination__item a")] == ["Page 1", "Page 2", "Page 3"]
    # Headings stay in order: the page's h1, the filter and topic h2s; the pagination after the table.
    levels = [int(h.name[1]) for h in page.select("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels))
    assert nav.find_previous("table") is not None and nav.find_next("table") is None


def test_pagination_links_keep_the_filters(seeded_indicators: SeededIndicators, client_request: ClientRequest) -> None:
    add_published(3 * PAGE_SIZE + 9, topics=["children"], prefix="dfe-added-")  # in the children's social care theme
    overview = client_request.get("/indicators?theme=childrens-social-care&significance=Worse")
    show_all = overview.select_one("a.portal-show-all")
    wanted = {"topic": ["children"], "theme": ["childrens-social-care"], "significance": ["Worse"]}
    assert parse_qs(urlsplit(show_all["href"]).query) == wanted
    assert show_all.get_text(strip=True).endswith("that match the filters")
    page = client_request.get(show_all["href"])
    links = page.select("nav.govuk-pagination a")
    assert links
    for link in links:
        query = parse_qs(urlsplit(link["href"]).query)
        assert {k: v for k, v in query.items() if k != "page"} == wanted
    second = client_request.get(page.select_one("nav.govuk-pagination a[rel=next]")["href"])
    assert shown_ids(second) and all(i.startswith("dfe-") for i in shown_ids(second))
    assert {tag.get_text(strip=True) for tag in second.select("#overview-results .govuk-tag")} == {"Worse"}
    # The filters form starts again at the first page (it sends no page number).
    assert not page.select('form.portal-filters input[name="page"]')
    # HTMX asks for the results only: the fragment carries the same pagination.
    fragment = client_request.get(show_all["href"] + "&page=2", htmx=True)
    assert fragment.find("h1") is None
    assert fragment.select_one("nav.govuk-pagination [aria-current=page]").get_text(strip=True) == "2"


def topic_tables(page: BeautifulSoup) -> list[tuple[str, Tag]]:
    """Each topic of an overview page with its table."""
    return [
        (heading["id"].removeprefix("topic-"), heading.find_next("table"))
        for heading in page.select("#overview-results h2[id^=topic-]")
    ]


def stays_on_the_overview(href: str) -> None:
    assert re.match(r"^/indicators(\?|$)", href), href


@pytest.mark.parametrize("start", ["/indicators", "/indicators?significance=Better"])
def test_every_indicator_is_reachable_through_the_links(
    seeded_indicators: SeededIndicators, client_request: ClientRequest, start: str
) -> None:
    add_published(8 * PAGE_SIZE + 11, topics=["health", "health", "children", "deprivation"])  # health: 2+ pages
    add_published(PER_TOPIC - 2, 1000, topics=["population"])  # a topic with too few to need a link
    significance = parse_qs(urlsplit(start).query).get("significance", [None])[0]
    found, visited = crawl(client_request, start, topic_tables, stays_on_the_overview)
    assert sorted(found) == sorted(all_ids(significance=significance))  # every one, none twice
    assert any("page=2" in url for url in visited)
