"""Verdicts as trustworthy as Fingertips' (issue 12): the portal compares wherever it can by the Fingertips method for
the value type, shows the publisher's verdict as theirs where it cannot, never invents one where the publisher said
"Not compared", and describes trends no further than the data goes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.indicators import catalogue, row_verdicts, summaries
from portal.indicators.file_import import import_file
from portal.indicators.formatting import publisher_abbreviation
from portal.models import Indicator, IndicatorValue
from portal.stats.comparison import Comparison
from portal.stats.confidence import exact_poisson_interval, wilson_interval

DATA = Path(__file__).resolve().parents[2] / "data"
OHID = "Office for Health Improvement and Disparities (published as Public Health England)"


def row(
    value: float | None,
    *,
    count: float | None = None,
    denominator: float | None = None,
    ci95: tuple[float | None, float | None] = (None, None),
    england: str = "",
    region: str = "",
    trend: str = "",
    period: str = "2020",
    sortable: int = 2020,
) -> catalogue.Row:
    """A stored value row."""
    return catalogue.Row(
        "t", "E08000031", period, sortable, "Persons", "All ages", "", "", value, ci95[0], ci95[1], None, None,
        count, denominator, "", False, False, trend, england, region,
    )  # fmt: skip


def indicator(value_type: str, multiplier: float = 1.0, polarity: str = "no_judgement", **extra) -> Indicator:
    """An indicator compared at 95%, as most Fingertips indicators are."""
    return Indicator(id="t", name="t", value_type=value_type, multiplier=multiplier, polarity=polarity,
                     comparison_confidence=0.95, publisher=OHID, **extra)  # fmt: skip


def test_a_crude_rate_with_counts_and_no_interval_is_compared_by_byars() -> None:
    # Looked-after children: 400 per 10,000 from 400 of 10,000 children; England 330. Byar's 95%: about 362 to 441.
    rate = indicator("crude_rate", 10000, "low_is_good")
    verdict = row_verdicts.row_verdict(row(400, count=400, denominator=10000), 330, rate)
    assert verdict == row_verdicts.Verdict(Comparison.WORSE, row_verdicts.COMPUTED)
    assert row_verdicts.row_verdict(row(400, count=400, denominator=10000), 380, rate).comparison is Comparison.SIMILAR


def test_a_crude_rate_of_fewer_than_ten_events_uses_exact_poisson_limits() -> None:
    rate = indicator("crude_rate", 1000)
    exact_lower = exact_poisson_interval(3, 1000)[0] * 1000  # 0.619; Byar's would give 0.603
    # A benchmark between the two lower limits: exact limits put the area above it, Byar's would not.
    benchmark = exact_lower - 0.005
    verdict = row_verdicts.row_verdict(row(3, count=3, denominator=1000), benchmark, rate)
    assert verdict.comparison is Comparison.HIGHER and verdict.source == row_verdicts.COMPUTED


def test_a_proportion_with_counts_and_no_interval_is_compared_by_wilson() -> None:
    share = indicator("proportion", 100, "high_is_good")
    lower, upper = (100 * x for x in wilson_interval(45, 100))
    stored = row(45, count=45, denominator=100)
    assert row_verdicts.row_verdict(stored, lower - 0.1, share).comparison is Comparison.BETTER
    assert row_verdicts.row_verdict(stored, upper - 0.1, share).comparison is Comparison.SIMILAR


def test_a_value_that_does_not_follow_from_its_counts_is_not_given_an_interval() -> None:
    # Modelled estimates (fractional counts) and standardised rates cannot be given Wilson or Byar's limits.
    share = indicator("proportion", 100)
    assert row_verdicts.computed_limits(row(9.2, count=701892.17, denominator=7602069), share) is None
    rate = indicator("crude_rate", 100000)
    assert row_verdicts.computed_limits(row(650.0, count=100, denominator=100000), rate) is None


def test_the_publishers_verdict_is_shown_as_theirs_when_the_portal_cannot_compare() -> None:
    years = indicator("mean", polarity="high_is_good")
    verdict = row_verdicts.row_verdict(row(76.1, england="Worse", region="Similar"), 79.4, years, "Worse")
    assert verdict == row_verdicts.Verdict(Comparison.WORSE, row_verdicts.PUBLISHER)
    assert row_verdicts.row_verdict(None, None, years, "Similar").comparison is Comparison.SIMILAR
    assert row_verdicts.row_verdict(row(76.1), 79.4, years, "").comparison is Comparison.NOT_COMPARED


def test_the_publishers_not_compared_is_never_overridden() -> None:
    rate = indicator("crude_rate", 100000)
    stored = row(50, count=50, denominator=100000, ci95=(37.1, 65.9))
    verdict = row_verdicts.row_verdict(stored, 10, rate, "Not compared")
    assert verdict.comparison is Comparison.NOT_COMPARED and verdict.source == row_verdicts.PUBLISHER
    assert row_verdicts.row_verdict(stored, 10, rate, "").comparison is Comparison.HIGHER


@pytest.mark.parametrize(
    ("publisher", "short"),
    [(OHID, "OHID"), ("Department for Education", "DfE"), ("Wolverhampton Council", "Wolverhampton Council")],
)
def test_publisher_names_are_shortened_for_verdict_labels(publisher: str, short: str) -> None:
    assert publisher_abbreviation(publisher) == short


def test_the_sentence_says_a_publishers_verdict_is_theirs() -> None:
    trend = row_verdicts.series_trend([], indicator("mean"))
    sentence = summaries.verdict_sentence(
        area_name="Wolverhampton", period="2015 - 17", measure="life expectancy", formatted_value="76.1 years",
        comparison=Comparison.WORSE, trend=trend, published_by="OHID",
    )  # fmt: skip
    assert "worse than England (as published by OHID)" in sentence


def rolling_rows(values: list[float], width: float, years: int = 3) -> list[catalogue.Row]:
    """Rows of a rolling-period series ("2010 - 12", "2011 - 13", …) with 95% intervals of the given width."""
    return [
        row(v, ci95=(v - width / 2, v + width / 2), period=f"{2010 + i} - {(2010 + i + years - 1) % 100:02d}",
            sortable=(2010 + i) * 10000)
        for i, v in enumerate(values)
    ]  # fmt: skip


def test_an_age_standardised_rate_gets_a_computed_trend_over_non_overlapping_periods() -> None:
    dsr = indicator("dsr", 100000, "low_is_good")
    falling = [500.0 - 10 * i for i in range(13)]  # non-overlapping: indexes 0, 3, 6, 9, 12
    trend = row_verdicts.series_trend(rolling_rows(falling, 4.0), dsr)
    assert trend.direction.value == "Decreasing" and trend.label == "Decreasing and getting better"
    assert trend.p_value is not None  # computed, not read from the file


def test_overlapping_periods_do_not_count_as_five_points() -> None:
    dsr = indicator("dsr", 100000, "low_is_good")
    seven = rolling_rows([500.0 - 10 * i for i in range(7)], 4.0)  # only 3 non-overlapping periods
    assert row_verdicts.series_trend(seven, dsr).label == "Cannot be calculated"
    published = [*seven[:-1], seven[-1]._replace(source_recent_trend="Decreasing and getting better")]
    assert row_verdicts.series_trend(published, dsr).label == "Decreasing and getting better"


def sentence_for(rows: list[catalogue.Row], value_type: str = "mean") -> str:
    """The verdict sentence for a series of the home area's rows."""
    trend = row_verdicts.series_trend(rows, indicator(value_type))
    return summaries.verdict_sentence(
        area_name="Wolverhampton", period=rows[-1].period, measure="average", formatted_value="1",
        comparison=Comparison.SIMILAR, trend=trend, publisher="OHID",
    )  # fmt: skip


