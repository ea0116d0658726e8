"""Read side of the key dataset: summaries, comparisons, trends, breakdowns and the data behind every chart.

Other features call ``indicator_summary``, ``value_rows_with_comparisons``, ``list_indicators`` and ``ward_areas``.
The statistics come from ``portal.stats``; the figures from ``portal.charts``. Nothing here touches ``request``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import bokeh
from bokeh.model import Model
from flask import current_app
from sqlalchemy import case, func, select

from portal import text as text_helpers
from portal.charts.compare import compare_areas_chart
from portal.charts.inequality import breakdown_chart
from portal.charts.maps import WardShape, ward_map
from portal.charts.pyramid import population_pyramid_chart
from portal.charts.tables import format_number, to_csv
from portal.charts.trend import trend_chart
from portal.deployment import home_area_code
from portal.extensions import db
from portal.models import Area, ComparatorGroup, ComparatorGroupMember, DataImport, Indicator, IndicatorValue
from portal.stats.comparison import Comparison, Polarity, compare_to_benchmark, describe_comparison
from portal.stats.trend import TREND_POINTS, RecentTrend, TrendDirection, recent_trend

# Topics in the order the overview shows them.
TOPICS: list[tuple[str, str]] = [
    ("health", "Health"),
    ("social_care", "Social care"),
    ("children", "Children"),
    ("housing", "Housing"),
    ("economy", "Economy and employment"),
    ("deprivation", "Deprivation"),
    ("population", "Population"),
]
TOPIC_LABELS = dict(TOPICS)
TOPIC_ORDER = {key: rank for rank, (key, _) in enumerate(TOPICS)}

NEIGHBOURS_SLUG = "statistical-neighbours"
REGION_AUTHORITIES_SLUG = "region-authorities"
POPULATION_INDICATOR = "ons-mye-2022-population"
# Values from fewer events than this are not shown in breakdowns (disclosure control, as Fingertips does).
SUPPRESSION_THRESHOLD = 5


def _chart_code_version() -> str:
    """A fingerprint of the code that draws charts (the builders and this module), so cached JSON drawn by older
    code is never served after a deployment."""
    import portal.charts

    digest = hashlib.sha256()
    for path in [*sorted(Path(portal.charts.__file__).parent.glob("*.py")), Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CHART_STYLE_VERSION = _chart_code_version()

# GOV.UK tag colour for each comparison outcome (the tag's text carries the meaning too).
COMPARISON_TAG_COLOURS: dict[str, str] = {
    Comparison.BETTER: "green",
    Comparison.WORSE: "red",
    Comparison.SIMILAR: "yellow",
    Comparison.HIGHER: "blue",
    Comparison.LOWER: "blue",
    Comparison.NOT_COMPARED: "grey",
}

# What a value is called in a sentence, by value type.
MEASURE_WORDS: dict[str, str] = {
    "proportion": "proportion",
    "crude_rate": "rate",
    "dsr": "rate",
    "count": "number",
    "mean": "average",
    "median": "median",
    "score": "score",
    "rank": "rank",
    "decile": "decile",
}
VALUE_TYPE_LABELS: dict[str, str] = {
    "proportion": "Proportion",
    "crude_rate": "Crude rate",
    "dsr": "Directly standardised rate",
    "count": "Count",
    "mean": "Mean",
    "median": "Median",
    "score": "Score",
    "rank": "Rank",
    "decile": "Decile",
}
POLARITY_LABELS: dict[str, str] = {
    Polarity.HIGH_IS_GOOD: "A higher value is better",
    Polarity.LOW_IS_GOOD: "A lower value is better",
    Polarity.NO_JUDGEMENT: "Neither a higher nor a lower value is better",
}
WHOLE_NUMBER_TYPES = frozenset({"count", "rank", "decile"})


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


class Row(NamedTuple):
    """One stored value, as plain data."""

    indicator_id: str
    area_code: str
    period: str
    period_sortable: int
    sex: str
    age: str
    category_type: str
    category: str
    value: float | None
    lower_ci95: float | None
    upper_ci95: float | None
    lower_ci998: float | None
    upper_ci998: float | None
    count: float | None
    denominator: float | None
    value_note: str
    suppressed: bool
    derived: bool
    source_recent_trend: str


_ROW_COLUMNS = [getattr(IndicatorValue, name) for name in Row._fields]


def _rows(*conditions: Any) -> list[Row]:
    """Value rows matching the conditions, oldest period first."""
    query = select(*_ROW_COLUMNS).where(*conditions).order_by(IndicatorValue.period_sortable, IndicatorValue.period)
    return [Row(*r) for r in db.session.execute(query)]


def _polarity(indicator: Indicator) -> Polarity:
    try:
        return Polarity(indicator.polarity)
    except ValueError:
        return Polarity.NO_JUDGEMENT


def _decimals(indicator: Indicator) -> int:
    """Decimal places shown: none for counts, ranks, deciles and money; one otherwise (as Fingertips shows)."""
    if indicator.value_type in WHOLE_NUMBER_TYPES or (indicator.unit or "").strip() in {"£"}:
        return 0
    return 1


def _limits(row: Row, indicator: Indicator) -> tuple[float | None, float | None]:
    """The interval used for significance: 99.8% when the indicator is compared at that level, otherwise 95%."""
    if (indicator.comparison_confidence or 0.95) >= 0.99:
        return row.lower_ci998, row.upper_ci998
    return row.lower_ci95, row.upper_ci95


def _compare(row: Row | None, benchmark: float | None, indicator: Indicator) -> Comparison:
    """Fingertips' comparison of a row's interval with a benchmark value."""
    if row is None or row.value is None or benchmark is None:
        return Comparison.NOT_COMPARED
    lower, upper = _limits(row, indicator)
    if lower is None or upper is None:  # the common case for counts: settle it without the statistics call
        return Comparison.NOT_COMPARED
    try:
        return compare_to_benchmark(row.value, lower, upper, benchmark, _polarity(indicator))
    except ValueError:  # a stored interval with lower > upper is bad data, not a finding
        return Comparison.NOT_COMPARED


PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage"})
CURRENCY_UNITS = frozenset({"£"})
# Units that add nothing after a number ("614 number").
SILENT_UNITS = frozenset({"number", "count", "score", "value"})


def unit_text(unit: str | None) -> str:
    """A publisher's unit tidied for reading after a number: "per 100, 000" -> "per 100,000", "Score out of 10" ->
    "out of 10", "Rate per million population" -> "per million population", "Years" -> "years"."""
    text = re.sub(r"(\d), (\d{3})", r"\1,\2", (unit or "").strip())
    text = re.sub(r"^(score|rate)\s+(?=(out of|per)\b)", "", text, flags=re.IGNORECASE)
    if text.lower() in SILENT_UNITS:
        return ""
    if text.istitle() and " " not in text:
        text = text.lower()
    return text


def format_value(value: float | None, indicator: Indicator, *, with_unit: bool = True) -> str:
    """A value as people read it, e.g. "46.9 per 100,000", "10.6%", "£150,000" or "254,406 people"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "No data"
    number = format_number(value, _decimals(indicator))
    unit = unit_text(indicator.unit)
    if not with_unit or not unit:
        return number
    if unit.lower() in PERCENT_UNITS:
        return f"{number}%"
    if unit in CURRENCY_UNITS:
        return f"-{unit}{number[1:]}" if number.startswith("-") else f"{unit}{number}"
    return f"{number} {unit}"


