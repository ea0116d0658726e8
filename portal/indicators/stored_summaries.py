"""Indicator summaries worked out when data or metadata change and stored, so pages read them (issue 17).

``refresh_summaries`` recomputes the home area's headline summary of the given indicators (all by default) with the
pure functions of :mod:`portal.indicators.summaries` and writes them to ``indicator_summaries`` in the caller's
transaction, never committing: it is called just before the commit of every import (the loader), publication
(``review.publish_indicator``) and change of comparators (``reference_data``), so readers see the old summaries with
the old values or the new with the new, and a failed change leaves both as they were.

Each stored summary also holds each period's verdict against England for its sex and age (the trend chart's,
``period_verdicts``), and the headline summary its inequality gap (which proposals, chapters and prioritisation
show), so the indicator page and those features compute neither per request.

Readers do one indexed query each. What is not stored (an indicator never refreshed, e.g. in a database migrated
but not imported since; another area; a sex and age a visitor picked) is computed as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, insert, select

from portal.deployment import home_area_code
from portal.extensions import db
from portal.importers.base import ImportResult
from portal.indicators import period_verdicts, spine_values, summaries
from portal.indicators.breakdowns import InequalityGap
from portal.indicators.catalogue import PUBLISHED, TOPIC_ORDER, TOPICS, Comparators, Row, comparators
from portal.indicators.headline_gaps import headline_gaps
from portal.indicators.period_verdicts import PeriodVerdicts
from portal.indicators.summaries import IndicatorSummary, Pair
from portal.models import Indicator, IndicatorSummaryRecord
from portal.models.base import utcnow
from portal.stats.comparison import Comparison, Polarity
from portal.stats.trend import RecentTrend, TrendDirection

HEADLINE = ""  # the ``breakdown`` key of the headline sex and age ("sex|age" for the others)
# JSON keys stored beside the summary's fields: each period's verdict against England, and (headline only) a flag
# saying its ``inequality_gap`` was worked out (summaries stored before these keys existed have neither).
VERDICTS = "period_verdicts"
WITH_GAP = "with_gap"
# And (headline only) where the area sits among every upper-tier authority, for the spine view (spine_values).
SPINE = "spine"
# Indicator ids per IN (...) list (SQLite allows 32,766 bound parameters per statement).
ID_BATCH = 5_000

Groups = list[tuple[str, list[IndicatorSummary]]]


# ---------------------------------------------------------------------------------------------------------------
# The stored form: an IndicatorSummary as JSON and back


def _plain(value: Any) -> Any:
    """numpy scalars (a trend test's p-value, say) as the Python numbers JSON can hold."""
    return value.item() if hasattr(value, "item") else value


def _shallow(record: Any) -> dict[str, Any]:
    """A dataclass's fields as plain JSON values (``dataclasses.asdict`` deep-copies, ten times slower here)."""
    return {f.name: _plain(getattr(record, f.name)) for f in fields(record)}


def to_json(summary: IndicatorSummary) -> dict[str, Any]:
    """The summary as JSON-ready data (its inequality gap too, if any)."""
    data = _shallow(summary)
    data["recent_trend"] = _shallow(summary.recent_trend)
    data["inequality_gap"] = _shallow(summary.inequality_gap) if summary.inequality_gap is not None else None
    return data


def from_json(data: Mapping[str, Any], *, keep_gap: bool = True) -> IndicatorSummary:
    """The summary stored by :func:`to_json`, with its enums and nested records restored (without its inequality
    gap unless ``keep_gap``)."""
    known = {f.name for f in fields(IndicatorSummary)}
    values = {name: value for name, value in data.items() if name in known}
    if not keep_gap:
        values["inequality_gap"] = None
    trend = dict(values["recent_trend"])
    trend["direction"] = TrendDirection(trend["direction"])
    values["recent_trend"] = RecentTrend(**trend)
    gap = values.get("inequality_gap")
    values["inequality_gap"] = InequalityGap(**gap) if gap else None
    values["polarity"] = Polarity(values["polarity"])
    for name in ("compared_to_england", "compared_to_region", "compared_to_neighbours"):
        values[name] = Comparison(values[name])
    return IndicatorSummary(**values)


# ---------------------------------------------------------------------------------------------------------------
# Writing (in the caller's transaction)


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), ID_BATCH):
        yield ids[start : start + ID_BATCH]


def breakdown_key(pair: Pair | None) -> str:
    """The ``breakdown`` column for a sex and age pair: "" for the headline pair, else "sex|age"."""
    return HEADLINE if pair is None else f"{pair[0]}|{pair[1]}"


