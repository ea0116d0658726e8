"""An indicator's latest position for an area: comparisons with England, the region and the neighbours, the recent
trend, and the plain-English sentence; the overview of every indicator."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from portal.charts.tables import format_number
from portal.deployment import home_area_code
from portal.indicators.breakdowns import InequalityGap, breakdowns, inequality_gap
from portal.indicators.catalogue import (
    TOPIC_ORDER,
    TOPICS,
    Comparators,
    Row,
    comparator_codes,
    comparators,
    get_published_indicator,
    headline_breakdown,
    list_indicators,
    published_levels,
    stored_rows,
)
from portal.indicators.formatting import (
    COMPARISON_TAG_COLOURS,
    MEASURE_WORDS,
    PERCENT_UNITS,
    decimals_for,
    format_value,
    polarity_of,
    publisher_abbreviation,
    unit_text,
)
from portal.indicators.row_verdicts import (
    compare_row,
    row_verdict,
    series_trend,
    significance_limits,
    verdict_label,
)
from portal.models import Indicator, IndicatorValue
from portal.stats.comparison import Comparison, Polarity, describe_comparison
from portal.stats.trend import (
    TREND_POINTS,
    RecentTrend,
    TrendDirection,
)


def trend_phrase(trend: RecentTrend, publisher: str = "") -> str:
    """The trend as the end of a sentence, claiming no more than the data holds: a publisher's marker is quoted as
    theirs, and a series too short for a trend says how many periods it has."""
    if trend.direction is TrendDirection.CANNOT_BE_CALCULATED:
        if trend.points == 1:
            return "this is the only period with a value, so there is no trend yet"
        if 1 < trend.points < TREND_POINTS:
            return (
                f"with {trend.points} periods of data, the recent trend cannot be calculated (it needs {TREND_POINTS})"
            )
        return "the recent trend cannot be calculated"
    label = trend.label[0].lower() + trend.label[1:]
    if trend.published:
        return f"recent trend {label} (as published by {publisher or 'the publisher'})"
    return f"{label} over the last {trend.points} periods"


def verdict_sentence(
    *,
    area_name: str,
    period: str | None,
    measure: str,
    formatted_value: str,
    comparison: Comparison,
    trend: RecentTrend,
    breakdown: str = "",
    benchmark_name: str = "England",
    published_for: str = "",
    published_by: str = "",
    publisher: str = "",
) -> str:
    """The plain-English summary, e.g. "In 2017 Wolverhampton's rate was 46.9 per 100,000, similar to England;
    no significant change over the last 5 periods"."""
    if period is None:
        if published_for:
            return f"There is no value for {area_name} as a whole: this indicator is published for {published_for}."
        return f"There is no value for {area_name} yet."
    qualifier = f" ({breakdown})" if breakdown else ""
    as_published = (
        f" (as published by {published_by})" if published_by and comparison is not Comparison.NOT_COMPARED else ""
    )
    # "In 2017 …", but a period that is not a date reads "For the period ‘…’, …".
    when = f"In {period}" if re.match(r"^\d", period) else f"For the period ‘{period}’,"
    return (
        f"{when} {area_name}'s {measure}{qualifier} was {formatted_value}, "
        f"{describe_comparison(comparison, benchmark_name)}{as_published}; {trend_phrase(trend, publisher)}."
    )


@dataclass(frozen=True)
class IndicatorSummary:
    """An indicator's latest position for an area, as the overview and other features show it."""

    indicator_id: str
    name: str
    topic: str
    unit: str
    value_type: str
    polarity: Polarity
    area_code: str
    area_name: str
    sex: str
    age: str
    period: str | None
    value: float | None
    lower: float | None
    upper: float | None
    formatted_value: str
    england_value: float | None
    region_name: str
    region_value: float | None
    neighbours_average: float | None
    neighbours_count: int
    compared_to_england: Comparison
    compared_to_region: Comparison
    compared_to_neighbours: Comparison
    recent_trend: RecentTrend
    inequality_gap: InequalityGap | None  # None also on the overview, which does not look at breakdowns
    verdict: str
    formatted_england: str = ""
    formatted_region: str = ""
    formatted_neighbours: str = ""
    published_for: str = ""  # "wards" or "small areas (LSOAs)" when the area itself has no values
    # Who made each verdict: "computed" (the portal), "publisher" (the file's own word), "" (nobody compared).
    england_source: str = ""
    region_source: str = ""
    publisher_name: str = ""  # the publisher as a verdict label names it, e.g. "OHID"

    @property
    def england_label(self) -> str:
        """The comparison with England as the page shows it, e.g. "Worse (as published by OHID)"."""
        return verdict_label(self.compared_to_england, self.england_source, self.publisher_name)

    @property
    def region_label(self) -> str:
        """The comparison with the region as the page shows it."""
        return verdict_label(self.compared_to_region, self.region_source, self.publisher_name)

    @property
    def trend_label(self) -> str:
        """The recent trend as a page shows it, e.g. "Increasing and getting worse (as published by OHID)"."""
        label = self.recent_trend.label
        if self.recent_trend.published:
            return f"{label} (as published by {self.publisher_name or 'the publisher'})"
        return label

    @property
    def unit_label(self) -> str:
        """The unit as read after a number ("" when it adds nothing)."""
        return unit_text(self.unit)

    @property
    def number_value(self) -> str:
        """The area's value without its unit (the overview gives the unit once per indicator)."""
        return _plain_number(self.value, self.value_type, self.unit)

    @property
    def number_england(self) -> str:
        """England's value without its unit."""
        return _plain_number(self.england_value, self.value_type, self.unit)

    @property
    def number_region(self) -> str:
        """The region's value without its unit."""
        return _plain_number(self.region_value, self.value_type, self.unit)

    @property
    def number_neighbours(self) -> str:
        """The neighbours' average without its unit."""
        return _plain_number(self.neighbours_average, self.value_type, self.unit)

    @property
    def tag_colour(self) -> str:
        """GOV.UK tag colour for the comparison with England."""
        return COMPARISON_TAG_COLOURS[self.compared_to_england]

    @property
    def breakdown(self) -> str:
        """The sex and age quoted, when not Persons / All ages."""
        return _breakdown_label(self.sex, self.age)


