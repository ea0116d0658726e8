"""Read-side services: summaries, comparisons, trends, breakdowns and chart data, on the real seeded exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from portal.extensions import db
from portal.indicators import breakdowns, catalogue, chart_data, formatting, pages, row_verdicts, summaries, value_rows
from portal.models import Area, Indicator, IndicatorValue
from portal.stats.comparison import Comparison
from portal.stats.small_numbers import PORTAL_MARKER
from portal.stats.trend import RecentTrend, TrendDirection

DATA = Path(__file__).resolve().parents[2] / "data" / "fingertips"
SUICIDE = DATA / "fingertips_suicide_west_midlands_countyua.csv"
CAMPYLOBACTER = DATA / "fingertips_campylobacter_93356_countyua_2015-2017.csv"


def export(path: Path) -> pd.DataFrame:
    """A Fingertips export with its column names made uniform ("Area Code" / "AreaCode" -> "areacode")."""
    frame = pd.read_csv(path)
    frame.columns = [c.replace(" ", "").replace("_", "").lower() for c in frame.columns]
    frame["indicatorid"] = frame["indicatorid"].astype(str)
    frame["timeperiod"] = frame["timeperiod"].astype(str)
    return frame


def export_row(path: Path, indicator_id: str, area_code: str, **where: str) -> pd.Series:
    frame = export(path)
    rows = frame[(frame["indicatorid"] == indicator_id) & (frame["areacode"] == area_code)]
    for column, value in where.items():
        rows = rows[rows[column].fillna("") == value]
    return rows.sort_values("timeperiodsortable").iloc[-1]


# --- the plain-English sentence -------------------------------------------------------------------------------


def test_verdict_sentence_reads_like_the_issue_example() -> None:
    trend = RecentTrend(TrendDirection.NO_CHANGE, "No significant change", 0.4, 5)
    sentence = summaries.verdict_sentence(
        area_name="Wolverhampton", period="2017", measure="rate", formatted_value="46.9 per 100,000",
        comparison=Comparison.SIMILAR, trend=trend,
    )  # fmt: skip
    assert sentence == (
        "In 2017 Wolverhampton's rate was 46.9 per 100,000, similar to England; "
        "no significant change over the last 5 periods."
    )


def test_verdict_sentence_for_values_without_intervals_and_trends() -> None:
    trend = RecentTrend(TrendDirection.CANNOT_BE_CALCULATED, "Cannot be calculated", None, 2)
    sentence = summaries.verdict_sentence(
        area_name="Wolverhampton", period="2015", measure="proportion", formatted_value="10.6%",
        comparison=Comparison.NOT_COMPARED, trend=trend, breakdown="aged 5-16 yrs",
    )  # fmt: skip
    assert sentence == (
        "In 2015 Wolverhampton's proportion (aged 5-16 yrs) was 10.6%, not compared with England; "
        "with 2 periods of data, the recent trend cannot be calculated (it needs 5)."
    )
    worse = RecentTrend(TrendDirection.INCREASING, "Increasing and getting worse", 0.001, 5)
    assert "increasing and getting worse over the last 5 periods" in summaries.verdict_sentence(
        area_name="A", period="2020", measure="rate", formatted_value="1", comparison=Comparison.WORSE, trend=worse
    )
    assert (
        summaries.verdict_sentence(
            area_name="A", period=None, measure="rate", formatted_value="", comparison=Comparison.WORSE, trend=worse
        )
        == "There is no value for A yet."
    )


def test_verdict_sentence_for_a_period_that_is_not_a_date() -> None:
    trend = RecentTrend(TrendDirection.CANNOT_BE_CALCULATED, "Cannot be calculated", None, 1)
    sentence = summaries.verdict_sentence(
        area_name="Bilston East", period="Period not stated (file of March 2020)", measure="median",
        formatted_value="£132,500", comparison=Comparison.NOT_COMPARED, trend=trend,
    )  # fmt: skip
    assert sentence.startswith("For the period ‘Period not stated (file of March 2020)’, Bilston East's median was")


def test_format_value_uses_the_unit() -> None:
    rate = Indicator(id="x", name="x", unit="per 100,000", value_type="crude_rate")
    assert formatting.format_value(46.94, rate) == "46.9 per 100,000"
    assert formatting.format_value(10.56, Indicator(id="p", name="p", unit="%", value_type="proportion")) == "10.6%"
    assert formatting.format_value(254406, Indicator(id="c", name="c", unit="people", value_type="count")) == (
        "254,406 people"
    )
    assert formatting.format_value(79.46, Indicator(id="y", name="y", unit="Years", value_type="mean")) == "79.5 years"
    assert formatting.format_value(None, rate) == "No data"
    assert formatting.format_value(132500.0, Indicator(id="h", name="h", unit="£", value_type="median")) == "£132,500"
    assert formatting.format_value(614, Indicator(id="n", name="n", unit="Number", value_type="count")) == "614"
    anxiety = Indicator(id="a", name="a", unit="Score out of 10", value_type="mean")
    assert formatting.format_value(3.21, anxiety) == "3.2 out of 10"
    fe = Indicator(id="f", name="f", unit="per 100, 000 population", value_type="crude_rate")
    assert formatting.format_value(6318.0, fe) == "6,318.0 per 100,000 population"


def test_categories_sort_in_natural_order() -> None:
    deciles = ["Least deprived decile (IMD2015)", "Second most deprived decile (IMD2015)",
               "Most deprived decile (IMD2015)", "Fifth less deprived decile (IMD2015)"]  # fmt: skip
    assert sorted(deciles, key=breakdowns.category_sort_key) == [
        "Most deprived decile (IMD2015)", "Second most deprived decile (IMD2015)",
        "Fifth less deprived decile (IMD2015)", "Least deprived decile (IMD2015)",
    ]  # fmt: skip
    assert sorted(["65+ yrs", "10-34 yrs", "All ages", "35-64 yrs"], key=breakdowns.category_sort_key) == [
        "All ages", "10-34 yrs", "35-64 yrs", "65+ yrs",
    ]  # fmt: skip
    assert sorted(["Female", "Persons", "Male"], key=breakdowns.category_sort_key) == ["Persons", "Male", "Female"]


# --- summaries on the real exports ------------------------------------------------------------------------------


def test_summary_matches_the_fingertips_export(seeded_indicators) -> None:
    home, england, region = seeded_indicators.home, seeded_indicators.england, seeded_indicators.region
    own = export_row(SUICIDE, "41001", home)
    summary = summaries.indicator_summary("41001")
    assert summary is not None
    assert (summary.sex, summary.age) == ("Male", "10+ yrs")  # this indicator is published for males only
    assert summary.period == own["timeperiod"]
    assert summary.value == pytest.approx(own["value"])
    assert summary.england_value == pytest.approx(export_row(SUICIDE, "41001", england)["value"])
    assert summary.region_value == pytest.approx(export_row(SUICIDE, "41001", region)["value"])
    assert summary.compared_to_england.value == own["comparedtoenglandvalueorpercentiles"]
    assert summary.compared_to_region.value == own["comparedtoregionvalueorpercentiles"]
    assert summary.neighbours_count > 0
    assert summary.verdict.startswith(f"In {own['timeperiod']} Wolverhampton's ")
    assert f"{own['value']:.1f}" in summary.verdict
    assert "similar to England" in summary.verdict


def test_summary_of_unknown_indicator_or_area_is_none(seeded_indicators) -> None:
    assert summaries.indicator_summary("no-such-indicator") is None
    assert summaries.indicator_summary("41001", "E99999999") is None


def test_summary_for_another_area(seeded_indicators) -> None:
    walsall = export_row(SUICIDE, "41001", "E08000030")
    summary = summaries.indicator_summary("41001", "E08000030")
    assert summary is not None and summary.value == pytest.approx(walsall["value"])
    assert summary.compared_to_england.value == walsall["comparedtoenglandvalueorpercentiles"]


def test_overview_groups_every_indicator_by_topic(seeded_indicators) -> None:
    groups = summaries.overview()
    listed = {s.indicator_id for _, items in groups for s in items}
    assert listed == {i.id for i in catalogue.list_indicators()}
    order = [topic for topic, _ in groups]
    assert order == sorted(order, key=lambda t: catalogue.TOPIC_ORDER.get(t, 99))
    similar = summaries.overview(significance="Similar")
    assert similar and all(s.compared_to_england is Comparison.SIMILAR for _, items in similar for s in items)


def test_value_rows_carry_fingertips_comparisons(seeded_indicators) -> None:
    rows = value_rows.value_rows_with_comparisons("41001")
    source = export(SUICIDE)
    source = source[source["indicatorid"] == "41001"]
    assert len(rows) == len(source)
    expected = {
        (r.areacode, r.timeperiod): (r.comparedtoenglandvalueorpercentiles, r.comparedtoregionvalueorpercentiles)
        for r in source.itertuples()
    }
    for row in rows:
        words = expected[(row["area_code"], row["period"])]
        assert row["compared_to_england"] == words[0], row
        if row["area_code"] not in {seeded_indicators.england, seeded_indicators.region}:
            assert row["compared_to_region"] == words[1], row
        assert row["recent_trend"] in {d.value for d in TrendDirection} or row["recent_trend"].startswith(
            ("Increasing", "Decreasing")
        )


def test_value_rows_filters(seeded_indicators) -> None:
    home = seeded_indicators.home
    rows = value_rows.value_rows_with_comparisons("93356", area_code=home, age="0-9 yrs")
    assert rows and all(r["area_code"] == home and r["age"] == "0-9 yrs" for r in rows)
    assert [r["period"] for r in rows] == sorted(r["period"] for r in rows)
    deciles = value_rows.value_rows_with_comparisons(
        "93356", category_type="County & UA deprivation deciles in England (IMD2015)"
    )
    assert len(deciles) == 30  # ten deciles, three years, England only
    assert value_rows.value_rows_with_comparisons("no-such-indicator") == []


def test_list_indicators_and_wards(seeded_indicators) -> None:
    children = catalogue.list_indicators("children")
    assert children and all(i.topic == "children" for i in children)
    wards = catalogue.ward_areas()
    assert len(wards) == 20
    assert wards == sorted(wards, key=lambda pair: pair[1])
    assert all(code.startswith("E05") for code, _ in wards)


def test_breakdowns_include_englands_deprivation_deciles(seeded_indicators) -> None:
    page = pages.indicator_page("93356")
    assert page is not None
    slugs = [c.slug for c in page.breakdown_charts]
    assert "age" in slugs  # All ages and 0-9 yrs for Wolverhampton
    decile_chart = next(c for c in page.breakdown_charts if "deprivation-deciles" in c.slug)
    assert decile_chart.title.startswith("Campylobacter") and "England by" in decile_chart.title
    assert decile_chart.rows[0][0].startswith("Most deprived")


def test_chart_data_csv_is_the_table(seeded_indicators) -> None:
    page = pages.indicator_page("41001")
    assert page is not None and [c.slug for c in page.charts] == ["trend", "compare-region", "compare-neighbours"]
    compare = page.charts[1]
    csv_rows = [line.split(",") for line in compare.csv().strip().split("\r\n")]
    assert csv_rows[0] == [c.text for c in compare.columns]
    assert [[cell.replace(",", "") for cell in row] for row in compare.table_rows] == csv_rows[1:]
    wolverhampton = next(row for row in compare.table_rows if row[0].startswith("Wolverhampton"))
    assert wolverhampton[0] == "Wolverhampton (this area)" and wolverhampton[-1] == "Similar"


# --- suppression and inequality gaps (a small test-only fixture built through the models) ---------------------


@pytest.fixture
def ethnic_breakdown(app) -> Indicator:
    """A test-only indicator with an ethnic-group breakdown for the home area, one category derived by the portal
    from 3 events (so withheld under the small-numbers policy)."""
    home, region, england = (app.config[k] for k in ("HOME_AREA_CODE", "HOME_REGION_CODE", "ENGLAND_CODE"))
    db.session.add_all(
        [
            Area(code=england, name="England", area_type="country"),
            Area(code=region, name="West Midlands region", area_type="region", parent_code=england),
            Area(code=home, name="Wolverhampton", area_type="county_ua", parent_code=region),
        ]
    )
    indicator = Indicator(id="test-breakdown", name="Test indicator", unit="%", value_type="proportion",
                          polarity="low_is_good", topic="health")  # fmt: skip
    db.session.add(indicator)
    db.session.flush()

    def value(
        area: str, value: float, count: float, category_type: str = "", category: str = "", derived: bool = False
    ) -> IndicatorValue:
        return IndicatorValue(indicator_id="test-breakdown", area_code=area, period="2023", period_sortable=20230000,
                              category_type=category_type, category=category, value=value, lower_ci95=value - 1,
                              upper_ci95=value + 1, count=count, denominator=100.0, derived=derived)  # fmt: skip

    db.session.add_all(
        [
            value(england, 20.0, 20000),
            value(home, 25.0, 25),
            value(home, 30.0, 30, "Ethnic group", "Asian"),
            value(home, 12.0, 12, "Ethnic group", "White"),
            value(home, 3.0, 3, "Ethnic group", "Mixed", derived=True),
        ]
    )
    db.session.commit()
    return indicator


def test_small_counts_are_suppressed_not_plotted(ethnic_breakdown) -> None:
    page = pages.indicator_page("test-breakdown")
    assert page is not None
    chart = next(c for c in page.breakdown_charts if c.slug == "category-ethnic-group")
    mixed = next(row for row in chart.table_rows if row[0] == "Mixed")
    assert mixed[1] == PORTAL_MARKER and not any(cell.startswith("3") for cell in mixed)
    figure = chart.build()
    plotted = [r.data_source.data.get("category") for r in figure.renderers if "category" in r.data_source.data]
    assert plotted and all("Mixed" not in categories for categories in plotted)
    assert "1 category is not drawn" in chart.summary


def test_inequality_gap_uses_shown_categories(ethnic_breakdown) -> None:
    summary = summaries.indicator_summary("test-breakdown")
    assert summary is not None and summary.inequality_gap is not None
    gap = summary.inequality_gap
    assert (gap.category_type, gap.highest_category, gap.lowest_category) == ("Ethnic group", "Asian", "White")
    assert gap.gap == pytest.approx(18.0)
    assert summary.compared_to_england is Comparison.WORSE  # 20 lies below 24-26 and low is good


def test_data_version_changes_when_values_change(ethnic_breakdown) -> None:
    before = chart_data.data_version("test-breakdown")
    row = db.session.query(IndicatorValue).filter_by(category="Asian").one()
    row.value = 31.0
    db.session.commit()
    assert chart_data.data_version("test-breakdown") != before
    assert chart_data.data_version("no-such-indicator") is None


def test_published_trend_is_used_when_ours_cannot_be_calculated() -> None:
    indicator = Indicator(id="t", name="t", value_type="dsr", polarity="low_is_good")
    row = catalogue.Row("t", "A", "2020", 2020, "Persons", "All ages", "", "", 1.0, None, None, None, None, None, None,
                       "", False, False, "Decreasing and getting better")  # fmt: skip
    trend = row_verdicts.series_trend([row], indicator)
    assert trend.direction is TrendDirection.DECREASING and trend.label == "Decreasing and getting better"
    blank = row._replace(source_recent_trend="")
    assert row_verdicts.series_trend([blank], indicator).direction is TrendDirection.CANNOT_BE_CALCULATED