def _period_label(periods: Sequence[str]) -> str:
    return f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else (periods[0] if periods else "")


def slugify(label: str) -> str:
    """A URL-safe slug: "County & UA deprivation deciles" -> "county-ua-deprivation-deciles"."""
    return text_helpers.slugify(label, fallback="category", max_length=80)


def _is_suppressed(row: Row) -> bool:
    return row.suppressed or (row.count is not None and row.count < SUPPRESSION_THRESHOLD)


# ---------------------------------------------------------------------------------------------------------------
# Indicators, areas and comparator groups


def list_indicators(topic: str | None = None) -> list[Indicator]:
    """Indicators (optionally of one topic), in the overview's topic order then by name."""
    query = select(Indicator)
    if topic:
        query = query.where(Indicator.topic == topic)
    indicators = list(db.session.scalars(query))
    indicators.sort(key=lambda i: (TOPIC_ORDER.get(i.topic, len(TOPICS)), i.name.lower(), i.id))
    return indicators


def get_indicator(indicator_id: str) -> Indicator | None:
    """One indicator by id, or None."""
    return db.session.get(Indicator, indicator_id)


def topic_label(topic: str) -> str:
    """The topic's name for people."""
    return TOPIC_LABELS.get(topic, topic.replace("_", " ").capitalize())


def get_area(code: str) -> Area | None:
    """One area by code, or None."""
    return db.session.get(Area, code)


def ward_areas(parent_code: str | None = None) -> list[tuple[str, str]]:
    """The wards of the home area (or of ``parent_code``) as (code, name), by name."""
    parent = parent_code or home_area_code()
    query = select(Area.code, Area.name).where(Area.area_type == "ward", Area.parent_code == parent)
    return sorted(((c, n) for c, n in db.session.execute(query)), key=lambda pair: pair[1])


def _group_members(slug: str) -> list[str]:
    group = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == slug))
    return [m.area_code for m in group.members] if group is not None else []


@dataclass(frozen=True)
class Comparators:
    """The areas an area is compared with."""

    area: Area
    england: Area | None
    region: Area | None
    neighbours: list[str]  # the home area's statistical neighbours, closest first (empty for other areas)
    region_authorities: list[str]
    neighbours_name: str = "Statistical neighbours"


def _region_of(area: Area) -> Area | None:
    """The region above an area, following parents (an LA's region, a ward's LA's region)."""
    current: Area | None = area
    for _ in range(6):
        if current is None or current.area_type == "region":
            return current
        current = current.parent
    return None


def comparators(area_code: str) -> Comparators | None:
    """England, the region, the statistical neighbours and the region's authorities for an area (None if unknown)."""
    area = get_area(area_code)
    if area is None:
        return None
    england = get_area(str(current_app.config["ENGLAND_CODE"]))
    region = _region_of(area) if area.area_type != "region" else None
    if region is None and area.code == home_area_code():
        region = get_area(str(current_app.config["HOME_REGION_CODE"]))
    if area.code == home_area_code():
        neighbours = _group_members(NEIGHBOURS_SLUG)
        group = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == NEIGHBOURS_SLUG))
        neighbours_name = group.name if group is not None else "Statistical neighbours"
    else:
        neighbours, neighbours_name = [], "Statistical neighbours"
    authorities = _group_members(REGION_AUTHORITIES_SLUG) if area.code == home_area_code() else []
    if not authorities and region is not None:
        authorities = list(
            db.session.scalars(
                select(Area.code).where(Area.parent_code == region.code, Area.area_type.in_(("county_ua", "district")))
            )
        )
    return Comparators(area, england, region, neighbours, authorities, neighbours_name)


def _area_names(codes: Iterable[str]) -> dict[str, str]:
    codes = set(codes)
    if not codes:
        return {}
    return dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


# ---------------------------------------------------------------------------------------------------------------
# Headline series, trend and the summary sentence


def _headline(rows: Sequence[Row]) -> tuple[str, str] | None:
    """The (sex, age) an indicator is usually quoted for: Persons and All ages when present, else the commonest."""
    plain = [r for r in rows if not r.category_type]
    if not plain:
        return None
    sexes = {r.sex for r in plain}
    if "Persons" in sexes:
        sex = "Persons"
    else:
        counts: dict[str, int] = defaultdict(int)
        for r in plain:
            counts[r.sex] += 1
        sex = max(sorted(counts), key=lambda s: counts[s])
    ages: dict[str, int] = defaultdict(int)
    for r in plain:
        if r.sex == sex:
            ages[r.age] += 1
    age = "All ages" if "All ages" in ages else max(sorted(ages), key=lambda a: ages[a])
    return sex, age


def _source_trend(text: str) -> RecentTrend | None:
    """Fingertips' own recent-trend marker, when the export carries one we can read."""
    text = (text or "").strip()
    for direction in (TrendDirection.INCREASING, TrendDirection.DECREASING, TrendDirection.NO_CHANGE):
        if text.lower().startswith(direction.value.lower()):
            return RecentTrend(direction, text, None, TREND_POINTS)
    return None


def series_trend(rows: Sequence[Row], indicator: Indicator) -> RecentTrend:
    """Recent trend of one area's series (oldest first): computed from counts and denominators for proportions and
    crude rates, otherwise Fingertips' published marker for the latest period when there is one."""
    kind = {"proportion": "proportion", "crude_rate": "rate"}.get(indicator.value_type)
    computed: RecentTrend | None = None
    if kind is not None:
        try:
            computed = recent_trend(
                [r.count for r in rows],
                [r.denominator for r in rows],
                _polarity(indicator),
                value_type=kind,  # type: ignore[arg-type]
            )
        except ValueError:  # inconsistent counts (e.g. count above denominator) cannot give a trend
            computed = None
    if computed is not None and computed.direction is not TrendDirection.CANNOT_BE_CALCULATED:
        return computed
    published = _source_trend(rows[-1].source_recent_trend) if rows else None
    if published is not None:
        return published
    if computed is not None:
        return computed
    direction = TrendDirection.CANNOT_BE_CALCULATED
    return RecentTrend(direction, direction.value, None, len(rows))


def trend_phrase(trend: RecentTrend) -> str:
    """The trend as the end of a sentence."""
    if trend.direction is TrendDirection.CANNOT_BE_CALCULATED:
        return "the recent trend cannot be calculated"
    label = trend.label[0].lower() + trend.label[1:]
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
) -> str:
    """The plain-English summary, e.g. "In 2017 Wolverhampton's rate was 46.9 per 100,000, similar to England;
    no significant change over the last 5 periods"."""
    if period is None:
        if published_for:
            return f"There is no value for {area_name} as a whole: this indicator is published for {published_for}."
        return f"There is no value for {area_name} yet."
    qualifier = f" ({breakdown})" if breakdown else ""
    # "In 2017 …", but a period that is not a date reads "For the period ‘…’, …".
    when = f"In {period}" if re.match(r"^\d", period) else f"For the period ‘{period}’,"
    return (
        f"{when} {area_name}'s {measure}{qualifier} was {formatted_value}, "
        f"{describe_comparison(comparison, benchmark_name)}; {trend_phrase(trend)}."
    )


