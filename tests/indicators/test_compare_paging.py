"""The compare page (tartan rug) stays the same size and cost whatever the number of indicators (issue 17): each
topic's first few with a link to all of the topic, a topic a page at a time, only the shown indicators' values read;
every indicator reachable once through the links; the CSV still has every one."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient
from sqlalchemy import insert

from portal.extensions import db
from portal.indicators import compare
from portal.indicators.catalogue import TOPICS, Row
from portal.indicators.compare import PAGE_SIZE, PER_TOPIC, _group_areas, tartan_rug
from portal.models import Indicator, IndicatorValue
from tests.helpers import ClientRequest
from tests.indicators.conftest import SeededIndicators
from tests.indicators.paging import crawl, linked_ids, page_of
from tests.test_performance_queries import queries_for

TOPIC_KEYS = [key for key, _ in TOPICS]
# Names of mixed case, so the database's order has to be the overview's (lower-cased name, then id).
NAMES = ("Alpha measure", "bravo measure", "Gamma measure", "delta measure")


def add_comparable(
    count: int, start: int = 0, topics: list[str] | None = None, prefix: str = "rug-", areas: int = 3
) -> None:
    """``count`` more published indicators numbered from ``start``, the topics taken in turn from ``topics``, each
    with a value (and confidence interval) for England and the first ``areas`` of both groups (home area first)."""
    codes = list(dict.fromkeys([*_group_areas("region")[:areas], *_group_areas("neighbours")[:areas]]))
    chosen = topics or TOPIC_KEYS
    indicators, values = [], []
    for n in range(start, start + count):
        indicator_id = f"{prefix}{n:04d}"
        topic = chosen[n % len(chosen)]
        indicators.append({"id": indicator_id, "name": f"{NAMES[n % len(NAMES)]} {n:04d}", "topic": topic})
        for rank, code in enumerate([*codes, "E92000001"]):
            value = 10.0 + rank + n % 7
            values.append(
                {
                    "indicator_id": indicator_id,
                    "area_code": code,
                    "period": "2023",
                    "period_sortable": 20230000,
                    "value": value,
                    "lower_ci95": value - 0.5,
                    "upper_ci95": value + 0.5,
                }
            )
    db.session.execute(insert(Indicator), [dict(i, status="published") for i in indicators])
    db.session.execute(insert(IndicatorValue), values)
    db.session.commit()


def shown_ids(page: BeautifulSoup) -> list[str]:
    """The indicators the page's tables link to, in order."""
    return linked_ids(page, "table.portal-rug tbody th a")


def csv_ids(group: str = "region", topic: str = "") -> list[str]:
    """The indicators of the download (every one of the group and topic), in order."""
    return [row.indicator.id for row in tartan_rug(group, topic).rows]


# --- size, queries and values read do not grow ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "small", "topics"),
    [
        ("/indicators/compare", (PER_TOPIC + 1) * len(TOPICS), None),  # every topic has more than it shows
        ("/indicators/compare?group=neighbours", (PER_TOPIC + 1) * len(TOPICS), None),
        ("/indicators/compare?topic=health", 2 * PAGE_SIZE + 10, ["health"]),
        ("/indicators/compare?group=neighbours&topic=health&page=2", 2 * PAGE_SIZE + 10, ["health"]),
    ],
)
def test_page_size_and_cost_do_not_grow_with_the_indicators(
    seeded_indicators: SeededIndicators,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    small: int,
    topics: list[str] | None,
) -> None:
    read: list[Row] = []
    real_stored_rows = compare.stored_rows
    monkeypatch.setattr(compare, "stored_rows", lambda *c: read.extend(rows := real_stored_rows(*c)) or rows)
    add_comparable(small, 0, topics)
    queries_small = queries_for(client, url)
    bytes_small, page_small = page_of(client, url)
    add_comparable(300, small, topics)
    queries_large = queries_for(client, url)
    read.clear()
    bytes_large, page_large = page_of(client, url)
    assert queries_large == queries_small
    assert len(shown_ids(page_large)) == len(shown_ids(page_small)) <= max(PAGE_SIZE, PER_TOPIC * len(TOPICS))
    # The same number of rows: only counts and names differ (300 more rows would add some 600 KB).
    assert abs(bytes_large - bytes_small) < 0.02 * bytes_small, (bytes_small, bytes_large)
    # Only the shown indicators' values are read and compared, not the 300 more.
    assert read and {r.indicator_id for r in read} == set(shown_ids(page_large))


