"""The overview's spine chart and filters: real Fingertips data, ranges checked against the source file by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, event, select

from portal.data_version import current_data_version
from portal.indicators import spine_values, stored_summaries
from portal.indicators.spine import ordinal
from portal.indicators.stored_summaries import refresh_summaries
from portal.models import IndicatorSummaryRecord, IndicatorValue
from tests import test_performance_cache
from tests.indicators.test_routes import load_ward_imd, table_rows

caching = test_performance_cache.caching  # the page cache switched on, emptied
FINGERTIPS = Path(__file__).resolve().parents[2] / "data" / "fingertips"
CAMPYLOBACTER_FILE = FINGERTIPS / "fingertips_campylobacter_93356_countyua_2015-2017.csv"


def campylobacter_2017() -> list[float]:
    """Every county and unitary authority's 2017 campylobacter rate (Persons, all ages) as the export gives it."""
    frame = pd.read_csv(CAMPYLOBACTER_FILE, dtype=str, keep_default_na=False)
    chosen = frame[
        (frame["Area Type"] == "County & UA")
        & (frame["Time period"] == "2017")
        & (frame["Sex"] == "Persons")
        & (frame["Age"] == "All ages")
        & (frame["Category Type"] == "")
        & (frame["Value"] != "")
    ]
    return sorted(float(v) for v in chosen["Value"])


def by_hand(values: list[float], p: float) -> float:
    """The p-th quantile by linear interpolation between the sorted values at place (n - 1) * p (R's type 7)."""
    place = (len(values) - 1) * p
    below = int(place)
    above = min(below + 1, len(values) - 1)
    return values[below] + (place - below) * (values[above] - values[below])


def spine_row(page, name_start: str) -> list[str]:
    rows = table_rows(page.select_one("#chart-spine-table"))
    matches = [row for row in rows[1:] if row[0].startswith(name_start)]
    assert len(matches) == 1, f"{name_start!r} is not one row of the spine table"
    return matches[0]


def test_spine_range_matches_the_source_file(seeded_indicators, client_request) -> None:
    """Campylobacter (low is good): the columns run worst (highest) to best (lowest), quartiles as worked by hand."""
    values = campylobacter_2017()
    page = client_request.get("/indicators?view=spine")
    header = table_rows(page.select_one("#chart-spine-table"))[0]
    assert header[:4] == ["Indicator", "Period", "Wolverhampton", "England"]
    row = spine_row(page, "Campylobacter")
    assert row[1] == "2017"
    assert row[2:4] == ["61.2", "96.6"]
    expected = [max(values), by_hand(values, 0.75), by_hand(values, 0.5), by_hand(values, 0.25), min(values)]
    assert row[4:9] == [f"{v:.1f}" for v in expected]
    assert row[9] == f"{len(values)} of 153"
    assert row[10] == "▲ Better"
    # 61.2 is below the 25th percentile, where a low value is good: the best quarter; rank counted from the lowest.
    assert by_hand(values, 0.25) > 61.1797
    rank = 1 + sum(1 for v in values if v < 61.1797163910982)
    assert row[11] == f"Best quarter, ranked {ordinal(rank)} of {len(values)}, 1st = best"


def test_spine_says_where_the_range_is_incomplete(seeded_indicators, client_request) -> None:
    """The suicide export covers only the West Midlands: the row and the reading say how few authorities it has."""
    page = client_request.get("/indicators?view=spine")
    assert spine_row(page, "Suicide rate")[9] == "14 of 153"
    reading = page.select_one("#spine-reading").get_text(" ", strip=True)
    assert "as few as 14 of England's 153 upper-tier authorities" in reading