@dataclass(frozen=True)
class InequalityGap:
    """The largest gap between the categories of a breakdown (e.g. most and least deprived deciles)."""

    category_type: str
    period: str
    highest_category: str
    highest_value: float
    lowest_category: str
    lowest_value: float

    @property
    def gap(self) -> float:
        """Highest minus lowest value."""
        return self.highest_value - self.lowest_value


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
    return format_number(value, _decimals(Indicator(value_type=value_type, unit=unit)))


def _breakdown_label(sex: str, age: str) -> str:
    """The population a headline value is for, e.g. "males aged 10+ yrs" ("" for Persons, All ages)."""
    parts = [] if sex == "Persons" else [{"Male": "males", "Female": "females"}.get(sex, sex)]
    if age != "All ages":
        parts.append(f"aged {age}" if re.match(r"^\d", age) else age)
    return " ".join(parts)


def _summarise(
    indicator: Indicator,
    rows: Sequence[Row],
    places: Comparators,
    *,
    gap: InequalityGap | None = None,
    published_for: str = "",
) -> IndicatorSummary:
    """Build the summary from the indicator's rows (no categories) for the area and its comparators."""
    headline = _headline([r for r in rows if r.area_code == places.area.code]) or _headline(rows)
    sex, age = headline or ("Persons", "All ages")
    by_area: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.category_type and r.sex == sex and r.age == age:
            by_area[r.area_code].append(r)
    own = by_area.get(places.area.code, [])
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
    to_england = _compare(latest, england_value, indicator)
    formatted = format_value(latest.value if latest else None, indicator)
    measure = MEASURE_WORDS.get(indicator.value_type, "value")
    if measure == "proportion" and unit_text(indicator.unit).lower() in PERCENT_UNITS:
        measure = "percentage"
    lower, upper = _limits(latest, indicator) if latest else (None, None)
    return IndicatorSummary(
        indicator_id=indicator.id,
        name=indicator.name,
        topic=indicator.topic,
        unit=indicator.unit,
        value_type=indicator.value_type,
        polarity=_polarity(indicator),
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
        compared_to_region=_compare(latest, region_value, indicator),
        compared_to_neighbours=_compare(latest, neighbours_average, indicator),
        recent_trend=trend,
        inequality_gap=gap,
        verdict=verdict_sentence(
            area_name=places.area.name,
            period=latest.period if latest else None,
            measure=measure,
            formatted_value=formatted,
            comparison=to_england,
            trend=trend,
            breakdown=_breakdown_label(sex, age),
            published_for=published_for if latest is None else "",
        ),
        published_for=published_for if latest is None else "",
        formatted_england=format_value(england_value, indicator) if england_value is not None else "",
        formatted_region=format_value(region_value, indicator) if region_value is not None else "",
        formatted_neighbours=format_value(neighbours_average, indicator) if neighbours_average is not None else "",
    )


SMALL_AREA_WORDS = {"ward": "wards", "lsoa": "small areas (LSOAs)"}


def _small_area_codes(area_code: str) -> tuple[Any, Any]:
    """Subqueries for the area's wards and for the LSOAs within them."""
    wards = select(Area.code).where(Area.parent_code == area_code, Area.area_type == "ward")
    lsoas = select(Area.code).where(Area.parent_code.in_(wards), Area.area_type == "lsoa")
    return wards, lsoas


def published_levels(indicator_ids: Sequence[str], area_code: str) -> dict[str, str]:
    """For indicators published below the area (for its wards or LSOAs), the level in words, the widest first."""
    if not indicator_ids:
        return {}
    wards, lsoas = _small_area_codes(area_code)
    query = (
        select(IndicatorValue.indicator_id, Area.area_type)
        .join(Area, Area.code == IndicatorValue.area_code)
        .where(
            IndicatorValue.indicator_id.in_(list(indicator_ids)),
            IndicatorValue.area_code.in_(wards) | IndicatorValue.area_code.in_(lsoas),
        )
        .distinct()
    )
    levels: dict[str, str] = {}
    for indicator_id, area_type in sorted(db.session.execute(query).all(), key=lambda r: r[1] != "ward"):
        levels.setdefault(indicator_id, SMALL_AREA_WORDS.get(area_type, area_type))
    return levels


def _comparator_codes(places: Comparators) -> list[str]:
    codes = [places.area.code, *places.neighbours]
    codes += [a.code for a in (places.england, places.region) if a is not None]
    return codes


def indicator_summary(indicator_id: str, area_code: str | None = None) -> IndicatorSummary | None:
    """The indicator's latest value for the area (home area by default) compared with England, the region and the
    neighbours, its recent trend, its widest inequality and the plain-English verdict; None if unknown."""
    indicator = get_indicator(indicator_id)
    places = comparators(area_code or home_area_code())
    if indicator is None or places is None:
        return None
    rows = _rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(_comparator_codes(places)),
        IndicatorValue.category_type == "",
    )
    level = published_levels([indicator.id], places.area.code).get(indicator.id, "")
    summary = _summarise(indicator, rows, places, published_for=level)
    gap = inequality_gap(breakdowns(indicator, places, summary.sex, summary.age), indicator)
    return _replace_gap(summary, gap)


def _replace_gap(summary: IndicatorSummary, gap: InequalityGap | None) -> IndicatorSummary:
    from dataclasses import replace

    return replace(summary, inequality_gap=gap)


def overview(topic: str | None = None, significance: str | None = None) -> list[tuple[str, list[IndicatorSummary]]]:
    """Every indicator's summary for the home area, grouped by topic in the overview's order; optionally only one
    topic and only one comparison-with-England outcome."""
    places = comparators(home_area_code())
    indicators = list_indicators(topic)
    if places is None or not indicators:
        return []
    rows = _rows(
        IndicatorValue.indicator_id.in_([i.id for i in indicators]),
        IndicatorValue.area_code.in_(_comparator_codes(places)),
        IndicatorValue.category_type == "",
    )
    by_indicator: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_indicator[r.indicator_id].append(r)
    own = {r.indicator_id for r in rows if r.area_code == places.area.code and r.value is not None}
    levels = published_levels([i.id for i in indicators if i.id not in own], places.area.code)
    groups: dict[str, list[IndicatorSummary]] = defaultdict(list)
    for indicator in indicators:
        summary = _summarise(
            indicator, by_indicator.get(indicator.id, []), places, published_for=levels.get(indicator.id, "")
        )
        if significance and summary.compared_to_england != significance:
            continue
        groups[indicator.topic].append(summary)
    ordered = sorted(groups, key=lambda t: TOPIC_ORDER.get(t, len(TOPICS)))
    return [(t, groups[t]) for t in ordered]


# ---------------------------------------------------------------------------------------------------------------
# Breakdowns (inequalities)

_DECILE_WORDS = [
    "most",
    "second most",
    "third more",
    "fourth more",
    "fifth more",
    "fifth less",
    "fourth less",
    "third less",
    "second least",
    "least",
]