def add_series(indicator_id: str, codes: list[str], years: range, sexes: tuple[str, ...] = ("Persons",)) -> None:
    """A published indicator (economy) with a value for each of ``codes``, year and sex (all ages)."""
    db.session.add(Indicator(id=indicator_id, name=f"Series {indicator_id}", topic="economy", status="published"))
    db.session.execute(
        insert(IndicatorValue),
        [
            {
                "indicator_id": indicator_id,
                "area_code": code,
                "period": str(year),
                "period_sortable": year * 10_000,
                "sex": sex,
                "value": 10.0 + rank + year % 5 + len(sex),
            }
            for rank, code in enumerate(codes)
            for year in years
            for sex in sexes
        ],
    )
    db.session.commit()


def test_the_other_areas_are_read_for_the_shown_period_and_breakdown_only(
    seeded_indicators: SeededIndicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The full-size bench dataset's CSV read every period and breakdown of every area of the group: 106,000 rows for
    # 400 indicators, 0.8 s. Only the home area's rows decide what a rug row shows.
    read: list[Row] = []
    real_stored_rows = compare.stored_rows
    monkeypatch.setattr(compare, "stored_rows", lambda *c: read.extend(rows := real_stored_rows(*c)) or rows)
    home, *others = _group_areas("region")[:4]
    add_series("long", [home, *others, "E92000001"], range(2001, 2024), ("Persons", "Male", "Female"))
    # Without the home area: worked out from the group's own rows, as before.
    add_series("no-home", others[:2], range(2019, 2023))
    rows = {row.indicator.id: row for row in tartan_rug("region", "economy").rows}

    assert rows["long"].period == "2023" and rows["long"].breakdown == ""
    cells = dict(zip(_group_areas("region"), rows["long"].cells, strict=True))
    assert [cells[code].value for code in [home, *others]] == [20.0, 21.0, 22.0, 23.0]  # 10 + rank + 3 + 7
    assert rows["long"].england_text == "24.0"
    read_elsewhere = {(r.indicator_id, r.area_code, r.period, r.sex) for r in read if r.area_code != home}
    long_elsewhere = {(area, period, sex) for indicator, area, period, sex in read_elsewhere if indicator == "long"}
    assert long_elsewhere == {(code, "2023", "Persons") for code in [*others, "E92000001"]}

    assert rows["no-home"].period == "2022"
    no_home = dict(zip(_group_areas("region"), rows["no-home"].cells, strict=True))
    assert no_home[home].text == "No data" and no_home[others[1]].value == 10.0 + 1 + 2 + len("Persons")


# --- the topic view: GOV.UK pagination, junk and out-of-range pages -------------------------------------------------


def test_a_topic_is_paged_with_govuk_pagination_keeping_the_group(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    add_comparable(2 * PAGE_SIZE + 3, topics=["housing"])
    housing = csv_ids("neighbours", "housing")
    assert len(housing) == 2 * PAGE_SIZE + 3
    page = client_request.get("/indicators/compare?group=neighbours&topic=housing&page=2")
    assert shown_ids(page) == housing[PAGE_SIZE : 2 * PAGE_SIZE]
    assert page.title.get_text().startswith("Compare areas: Statistical neighbours, housing (page 2 of 3)")
    assert page.select_one("#rug-range").get_text(strip=True) == (
        f"Showing indicators {PAGE_SIZE + 1} to {2 * PAGE_SIZE} of {len(housing)}"
    )
    nav = page.select_one("nav.govuk-pagination")
    assert nav["aria-label"] == "Pages of the indicators"
    assert nav.select_one("[aria-current=page]")["aria-label"] == "Page 2"
    assert nav.select_one("a[rel=prev]")["href"] == "/indicators/compare?group=neighbours&topic=housing"
    assert nav.select_one("a[rel=next]")["href"] == "/indicators/compare?group=neighbours&topic=housing&page=3"
    assert [a["aria-label"] for a in nav.select(".govuk-pagination__item a")] == ["Page 1", "Page 2", "Page 3"]
    levels = [int(h.name[1]) for h in page.select("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels))
    assert nav.find_previous("table") is not None and nav.find_next("table") is None
    # The filters form starts again at the first page; the download has the whole topic, and says so.
    assert not page.select('form input[name="page"]')
    download = page.select_one("#rug-download")
    assert download.a["href"] == "/indicators/compare.csv?group=neighbours&topic=housing"
    assert f"all {len(housing)} indicators of this topic, not only those on this page" in download.get_text()


def test_a_page_past_the_end_is_the_last_page_and_junk_is_the_first(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    add_comparable(PAGE_SIZE + 5, topics=["housing"])
    housing = csv_ids("region", "housing")
    last = client_request.get("/indicators/compare?topic=housing&page=2")
    past = client_request.get("/indicators/compare?topic=housing&page=99")
    assert shown_ids(past) == shown_ids(last) == housing[PAGE_SIZE:]
    assert past.select_one("nav.govuk-pagination [aria-current=page]").get_text(strip=True) == "2"
    for odd in ("0", "-1", "abc", "1e3", "99999999999"):
        page = client_request.get(f"/indicators/compare?topic=housing&page={odd}")
        assert shown_ids(page) == housing[:PAGE_SIZE], odd


# --- no topic: each topic's first few, a link to all of each -------------------------------------------------------


def test_each_topic_shows_its_first_indicators_and_links_to_all_of_them(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    add_comparable(3 * PER_TOPIC, topics=["health", "housing"])
    page = client_request.get("/indicators/compare?group=neighbours")
    for topic, label in TOPICS:
        ids = csv_ids("neighbours", topic)
        table = page.select_one(f"#rug-{topic}")
        if not ids:
            assert table is None
            continue
        assert [a["href"].rsplit("/", 1)[1] for a in table.select("tbody th a")] == ids[:PER_TOPIC]
        link = page.find("a", href=f"/indicators/compare?group=neighbours&topic={topic}", class_="portal-show-all")
        if len(ids) > PER_TOPIC:
            assert link.get_text(strip=True) == f"Show all {len(ids)} {label.lower()} indicators"
        else:
            assert link is None
    assert f"first {PER_TOPIC} indicators" in page.select_one("#rug-limit").get_text()
    assert not page.select("nav.govuk-pagination")
    total = len(csv_ids("neighbours"))
    assert f"all {total} indicators of every topic" in page.select_one("#rug-download").get_text()


def test_indicators_held_for_one_area_only_are_left_out(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    add_comparable(2, topics=["economy"], prefix="one-area-", areas=1)  # the home area (and England) only
    add_comparable(2, topics=["economy"], prefix="two-areas-", areas=2)
    ids = shown_ids(client_request.get("/indicators/compare?topic=economy"))
    assert ids == ["two-areas-0000", "two-areas-0001"]


# --- every indicator reachable once; the CSV has every one ---------------------------------------------------------


def rug_tables(page: BeautifulSoup) -> list[tuple[str, Tag]]:
    """Each topic of a compare page with its table."""
    return [(table["id"].removeprefix("rug-"), table) for table in page.select("table.portal-rug")]


def keeps_the_group(group: str) -> Callable[[str], None]:
    def check(href: str) -> None:
        assert href.startswith("/indicators/compare?"), href
        assert parse_qs(urlsplit(href).query)["group"] == [group]

    return check


@pytest.mark.parametrize("group", ["region", "neighbours"])
def test_every_indicator_is_reachable_once_and_the_csv_has_every_one(
    seeded_indicators: SeededIndicators, client_request: ClientRequest, group: str
) -> None:
    add_comparable(4 * PAGE_SIZE + 11, topics=["health", "health", "children", "deprivation"])  # health: 2+ pages
    add_comparable(PER_TOPIC - 2, 1000, topics=["population"])  # a topic with too few to need a link
    found, visited = crawl(client_request, f"/indicators/compare?group={group}", rug_tables, keeps_the_group(group))
    every = csv_ids(group)
    assert sorted(found) == sorted(every)  # every one, none twice
    assert {f"rug-{n:04d}" for n in range(4 * PAGE_SIZE + 11)} <= set(every)
    assert any("page=2" in url for url in visited)
    rows = list(
        csv.reader(
            io.StringIO(client_request.response(f"/indicators/compare.csv?group={group}").get_data(as_text=True))
        )
    )
    names = {i.id: i.name for i in db.session.query(Indicator)}
    assert [line[0] for line in rows[1:]] == [names[i] for i in every]
