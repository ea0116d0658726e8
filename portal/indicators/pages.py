"""The indicator page: its summary, charts, breakdown charts, value notes and the import it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from portal.deployment import england_code, home_area_code
from portal.extensions import db
from portal.indicators.breakdowns import (
    Breakdown,
    MissingBreakdown,
    Selection,
    breakdowns,
    gap_sentence,
    inequality_gap,
    missing_breakdowns,
    selection,
)
from portal.indicators.catalogue import (
    POPULATION_INDICATOR,
    Comparators,
    comparator_codes,
    comparators,
    get_indicator,
    get_published_indicator,
    published_levels,
    stored_rows,
)
from portal.indicators.chart_data import (
    ChartData,
    breakdown_chart_data,
    compare_chart_data,
    data_version,
    lsoa_map_chart_data,
    trend_chart_data,
)
from portal.indicators.stored_summaries import stored_page_summary
from portal.indicators.summaries import IndicatorSummary, summarise, with_gap
from portal.indicators.wards import indicator_ward_map, population_pyramid_data
from portal.models import DataImport, Indicator, IndicatorValue


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
    selection: Selection | None = None
    missing: list[MissingBreakdown] = field(default_factory=list)
    gap_text: str = ""


def _indicator_charts(
    indicator: Indicator, places: Comparators, chosen: Selection | None = None
) -> tuple[IndicatorSummary, list[ChartData], list[ChartData], list[Breakdown]]:
    pair = (chosen.sex, chosen.age) if chosen is not None and chosen.chosen else None
    stored = stored_page_summary(indicator.id, places.area.code, pair=pair)
    verdicts = None
    if stored is not None:
        summary, verdicts = stored
    else:
        # Not stored (another area, or no import since the table was added): computed.
        rows = stored_rows(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.area_code.in_(comparator_codes(places)),
            IndicatorValue.category_type == "",
        )
        if pair is not None:
            # The summary quotes the headline pair of the rows it is given: give it the chosen pair only.
            rows = [r for r in rows if (r.sex, r.age) == pair]
        level = published_levels([indicator.id], places.area.code).get(indicator.id, "")
        summary = summarise(indicator, rows, places, published_for=level)
    found = breakdowns(indicator, places, summary.sex, summary.age)
    summary = with_gap(summary, inequality_gap(found, indicator))
    main = [
        trend_chart_data(indicator, places, summary, verdicts),
        compare_chart_data(
            indicator,
            places,
            summary,
            slug="compare-region",
            codes=places.region_authorities,
            group_name=f"{places.region.name if places.region else 'Region'} authorities",
        ),
        compare_chart_data(
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
            england = places.england.code if places.england else england_code()
            pyramid = population_pyramid_data(places.area.code, england)
            if pyramid is not None:
                detail.append(pyramid)
                continue
        detail.append(breakdown_chart_data(indicator, breakdown, summary))
        if breakdown.slug == "ward":
            ward_map = indicator_ward_map(indicator, places.area.code)
            if ward_map is not None:
                detail.append(ward_map)
    lsoa_map = lsoa_map_chart_data(indicator, places)
    if lsoa_map is not None:
        detail.append(lsoa_map)
    return summary, [c for c in main if c is not None], detail, found


def indicator_page(
    indicator_id: str,
    area_code: str | None = None,
    *,
    preview: bool = False,
    sex: str | None = None,
    age: str | None = None,
) -> IndicatorPage | None:
    """The indicator page's content for an area (home by default), for the chosen sex and age where the data holds
    them; None if the indicator or area is unknown, or the indicator is a draft and this is not an analyst's
    ``preview``."""
    indicator = get_indicator(indicator_id) if preview else get_published_indicator(indicator_id)
    places = comparators(area_code or home_area_code())
    if indicator is None or places is None:
        return None
    chosen = selection(indicator, places.area.code, sex, age)
    summary, charts, breakdown_charts, found = _indicator_charts(indicator, places, chosen)
    gap = summary.inequality_gap
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
        selection=chosen,
        missing=missing_breakdowns(
            indicator, found, chosen, has_small_areas=any(c.slug == "lsoa-map" for c in breakdown_charts)
        ),
        gap_text=gap_sentence(gap, indicator) if gap is not None else "",
    )


def indicator_chart(
    indicator_id: str,
    slug: str,
    area_code: str | None = None,
    *,
    preview: bool = False,
    sex: str | None = None,
    age: str | None = None,
) -> ChartData | None:
    """One chart of the indicator page by its slug ("trend", "compare-region", "sex", "ward"…), or None (also for a
    draft, unless this is an analyst's ``preview``)."""
    indicator = get_indicator(indicator_id) if preview else get_published_indicator(indicator_id)
    places = comparators(area_code or home_area_code())
    if indicator is None or places is None:
        return None
    chosen = selection(indicator, places.area.code, sex, age)
    _, charts, breakdown_charts, _ = _indicator_charts(indicator, places, chosen)
    return next((c for c in [*charts, *breakdown_charts] if c.slug == slug), None)
