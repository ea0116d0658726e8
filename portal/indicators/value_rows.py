"""Every stored value of an indicator with its comparisons and recent trend, as the open data API serves them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, tuple_

from portal.deployment import england_code
from portal.extensions import db
from portal.indicators.catalogue import _ROW_COLUMNS, Row, area_names, get_indicator, released, stored_rows
from portal.indicators.row_verdicts import Verdict, row_verdict, series_trend
from portal.models import Area, IndicatorValue
from portal.stats.comparison import Comparison
from portal.stats.trend import TREND_POINTS, TrendDirection, period_years

# ---------------------------------------------------------------------------------------------------------------
# Value rows for the API

# A page's benchmarks are read for its own periods when they are this few (bound parameters have limits).
MAX_PERIODS_IN_QUERY = 500


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


def trend_window_start(periods: list[str], end: int, years_of: dict[str, tuple[int, int] | None]) -> int:
    """Where the rows a trend as at ``end`` depends on begin: walking back from ``end`` as
    :func:`portal.stats.trend.non_overlapping` does, the row of the ``TREND_POINTS``-th period kept (else 0).

    A trend uses only its last ``TREND_POINTS`` non-overlapping periods, and which periods are kept depends only on
    the periods after them, so the trend of ``rows[start : end + 1]`` is the trend of ``rows[: end + 1]``. This keeps
    the trend at every period of a long series linear in its length instead of quadratic.
    """
    kept = 0
    next_start: int | None = None
    for index in range(end, -1, -1):
        label = periods[index]
        if label not in years_of:
            years_of[label] = period_years(label)
        years = years_of[label]
        if years is None:
            kept += 1
        elif next_start is None or years[1] < next_start:
            kept += 1
            next_start = years[0]
        if kept == TREND_POINTS:
            return index
    return 0


def count_value_rows(
    indicator_id: str,
    area_code: str | None = None,
    sex: str | None = None,
    age: str | None = None,
    category_type: str | None = None,
) -> int:
    """How many rows :func:`value_rows_with_comparisons` gives for these filters (one indexed COUNT)."""
    conditions = _conditions(indicator_id, area_code, sex, age, category_type)
    return int(db.session.scalar(select(func.count()).select_from(IndicatorValue).where(*conditions)) or 0)


def _conditions(
    indicator_id: str, area_code: str | None, sex: str | None, age: str | None, category_type: str | None
) -> list[Any]:
    conditions: list[Any] = [IndicatorValue.indicator_id == indicator_id]
    if area_code:
        conditions.append(IndicatorValue.area_code == area_code)
    if sex:
        conditions.append(IndicatorValue.sex == sex)
    if age:
        conditions.append(IndicatorValue.age == age)
    if category_type is not None:
        conditions.append(IndicatorValue.category_type == category_type)
    return conditions


def api_rows_query(*conditions: Any) -> Any:
    """The rows of the API in its order (oldest period first, then as stored): a total order, so pages never overlap."""
    return (
        select(*_ROW_COLUMNS)
        .where(*conditions)
        .order_by(IndicatorValue.period_sortable, IndicatorValue.period, IndicatorValue.id)
    )


# The table's unique key after the indicator: cursor pages come in this order, so the unique index (indicator_id first)
# finds any page's first row and reads on from it, whatever the page's depth.
KEY_FIELDS = ("area_code", "period", "sex", "age", "category_type", "category")
_KEY_COLUMNS = tuple(getattr(IndicatorValue, name) for name in KEY_FIELDS)


def key_rows_query(*conditions: Any, after: tuple[str, ...] | None = None) -> Any:
    """The rows in the table's key order (area, period, sex, age, breakdown), starting after the key ``after``."""
    query = select(*_ROW_COLUMNS).where(*conditions)
    if after is not None:
        query = query.where(tuple_(*_KEY_COLUMNS) > tuple_(*after))
    return query.order_by(*_KEY_COLUMNS)


