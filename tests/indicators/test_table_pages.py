"""Long chart tables are shown 50 rows at a time with GOV.UK pagination that works without JavaScript (issue 17)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.deployment import home_area_code
from portal.extensions import db
from portal.models import IndicatorValue
from portal.table_pages import TABLE_PAGE_SIZE, table_page
from tests.indicators.conftest import SeededIndicators


def test_a_page_of_rows_and_links_that_keep_the_other_parameters(app: Flask) -> None:
    rows = list(range(120))
    with app.test_request_context("/indicators/1?sex=Male&chart-trend-page=2"):
        paged = table_page("chart-trend", rows)
        assert list(paged.rows) == rows[50:100] and (paged.page, paged.pages, paged.first, paged.last) == (
            2,
            3,
            51,
            100,
        )
        assert paged.url(3) == "/indicators/1?sex=Male&chart-trend-page=3#chart-trend-table"
        assert paged.url(1) == "/indicators/1?sex=Male#chart-trend-table"
        assert list(table_page("chart-other", rows).rows) == rows[:50]  # each table has its own page number
    for asked, shown in (("99", 3), ("0", 1), ("x", 1), ("-1", 1)):
        with app.test_request_context(f"/?t-page={asked}"):
            assert table_page("t", rows).page == shown


def _add_long_series(count: int) -> None:
    sample = db.session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == "41001",
            IndicatorValue.area_code == home_area_code(),
            IndicatorValue.category_type == "",
        )
    ).first()
    assert sample is not None
    for year in range(1900, 1900 + count):
        db.session.add(
            IndicatorValue(
                indicator_id="41001", area_code=sample.area_code, period=str(year), period_sortable=year * 10000,
                sex=sample.sex, age=sample.age, category_type="", category="", value=10.0 + year % 7,
            )
        )  # fmt: skip
    db.session.commit()


def _trend_rows(html: str) -> list[str]:
    table = re.search(r'id="chart-trend-table".*?</table>', html, re.S)
    assert table is not None
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table.group(0))


def test_a_long_trend_table_is_paged_and_every_row_is_on_some_page(
    client: FlaskClient, seeded_indicators: SeededIndicators
) -> None:
    _add_long_series(80)
    first = client.get("/indicators/41001").get_data(as_text=True)
    shown = _trend_rows(first)
    assert len(shown) == TABLE_PAGE_SIZE
    nav = re.search(r'<nav class="govuk-pagination" aria-label="Pages of the table: [^"]+">.*?</nav>', first, re.S)
    assert nav is not None
    pages = sorted({int(n) for n in re.findall(r"chart-trend-page=(\d+)", nav.group(0))})
    seen = list(shown)
    for number in pages:
        html = client.get(f"/indicators/41001?chart-trend-page={number}").get_data(as_text=True)
        assert f"Rows {(number - 1) * TABLE_PAGE_SIZE + 1} to" in html
        seen += _trend_rows(html)
    assert len(seen) == len(set(seen)) and {str(year) for year in range(1900, 1980)} <= set(seen)
    # The CSV download still has every row.
    csv = client.get("/indicators/41001/charts/trend.csv").get_data(as_text=True)
    assert all(f"\n{year}," in csv or f'\n"{year}",' in csv for year in (1900, 1979))
