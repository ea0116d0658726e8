"""Every stored value of an indicator with its comparisons and recent trend, as the open data API serves them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from portal.deployment import england_code
from portal.extensions import db
from portal.indicators.catalogue import Row, area_names, get_indicator, stored_rows
from portal.indicators.summaries import Verdict, row_verdict, series_trend
from portal.models import Area, IndicatorValue
from portal.stats.comparison import Comparison
from portal.stats.trend import TREND_POINTS, TrendDirection

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
    rows = stored_rows(*conditions)
    if not rows:
        return []
    codes = {r.area_code for r in rows}
    regions = _regions_of(codes)
    england = england_code()
    benchmark_codes = {england} | {r for r in regions.values() if r}
    # Benchmarks are the overall (no category) values of England and the regions, for the same period, sex and age.
    bench_rows = stored_rows(
        IndicatorValue.indicator_id == indicator_id,
        IndicatorValue.area_code.in_(benchmark_codes),
        IndicatorValue.category_type == "",
    )
    benchmark = {(r.area_code, r.period, r.sex, r.age): r.value for r in bench_rows}
    names = area_names(codes)
    types = dict(db.session.execute(select(Area.code, Area.area_type).where(Area.code.in_(codes))).all())
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
            Verdict(Comparison.NOT_COMPARED)
            if own_england
            else row_verdict(
                r, benchmark.get((england, r.period, r.sex, r.age)), indicator, r.source_compared_to_england
            )
        )
        region_value = benchmark.get((region, r.period, r.sex, r.age)) if region else None
        to_region = row_verdict(r, region_value, indicator, r.source_compared_to_region)
        key = (r.area_code, r.sex, r.age, r.category_type, r.category)
        out.append(
            {
                "indicator_id": r.indicator_id,
                "area_code": r.area_code,
                "area_name": names.get(r.area_code, r.area_code),
                "area_type": types.get(r.area_code, "other"),
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
                "suppressed_by": r.suppressed_by,
                "derived": r.derived,
                "compared_to_england": to_england.comparison.value,
                "compared_to_region": to_region.comparison.value,
                "compared_to_england_source": to_england.source,
                "compared_to_region_source": to_region.source,
                "recent_trend": trend_of[(key, r.period)],
            }
        )
    return out
