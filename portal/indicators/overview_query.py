"""A bounded part of the key dataset overview, read in one query whatever the number of indicators (issue 17): each
topic's first few, or one page of a list, with how many match in all. The limits are window functions in SQL, so
only the summaries shown are read and decoded; the order is ``stored_summaries.stored_overview``'s (topic, lower-cased
name, id), so the slices of a list put together are exactly that list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, false, func, or_, select

from portal.deployment import home_area_code
from portal.extensions import db
from portal.indicators import summaries
from portal.indicators.catalogue import comparators
from portal.indicators.ranked_indicators import Window, ranked_indicators, read_window
from portal.indicators.stored_summaries import HEADLINE, Groups, from_json
from portal.indicators.summaries import IndicatorSummary
from portal.models import Indicator, IndicatorSummaryRecord


@dataclass(frozen=True)
class OverviewSlice:
    """Part of the overview: the summaries shown, grouped by topic, and how many indicators match in all."""

    groups: Groups
    topic_totals: dict[str, int]  # topic -> indicators matching the filters (shown or not); per-topic reads only
    total: int  # indicators matching the filters
    offset: int = 0  # of the first one shown, in the overview's order (after a page past the end is clamped)


def stored_overview_slice(
    topic: str | None = None,
    significance: str | None = None,
    *,
    ids: Sequence[str] | None = None,
    id_prefix: str = "",
    per_topic: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> OverviewSlice:
    """A bounded part of ``stored_overview(topic, significance)`` in the same order, read in one query: with
    ``per_topic``, the first ``per_topic`` of each topic and each topic's total; otherwise ``limit`` indicators from
    ``offset`` (a page; an offset past the end gives the last page) and the total. ``ids`` and ``id_prefix`` narrow
    it to those ids or ids with that prefix (a theme). Summaries never stored are computed, for the shown ones only
    (with ``significance`` a computed one may then not match, so a slice can hold fewer than asked)."""
    record = IndicatorSummaryRecord
    joined = and_(
        record.indicator_id == Indicator.id, record.area_code == home_area_code(), record.breakdown == HEADLINE
    )
    conditions: list[ColumnElement[bool]] = []
    if topic:
        conditions.append(Indicator.topic == topic)
    if significance:
        conditions.append((record.compared_to_england == significance) | record.id.is_(None))
    if ids is not None or id_prefix:
        within: list[ColumnElement[bool]] = [Indicator.id.in_(sorted(set(ids)))] if ids else []
        if id_prefix:  # substr, not LIKE: case-sensitive on SQLite too, as str.startswith
            within.append(func.substr(Indicator.id, 1, len(id_prefix)) == id_prefix)
        conditions.append(or_(*within) if within else false())
    ranked = ranked_indicators(conditions, outer_join=(record.__table__, joined))
    shown = and_(
        record.indicator_id == ranked.c.indicator_id, record.area_code == home_area_code(), record.breakdown == HEADLINE
    )
    query = select(ranked.c.indicator_id, ranked.c.topic, ranked.c.topic_total, ranked.c.total, record.summary)
    found, offset = read_window(ranked, query.outerjoin(record, shown), Window(per_topic, offset, limit))
    missing = [row.indicator_id for row in found if row.summary is None]
    computed: dict[str, IndicatorSummary] = {}
    if missing:
        # Never refreshed (e.g. a database migrated but not imported since): computed here, as stored_overview does.
        places = comparators(home_area_code())
        unstored = list(db.session.scalars(select(Indicator).where(Indicator.id.in_(missing))))
        computed = {s.indicator_id: s for s in summaries.summarise_many(unstored, places)} if places else {}
    items = [
        # The overview shows no inequality gap (and stored_overview drops it): the same summaries here.
        replace(from_json(row.summary), inequality_gap=None) if row.summary is not None else computed[row.indicator_id]
        for row in found
        if row.summary is not None or row.indicator_id in computed
    ]
    totals = {row.topic: int(row.topic_total) for row in found} if per_topic is not None else {}
    return OverviewSlice(
        summaries.group_by_topic(items, significance), totals, int(found[0].total) if found else 0, offset
    )