def refresh_summaries(indicator_ids: Iterable[str] | None = None) -> int:
    """Recompute and store the home area's summaries of these indicators (every indicator when None, drafts included,
    so a preview and a later publication read them too): the headline and each other sex and age the page offers. In
    the current transaction, without committing. Returns how many summaries were written."""
    session = db.session
    wanted = None if indicator_ids is None else sorted(set(indicator_ids))
    if wanted is None:
        session.execute(delete(IndicatorSummaryRecord))
        indicators = list(session.scalars(select(Indicator)))
    else:
        indicators = []
        for batch in _batches(wanted):
            session.execute(delete(IndicatorSummaryRecord).where(IndicatorSummaryRecord.indicator_id.in_(batch)))
            indicators += session.scalars(select(Indicator).where(Indicator.id.in_(batch)))
    places = comparators(home_area_code())
    if places is None or not indicators:
        return 0
    now = utcnow()
    by_id = {indicator.id: indicator for indicator in indicators}
    found = summaries.summaries_with_rows(indicators, places)
    headlines = {summary.indicator_id: (summary.sex, summary.age) for pair, summary, _ in found if pair is None}
    gaps = headline_gaps(indicators, places, headlines)
    spines = spine_values.facts_for([summary for pair, summary, _ in found if pair is None])
    rows = [
        {
            "indicator_id": summary.indicator_id,
            "area_code": places.area.code,
            "breakdown": breakdown_key(pair),
            "topic": summary.topic,
            "compared_to_england": summary.compared_to_england.value,
            "summary": _stored_form(by_id[summary.indicator_id], places, pair, summary, values, gaps, spines),
            "computed_at": now,
        }
        for pair, summary, values in found
    ]
    session.execute(insert(IndicatorSummaryRecord), rows)
    return len(rows)


def _stored_form(
    indicator: Indicator,
    places: Comparators,
    pair: Pair | None,
    summary: IndicatorSummary,
    rows: list[Row],
    gaps: Mapping[str, InequalityGap | None],
    spines: Mapping[spine_values.SpineKey, spine_values.SpineFacts],
) -> dict[str, Any]:
    """The JSON stored for one summary: the summary (the headline's with its inequality gap, as
    ``summaries.indicator_summary`` gives it), each period's verdict against England for its sex and age, and (the
    headline's, where it has a spine row) its place among the authorities."""
    if pair is None:
        summary = summaries.with_gap(summary, gaps[indicator.id])
    data = to_json(summary)
    if pair is None:
        data[WITH_GAP] = True
    verdicts = period_verdicts.period_verdicts(indicator, places, rows, summary.sex, summary.age)
    data[VERDICTS] = period_verdicts.to_json(verdicts)
    key = spine_values.spine_key(summary) if pair is None else None
    if key is not None:
        data[SPINE] = spine_values.to_json(spines[key])
    return data


def imported_indicator_ids(result: ImportResult, previous_import_ids: Iterable[int]) -> set[str]:
    """The indicators an import touches: those its file gives values or metadata for, and those the source's previous
    imports defined (whose values it has just replaced)."""
    ids: set[str] = set()
    for frame in (result.values, result.indicators):
        if "indicator_id" in frame.columns:
            # Each distinct id once (a categorical column's codes are deduplicated without reading its strings).
            ids |= {str(i) for i in pd.unique(frame["indicator_id"])}
    previous = list(previous_import_ids)
    if previous:
        ids |= set(db.session.scalars(select(Indicator.id).where(Indicator.data_import_id.in_(previous))))
    return {str(i) for i in ids}


def summaries_missing() -> bool:
    """Whether some indicator has no stored summary (a database migrated since its last import)."""
    stored = (
        select(IndicatorSummaryRecord.id)
        .where(
            IndicatorSummaryRecord.indicator_id == Indicator.id,
            IndicatorSummaryRecord.area_code == home_area_code(),
            IndicatorSummaryRecord.breakdown == HEADLINE,
        )
        .exists()
    )
    return bool(db.session.scalar(select(select(Indicator.id).where(~stored).exists())))


# ---------------------------------------------------------------------------------------------------------------
# Reading (one indexed query each)


def _order(summary: IndicatorSummary) -> tuple[int, str, str]:
    """The overview's order: topic, then name, then id (as ``catalogue.list_indicators``)."""
    return TOPIC_ORDER.get(summary.topic, len(TOPICS)), summary.name.lower(), summary.indicator_id


