"""The inequality gap of many indicators at once, as each indicator's headline summary quotes it, for the summaries
stored when data is imported (issue 17): the area's own breakdowns read with one query per kind of row for all the
indicators, where :func:`portal.indicators.breakdowns.breakdowns` reads five per indicator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from portal.indicators.breakdowns import (
    InequalityGap,
    area_breakdowns,
    inequality_gap,
    lsoa_quintiles,
    ward_names,
)
from portal.indicators.catalogue import Comparators, Row, small_area_codes, stored_rows
from portal.models import Indicator, IndicatorValue
from portal.small_areas.loading import current_frames


def _by_indicator(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows grouped by indicator, each group still oldest first."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        grouped[r.indicator_id].append(r)
    return grouped


def headline_gaps(
    indicators: Sequence[Indicator], places: Comparators, pairs: Mapping[str, tuple[str, str]]
) -> dict[str, InequalityGap | None]:
    """Each indicator's inequality gap for the area at its (sex, age) in ``pairs``, as
    ``inequality_gap(breakdowns(indicator, places, sex, age), indicator)`` gives it (England's own category types,
    which that adds last, never give a gap)."""
    wanted = [i for i in indicators if i.value_type != "count"]  # counts have no gap
    if not wanted:
        return {i.id: None for i in indicators}
    ids = [i.id for i in wanted]
    area = places.area.code
    area_rows = _by_indicator(stored_rows(IndicatorValue.indicator_id.in_(ids), IndicatorValue.area_code == area))
    wards = ward_names(area)
    ward_rows = (
        _by_indicator(
            stored_rows(
                IndicatorValue.indicator_id.in_(ids),
                IndicatorValue.area_code.in_(list(wards)),
                IndicatorValue.category_type == "",
            )
        )
        if wards
        else {}
    )
    by_lsoa = [i.id for i in wanted if i.topic != "deprivation"]
    _, lsoas = small_area_codes(area)
    lsoa_rows = (
        _by_indicator(
            stored_rows(
                IndicatorValue.indicator_id.in_(by_lsoa),
                IndicatorValue.area_code.in_(lsoas),
                IndicatorValue.category_type == "",
            )
        )
        if by_lsoa
        else {}
    )
    frames = current_frames() if by_lsoa else None
    gaps: dict[str, InequalityGap | None] = {i.id: None for i in indicators}
    for indicator in wanted:
        sex, age = pairs[indicator.id]
        found = area_breakdowns(
            indicator, places, sex, age, area_rows.get(indicator.id, []), wards, ward_rows.get(indicator.id, [])
        )
        grouped = lsoa_quintiles(indicator, places, lsoa_rows.get(indicator.id, []), frames)
        if grouped is not None:
            found.append(grouped)
        gaps[indicator.id] = inequality_gap(found, indicator)
    return gaps
