"""Paging an indicator's values in the API: opt-in page/per_page, Link and X-Total-Count headers, the same rows; and
cursor paging (keyset on the table's unique key), which costs the same at any depth."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from portal.extensions import db
from portal.indicators.row_verdicts import series_trend
from portal.indicators.value_rows import KEY_FIELDS, api_rows_query, key_rows_query, trend_window_start
from portal.models import Indicator, IndicatorValue
from tests.indicators.conftest import SeededIndicators


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def test_pages_together_are_the_whole_list_in_the_same_order(
    client: FlaskClient, seeded_indicators: SeededIndicators
) -> None:
    whole = client.get("/api/v1/indicators/93356/data?sex=Persons")
    rows = whole.get_json()
    assert len(rows) > 12 and whole.headers["X-Total-Count"] == str(len(rows))
    assert "Link" not in whole.headers  # without page or per_page: every row, as before
    collected: list[dict[str, Any]] = []
    per_page = -(-len(rows) // 4) + 1  # four pages, the last one shorter
    url: str | None = f"/api/v1/indicators/93356/data?sex=Persons&per_page={per_page}"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.headers["X-Total-Count"] == str(len(rows))
        page = response.get_json()
        assert 0 < len(page) <= per_page
        collected += page
        links = _links(response.headers["Link"])
        assert "sex=Persons" in links["last"] and f"per_page={per_page}" in links["first"]
        url = links.get("next")
        pages += 1
    assert pages == -(-len(rows) // per_page) == 4
    assert collected == rows


def test_a_page_as_csv_and_past_the_end(client: FlaskClient, seeded_indicators: SeededIndicators) -> None:
    csv_page = client.get("/api/v1/indicators/93356/data?format=csv&page=2&per_page=3")
    assert csv_page.status_code == 200 and len(csv_page.get_data(as_text=True).strip().splitlines()) == 1 + 3
    total = int(csv_page.headers["X-Total-Count"])
    beyond = client.get(f"/api/v1/indicators/93356/data?page={total + 1}&per_page=1")
    assert beyond.status_code == 200 and beyond.get_json() == []
    assert "next" not in _links(beyond.headers["Link"])


@pytest.mark.parametrize("query", ["page=0", "page=-1", "per_page=0", "per_page=10001", "page=two", "page=1.5"])
def test_bad_paging_values_are_a_400_in_the_api_shape(
    client: FlaskClient, seeded_indicators: SeededIndicators, query: str
) -> None:
    response = client.get(f"/api/v1/indicators/93356/data?{query}")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_parameter"


def test_the_openapi_document_describes_paging(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/indicators/{indicator_id}/data"]["get"]
    per_page = next(p for p in operation["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 10000
    assert {"Link", "X-Total-Count"} <= set(operation["responses"]["200"]["headers"])


def test_the_trend_from_a_window_is_the_trend_from_the_whole_series(app: Any) -> None:
    """Rolling and single-year periods mixed: the window a trend needs gives the same trend as every earlier row."""
    from portal.indicators.catalogue import Row

    indicator = Indicator(id="t", name="t", value_type="dsr", polarity="RAG - Low is good")
    labels = [f"{year} - {str(year + 2)[-2:]}" for year in range(2001, 2013)] + [str(y) for y in range(2013, 2024)]
    rows = [
        Row("t", "E1", label, 0, "Persons", "All ages", "", "", 10.0 + (i * 7919 % 13) - i * 0.4, 8.0 - i * 0.4,
            12.0 + (i * 7919 % 13) - i * 0.4, None, None, None, None, "", False, False, "", "", "")
        for i, label in enumerate(labels)
    ]  # fmt: skip
    years: dict[str, tuple[int, int] | None] = {}
    labels_seen, starts = set(), []
    for end in range(len(rows)):
        start = trend_window_start(labels, end, years)
        starts.append(start)
        windowed, whole = series_trend(rows[start : end + 1], indicator), series_trend(rows[: end + 1], indicator)
        assert (windowed.direction, windowed.label) == (whole.direction, whole.label)
        labels_seen.add(whole.label)
    assert max(starts) > 0 and len(labels_seen) > 1  # windows were shorter than the series, trends were found


def test_the_api_query_uses_an_index(app: Any, seeded_indicators: SeededIndicators) -> None:
    query = api_rows_query(IndicatorValue.indicator_id == "93356", IndicatorValue.area_code == "E08000031")
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "USING INDEX" in plan and "SCAN indicator_values" not in plan, plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(row[0]) for row in db.session.execute(text(f"EXPLAIN {compiled}")))
        assert "Index" in plan and "Seq Scan on indicator_values" not in plan, plan


def _key(row: dict[str, Any]) -> tuple[str, ...]:
    """A row's place in the table's unique key (after the indicator), the order cursor pages come in."""
    return tuple(row[name] for name in KEY_FIELDS)


def _walk_cursor(client: FlaskClient, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Follow next links from ``url`` to the end: every row, and the Link header of each page."""
    collected: list[dict[str, Any]] = []
    headers: list[str] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.get_json()
        assert "X-Total-Count" not in response.headers  # counting would cost what the cursor saves
        collected += response.get_json()
        headers.append(response.headers["Link"])
        next_url = _links(response.headers["Link"]).get("next")
        assert len(headers) < 1000, "the cursor does not advance"
    return collected, headers