def category_sort_key(category: str) -> tuple[int, float, str]:
    """Natural order for categories: deprivation deciles most to least deprived, ages by their first number."""
    text = category.strip().lower()
    if text in {"persons", "all ages"}:
        return (0, 0.0, text)
    if text == "male":
        return (1, 0.0, text)
    if text == "female":
        return (1, 1.0, text)
    for rank, words in enumerate(_DECILE_WORDS):
        if text.startswith(words + " deprived"):
            return (2, float(rank), text)
    number = re.match(r"^(?:<\s*)?(\d+(?:\.\d+)?)", text)
    if number:
        return (3, float(number.group(1)), text)
    return (4, 0.0, text)


@dataclass(frozen=True)
class Category:
    """One category of a breakdown at one period."""

    label: str
    row: Row

    @property
    def status(self) -> str:
        """ "shown", "suppressed" (fewer than 5 events or marked by the publisher) or "no data"."""
        if _is_suppressed(self.row):
            return "suppressed"
        return "no data" if self.row.value is None else "shown"


@dataclass(frozen=True)
class Breakdown:
    """The categories of one breakdown (sex, age, a category type such as deprivation decile, or ward)."""

    slug: str
    label: str  # "Sex", "Age", "Ward" or the publisher's category type
    area_name: str
    period: str
    categories: list[Category]
    is_area: bool = True  # False when the breakdown is England's, shown because the area has none

    @property
    def shown(self) -> list[Category]:
        """The categories drawn in the chart."""
        return [c for c in self.categories if c.status == "shown"]


def _latest_with_categories(rows: Sequence[Row], label_of: Callable[[Row], str]) -> tuple[str, list[Category]]:
    """The latest period with at least two categories, and those categories in natural order."""
    by_period: dict[tuple[int, str], list[Row]] = defaultdict(list)
    for r in rows:
        by_period[(r.period_sortable, r.period)].append(r)
    for key in sorted(by_period, reverse=True):
        group = by_period[key]
        if len({label_of(r) for r in group}) >= 2:
            categories = [Category(label_of(r), r) for r in group]
            categories.sort(key=lambda c: category_sort_key(c.label))
            return key[1], categories
    return "", []


def breakdowns(indicator: Indicator, places: Comparators, sex: str, age: str) -> list[Breakdown]:
    """Every breakdown of the indicator present for the area: sex, age, each category type, and its wards. A
    category type present only for England (such as England's deprivation deciles) is included as England's."""
    area = places.area
    rows = _rows(IndicatorValue.indicator_id == indicator.id, IndicatorValue.area_code == area.code)
    found: list[Breakdown] = []
    plain = [r for r in rows if not r.category_type]
    period, cats = _latest_with_categories([r for r in plain if r.age == age], lambda r: r.sex)
    if cats:
        found.append(Breakdown("sex", "Sex", area.name, period, cats))
    period, cats = _latest_with_categories([r for r in plain if r.sex == sex], lambda r: r.age)
    if cats:
        found.append(Breakdown("age", "Age", area.name, period, cats))
    by_type: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.category_type:
            by_type[r.category_type].append(r)
    for category_type in sorted(by_type):
        typed = by_type[category_type]
        chosen = [r for r in typed if r.sex == sex and r.age == age] or typed
        period, cats = _latest_with_categories(chosen, lambda r: r.category)
        if cats:
            found.append(Breakdown("category-" + slugify(category_type), category_type, area.name, period, cats))
    wards = dict(
        db.session.execute(
            select(Area.code, Area.name).where(Area.parent_code == area.code, Area.area_type == "ward")
        ).all()
    )
    if wards:
        ward_rows = _rows(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.area_code.in_(list(wards)),
            IndicatorValue.category_type == "",
        )
        ward_headline = _headline(ward_rows)
        if ward_headline:
            chosen = [r for r in ward_rows if (r.sex, r.age) == ward_headline]
            period, cats = _latest_with_categories(chosen, lambda r: wards[r.area_code])
            if cats:
                cats.sort(key=lambda c: (c.row.value is None, -(c.row.value or 0), c.label))
                found.append(Breakdown("ward", "Ward", area.name, period, cats))
    england = places.england
    if england is not None and england.code != area.code:
        england_rows = _rows(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.area_code == england.code,
            IndicatorValue.category_type != "",
        )
        by_type = defaultdict(list)
        for r in england_rows:
            by_type[r.category_type].append(r)
        for category_type in sorted(set(by_type) - {b.label for b in found}):
            typed = by_type[category_type]
            chosen = [r for r in typed if r.sex == sex and r.age == age] or typed
            period, cats = _latest_with_categories(chosen, lambda r: r.category)
            if cats:
                slug = "england-category-" + slugify(category_type)
                found.append(Breakdown(slug, category_type, england.name, period, cats, is_area=False))
    return found


def inequality_gap(found: Sequence[Breakdown], indicator: Indicator | None = None) -> InequalityGap | None:
    """The largest gap between categories of the area's most recent breakdown (ties: the widest gap). None for
    counts, whose differences between groups reflect the groups' sizes, not inequality."""
    if indicator is not None and indicator.value_type == "count":
        return None
    best: tuple[tuple[str, float], InequalityGap] | None = None
    for breakdown in found:
        shown = [c for c in breakdown.shown if c.row.value is not None and c.label not in {"Persons", "All ages"}]
        if not breakdown.is_area or len(shown) < 2:
            continue
        high = max(shown, key=lambda c: c.row.value or 0.0)
        low = min(shown, key=lambda c: c.row.value or 0.0)
        gap = InequalityGap(
            breakdown.label,
            breakdown.period,
            high.label,
            float(high.row.value or 0.0),
            low.label,
            float(low.row.value or 0.0),
        )
        rank = (str(shown[0].row.period_sortable).zfill(12), gap.gap)
        if best is None or rank > best[0]:
            best = (rank, gap)
    return best[1] if best else None


# ---------------------------------------------------------------------------------------------------------------
# Charts: the data behind each chart, shared by its table, its CSV and its figure


@dataclass(frozen=True)
class Column:
    """A table column: numeric columns are right-aligned and formatted with ``decimals``."""

    text: str
    decimals: int | None = None

    @property
    def numeric(self) -> bool:
        """True for number columns."""
        return self.decimals is not None


@dataclass
class ChartData:
    """One chart: its title, the rows of its data table (exactly what it draws) and how to draw it."""

    slug: str
    title: str
    summary: str
    columns: list[Column]
    rows: list[list[Any]]  # str, float or None per cell; numbers are formatted by the column
    build: Callable[[], Model] = field(repr=False)
    note: str = ""

    def _cells(self, separators: bool) -> list[list[str]]:
        out = []
        for row in self.rows:
            cells = []
            for column, cell in zip(self.columns, row, strict=True):
                if isinstance(cell, int | float) and column.decimals is not None:
                    cells.append(format_number(float(cell), column.decimals, separators=separators))
                else:
                    cells.append("" if cell is None else str(cell))
            out.append(cells)
        return out

    @property
    def table_columns(self) -> list[dict[str, Any]]:
        """Columns for the ``chart_table`` macro."""
        return [{"text": c.text, "numeric": c.numeric} for c in self.columns]

    @property
    def table_rows(self) -> list[list[str]]:
        """The rows as shown in the HTML table (thousands separators)."""
        return self._cells(separators=True)

    def csv(self) -> str:
        """The same rows as a CSV document (no thousands separators, formula-safe)."""
        return to_csv([c.text for c in self.columns], self._cells(separators=False))