def test_a_single_point_is_described_as_a_single_point() -> None:
    sentence = sentence_for([row(78.0, ci95=(77.6, 78.4))])
    assert "only period with a value" in sentence and "over the last" not in sentence


def test_fewer_than_five_points_never_claim_five_periods() -> None:
    three = [row(78.0 + i, ci95=(77.0 + i, 79.0 + i), period=str(2018 + i), sortable=2018 + i) for i in range(3)]
    sentence = sentence_for(three)
    assert "last 5 periods" not in sentence and "with 3 periods of data" in sentence


def test_a_published_trend_is_quoted_as_the_publishers() -> None:
    single = [row(327.7, trend="Decreasing and getting better")]
    sentence = sentence_for(single, "dsr")
    assert "recent trend decreasing and getting better (as published by OHID)" in sentence
    assert "over the last" not in sentence


# --- /indicators shows a verdict wherever the publisher or the portal has one ------------------------------------

TRAFFORD = DATA / "fingertips" / "processed_trafford_datalab"
PUBLISHED_VERDICTS = {"Better", "Similar", "Worse", "Higher", "Lower"}


def test_indicators_page_says_not_compared_only_where_nobody_compared(seeded_indicators, client_request) -> None:
    for name in ("life_expectancy.csv", "adults_smoking.csv"):
        assert import_file(TRAFFORD / name).ok
    summaries_by_id = {s.indicator_id: s for _, group in summaries.overview() for s in group}
    shown = {}
    # The overview shows each topic's first few; each topic's own list, page by page, shows all of it.
    for topic in {s.topic for s in summaries_by_id.values()}:
        url: str | None = f"/indicators?topic={topic}"
        while url:
            page = client_request.get(url)
            shown |= {
                tr.select_one("th a")["href"].rsplit("/", 1)[-1]: tr.select_one(".govuk-tag").get_text(strip=True)
                for tr in page.select("#overview-results tbody tr")
            }
            following = page.select_one("nav.govuk-pagination a[rel=next]")
            url = following["href"] if following else None
    assert set(shown) == set(summaries_by_id)
    home, england = seeded_indicators.home, seeded_indicators.england
    not_compared = []
    for indicator_id, tag in shown.items():
        summary = summaries_by_id[indicator_id]
        if summary.period is None:
            assert tag == "Not compared"
            continue
        where = {"indicator_id": indicator_id, "period": summary.period, "sex": summary.sex, "age": summary.age,
                 "category_type": ""}  # fmt: skip
        own = db.session.scalars(select(IndicatorValue).filter_by(area_code=home, **where)).one()
        bench = db.session.scalars(select(IndicatorValue).filter_by(area_code=england, **where)).one_or_none()
        has_interval = own.lower_ci95 is not None or own.lower_ci998 is not None
        has_count = own.count is not None and own.denominator is not None
        computable = bench is not None and bench.value is not None and (has_interval or has_count)
        if own.source_compared_to_england in PUBLISHED_VERDICTS:
            assert tag.startswith(own.source_compared_to_england), (indicator_id, tag)
        if tag == "Not compared":
            not_compared.append(indicator_id)
            # Nobody compared: the publisher gave no verdict (or said "Not compared"), and the portal had nothing to
            # compute from (or the value does not follow from whole-number counts, e.g. a modelled estimate).
            assert own.source_compared_to_england not in PUBLISHED_VERDICTS, indicator_id
            if own.source_compared_to_england != "Not compared" and computable and has_interval:
                pytest.fail(f"{indicator_id}: an interval and England's value, yet Not compared")
    print(f"\n/indicators: {len(shown) - len(not_compared)}/{len(shown)} indicators have a verdict; Not compared: "
          f"{', '.join(sorted(not_compared))}")  # fmt: skip
    assert shown["90366"] == "Worse (as published by OHID)"  # Wolverhampton's life expectancy, as Fingertips says
    assert shown["dfe-cla-rate-per-10k"] != "Not compared"  # computed from count and denominator (Byar's)
