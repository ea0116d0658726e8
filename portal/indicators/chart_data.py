"""The data behind each chart of an indicator page, shared by its table, its CSV and its figure, and the data
version that keys the chart cache."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import bokeh
from bokeh.model import Model
from sqlalchemy import func, select

from portal.charts.chart_data import ChartData, Column
from portal.charts.compare import compare_areas_chart, compare_description
from portal.charts.inequality import breakdown_chart, breakdown_description
from portal.charts.maps import WardShape, ward_map
from portal.charts.trend import is_trend, trend_chart
from portal.extensions import db
from portal.indicators.breakdowns import Breakdown
from portal.indicators.catalogue import (
    Comparators,
    area_names,
    comparator_codes,
    get_indicator,
    headline_breakdown,
    small_area_codes,
    stored_rows,
)
from portal.indicators.formatting import (
    PERCENT_UNITS,
    VALUE_TYPE_LABELS,
    decimals_for,
    format_value,
    period_range_label,
    unit_text,
)
from portal.indicators.period_verdicts import compared_with_england, period_verdicts, stored_or_computed
from portal.indicators.row_verdicts import Verdict, row_verdict, verdict_label
from portal.indicators.summaries import IndicatorSummary
from portal.models import Area, ComparatorGroupMember, DataImport, Indicator, IndicatorValue
from portal.stats.small_numbers import withheld_sentence


def _chart_code_version() -> str:
    """A fingerprint of the code that draws charts (the builders and this module), so cached JSON drawn by older
    code is never served after a deployment."""
    import portal.charts

    digest = hashlib.sha256()
    chart_code = sorted(Path(portal.charts.__file__).parent.glob("*.py"))
    # Every module of this feature that shapes chart data (this one, wards, breakdowns, formatting…).
    feature_code = sorted(Path(__file__).parent.glob("*.py"))
    for path in [*chart_code, *feature_code]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CHART_STYLE_VERSION = _chart_code_version()

# ---------------------------------------------------------------------------------------------------------------
# Charts: the data behind each chart, shared by its table, its CSV and its figure


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


def value_label(indicator: Indicator) -> str:
    """The axis label: the unit, or the type of value when the unit says nothing."""
    unit = unit_text(indicator.unit)
    if unit.lower() in PERCENT_UNITS:
        return "Percentage"
    return unit or VALUE_TYPE_LABELS.get(indicator.value_type, "Value")


def trend_chart_data(
    indicator: Indicator,
    places: Comparators,
    summary: IndicatorSummary,
    stored_verdicts: Mapping[str, Verdict] | None = None,
) -> ChartData | None:
    """The trend chart of the summary's sex and age, with each period's verdict against England: the
    ``stored_verdicts`` (by period) when they hold every period, else worked out from the rows."""
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(comparator_codes(places)),
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
    decimals = decimals_for(indicator)
    area_name = places.area.name
    # Each period's verdict against England, as the sentence and the compare table give it: computed where the
    # portal can, else the publisher's own (labelled as theirs). Counts are not compared with England. Stored when
    # the data was imported; worked out here only when not.
    verdicts = (
        stored_or_computed(
            stored_verdicts, periods, lambda: period_verdicts(indicator, places, rows, summary.sex, summary.age)
        )
        if compared_with_england(indicator, places)
        else []
    )
    columns = [
        Column("Period"),
        Column(area_name, decimals),
        Column("Lower 95% limit", decimals),
        Column("Upper 95% limit", decimals),
    ] + [Column(a.name, decimals) for a in benchmarks]
    table = [
        [p, own[p].marker or own[p].value, own[p].lower_ci95, own[p].upper_ci95]
        + [bench_values[a.name].get(p) for a in benchmarks]
        for p in periods
    ]
    if verdicts:
        columns.append(Column("Compared with England"))
        for row, verdict in zip(table, verdicts, strict=True):
            row.append(verdict_label(verdict.comparison, verdict.source, summary.publisher_name))
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
            y_label=value_label(indicator),
            significance=[v.comparison.value for v in verdicts] if verdicts else None,
            published_by=[summary.publisher_name or "the publisher" if v.by_publisher else "" for v in verdicts],
        )

    if not is_trend([own[p].value for p in periods]):
        only = next(p for p in periods if own[p].value is not None)
        summary_text = (
            f"Only {only} has a value for {area_name}, so there is no trend to draw: the value is in the table below."
        )
        return ChartData("trend", title, summary_text, columns, table, None)
    summary_text = (
        f"Line chart of {area_name}'s value for each period from {period_range_label(periods)}, with its 95% "
        f"confidence interval as a shaded band and {' and '.join(a.name for a in benchmarks) or 'no benchmarks'} "
        "as dashed lines."
        + (" Each point's colour and shape show how it compares with England, as the table says." if verdicts else "")
    )
    return ChartData("trend", title, summary_text, columns, table, build)


def compare_chart_data(
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
    rows = stored_rows(
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
    withheld = [r for r in rows if r.suppressed]  # listed in the table with their marker, never drawn
    names = area_names(r.area_code for r in [*shown, *withheld])
    shown.sort(key=lambda r: (-(r.value or 0.0), names.get(r.area_code, r.area_code)))
    # England's count is on another scale from an authority's: no benchmark line for counts.
    england = None if indicator.value_type == "count" else summary.england_value
    # The same verdict the table and the sentence give: computed where the portal can, else the publisher's own.
    verdicts = [row_verdict(r, england, indicator, r.source_compared_to_england) for r in shown]
    outcomes = [v.comparison.value for v in verdicts]
    published_by = [summary.publisher_name or "the publisher" if v.by_publisher else "" for v in verdicts]
    decimals = decimals_for(indicator)
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
            verdict_label(verdict.comparison, verdict.source, summary.publisher_name),
        ]
        for r, verdict in zip(shown, verdicts, strict=True)
    ] + [
        [names.get(r.area_code, r.area_code), r.marker, None, None, ""]
        for r in sorted(withheld, key=lambda r: names.get(r.area_code, r.area_code))
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
            x_label=value_label(indicator),
            published_by=published_by,
        )

    summary_text = compare_description(
        len(shown),
        [r.value for r in shown],
        [r.lower_ci95 for r in shown],
        [r.upper_ci95 for r in shown],
        "England" if england is not None else "",
    )
    return ChartData(slug, title, summary_text, columns, table, build)


def breakdown_chart_data(indicator: Indicator, breakdown: Breakdown, summary: IndicatorSummary) -> ChartData:
    decimals = decimals_for(indicator)
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
        elif c.row.suppressed:
            # A withheld value shows its marker; a count the publisher released beside its suppressed value stays.
            table.append([c.label, c.status, "", "", c.row.count if c.row.count is not None else c.status])
        else:
            table.append([c.label, c.status, "", "", c.row.count])
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
            x_label=value_label(indicator),
        )

    hidden = len(breakdown.categories) - len(shown)
    summary_text = breakdown_description(
        len(shown), [c.row.value for c in shown], [c.row.lower_ci95 for c in shown], [c.row.upper_ci95 for c in shown]
    )
    withheld = sum(1 for c in breakdown.categories if c.row.suppressed)
    if withheld:
        summary_text += " " + withheld_sentence(withheld, "category", "categories")
    if hidden > withheld:
        summary_text += (
            f" {hidden - withheld} {'category has' if hidden - withheld == 1 else 'categories have'} no value."
        )
    return ChartData(breakdown.slug, title, summary_text, columns, table, build)


def lsoa_map_chart_data(indicator: Indicator, places: Comparators) -> ChartData | None:
    """A map of the indicator's values for the small areas (LSOAs) in the area's wards, when it has any."""
    wards, lsoas = small_area_codes(places.area.code)
    rows = stored_rows(
        IndicatorValue.indicator_id == indicator.id,
        IndicatorValue.area_code.in_(lsoas),
        IndicatorValue.category_type == "",
    )
    headline = headline_breakdown(rows)
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
    decimals = decimals_for(indicator)
    period = latest[1]
    title = f"{indicator.name}: {places.area.name} by small area (LSOA), {period}"
    columns = [Column("Small area (LSOA)"), Column("Ward"), Column(value_label(indicator), decimals)]
    table: list[list[Any]] = [
        [areas[r.area_code][0], ward_names.get(areas[r.area_code][1] or "", ""),
         r.marker or r.value]
        for r in rows
    ]  # fmt: skip
    shapes = [
        WardShape(r.area_code, areas[r.area_code][0], areas[r.area_code][2], None if r.suppressed else r.value,
                  r.marker or format_value(r.value, indicator))
        for r in rows
        if areas[r.area_code][2]
    ]  # fmt: skip
    if not shapes:
        return None

    def build() -> Model:
        return ward_map(title, shapes, value_label=value_label(indicator), area_word="Small area")

    summary_text = (
        f"Map of {len(shapes)} small areas (LSOAs) shaded by {indicator.name}, darker for higher values. "
        "The table lists every small area with its ward."
    )
    return ChartData("lsoa-map", title, summary_text, columns, table, build)