def data_version(indicator_id: str) -> str | None:
    """A fingerprint of the data behind the indicator's charts, cheap enough to compute on every chart request;
    None for an unknown indicator.

    Every import that loads values of an indicator also records itself on the indicator, so the latest import's id,
    checksum and finish time change whenever the values do. Values written outside an import (no import recorded)
    are fingerprinted from the values themselves. Comparator group membership and the chart code are included too.
    """
    indicator = get_indicator(indicator_id)
    if indicator is None:
        return None
    record = db.session.get(DataImport, indicator.data_import_id) if indicator.data_import_id else None
    if record is not None:
        values: tuple[Any, ...] = (record.id, record.checksum_sha256, record.finished_at, record.row_count)
    else:
        values = tuple(
            db.session.execute(
                select(
                    func.count(),
                    func.max(IndicatorValue.data_import_id),
                    func.sum(IndicatorValue.value),
                    func.max(IndicatorValue.period_sortable),
                ).where(IndicatorValue.indicator_id == indicator_id)
            ).one()
        )
    groups = tuple(
        db.session.execute(
            select(func.count(), func.max(ComparatorGroupMember.id), func.sum(ComparatorGroupMember.position))
        ).one()
    )
    meta = (indicator.name, indicator.unit, indicator.polarity, indicator.value_type, indicator.comparison_confidence)
    text = f"{values}|{groups}|{meta}|{CHART_STYLE_VERSION}|{bokeh.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _value_label(indicator: Indicator) -> str:
    """The axis label: the unit, or the type of value when the unit says nothing."""
    unit = unit_text(indicator.unit)
    if unit.lower() in PERCENT_UNITS:
        return "Percentage"
    return unit or VALUE_TYPE_LABELS.get(indicator.value_type, "Value")


def _trend_chart(indicator: Indicator, places: Comparators, summary: IndicatorSummary) -> ChartData | None:
    rows = _rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(_comparator_codes(places)),
        IndicatorValue.category_type == "",
        IndicatorValue.sex == summary.sex,
        IndicatorValue.age == summary.age,
    )
    own = {r.period: r for r in rows if r.area_code == places.area.code}
    if not any(r.value is not None for r in own.values()):
        return None
    periods: list[str] = []
    for r in rows:  # rows are oldest first
        if r.period not in periods and r.period in own:
            periods.append(r.period)
    # A count for England dwarfs the area's own, so counts are drawn without benchmark lines.
    benchmarks = [] if indicator.value_type == "count" else [a for a in (places.england, places.region) if a]
    bench_values = {a.name: {r.period: r.value for r in rows if r.area_code == a.code} for a in benchmarks}
    decimals = _decimals(indicator)
    area_name = places.area.name
    columns = [
        Column("Period"),
        Column(area_name, decimals),
        Column("Lower 95% limit", decimals),
        Column("Upper 95% limit", decimals),
    ] + [Column(a.name, decimals) for a in benchmarks]
    table = [
        [p, own[p].value, own[p].lower_ci95, own[p].upper_ci95] + [bench_values[a.name].get(p) for a in benchmarks]
        for p in periods
    ]
    title = f"{indicator.name}: {area_name} over time"
    if summary.breakdown:
        title += f" ({summary.breakdown})"

    def build() -> Model:
        return trend_chart(
            title,
            periods,
            area_name,
            [own[p].value for p in periods],
            [own[p].lower_ci95 for p in periods],
            [own[p].upper_ci95 for p in periods],
            {a.name: [bench_values[a.name].get(p) for p in periods] for a in benchmarks},
            y_label=_value_label(indicator),
        )

    summary_text = (
        f"Line chart of {area_name}'s value for each period from {_period_label(periods)}, with its 95% confidence "
        f"interval as a shaded band and {' and '.join(a.name for a in benchmarks) or 'no benchmarks'} as dashed lines."
    )
    return ChartData("trend", title, summary_text, columns, table, build)


def _compare_chart(
    indicator: Indicator,
    places: Comparators,
    summary: IndicatorSummary,
    *,
    slug: str,
    codes: Sequence[str],
    group_name: str,
) -> ChartData | None:
    if summary.period is None or not codes:
        return None
    members = list(dict.fromkeys([*codes, places.area.code]))
    rows = _rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(members),
        IndicatorValue.category_type == "",
        IndicatorValue.sex == summary.sex,
        IndicatorValue.age == summary.age,
        IndicatorValue.period == summary.period,
    )
    shown = [r for r in rows if r.value is not None]
    if len(shown) < 2:
        return None
    names = _area_names(r.area_code for r in shown)
    shown.sort(key=lambda r: (-(r.value or 0.0), names.get(r.area_code, r.area_code)))
    # England's count is on another scale from an authority's: no benchmark line for counts.
    england = None if indicator.value_type == "count" else summary.england_value
    outcomes = [_compare(r, england, indicator).value for r in shown]
    decimals = _decimals(indicator)
    title = f"{indicator.name}: {group_name}, {summary.period}"
    if summary.breakdown:
        title += f" ({summary.breakdown})"
    columns = [
        Column("Area"),
        Column("Value", decimals),
        Column("Lower 95% limit", decimals),
        Column("Upper 95% limit", decimals),
        Column("Compared with England"),
    ]
    table = [
        [
            names.get(r.area_code, r.area_code) + (" (this area)" if r.area_code == places.area.code else ""),
            r.value,
            r.lower_ci95,
            r.upper_ci95,
            outcome,
        ]
        for r, outcome in zip(shown, outcomes, strict=True)
    ]

    def build() -> Model:
        return compare_areas_chart(
            title,
            [names.get(r.area_code, r.area_code) for r in shown],
            [r.value for r in shown],
            [r.lower_ci95 for r in shown],
            [r.upper_ci95 for r in shown],
            outcomes,
            highlight=places.area.name,
            benchmark_value=england,
            benchmark_name="England",
            x_label=_value_label(indicator),
        )

    summary_text = (
        f"Bar chart of {len(shown)} areas, highest first, with 95% confidence intervals as whiskers; each bar is "
        f"coloured and patterned by how it compares with England, shown as a dashed line."
    )
    return ChartData(slug, title, summary_text, columns, table, build)