def _plain_number(value: float | None, value_type: str, unit: str) -> str:
    """A number with the decimals of its value type, without the unit."""
    return format_number(value, decimals_for(Indicator(value_type=value_type, unit=unit)))


def _breakdown_label(sex: str, age: str) -> str:
    """The population a headline value is for, e.g. "males aged 10+ yrs" ("" for Persons, All ages)."""
    parts = [] if sex == "Persons" else [{"Male": "males", "Female": "females"}.get(sex, sex)]
    if age != "All ages":
        parts.append(f"aged {age}" if re.match(r"^\d", age) else age)
    return " ".join(parts)


def summarise(
    indicator: Indicator,
    rows: Sequence[Row],
    places: Comparators,
    *,
    gap: InequalityGap | None = None,
    published_for: str = "",
) -> IndicatorSummary:
    """Build the summary from the indicator's rows (no categories) for the area and its comparators."""
    area_code = places.area.code  # an ORM attribute: read once, not per row
    headline = headline_breakdown([r for r in rows if r.area_code == area_code]) or headline_breakdown(rows)
    sex, age = headline or ("Persons", "All ages")
    by_area: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.category_type and r.sex == sex and r.age == age:
            by_area[r.area_code].append(r)
    own = by_area.get(area_code, [])
    with_value = [r for r in own if r.value is not None]
    latest = with_value[-1] if with_value else None

    def at_latest(code: str | None) -> Row | None:
        if latest is None or code is None:
            return None
        return next((r for r in by_area.get(code, []) if r.period == latest.period), None)

    england_row = at_latest(places.england.code if places.england else None)
    region_row = at_latest(places.region.code if places.region else None)
    england_value = england_row.value if england_row else None
    region_value = region_row.value if region_row else None
    neighbour_values = [
        row.value for code in places.neighbours if (row := at_latest(code)) is not None and row.value is not None
    ]
    neighbours_average = sum(neighbour_values) / len(neighbour_values) if neighbour_values else None
    trend = series_trend(own, indicator) if own else series_trend([], indicator)
    to_england_verdict = row_verdict(
        latest, england_value, indicator, latest.source_compared_to_england if latest else ""
    )
    to_region_verdict = row_verdict(latest, region_value, indicator, latest.source_compared_to_region if latest else "")
    to_england = to_england_verdict.comparison
    publisher = publisher_abbreviation(indicator.publisher)
    formatted = format_value(latest.value if latest else None, indicator)
    measure = MEASURE_WORDS.get(indicator.value_type, "value")
    if measure == "proportion" and unit_text(indicator.unit).lower() in PERCENT_UNITS:
        measure = "percentage"
    lower, upper = significance_limits(latest, indicator) if latest else (None, None)
    return IndicatorSummary(
        indicator_id=indicator.id,
        name=indicator.name,
        topic=indicator.topic,
        unit=indicator.unit,
        value_type=indicator.value_type,
        polarity=polarity_of(indicator),
        area_code=places.area.code,
        area_name=places.area.name,
        sex=sex,
        age=age,
        period=latest.period if latest else None,
        value=latest.value if latest else None,
        lower=lower,
        upper=upper,
        formatted_value=formatted,
        england_value=england_value,
        region_name=places.region.name if places.region else "Region",
        region_value=region_value,
        neighbours_average=neighbours_average,
        neighbours_count=len(neighbour_values),
        compared_to_england=to_england,
        compared_to_region=to_region_verdict.comparison,
        compared_to_neighbours=compare_row(latest, neighbours_average, indicator),
        recent_trend=trend,
        inequality_gap=gap,
        verdict=verdict_sentence(
            area_name=places.area.name,
            period=latest.period if latest else None,
            measure=measure,
            formatted_value=formatted,
            comparison=to_england,
            trend=trend,
            published_by=publisher if to_england_verdict.by_publisher else "",
            publisher=publisher,
            breakdown=_breakdown_label(sex, age),
            published_for=published_for if latest is None else "",
        ),
        published_for=published_for if latest is None else "",
        england_source=to_england_verdict.source,
        region_source=to_region_verdict.source,
        publisher_name=publisher,
        formatted_england=format_value(england_value, indicator) if england_value is not None else "",
        formatted_region=format_value(region_value, indicator) if region_value is not None else "",
        formatted_neighbours=format_value(neighbours_average, indicator) if neighbours_average is not None else "",
    )


