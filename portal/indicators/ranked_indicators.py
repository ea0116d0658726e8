"""Published indicators ranked in the overview's order (topic, lower-cased name, id) by window functions, and one
window of them read in one query: each topic's first few, or one page of the list. The overview
(``overview_query``) and the compare page (``compare_query``) both choose what they show this way, so their slices
put together are exactly their whole lists, whatever the number of indicators (issue 17)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Row, Select, case, func, select
from sqlalchemy.sql import Subquery

from portal.extensions import db
from portal.indicators.catalogue import PUBLISHED, TOPIC_ORDER, TOPICS
from portal.models import Indicator


@dataclass(frozen=True)
class Window:
    """Which ranked indicators to read: each topic's first ``per_topic``, or ``limit`` from ``offset`` (all of them
    from ``offset`` without a limit)."""

    per_topic: int | None = None
    offset: int = 0
    limit: int | None = None


def name_order(column: Any) -> ColumnElement[Any]:
    """Lower-cased name in code-point order on every backend (as Python sorts ``name.lower()`` for ASCII names)."""
    lowered = func.lower(column)
    bind = db.session.get_bind()
    return lowered.collate("C") if bind.dialect.name == "postgresql" else lowered


def ranked_indicators(
    conditions: Sequence[ColumnElement[bool]], *, outer_join: tuple[FromClause, ColumnElement[bool]] | None = None
) -> Subquery:
    """The published indicators meeting ``conditions`` (on ``Indicator`` and, with ``outer_join``, the table joined),
    each with its place: ``in_topic`` and ``topic_total`` within its topic, ``position`` and ``total`` in the list."""
    topic_rank = case(TOPIC_ORDER, value=Indicator.topic, else_=len(TOPICS))
    name = name_order(Indicator.name)
    query = select(
        Indicator.id.label("indicator_id"),
        Indicator.topic.label("topic"),
        func.row_number().over(partition_by=Indicator.topic, order_by=(name, Indicator.id)).label("in_topic"),
        func.count().over(partition_by=Indicator.topic).label("topic_total"),
        func.row_number().over(order_by=(topic_rank, name, Indicator.id)).label("position"),
        func.count().over().label("total"),
    )
    if outer_join is not None:
        query = query.outerjoin(*outer_join)
    return query.where(Indicator.status == PUBLISHED, *conditions).subquery()


def read_window(ranked: Subquery, query: Select[Any], window: Window) -> tuple[Sequence[Row[Any]], int]:
    """The rows of ``query`` (which selects from ``ranked``) inside the window, in the list's order, and the offset of
    the first. A page past the end (the list shrank, or a made-up number) reads the last page instead."""
    found = db.session.execute(_within(ranked, query, window)).all()
    if found or window.offset <= 0 or window.per_topic is not None:
        return found, window.offset
    total = db.session.scalar(select(func.count()).select_from(ranked)) or 0
    last = max(0, (total - 1) // window.limit * window.limit) if window.limit else 0
    return db.session.execute(_within(ranked, query, Window(offset=last, limit=window.limit))).all(), last


def _within(ranked: Subquery, query: Select[Any], window: Window) -> Select[Any]:
    if window.per_topic is not None:
        query = query.where(ranked.c.in_topic <= window.per_topic)
    else:
        query = query.where(ranked.c.position > window.offset)
        if window.limit is not None:
            query = query.where(ranked.c.position <= window.offset + window.limit)
    return query.order_by(ranked.c.position)
