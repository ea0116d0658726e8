"""Each period's verdict against England (the indicator page's trend chart and table) and the headline's inequality
gap are worked out when data is imported and stored with the summaries, so no page computes them (issue 17)."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, select

from portal.deployment import home_area_code
from portal.extensions import db
from portal.indicators import chart_data, pages, summaries
from portal.indicators.breakdowns import breakdowns, inequality_gap
from portal.indicators.catalogue import comparators
from portal.indicators.file_import import import_file
from portal.indicators.headline_gaps import headline_gaps
from portal.indicators.period_verdicts import from_json as verdicts_from_json
from portal.indicators.stored_summaries import (
    VERDICTS,
    from_json,
    headline_summaries,
    headline_summary,
    refresh_summaries,
    stored_page_summary,
    stored_summary,
)
from portal.indicators.value_rows import value_rows_with_comparisons
from portal.models import Indicator, IndicatorSummaryRecord
from portal.stats.comparison import Comparison
from tests.helpers import ClientRequest
from tests.indicators.conftest import DATA_DIR, SeededIndicators
from tests.indicators.test_routes import load_house_prices, load_population, load_ward_imd

LIFE_EXPECTANCY = DATA_DIR / "fingertips" / "processed_trafford_datalab" / "life_expectancy.csv"


def forbid_period_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make working out a period's verdict during the request fail loudly."""

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a period's verdict was computed during the request")

    monkeypatch.setattr(chart_data, "period_verdicts", forbidden)


def trend_table(client_request: ClientRequest, url: str) -> str:
    """The trend chart's table (its CSV, for a CSV URL) as the response gives it."""
    response = client_request.client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if url.endswith(".csv"):
        return body
    table = BeautifulSoup(body, "html.parser").select_one('table[id$="trend-table"]')
    assert table is not None
    return str(table)


def test_stored_period_verdicts_are_those_the_page_computes_for_every_seeded_series(
    seeded_indicators: SeededIndicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    places = comparators(home_area_code())
    assert places is not None
    records = db.session.execute(select(IndicatorSummaryRecord.indicator_id, IndicatorSummaryRecord.summary)).all()
    compared = 0
    checked_pairs = 0
    for indicator_id, data in records:
        indicator = db.session.get(Indicator, indicator_id)
        assert indicator is not None
        summary, stored = from_json(data), verdicts_from_json(data[VERDICTS])
        assert stored is not None
        checked_pairs += bool(summary.sex != "Persons" or summary.age != "All ages")
        # Computed now, as the page did before anything was stored ...
        computed = chart_data.trend_chart_data(indicator, places, summary)
        # ... and independently by the API, row by row.
        api = {
            row["period"]: (row["compared_to_england"], row["compared_to_england_source"])
            for row in value_rows_with_comparisons(indicator_id, places.area.code, summary.sex, summary.age, "")
        }
        if indicator.value_type == "count" or computed is None:
            assert stored == {} or computed is None
            continue
        assert {p: (v.comparison.value, v.source) for p, v in stored.items()} == api
        with monkeypatch.context() as patch:
            forbid_period_verdicts(patch)
            from_stored = chart_data.trend_chart_data(indicator, places, summary, stored)
        assert from_stored is not None
        assert from_stored.columns[-1].text == "Compared with England"
        assert from_stored.rows == computed.rows
        compared += sum(v.comparison is not Comparison.NOT_COMPARED for v in stored.values())
    assert compared > 10 and checked_pairs > 5  # real verdicts, for the headline and for other sexes and ages


@pytest.mark.parametrize(
    "url",
    [
        "/indicators/93356",
        "/indicators/93356?sex=Persons&age=0-9+yrs",
        "/indicators/41001",
        "/indicators/41001/charts/trend.csv",
    ],
)
def test_the_indicator_page_shows_the_stored_verdicts_without_computing_them(
    seeded_indicators: SeededIndicators,
    client_request: ClientRequest,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
) -> None:
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    computed = trend_table(client_request, url)  # as before anything was stored
    assert "Compared with England" in computed
    assert any(word in computed for word in ("Better", "Worse", "Similar"))
    assert refresh_summaries() > 0
    db.session.commit()
    forbid_period_verdicts(monkeypatch)
    assert trend_table(client_request, url) == computed
    # Without stored summaries the page works them out, as before (so the patch above would have caught it).
    db.session.execute(delete(IndicatorSummaryRecord))
    db.session.commit()
    with pytest.raises(AssertionError, match="a period's verdict was computed"):
        client_request.client.get(url)


def test_a_summary_stored_before_the_verdicts_were_has_them_computed(
    seeded_indicators: SeededIndicators, client_request: ClientRequest
) -> None:
    before = trend_table(client_request, "/indicators/41001")
    for record in db.session.scalars(
        select(IndicatorSummaryRecord).where(IndicatorSummaryRecord.indicator_id == "41001")
    ):
        record.summary = {k: v for k, v in record.summary.items() if k != VERDICTS}
    db.session.commit()
    found = stored_page_summary("41001")
    assert found is not None and found[1] is None
    assert trend_table(client_request, "/indicators/41001") == before


def test_the_headline_inequality_gap_is_stored_as_computed(
    seeded_indicators: SeededIndicators, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert import_file(LIFE_EXPECTANCY).ok
    load_ward_imd(seeded_indicators)
    load_house_prices(seeded_indicators)
    load_population(seeded_indicators)
    ids = [i for i in db.session.scalars(select(Indicator.id).where(Indicator.status == "published"))]
    expected = {indicator_id: summaries.indicator_summary(indicator_id) for indicator_id in ids}
    kinds = {s.inequality_gap.category_type for s in expected.values() if s is not None and s.inequality_gap}
    assert {"Ward", "Sex"} <= kinds  # gaps between wards (read for all indicators at once) and between sexes
    for indicator_id in ids:
        assert stored_summary(indicator_id) == expected[indicator_id]
    # Worked out for many indicators at once, each gap is the one the indicator page works out, at any sex and age.
    places = comparators(home_area_code())
    assert places is not None
    indicators = list(db.session.scalars(select(Indicator)))
    for sex, age in [("Persons", "All ages"), ("Male", "All ages"), ("Female", "All ages")]:
        at_once = headline_gaps(indicators, places, {i.id: (sex, age) for i in indicators})
        assert at_once == {i.id: inequality_gap(breakdowns(i, places, sex, age), i) for i in indicators}

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a summary was computed")

    monkeypatch.setattr(summaries, "summarise", forbidden)
    monkeypatch.setattr(pages, "summarise", forbidden)
    assert headline_summaries([*ids, "not-an-indicator"], with_gap=True) == {**expected, "not-an-indicator": None}
    # A headline stored before gaps were: read as it is where the gap is not shown, computed where it is.
    record = db.session.scalar(
        select(IndicatorSummaryRecord).where(
            IndicatorSummaryRecord.indicator_id == "90366", IndicatorSummaryRecord.breakdown == ""
        )
    )
    assert record is not None
    record.summary = {k: v for k, v in record.summary.items() if k != "with_gap"} | {"inequality_gap": None}
    db.session.commit()
    assert headline_summary("90366") is not None
    with pytest.raises(AssertionError, match="a summary was computed"):
        headline_summary("90366", with_gap=True)