def _history(conditions: list[Any], rows: list[Row]) -> list[Row]:
    """The rows of a page's areas up to its last period (oldest first): what the trends on the page look back at."""
    latest = max(r.period_sortable for r in rows)
    codes = sorted({r.area_code for r in rows})
    found: list[Row] = []
    for start in range(0, len(codes), MAX_PERIODS_IN_QUERY):
        chunk = codes[start : start + MAX_PERIODS_IN_QUERY]
        query = api_rows_query(
            *conditions, IndicatorValue.area_code.in_(chunk), IndicatorValue.period_sortable <= latest
        )
        found += [released(Row(*r)) for r in db.session.execute(query)]
    return found


def value_rows_with_comparisons(
    indicator_id: str,
    area_code: str | None = None,
    sex: str | None = None,
    age: str | None = None,
    category_type: str | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    key_order: bool = False,
    after: tuple[str, ...] | None = None,
) -> list[dict[str, Any]]:
    """Every stored value of the indicator (optionally filtered), each with ``compared_to_england``,
    ``compared_to_region`` and ``recent_trend`` in Fingertips' words; [] for an unknown indicator.

    ``offset`` and ``limit`` give one page of them: comparisons and trends are worked out for that page only (each
    trend from the few earlier periods it depends on). With ``key_order`` the rows come in the table's key order
    (:data:`KEY_FIELDS`) instead of oldest period first, starting after the key ``after``: a cursor page, which costs
    the same at any depth."""
    indicator = get_indicator(indicator_id)
    if indicator is None:
        return []
    conditions = _conditions(indicator_id, area_code, sex, age, category_type)
    query = key_rows_query(*conditions, after=after) if key_order else api_rows_query(*conditions)
    if limit is not None:
        query = query.offset(offset).limit(limit)
    # Through the small-numbers policy, as every other reader of values (catalogue.stored_rows).
    rows = [released(Row(*r)) for r in db.session.execute(query)]
    if not rows:
        return []
    history = rows if limit is None else _history(conditions, rows)
    codes = {r.area_code for r in rows}
    regions = _regions_of(codes)
    england = england_code()
    benchmark_codes = {england} | {r for r in regions.values() if r}
    # Benchmarks are the overall (no category) values of England and the regions, for the same period, sex and age.
    page_periods = {r.period for r in rows}
    bench_rows = stored_rows(
        IndicatorValue.indicator_id == indicator_id,
        IndicatorValue.area_code.in_(benchmark_codes),
        IndicatorValue.category_type == "",
        *([IndicatorValue.period.in_(page_periods)] if len(page_periods) <= MAX_PERIODS_IN_QUERY else []),
    )
    benchmark = {(r.area_code, r.period, r.sex, r.age): r.value for r in bench_rows}
    names = area_names(codes)
    types = dict(db.session.execute(select(Area.code, Area.area_type).where(Area.code.in_(codes))).all())
    wanted = {(r.area_code, r.sex, r.age, r.category_type, r.category, r.period) for r in rows}
    needed = {key[:5] for key in wanted}
    # Each series on this page in full (oldest first), since a trend looks back at earlier periods.
    series: dict[tuple[str, str, str, str, str], list[Row]] = defaultdict(list)
    for r in history:
        key = (r.area_code, r.sex, r.age, r.category_type, r.category)
        if key in needed:
            series[key].append(r)
    trend_of: dict[tuple[Any, ...], str] = {}
    years_of: dict[str, tuple[int, int] | None] = {}
    for key, group in series.items():
        periods = [r.period for r in group]
        # The recent trend as at each period on this page, from the values up to and including it.
        for index, r in enumerate(group):
            if (*key, r.period) not in wanted:
                continue
            if index + 1 < TREND_POINTS and not r.source_recent_trend:
                trend_of[(key, r.period)] = TrendDirection.CANNOT_BE_CALCULATED.value
            else:
                start = trend_window_start(periods, index, years_of)
                trend_of[(key, r.period)] = series_trend(group[start : index + 1], indicator).label
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