def indicator_summary(indicator_id: str, area_code: str | None = None) -> IndicatorSummary | None:
    """The indicator's latest value for the area (home area by default) compared with England, the region and the
    neighbours, its recent trend, its widest inequality and the plain-English verdict; None if unknown."""
    indicator = get_published_indicator(indicator_id)
    places = comparators(area_code or home_area_code())
    if indicator is None or places is None:
        return None
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(comparator_codes(places)),
        IndicatorValue.category_type == "",
    )
    level = published_levels([indicator.id], places.area.code).get(indicator.id, "")
    summary = summarise(indicator, rows, places, published_for=level)
    gap = inequality_gap(breakdowns(indicator, places, summary.sex, summary.age), indicator)
    return with_gap(summary, gap)


def with_gap(summary: IndicatorSummary, gap: InequalityGap | None) -> IndicatorSummary:
    """The summary with its inequality gap filled in."""
    return replace(summary, inequality_gap=gap)


def summarise_many(indicators: Sequence[Indicator], places: Comparators) -> list[IndicatorSummary]:
    """Each indicator's summary for the area (without its inequality gap), reading the rows of all of them at once."""
    return [summary for _, summary in summarise_with_pairs(indicators, places, every_pair=False)]


Pair = tuple[str, str]


def summarise_with_pairs(
    indicators: Sequence[Indicator], places: Comparators, *, every_pair: bool = True
) -> list[tuple[Pair | None, IndicatorSummary]]:
    """(None, its headline summary) for each indicator and, with ``every_pair``, ((sex, age), its summary) for each
    other sex and age the area has rows for, as the indicator page gives it when a visitor picks that pair."""
    return [(pair, summary) for pair, summary, _ in summaries_with_rows(indicators, places, every_pair=every_pair)]


def summaries_with_rows(
    indicators: Sequence[Indicator], places: Comparators, *, every_pair: bool = True
) -> list[tuple[Pair | None, IndicatorSummary, list[Row]]]:
    """:func:`summarise_with_pairs`, each summary with the rows (no categories, oldest first) it was worked out from,
    so what else is stored with it (each period's verdict) comes from the same read."""
    if not indicators:
        return []
    rows = stored_rows(
        IndicatorValue.indicator_id.in_([i.id for i in indicators]),
        IndicatorValue.area_code.in_(comparator_codes(places)),
        IndicatorValue.category_type == "",
    )
    by_indicator: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_indicator[r.indicator_id].append(r)
    area_code = places.area.code  # an ORM attribute: read once, not per row
    own = {r.indicator_id for r in rows if r.area_code == area_code and r.value is not None}
    # A pair may have no value where the headline has one: then its sentence, too, says where the data is published.
    levels = published_levels([i.id for i in indicators if every_pair or i.id not in own], places.area.code)
    out: list[tuple[Pair | None, IndicatorSummary, list[Row]]] = []
    for indicator in indicators:
        mine, level = by_indicator.get(indicator.id, []), levels.get(indicator.id, "")
        out.append((None, summarise(indicator, mine, places, published_for=level), mine))
        if not every_pair:
            continue
        by_pair: dict[Pair, list[Row]] = defaultdict(list)
        for r in mine:
            by_pair[(r.sex, r.age)].append(r)
        area_rows = [r for r in mine if r.area_code == area_code]
        area_pairs = {(r.sex, r.age) for r in area_rows}
        headline = headline_breakdown(area_rows)
        for pair in sorted(area_pairs - {headline}):
            out.append((pair, summarise(indicator, by_pair[pair], places, published_for=level), by_pair[pair]))
    return out


def group_by_topic(
    items: Sequence[IndicatorSummary], significance: str | None = None
) -> list[tuple[str, list[IndicatorSummary]]]:
    """Summaries (already in the overview's order) grouped by topic in the overview's order, optionally only those
    with one comparison-with-England outcome."""
    groups: dict[str, list[IndicatorSummary]] = defaultdict(list)
    for summary in items:
        if significance and summary.compared_to_england != significance:
            continue
        groups[summary.topic].append(summary)
    ordered = sorted(groups, key=lambda t: TOPIC_ORDER.get(t, len(TOPICS)))
    return [(t, groups[t]) for t in ordered]


def overview(topic: str | None = None, significance: str | None = None) -> list[tuple[str, list[IndicatorSummary]]]:
    """Every indicator's summary for the home area, grouped by topic in the overview's order; optionally only one
    topic and only one comparison-with-England outcome."""
    places = comparators(home_area_code())
    indicators = list_indicators(topic)
    if places is None or not indicators:
        return []
    return group_by_topic(summarise_many(indicators, places), significance)