def _breakdown_chart(indicator: Indicator, breakdown: Breakdown, summary: IndicatorSummary) -> ChartData:
    decimals = _decimals(indicator)
    label = breakdown.label
    title = f"{indicator.name}: {breakdown.area_name} by {label[0].lower() + label[1:]}, {breakdown.period}"
    columns = [
        Column(label),
        Column("Value", decimals),
        Column("Lower 95% limit", decimals),
        Column("Upper 95% limit", decimals),
        Column("Count", 0),
    ]
    table: list[list[Any]] = []
    for c in breakdown.categories:
        if c.status == "shown":
            table.append([c.label, c.row.value, c.row.lower_ci95, c.row.upper_ci95, c.row.count])
        else:
            table.append([c.label, c.status, "", "", c.status if c.status == "suppressed" else c.row.count])
    shown = breakdown.shown
    reference = summary.value if breakdown.is_area and summary.period == breakdown.period else None

    def build() -> Model:
        return breakdown_chart(
            title,
            [c.label for c in shown],
            [c.row.value for c in shown],
            [c.row.lower_ci95 for c in shown],
            [c.row.upper_ci95 for c in shown],
            reference_value=reference,
            reference_name=f"{breakdown.area_name} overall" if reference is not None else "",
            x_label=_value_label(indicator),
        )

    hidden = len(breakdown.categories) - len(shown)
    summary_text = f"Bar chart of {len(shown)} categories with 95% confidence intervals as whiskers."
    if hidden:
        summary_text += (
            f" {hidden} {'category is' if hidden == 1 else 'categories are'} not drawn: values from fewer than "
            f"{SUPPRESSION_THRESHOLD} events, or suppressed by the publisher, are listed as suppressed."
        )
    return ChartData(breakdown.slug, title, summary_text, columns, table, build)


@dataclass
class IndicatorPage:
    """Everything the indicator page shows."""

    indicator: Indicator
    summary: IndicatorSummary
    places: Comparators
    charts: list[ChartData]
    breakdown_charts: list[ChartData]
    data_import: DataImport | None
    value_notes: list[str]
    has_derived: bool
    version: str


def _indicator_charts(
    indicator: Indicator, places: Comparators
) -> tuple[IndicatorSummary, list[ChartData], list[ChartData]]:
    rows = _rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(_comparator_codes(places)),
        IndicatorValue.category_type == "",
    )
    level = published_levels([indicator.id], places.area.code).get(indicator.id, "")
    summary = _summarise(indicator, rows, places, published_for=level)
    found = breakdowns(indicator, places, summary.sex, summary.age)
    summary = _replace_gap(summary, inequality_gap(found, indicator))
    main = [
        _trend_chart(indicator, places, summary),
        _compare_chart(
            indicator,
            places,
            summary,
            slug="compare-region",
            codes=places.region_authorities,
            group_name=f"{places.region.name if places.region else 'Region'} authorities",
        ),
        _compare_chart(
            indicator,
            places,
            summary,
            slug="compare-neighbours",
            codes=places.neighbours,
            group_name="statistical neighbours",
        ),
    ]
    detail = []
    for breakdown in found:
        if indicator.id == POPULATION_INDICATOR and breakdown.slug == "age":
            # 91 single years read better as a pyramid (by sex, as shares) against England than as 92 bars.
            england = places.england.code if places.england else str(current_app.config["ENGLAND_CODE"])
            pyramid = population_pyramid_data(places.area.code, england)
            if pyramid is not None:
                detail.append(pyramid)
                continue
        detail.append(_breakdown_chart(indicator, breakdown, summary))
    lsoa_map = _lsoa_map_chart(indicator, places)
    if lsoa_map is not None:
        detail.append(lsoa_map)
    return summary, [c for c in main if c is not None], detail


def _lsoa_map_chart(indicator: Indicator, places: Comparators) -> ChartData | None:
    """A map of the indicator's values for the small areas (LSOAs) in the area's wards, when it has any."""
    wards, lsoas = _small_area_codes(places.area.code)
    rows = _rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(lsoas),
        IndicatorValue.category_type == "",
    )
    headline = _headline(rows)
    if headline is None:
        return None
    rows = [r for r in rows if (r.sex, r.age) == headline]
    latest = max((r.period_sortable, r.period) for r in rows)
    rows = [r for r in rows if (r.period_sortable, r.period) == latest]
    areas = {
        code: (name, parent, boundary)
        for code, name, parent, boundary in db.session.execute(
            select(Area.code, Area.name, Area.parent_code, Area.boundary).where(
                Area.code.in_([r.area_code for r in rows])
            )
        )
    }
    ward_names = dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(wards))).all())
    rows.sort(key=lambda r: (ward_names.get(areas[r.area_code][1] or "", ""), areas[r.area_code][0]))
    decimals = _decimals(indicator)
    period = latest[1]
    title = f"{indicator.name}: {places.area.name} by small area (LSOA), {period}"
    columns = [Column("Small area (LSOA)"), Column("Ward"), Column(_value_label(indicator), decimals)]
    table: list[list[Any]] = [
        [areas[r.area_code][0], ward_names.get(areas[r.area_code][1] or "", ""),
         "suppressed" if r.suppressed else r.value]
        for r in rows
    ]  # fmt: skip
    shapes = [
        WardShape(r.area_code, areas[r.area_code][0], areas[r.area_code][2], None if r.suppressed else r.value,
                  "suppressed" if r.suppressed else format_value(r.value, indicator))
        for r in rows
        if areas[r.area_code][2]
    ]  # fmt: skip
    if not shapes:
        return None

    def build() -> Model:
        return ward_map(title, shapes, value_label=_value_label(indicator), area_word="Small area")

    summary_text = (
        f"Map of {len(shapes)} small areas (LSOAs) shaded by {indicator.name}, darker for higher values. "
        "The table lists every small area with its ward."
    )
    return ChartData("lsoa-map", title, summary_text, columns, table, build)


def indicator_page(indicator_id: str, area_code: str | None = None) -> IndicatorPage | None:
    """The indicator page's content for an area (home by default); None if the indicator or area is unknown."""
    indicator = get_indicator(indicator_id)
    places = comparators(area_code or home_area_code())
    if indicator is None or places is None:
        return None
    summary, charts, breakdown_charts = _indicator_charts(indicator, places)
    notes_query = (
        select(IndicatorValue.value_note, func.max(case((IndicatorValue.derived, 1), else_=0)))
        .where(IndicatorValue.indicator_id == indicator.id, IndicatorValue.area_code == places.area.code)
        .group_by(IndicatorValue.value_note)
    )
    notes = db.session.execute(notes_query).all()
    import_ids = select(IndicatorValue.data_import_id).where(IndicatorValue.indicator_id == indicator.id)
    latest_import = db.session.scalar(
        select(DataImport).where(DataImport.id.in_(import_ids)).order_by(DataImport.id.desc()).limit(1)
    )
    return IndicatorPage(
        indicator=indicator,
        summary=summary,
        places=places,
        charts=charts,
        breakdown_charts=breakdown_charts,
        data_import=latest_import
        or (db.session.get(DataImport, indicator.data_import_id) if indicator.data_import_id else None),
        value_notes=sorted({note for note, _ in notes if note}),
        has_derived=any(bool(derived) for _, derived in notes),
        version=data_version(indicator.id) or "",
    )


def indicator_chart(indicator_id: str, slug: str, area_code: str | None = None) -> ChartData | None:
    """One chart of the indicator page by its slug ("trend", "compare-region", "sex", "ward"…), or None."""
    indicator = get_indicator(indicator_id)
    places = comparators(area_code or home_area_code())
    if indicator is None or places is None:
        return None
    _, charts, breakdown_charts = _indicator_charts(indicator, places)
    return next((c for c in [*charts, *breakdown_charts] if c.slug == slug), None)


# ---------------------------------------------------------------------------------------------------------------
# Value rows for the API


