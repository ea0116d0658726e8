"""The small-numbers policy on every surface of an indicator: the page table, the chart's data source, the chart's
CSV download and the open data API (JSON and CSV) show the same thing for the same value.

The fixture's ethnic-group breakdown holds, for the home area:
- "Mixed": a figure the portal derived from 3 events: withheld everywhere, marked as the portal's suppression;
- "Black": a figure the publisher released from 2 events: shown exactly as released everywhere;
- "Other": a value the publisher suppressed: marked as the publisher's suppression everywhere, never 0.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Area, Indicator, IndicatorValue
from portal.stats.small_numbers import PORTAL_MARKER, PUBLISHER_MARKER
from tests.helpers import ClientRequest

INDICATOR = "small-numbers-test"
CHART = "category-ethnic-group"
CATEGORY_TYPE = "Ethnic group"
PUBLISHER_NOTE = "Value suppressed by the publisher for disclosure control"


@pytest.fixture
def breakdown(app: Flask) -> Indicator:
    """A published proportion with an ethnic-group breakdown for the home area (see the module docstring)."""
    home, region, england = (app.config[k] for k in ("HOME_AREA_CODE", "HOME_REGION_CODE", "ENGLAND_CODE"))
    db.session.add_all(
        [
            Area(code=england, name="England", area_type="country"),
            Area(code=region, name="West Midlands region", area_type="region", parent_code=england),
            Area(code=home, name="Wolverhampton", area_type="county_ua", parent_code=region),
        ]
    )
    indicator = Indicator(id=INDICATOR, name="Small numbers test", unit="%", value_type="proportion",
                          polarity="low_is_good", topic="health", publisher="OHID")  # fmt: skip
    db.session.add(indicator)
    db.session.flush()

    def value(area: str, value: float | None, count: float | None, category: str = "", **extra: Any) -> IndicatorValue:
        return IndicatorValue(indicator_id=INDICATOR, area_code=area, period="2023", period_sortable=20230000,
                              category_type=CATEGORY_TYPE if category else "", category=category, value=value,
                              lower_ci95=None if value is None else value - 1,
                              upper_ci95=None if value is None else value + 1, count=count,
                              denominator=100.0, **extra)  # fmt: skip

    db.session.add_all(
        [
            value(england, 20.0, 20000),
            value(home, 25.0, 25),
            value(home, 30.0, 30, "Asian"),
            value(home, 12.0, 12, "White"),
            value(home, 7.7, 3, "Mixed", derived=True, value_note="Derived by the portal"),
            value(home, 4.4, 2, "Black"),
            value(home, None, None, "Other", suppressed=True, value_note=PUBLISHER_NOTE),
        ]
    )
    db.session.commit()
    return indicator


def _by_category(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row for row in rows}


def test_page_table_follows_the_policy(breakdown: Indicator, client_request: ClientRequest) -> None:
    page = client_request.get(f"/indicators/{INDICATOR}")
    table = page.find(id=f"chart-{CHART}-table")
    assert table is not None
    rows = _by_category(
        [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    )
    assert rows["Mixed"][1] == PORTAL_MARKER and not any("7.7" in cell or cell == "3" for cell in rows["Mixed"])
    assert rows["Black"][1] == "4.4" and rows["Black"][-1] == "2"  # released from 2 events: shown as released
    assert rows["Other"][1] == PUBLISHER_MARKER
    assert page.find("a", href=lambda h: bool(h) and h.endswith("#small-numbers")) is not None


def test_chart_data_source_follows_the_policy(breakdown: Indicator, client_request: ClientRequest) -> None:
    response = client_request.response(f"/indicators/{INDICATOR}/charts/{CHART}.json")
    assert response.status_code == 200
    item = json.loads(response.get_data(as_text=True))
    text = json.dumps(item)
    assert "Black" in text  # released: drawn
    assert "Mixed" not in text  # derived from 3 events: not drawn
    assert "Other" not in text  # suppressed by the publisher: not drawn


def test_chart_csv_follows_the_policy(breakdown: Indicator, client_request: ClientRequest) -> None:
    response = client_request.response(f"/indicators/{INDICATOR}/charts/{CHART}.csv")
    assert response.status_code == 200
    rows = _by_category(list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:])
    assert rows["Mixed"][1:] == [PORTAL_MARKER, "", "", PORTAL_MARKER]
    assert rows["Black"][1] == "4.4" and rows["Black"][4] == "2"
    assert rows["Other"][1] == PUBLISHER_MARKER


def test_api_json_and_csv_follow_the_policy(breakdown: Indicator, client_request: ClientRequest) -> None:
    url = f"/api/v1/indicators/{INDICATOR}/data?category_type={CATEGORY_TYPE}"
    rows = {row["category"]: row for row in client_request.response(url).get_json()}
    mixed = rows["Mixed"]
    assert (mixed["suppressed"], mixed["suppressed_by"]) == (True, "portal")
    withheld = ("value", "lower_ci95", "upper_ci95", "count", "denominator")
    assert all(mixed[name] is None for name in withheld)
    assert mixed["compared_to_england"] == "Not compared"
    black = rows["Black"]
    assert (black["value"], black["count"], black["suppressed"], black["suppressed_by"]) == (4.4, 2, False, "")
    other = rows["Other"]
    assert (other["value"], other["suppressed"], other["suppressed_by"]) == (None, True, "publisher")
    assert other["value_note"] == PUBLISHER_NOTE  # the publisher's own note, as released

    text = client_request.response(url + "&format=csv").get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(text)))
    by_category = {row["category"]: row for row in table}
    assert (by_category["Mixed"]["value"], by_category["Mixed"]["count"]) == ("", "")
    assert by_category["Mixed"]["suppressed_by"] == "portal"
    assert by_category["Black"]["value"] == "4.4"
    assert by_category["Other"]["suppressed_by"] == "publisher"


@pytest.mark.parametrize("paging", ["page", "cursor"])
def test_api_pages_follow_the_policy(breakdown: Indicator, client_request: ClientRequest, paging: str) -> None:
    """One row a page, by page number or by following the cursor: each row as the unpaged answer gives it."""
    import re

    url = f"/api/v1/indicators/{INDICATOR}/data?category_type={CATEGORY_TYPE}"
    whole = {row["category"]: row for row in client_request.response(url).get_json()}
    pages: dict[str, dict[str, Any]] = {}
    next_url: str | None = url + ("&per_page=1" if paging == "page" else "&cursor=start&per_page=1")
    while next_url:
        response = client_request.response(next_url)
        (row,) = response.get_json()
        pages[row["category"]] = row
        found = re.search(r'<([^>]+)>; rel="next"', response.headers["Link"])
        next_url = found.group(1) if found else None
    assert pages == whole and len(pages) == 5
    assert (pages["Mixed"]["value"], pages["Mixed"]["count"], pages["Mixed"]["suppressed_by"]) == (None, None, "portal")
    assert (pages["Black"]["value"], pages["Black"]["count"]) == (4.4, 2)
    assert (pages["Other"]["value"], pages["Other"]["suppressed_by"]) == (None, "publisher")


def test_openapi_documents_the_policy(app: Flask, client_request: ClientRequest) -> None:
    document = client_request.response("/api/v1/openapi.json").get_json()
    assert "Small numbers" in document["info"]["description"]
    field = document["components"]["schemas"]["ValueRow"]["properties"]["suppressed_by"]
    assert set(field["enum"]) == {"", "publisher", "portal"}


def test_about_the_data_page_states_the_policy(app: Flask, client_request: ClientRequest) -> None:
    page = client_request.get("/about-the-data")
    section = page.find(id="small-numbers")
    assert section is not None and section.name == "h2"
    text = page.get_text(" ", strip=True)
    assert PUBLISHER_MARKER in text and PORTAL_MARKER in text
    assert "Figures a publisher released" in text