def stored_overview(topic: str | None = None, significance: str | None = None) -> Groups:
    """``summaries.overview(topic, significance)`` from the stored summaries, in one query: every published indicator
    (of the topic) joined to its stored summary by the table's unique key."""
    record = IndicatorSummaryRecord
    joined = and_(
        record.indicator_id == Indicator.id, record.area_code == home_area_code(), record.breakdown == HEADLINE
    )
    query = select(Indicator.id, record.summary).outerjoin(record, joined).where(Indicator.status == PUBLISHED)
    if topic:
        query = query.where(Indicator.topic == topic)
    if significance:
        query = query.where((record.compared_to_england == significance) | record.id.is_(None))
    found = db.session.execute(query).all()
    items = [from_json(data, keep_gap=False) for _, data in found if data is not None]
    missing = [indicator_id for indicator_id, data in found if data is None]
    if missing:
        # Never refreshed (e.g. a database migrated but not imported since): computed here, as before this table.
        places = comparators(home_area_code())
        unstored = list(db.session.scalars(select(Indicator).where(Indicator.id.in_(missing))))
        items += summaries.summarise_many(unstored, places) if places is not None else []
    items.sort(key=_order)
    return summaries.group_by_topic(items, significance)


def _stored_json(indicator_id: str, area_code: str | None, pair: Pair | None) -> dict[str, Any] | None:
    record = IndicatorSummaryRecord
    return db.session.scalar(
        select(record.summary).where(
            record.indicator_id == indicator_id,
            record.area_code == (area_code or home_area_code()),
            record.breakdown == breakdown_key(pair),
        )
    )


def stored_summary(
    indicator_id: str, area_code: str | None = None, *, pair: Pair | None = None
) -> IndicatorSummary | None:
    """The stored summary of the indicator for the area (home by default), for a chosen sex and age ``pair`` or the
    headline (with its inequality gap, where stored); None when none is stored (the caller computes it)."""
    data = _stored_json(indicator_id, area_code, pair)
    return from_json(data) if data is not None else None


def stored_page_summary(
    indicator_id: str, area_code: str | None = None, *, pair: Pair | None = None
) -> tuple[IndicatorSummary, PeriodVerdicts | None] | None:
    """:func:`stored_summary` with each period's stored verdict against England for its sex and age (None when the
    summary was stored before they were), in the same query; None when no summary is stored."""
    data = _stored_json(indicator_id, area_code, pair)
    if data is None:
        return None
    return from_json(data), period_verdicts.from_json(data.get(VERDICTS))


def stored_spine_facts(indicator_ids: Iterable[str]) -> dict[str, spine_values.SpineFacts]:
    """The stored place among the authorities of these indicators' headline summaries (home area), by id, in one
    query reading only that part of each summary; those stored without one are left out (the caller computes them)."""
    ids = sorted(set(indicator_ids))
    record = IndicatorSummaryRecord
    found: dict[str, spine_values.SpineFacts] = {}
    for batch in _batches(ids):
        query = select(record.indicator_id, record.summary[SPINE]).where(
            record.indicator_id.in_(batch), record.area_code == home_area_code(), record.breakdown == HEADLINE
        )
        for indicator_id, data in db.session.execute(query):
            facts = spine_values.from_json(data)
            if facts is not None:
                found[indicator_id] = facts
    return found


def _published_json(indicator_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored headline JSON of those of these indicators that are published and have one, by id (one query)."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return {}
    record = IndicatorSummaryRecord
    query = (
        select(record.indicator_id, record.summary)
        .join(Indicator, Indicator.id == record.indicator_id)
        .where(
            record.indicator_id.in_(ids),
            record.area_code == home_area_code(),
            record.breakdown == HEADLINE,
            Indicator.status == PUBLISHED,
        )
    )
    return {indicator_id: data for indicator_id, data in db.session.execute(query)}


def published_summaries(indicator_ids: Iterable[str]) -> dict[str, IndicatorSummary]:
    """The stored headline summaries (home area, with their inequality gaps where stored) of those of these
    indicators that are published and have one, by id, in one query."""
    return {indicator_id: from_json(data) for indicator_id, data in _published_json(indicator_ids).items()}


def headline_summaries(indicator_ids: Iterable[str], *, with_gap: bool = False) -> dict[str, IndicatorSummary | None]:
    """Each indicator's headline summary for the home area, as ``summaries.indicator_summary`` gives it (None for an
    unknown id or a draft), read from the stored summaries in one query. Only those not stored (or, ``with_gap``,
    stored before their inequality gap was) are computed."""
    ids = list(dict.fromkeys(indicator_ids))
    stored = _published_json(ids)
    out: dict[str, IndicatorSummary | None] = {}
    for indicator_id in ids:
        data = stored.get(indicator_id)
        if data is not None and (data.get(WITH_GAP) or not with_gap):
            out[indicator_id] = from_json(data)
        else:
            out[indicator_id] = summaries.indicator_summary(indicator_id)
    return out


def headline_summary(indicator_id: str, *, with_gap: bool = False) -> IndicatorSummary | None:
    """One indicator's headline summary for the home area (see :func:`headline_summaries`)."""
    return headline_summaries([indicator_id], with_gap=with_gap)[indicator_id]