def _regions_of(codes: Iterable[str]) -> dict[str, str | None]:
    """Each area's region code (following parents), None for England and areas outside any region."""
    parents: dict[str, tuple[str | None, str]] = {}
    pending = set(codes)
    for _ in range(6):
        pending -= set(parents)
        if not pending:
            break
        found = db.session.execute(
            select(Area.code, Area.parent_code, Area.area_type).where(Area.code.in_(pending))
        ).all()
        for code, parent, area_type in found:
            parents[code] = (parent, area_type)
        pending = {p for p, _ in parents.values() if p and p not in parents}
    regions: dict[str, str | None] = {}
    for code in codes:
        current: str | None = code
        region = None
        for _ in range(6):
            if current is None or current not in parents:
                break
            parent, area_type = parents[current]
            if area_type == "region":
                region = current if current != code else None
                break
            current = parent
        regions[code] = region
    return regions


def value_rows_with_comparisons(
    indicator_id: str,
    area_code: str | None = None,
    sex: str | None = None,
    age: str | None = None,
    category_type: str | None = None,
) -> list[dict[str, Any]]:
    """Every stored value of the indicator (optionally filtered), each with ``compared_to_england``,
    ``compared_to_region`` and ``recent_trend`` in Fingertips' words; [] for an unknown indicator."""
    indicator = get_indicator(indicator_id)
    if indicator is None:
        return []
    conditions: list[Any] = [IndicatorValue.indicator_id == indicator_id]
    if area_code:
        conditions.append(IndicatorValue.area_code == area_code)
    if sex:
        conditions.append(IndicatorValue.sex == sex)
    if age:
        conditions.append(IndicatorValue.age == age)
    if category_type is not None:
        conditions.append(IndicatorValue.category_type == category_type)
    rows = _rows(*conditions)
    if not rows:
        return []
    codes = {r.area_code for r in rows}
    regions = _regions_of(codes)
    england = str(current_app.config["ENGLAND_CODE"])
    benchmark_codes = {england} | {r for r in regions.values() if r}
    # Benchmarks are the overall (no category) values of England and the regions, for the same period, sex and age.
    bench_rows = _rows(
        IndicatorValue.indicator_id == indicator_id,
        IndicatorValue.area_code.in_(benchmark_codes),
        IndicatorValue.category_type == "",
    )
    benchmark = {(r.area_code, r.period, r.sex, r.age): r.value for r in bench_rows}
    names = _area_names(codes)
    series: dict[tuple[str, str, str, str, str], list[Row]] = defaultdict(list)
    for r in rows:
        series[(r.area_code, r.sex, r.age, r.category_type, r.category)].append(r)
    trend_of: dict[tuple[Any, ...], str] = {}
    for key, group in series.items():
        # The recent trend as at each period, from the values up to and including it.
        for index, r in enumerate(group):
            if index + 1 < TREND_POINTS and not r.source_recent_trend:
                trend_of[(key, r.period)] = TrendDirection.CANNOT_BE_CALCULATED.value
            else:
                trend_of[(key, r.period)] = series_trend(group[: index + 1], indicator).label
    out = []
    for r in rows:
        region = regions.get(r.area_code)
        own_england = r.area_code == england and not r.category_type
        to_england = (
            Comparison.NOT_COMPARED
            if own_england
            else _compare(r, benchmark.get((england, r.period, r.sex, r.age)), indicator)
        )
        to_region = (
            _compare(r, benchmark.get((region, r.period, r.sex, r.age)), indicator)
            if region
            else Comparison.NOT_COMPARED
        )
        key = (r.area_code, r.sex, r.age, r.category_type, r.category)
        out.append(
            {
                "indicator_id": r.indicator_id,
                "area_code": r.area_code,
                "area_name": names.get(r.area_code, r.area_code),
                "period": r.period,
                "period_sortable": r.period_sortable,
                "sex": r.sex,
                "age": r.age,
                "category_type": r.category_type,
                "category": r.category,
                "value": r.value,
                "lower_ci95": r.lower_ci95,
                "upper_ci95": r.upper_ci95,
                "lower_ci998": r.lower_ci998,
                "upper_ci998": r.upper_ci998,
                "count": r.count,
                "denominator": r.denominator,
                "value_note": r.value_note,
                "suppressed": r.suppressed,
                "derived": r.derived,
                "compared_to_england": to_england.value,
                "compared_to_region": to_region.value,
                "recent_trend": trend_of[(key, r.period)],
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------------------
# Ward profiles


def ward_indicators(parent_code: str | None = None) -> list[Indicator]:
    """Indicators with values for the home area's wards, by name."""
    wards = [code for code, _ in ward_areas(parent_code)]
    if not wards:
        return []
    ids = select(IndicatorValue.indicator_id).where(IndicatorValue.area_code.in_(wards)).distinct()
    indicators = list(db.session.scalars(select(Indicator).where(Indicator.id.in_(ids))))
    return sorted(indicators, key=lambda i: i.name.lower())


@dataclass
class WardValue:
    """One ward's value of the chosen indicator."""

    code: str
    name: str
    value: float | None
    formatted: str
    rank: int | None  # 1 = highest value


@dataclass
class WardProfile:
    """Everything the ward profile shows."""

    ward: Area
    indicators: list[Indicator]
    indicator: Indicator | None
    period: str
    ward_values: list[WardValue]
    this_ward: WardValue | None
    map_chart: ChartData | None
    pyramid_chart: ChartData | None
    profile_rows: list[tuple[Indicator, str, str]] = field(default_factory=list)  # indicator, period, formatted


def _ward_values(indicator: Indicator, wards: dict[str, str]) -> tuple[str, list[WardValue]]:
    rows = _rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(list(wards)),
        IndicatorValue.category_type == "",
    )
    headline = _headline(rows)
    if headline is None:
        return "", []
    rows = [r for r in rows if (r.sex, r.age) == headline]
    latest = max((r.period_sortable, r.period) for r in rows)
    by_code = {r.area_code: r for r in rows if (r.period_sortable, r.period) == latest}
    ranked = sorted((r.value for r in by_code.values() if r.value is not None and not r.suppressed), reverse=True)
    values = []
    for code, name in wards.items():
        row = by_code.get(code)
        value = row.value if row is not None and not row.suppressed else None
        formatted = "suppressed" if row is not None and row.suppressed else format_value(value, indicator)
        values.append(WardValue(code, name, value, formatted, ranked.index(value) + 1 if value is not None else None))
    values.sort(key=lambda w: (w.value is None, -(w.value or 0.0), w.name))
    return latest[1], values


def _ward_map_chart(indicator: Indicator, ward: Area, period: str, values: list[WardValue]) -> ChartData | None:
    boundaries = dict(
        db.session.execute(
            select(Area.code, Area.boundary).where(Area.code.in_([w.code for w in values]), Area.boundary.is_not(None))
        ).all()
    )
    if not boundaries:
        return None
    decimals = _decimals(indicator)
    title = f"{indicator.name} by ward, {period}"
    columns = [Column("Ward"), Column(_value_label(indicator), decimals), Column("Rank (1 = highest)", 0)]
    table = [
        [
            w.name + (" (this ward)" if w.code == ward.code else ""),
            w.value if w.value is not None else w.formatted,
            w.rank if w.rank is not None else "",
        ]
        for w in values
    ]
    shapes = [
        WardShape(w.code, w.name, boundaries[w.code], w.value, w.formatted) for w in values if w.code in boundaries
    ]

    def build() -> Model:
        return ward_map(title, shapes, highlight=ward.code, value_label=_value_label(indicator))

    summary_text = (
        f"Map of the {len(shapes)} wards shaded by {indicator.name.lower()}, darker for higher values; "
        f"{ward.name} is outlined."
    )
    return ChartData("map", title, summary_text, columns, table, build)


PYRAMID_BAND = 5
PYRAMID_TOP = 90


def _band(age: int) -> str:
    if age >= PYRAMID_TOP:
        return f"{PYRAMID_TOP}+"
    start = age - age % PYRAMID_BAND
    return f"{start}-{start + PYRAMID_BAND - 1}"


def population_pyramid_data(area_code: str, reference_code: str) -> ChartData | None:
    """The area's population by five-year age band and sex against the reference area's, as percentages of each
    area's whole population (from the ONS mid-2022 estimates); None when they are not loaded."""
    import pandas as pd

    from portal.importers.population import population_pyramid

    rows = _rows(
        IndicatorValue.indicator_id == POPULATION_INDICATOR,
        IndicatorValue.area_code.in_([area_code, reference_code]),
        IndicatorValue.sex.in_(["Male", "Female"]),
        IndicatorValue.age != "All ages",
    )
    if not rows:
        return None
    frame = pd.DataFrame(
        {
            "indicator_id": [r.indicator_id for r in rows],
            "area_code": [r.area_code for r in rows],
            "sex": [r.sex for r in rows],
            "age": [r.age for r in rows],
            "value": [r.value for r in rows],
        }
    )
    names = _area_names([area_code, reference_code])
    bands = [_band(a) for a in range(0, PYRAMID_TOP + 1, PYRAMID_BAND)]
    shares: dict[str, dict[tuple[str, str], float]] = {}
    for code in (area_code, reference_code):
        pyramid = population_pyramid(frame, code)
        if pyramid.empty:
            shares[code] = {}
            continue
        total = float(pyramid["population"].sum())
        grouped: dict[tuple[str, str], float] = defaultdict(float)
        for age, sex, population in zip(pyramid["age"], pyramid["sex"], pyramid["population"], strict=True):
            grouped[(_band(int(age)), sex)] += float(population) / total * 100 if total else 0.0
        shares[code] = {key: round(value, 2) for key, value in grouped.items()}
    if not shares[area_code]:
        return None
    area_name, reference_name = names.get(area_code, area_code), names.get(reference_code, reference_code)
    has_reference = bool(shares[reference_code])
    columns = [Column("Age"), Column(f"{area_name} males (%)", 2), Column(f"{area_name} females (%)", 2)]
    if has_reference:
        columns += [Column(f"{reference_name} males (%)", 2), Column(f"{reference_name} females (%)", 2)]
    table: list[list[Any]] = []
    for band in reversed(bands):  # oldest first, as the pyramid reads from the top
        own, reference = shares[area_code], shares[reference_code]
        row: list[Any] = [band, own.get((band, "Male"), 0.0), own.get((band, "Female"), 0.0)]
        if has_reference:
            row += [reference.get((band, "Male"), 0.0), reference.get((band, "Female"), 0.0)]
        table.append(row)
    title = f"Population by age and sex, mid-2022: {area_name}" + (f" and {reference_name}" if has_reference else "")

    def build() -> Model:
        reference = shares[reference_code]
        return population_pyramid_chart(
            title,
            bands,
            [shares[area_code].get((b, "Male"), 0.0) for b in bands],
            [shares[area_code].get((b, "Female"), 0.0) for b in bands],
            area_name=area_name,
            reference_male_percent=[reference.get((b, "Male"), 0.0) for b in bands] if has_reference else None,
            reference_female_percent=[reference.get((b, "Female"), 0.0) for b in bands] if has_reference else None,
            reference_name=reference_name,
        )

    summary_text = (
        f"Population pyramid: the share of {area_name}'s population in each five-year age band, males to the left "
        "and females to the right" + (f", with {reference_name}'s shares as diamond markers." if has_reference else ".")
    )
    return ChartData("pyramid", title, summary_text, columns, table, build)


def ward_profile(code: str, indicator_id: str | None = None) -> WardProfile | None:
    """A ward's profile: the ward map coloured by the chosen ward indicator (the first ward indicator by default,
    preferring deprivation), the ward's value of every ward indicator and the city's population pyramid; None if
    the code is not one of the home area's wards."""
    ward = get_area(code)
    if ward is None or ward.area_type != "ward":
        return None
    parent = ward.parent_code or home_area_code()
    wards = dict(ward_areas(parent))
    indicators = ward_indicators(parent)
    chosen = chosen_ward_indicator(code, indicator_id)
    period, values = _ward_values(chosen, wards) if chosen is not None else ("", [])
    this_ward = next((w for w in values if w.code == code), None)
    profile_rows = []
    for indicator in indicators:
        ward_period, ward_values = _ward_values(indicator, wards)
        own = next((w for w in ward_values if w.code == code), None)
        if own is not None:
            profile_rows.append((indicator, ward_period, own.formatted))
    return WardProfile(
        ward=ward,
        indicators=indicators,
        indicator=chosen,
        period=period,
        ward_values=values,
        this_ward=this_ward,
        map_chart=_ward_map_chart(chosen, ward, period, values) if chosen is not None and values else None,
        pyramid_chart=population_pyramid_data(parent, str(current_app.config["ENGLAND_CODE"])),
        profile_rows=profile_rows,
    )


def ward_chart(code: str, slug: str, indicator_id: str | None = None) -> ChartData | None:
    """One chart of a ward profile ("map" or "pyramid"), or None."""
    profile = ward_profile(code, indicator_id)
    if profile is None:
        return None
    return {"map": profile.map_chart, "pyramid": profile.pyramid_chart}.get(slug)


def ward_data_version(indicator_id: str | None) -> str:
    """A fingerprint of the data behind a ward profile's charts: the chosen indicator, the population estimates and
    the wards' boundaries."""
    parts = [data_version(indicator_id) if indicator_id else "", data_version(POPULATION_INDICATOR) or ""]
    boundaries = db.session.execute(
        select(func.count(), func.max(Area.code)).where(Area.area_type == "ward", Area.boundary.is_not(None))
    ).one()
    return hashlib.sha256(f"{parts}|{boundaries}|{CHART_STYLE_VERSION}".encode()).hexdigest()[:32]


def chosen_ward_indicator(code: str, indicator_id: str | None) -> Indicator | None:
    """The indicator a ward map is coloured by: the one asked for if it has ward values, else the default."""
    ward = get_area(code)
    if ward is None or ward.area_type != "ward":
        return None
    indicators = ward_indicators(ward.parent_code or home_area_code())
    chosen = next((i for i in indicators if i.id == indicator_id), None)
    if chosen is None:
        chosen = next((i for i in indicators if i.topic == "deprivation"), indicators[0] if indicators else None)
    return chosen