def test_spine_csv_is_exactly_the_table(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators?view=spine&topic=health")
    link = page.select_one("a[href^='/indicators/spine.csv']")
    assert "Download the data for this chart" in link.get_text()
    assert link["href"] == "/indicators/spine.csv?topic=health"
    response = client_request.response(link["href"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == table_rows(
        page.select_one("#chart-spine-table")
    )


def test_spine_chart_json_draws_the_filtered_rows(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators?view=spine&topic=children")
    slot = page.select_one("#chart-spine")
    assert slot["data-bokeh-json"] == "/indicators/spine.json?topic=children"
    response = client_request.response(slot["data-bokeh-json"])
    assert response.status_code == 200
    document = json.dumps(json.loads(response.get_data(as_text=True)))
    assert "Children looked after" in document or "looked after" in document.lower()
    assert "Suicide" not in document


def test_spine_works_without_javascript(seeded_indicators, client_request) -> None:
    """The table is open and the chart slot empty until charts.js runs; the page still reads in full."""
    page = client_request.get("/indicators?view=spine")
    assert page.select_one("details[data-chart-table='chart-spine']").has_attr("open")
    assert page.select_one("#chart-spine").get_text(strip=True) == ""
    assert page.select_one("nav.portal-view-switch [aria-current='page']").get_text(strip=True) == "Spine chart"


def test_filters_by_theme_with_count_and_clear_link(seeded_indicators, client_request) -> None:
    """Theme = children's social care keeps only the DfE indicators; the count and "Clear filters" keep the view."""
    page = client_request.get("/indicators?theme=childrens-social-care&view=spine")
    count = page.select_one("#overview-count").get_text(" ", strip=True)
    rows = table_rows(page.select_one("#chart-spine-table"))[1:]
    assert rows and all("looked after" in row[0].lower() for row in rows)
    assert count.startswith("1 indicator in the theme ‘Children's social care’")
    assert page.select_one("#clear-filters")["href"] == "/indicators?view=spine"
    assert page.select_one("#filter-theme option[selected]")["value"] == "childrens-social-care"
    assert page.select_one("form.portal-filters input[name=view]")["value"] == "spine"


def test_theme_and_verdict_filters_combine_in_the_table(seeded_indicators, client_request) -> None:
    similar = client_request.get("/indicators?theme=childrens-social-care&significance=Similar")
    links = [a["href"] for a in similar.select("#overview-results tbody tr th a")]
    assert links == ["/indicators/dfe-cla-rate-per-10k"]
    page = client_request.get("/indicators?theme=childrens-social-care&significance=Worse")
    assert page.select("#overview-results tbody tr") == []
    assert "No indicators match these filters." in page.get_text()
    assert page.select_one("#overview-count").get_text(strip=True).startswith("0 indicators")
    assert page.select_one("#clear-filters")["href"] == "/indicators"
    unfiltered = client_request.get("/indicators")
    assert unfiltered.select_one("#clear-filters") is None


def test_spine_with_htmx_returns_the_fragment(seeded_indicators, client_request) -> None:
    fragment = client_request.get("/indicators?view=spine&significance=Better", htmx=True)
    assert fragment.find("h1") is None
    rows = table_rows(fragment.select_one("#chart-spine-table"))[1:]
    assert rows and all(row[10].endswith("Better") for row in rows)


@pytest.mark.parametrize("query", ["view=<script>", "theme=nope&view=spine", "significance=Amazing&view=spine"])
def test_unknown_filter_values_are_ignored(seeded_indicators, client_request, query: str) -> None:
    page = client_request.get(f"/indicators?{query}")
    assert page.select_one("#clear-filters") is None


def test_spine_pages_are_cached_until_the_data_changes(seeded_indicators, caching, client) -> None:
    """The page cache keys the spine by its full URL and the data version: an import shows the new data."""
    assert client.get("/indicators?view=spine").headers["X-Page-Cache"] == "miss"
    assert client.get("/indicators?view=spine").headers["X-Page-Cache"] == "hit"
    assert client.get("/indicators?view=spine&topic=health").headers["X-Page-Cache"] == "miss"
    before = current_data_version()
    load_ward_imd(seeded_indicators)
    assert current_data_version() != before
    assert client.get("/indicators?view=spine").headers["X-Page-Cache"] == "miss"


def _without_stored_spines(db) -> None:
    """Drop the stored place among the authorities from every stored summary, as in a database whose summaries were
    stored before it was (the spine view then works it out per request)."""
    for record in db.session.scalars(select(IndicatorSummaryRecord)):
        if stored_summaries.SPINE in record.summary:
            record.summary = {k: v for k, v in record.summary.items() if k != stored_summaries.SPINE}
    db.session.commit()


def _value_queries(db) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement: str, *args) -> None:
        if "indicator_values" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


def test_the_spine_view_reads_the_place_among_authorities_stored_at_import(seeded_indicators, client_request, db):
    """An import stores each headline summary's place among the authorities: the spine view reads no value."""
    stored = db.session.scalars(
        select(IndicatorSummaryRecord).where(IndicatorSummaryRecord.indicator_id == "93356")
    ).all()
    headline = next(r for r in stored if r.breakdown == stored_summaries.HEADLINE and r.area_code == "E08000031")
    facts = spine_values.from_json(headline.summary[stored_summaries.SPINE])
    values = campylobacter_2017()
    assert facts is not None and facts.spread is not None
    assert facts.authorities == facts.spread.count == len(values)
    assert (facts.spread.lowest, facts.spread.highest) == (min(values), max(values))
    assert facts.spread.q25 == pytest.approx(by_hand(values, 0.25))
    assert facts.position == 1 + sum(1 for v in values if v < 61.1797163910982)  # low is good
    # Another sex and age, and counts, have no spine row, so nothing is stored for them.
    assert all(stored_summaries.SPINE not in r.summary for r in stored if r.breakdown != stored_summaries.HEADLINE)

    queries = _value_queries(db)
    page = client_request.get("/indicators?view=spine")
    assert spine_row(page, "Campylobacter")[9] == f"{len(values)} of 153"
    assert queries == []


def test_the_spine_is_the_same_when_worked_out_per_request_a_few_keys_at_a_time(
    seeded_indicators, client_request, monkeypatch, db
) -> None:
    # Summaries stored before the place among the authorities was have it worked out per request, in batches of
    # keys (SQLite allows 32,766 bound parameters per statement), which must not change a single row of the spine.
    stored = client_request.response("/indicators/spine.csv").get_data(as_text=True)
    _without_stored_spines(db)
    queries = _value_queries(db)
    computed = client_request.response("/indicators/spine.csv").get_data(as_text=True)
    assert queries, "the values were not read: the stored figures were used after all"
    monkeypatch.setattr(spine_values, "KEYS_PER_QUERY", 3)
    batched = client_request.response("/indicators/spine.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(stored)))) > 4
    assert computed == stored
    assert batched == stored


def test_the_spine_leaves_out_values_the_portal_withholds(seeded_indicators, client_request, db) -> None:
    """A figure the portal derived from too few events is shown nowhere, so the spine does not place it either."""
    before = spine_row(client_request.get("/indicators?view=spine"), "Campylobacter")
    db.session.add(
        IndicatorValue(
            indicator_id="93356", area_code="E06000001", period="2017", period_sortable=2017, value=1.0,
            count=2, derived=True, source_key="",
        )
    )  # fmt: skip
    db.session.execute(
        delete(IndicatorValue).where(
            IndicatorValue.indicator_id == "93356",
            IndicatorValue.area_code == "E06000001",
            IndicatorValue.period == "2017",
            IndicatorValue.sex == "Persons",
            IndicatorValue.age == "All ages",
            IndicatorValue.category_type == "",
            IndicatorValue.source_key != "",
        )
    )
    refresh_summaries(["93356"])
    db.session.commit()

    after = spine_row(client_request.get("/indicators?view=spine"), "Campylobacter")
    count = int(before[9].split()[0])
    assert after[9] == f"{count - 1} of 153"  # Hartlepool's figure is withheld, so it is not among them
