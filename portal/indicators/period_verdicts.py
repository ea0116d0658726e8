"""Each period's verdict against England for the area's series, as the indicator page's trend chart and its table
give it (issue 17): worked out when data is imported and stored with the summary of the same sex and age
(``stored_summaries.refresh_summaries``), or here, per request, when none is stored."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from portal.indicators.catalogue import Comparators, Row
from portal.indicators.row_verdicts import Verdict, row_verdict
from portal.models import Indicator
from portal.stats.comparison import Comparison

PeriodVerdicts = dict[str, Verdict]


def compared_with_england(indicator: Indicator, places: Comparators) -> bool:
    """Whether the trend chart compares each period with England: not for counts (England's count dwarfs the area's),
    and only where there is an England."""
    return indicator.value_type != "count" and places.england is not None


def period_verdicts(
    indicator: Indicator, places: Comparators, rows: Sequence[Row], sex: str, age: str
) -> PeriodVerdicts:
    """Each period of the area's ``sex`` and ``age`` series (``rows`` oldest first, no categories, the area's and
    England's among others) with its verdict against England's value for the period: computed where the portal can,
    else the publisher's own. Empty when the chart does not compare with England."""
    if not compared_with_england(indicator, places) or places.england is None:
        return {}
    own: dict[str, Row] = {}
    england: dict[str, float | None] = {}
    area_code, england_code = places.area.code, places.england.code  # read once: ORM attributes, per row in the loop
    for r in rows:
        if r.category_type or r.sex != sex or r.age != age:
            continue
        if r.area_code == area_code:
            own[r.period] = r
        if r.area_code == england_code:
            england[r.period] = r.value
    return {
        period: row_verdict(row, england.get(period), indicator, row.source_compared_to_england)
        for period, row in own.items()
    }


def to_json(verdicts: PeriodVerdicts) -> list[list[str]]:
    """The verdicts as JSON-ready [period, comparison, source] triples."""
    return [[period, verdict.comparison.value, verdict.source] for period, verdict in verdicts.items()]


def from_json(data: Any) -> PeriodVerdicts | None:
    """The verdicts stored by :func:`to_json`; None when none were stored (a summary stored before they were)."""
    if not isinstance(data, list):
        return None
    return {period: Verdict(Comparison(comparison), source) for period, comparison, source in data}


def stored_or_computed(
    stored: Mapping[str, Verdict] | None,
    periods: Sequence[str],
    compute: Callable[[], Mapping[str, Verdict]],
) -> list[Verdict]:
    """The stored verdict of each period when every one of them is stored, else ``compute()``'s (a mapping too)."""
    if stored is not None and all(p in stored for p in periods):
        return [stored[p] for p in periods]
    computed = compute()
    return [computed[p] for p in periods]