@pytest.mark.parametrize("query", ["", "sex=Persons&"])
def test_cursor_pages_together_are_every_row_once_in_key_order(
    client: FlaskClient, seeded_indicators: SeededIndicators, query: str
) -> None:
    whole = client.get(f"/api/v1/indicators/93356/data?{query.rstrip('&')}").get_json()
    assert len(whole) > 100
    per_page = 37  # not a divisor: the last page is shorter

    collected, headers = _walk_cursor(client, f"/api/v1/indicators/93356/data?{query}cursor=start&per_page={per_page}")

    assert len(headers) == -(-len(whole) // per_page)
    keys = [_key(row) for row in collected]
    assert len(set(keys)) == len(keys) == len(whole), "every row exactly once"
    # The test databases compare text byte by byte (SQLite; PostgreSQL with the C.UTF-8 collation), as Python does.
    assert keys == sorted(keys)
    # The same rows, with the same comparisons and trends, as the unpaged answer gives (which is oldest period first).
    assert collected == sorted(whole, key=_key)
    for header in headers:
        links = _links(header)
        assert "cursor=start" in links["first"] and f"per_page={per_page}" in links["first"]
        assert all(query.rstrip("&") in url for url in links.values())
    assert "next" not in _links(headers[-1])


def test_a_cursor_page_as_csv_has_the_same_rows(client: FlaskClient, seeded_indicators: SeededIndicators) -> None:
    first = client.get("/api/v1/indicators/93356/data?cursor=start&per_page=5")
    url = _links(first.headers["Link"])["next"]
    json_rows = client.get(url).get_json()
    csv_page = client.get(url + "&format=csv")
    lines = csv_page.get_data(as_text=True).strip().splitlines()
    assert csv_page.status_code == 200 and len(lines) == 1 + 5
    assert [line.split(",")[1] for line in lines[1:]] == [row["area_code"] for row in json_rows]
    assert "format=csv" in _links(csv_page.headers["Link"])["next"]


def test_without_per_page_a_cursor_page_has_the_default_size(
    client: FlaskClient, seeded_indicators: SeededIndicators
) -> None:
    from portal.api.openapi import DEFAULT_PER_PAGE

    response = client.get("/api/v1/indicators/93356/data?cursor=start")
    total = len(client.get("/api/v1/indicators/93356/data").get_json())
    assert len(response.get_json()) == min(total, DEFAULT_PER_PAGE)
    assert ("next" in _links(response.headers["Link"])) == (total > DEFAULT_PER_PAGE)


def _tampered(cursor: str) -> str:
    position = len(cursor) // 3
    return cursor[:position] + ("A" if cursor[position] != "A" else "B") + cursor[position + 1 :]


@pytest.mark.parametrize(
    "bad",
    [
        lambda real, other: _tampered(real),
        lambda real, other: real[:-3],
        lambda real, other: "eyJhIjoxfQ",
        lambda real, other: "Start",
        lambda real, other: other,  # a real cursor of another indicator
        lambda real, other: "x" * 5000,
    ],
    ids=["tampered", "cut-short", "made-up", "wrong-case", "other-indicator", "too-long"],
)
def test_a_cursor_the_api_did_not_give_for_this_indicator_is_a_clear_400(
    client: FlaskClient, seeded_indicators: SeededIndicators, bad: Any
) -> None:
    from urllib.parse import parse_qs, quote, urlsplit

    def next_cursor(indicator: str) -> str:
        header = client.get(f"/api/v1/indicators/{indicator}/data?cursor=start&per_page=2").headers["Link"]
        return parse_qs(urlsplit(_links(header)["next"]).query)["cursor"][0]

    cursor = bad(next_cursor("93356"), next_cursor("41001"))
    response = client.get(f"/api/v1/indicators/93356/data?cursor={quote(cursor)}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_parameter" and "Start again with cursor=start" in body["message"]


def test_page_and_cursor_together_are_a_400(client: FlaskClient, seeded_indicators: SeededIndicators) -> None:
    response = client.get("/api/v1/indicators/93356/data?cursor=start&page=2")
    assert response.status_code == 400 and "not both" in response.get_json()["message"]


def test_the_openapi_document_describes_the_cursor(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/indicators/{indicator_id}/data"]["get"]
    cursor = next(p for p in operation["parameters"] if p["name"] == "cursor")
    assert "cursor=start" in cursor["description"] and "next" in cursor["description"]
    assert "cursor" in operation["responses"]["200"]["headers"]["Link"]["description"]


def test_a_deep_cursor_page_is_read_from_the_unique_index_without_sorting(
    app: Any, seeded_indicators: SeededIndicators
) -> None:
    deep = ("E09000033", "2017", "Persons", "All ages", "", "")
    query = key_rows_query(IndicatorValue.indicator_id == "93356", after=deep).limit(1001)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "USING INDEX sqlite_autoindex_indicator_values" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # no sort: the index gives the order
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        lines = [str(row[0]).strip() for row in db.session.execute(text(f"EXPLAIN {compiled}"))]
        plan = "\n".join(lines)
        # indicator_values is partitioned by source: each partition's unique index is read in order and the
        # partitions merged (Merge Append), never a sort of the rows.
        scans = [line for line in lines if "Scan" in line]
        assert scans and all(re.search(r"Index (Only )?Scan using \S+_key on", line) for line in scans), plan
        assert not any(re.match(r"(->\s+)?Sort\s+\(cost", line) for line in lines), plan
