"""Where the home area's latest value sits among every upper-tier authority's, for the overview's spine chart: how
many authorities have a value for the summary's period, sex and age, the range of those values and the area's rank.

They are worked out with the stored summaries (``stored_summaries.refresh_summaries``, when data is imported) and
stored with the headline summary, so the spine view reads them instead of every authority's values (half a second
per view on a million values). Only a summary stored before they were has them computed here, per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, or_, select

from portal.extensions import db
from portal.indicators.catalogue import values_query
from portal.indicators.summaries import IndicatorSummary
from portal.models import Area, IndicatorValue
from portal.stats.small_numbers import Disclosure, disclosure
from portal.stats.spine import SpineRange, rank, spine_range

UPPER_TIER = "county_ua"
# England's value of a count is the national total, not a benchmark for one authority: no spine for counts.
NO_SPINE_TYPES = frozenset({"count"})
# Summaries whose authorities' values one query reads: each binds its indicator, period, sex and age and every
# authority's code (about 150), and SQLite allows 32,766 bound parameters per statement.
KEYS_PER_QUERY = 100
MAX_PARAMETERS = 30_000

# (indicator id, period, sex, age): the values a summary's spine row is drawn from.
SpineKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class SpineFacts:
    """A summary's place among the authorities: ``spread`` is None when too few have a value to draw a range, and
    ``position`` (1 = best, or highest where neither is better) is None without a spread or a value."""

    authorities: int  # upper-tier authorities with a value for the same period, sex and age
    spread: SpineRange | None
    position: int | None


def spine_key(summary: IndicatorSummary) -> SpineKey | None:
    """The values the summary's spine row needs; None when it has no row (no latest value, no England value, or a
    count)."""
    if not summary.period or summary.value is None or summary.england_value is None:
        return None
    if summary.value_type in NO_SPINE_TYPES:
        return None
    return summary.indicator_id, summary.period, summary.sex, summary.age


def authority_values(keys: Iterable[SpineKey]) -> dict[SpineKey, list[float]]:
    """Every upper-tier authority's value for each key (as the small-numbers policy lets them be shown), read from
    indicator_values or from what ``catalogue.reading_values_from`` names (an import's incoming values)."""
    wanted = sorted(set(keys))
    values: dict[SpineKey, list[float]] = defaultdict(list)
    if not wanted:
        return values
    codes = list(db.session.scalars(select(Area.code).where(Area.area_type == UPPER_TIER)))
    if not codes:
        return values
    per_query = max(1, min(KEYS_PER_QUERY, MAX_PARAMETERS // (len(codes) + 4)))
    value = IndicatorValue
    for start in range(0, len(wanted), per_query):
        # Each key's whole index prefix (indicator, area, period, sex, age): the unique key finds each authority's
        # value directly, where a key without the areas read every value of the indicator (1,000 for each value
        # kept, on the bench data).
        keyed = [
            and_(
                value.indicator_id == indicator_id,
                value.area_code.in_(codes),
                value.period == period,
                value.sex == sex,
                value.age == age,
            )
            for indicator_id, period, sex, age in wanted[start : start + per_query]
        ]
        query = select(
            value.indicator_id,
            value.period,
            value.sex,
            value.age,
            value.value,
            value.suppressed,
            value.derived,
            value.count,
        ).where(or_(*keyed), value.category_type == "", value.value.is_not(None))
        for indicator_id, period, sex, age, figure, suppressed, derived, count in db.session.execute(
            values_query(query)
        ):
            if figure is None:  # excluded by the query; the column itself may hold NULLs
                continue
            if disclosure(publisher_suppressed=suppressed, derived=derived, count=count) is Disclosure.PORTAL:
                continue  # withheld by the portal, on every page, so not placed on the spine either
            values[(indicator_id, period, sex, age)].append(float(figure))
    return values


def spine_facts(values: Sequence[float], summary: IndicatorSummary) -> SpineFacts:
    """The summary's place among the authorities' ``values`` (its own among them)."""
    spread = spine_range(values)
    if spread is None or summary.value is None:
        return SpineFacts(len(values), spread, None)
    return SpineFacts(len(values), spread, rank(values, summary.value, summary.polarity))


def facts_for(summaries: Sequence[IndicatorSummary]) -> dict[SpineKey, SpineFacts]:
    """Each summary's facts (those with a spine row), reading the authorities' values in as few queries as fit."""
    keyed = {key: summary for summary in summaries if (key := spine_key(summary)) is not None}
    values = authority_values(keyed)
    return {key: spine_facts(values.get(key, []), summary) for key, summary in keyed.items()}


def to_json(facts: SpineFacts) -> dict[str, Any]:
    """The facts as JSON-ready data."""
    return {
        "authorities": facts.authorities,
        "spread": asdict(facts.spread) if facts.spread is not None else None,
        "position": facts.position,
    }


def from_json(data: Mapping[str, Any] | None) -> SpineFacts | None:
    """The facts stored by :func:`to_json`; None when none were stored."""
    if not isinstance(data, Mapping):
        return None
    spread = data.get("spread")
    return SpineFacts(int(data["authorities"]), SpineRange(**spread) if spread else None, data.get("position"))
