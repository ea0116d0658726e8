"""Paging an indicator's values in the API: opt-in page/per_page, Link and X-Total-Count headers, the same rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from portal.extensions import db
from portal.indicators.summaries import series_trend
from portal.indicators.value_rows import api_rows_query, trend_window_start
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
