"""The overview's table view, bounded (issue 17: no page's size grows with the number of indicators): without a
topic, the first few indicators of each topic with a link to the topic's own list; with a topic, a page at a time.
Each is read with one query (``overview_query.stored_overview_slice``); the spine view and its CSV still read every
indicator (``spine.filtered_overview``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.indicators.overview_query import stored_overview_slice
from portal.indicators.spine import OverviewFilters
from portal.indicators.stored_summaries import Groups
from portal.indicators.themes import THEMES

PER_TOPIC = 10  # indicators shown of each topic on the unfiltered-by-topic overview
PAGE_SIZE = 50  # indicators per page of one topic's list
MAX_PAGE_DIGITS = 6


@dataclass(frozen=True)
class OverviewListing:
    """What the table view shows: the groups, how many match in all and per topic, and which page."""

    groups: Groups
    total: int
    topic_totals: dict[str, int]  # by topic, when each topic shows only its first PER_TOPIC
    page: int = 1
    pages: int = 1
    first: int = 0  # position (from 1) of the first indicator shown, when paged
    last: int = 0
    per_topic: int = PER_TOPIC

    @property
    def limited(self) -> bool:
        """True when some topic has more matching indicators than it shows."""
        return any(total > self.per_topic for total in self.topic_totals.values())

    def hidden(self, topic: str, shown: int) -> int:
        """How many of the topic's matching indicators this view leaves out (0 when all are shown)."""
        return max(0, self.topic_totals.get(topic, 0) - shown)


def requested_page(args: Any) -> int:
    """The page number asked for (``?page=N``); 1 for anything missing, unreadable or below 1."""
    asked = args.get("page", "")
    return max(1, int(asked)) if asked.isascii() and asked.isdigit() and len(asked) <= MAX_PAGE_DIGITS else 1


def overview_listing(filters: OverviewFilters, page: int = 1) -> OverviewListing:
    """The table view for these filters: one topic a page at a time, otherwise each topic's first PER_TOPIC."""
    theme = THEMES.get(filters.theme)
    narrowing: dict[str, Any] = {"ids": theme.indicator_ids, "id_prefix": theme.id_prefix} if theme else {}
    significance = filters.significance or None
    if not filters.topic:
        part = stored_overview_slice(None, significance, per_topic=PER_TOPIC, **narrowing)
        return OverviewListing(part.groups, part.total, part.topic_totals)
    part = stored_overview_slice(
        filters.topic, significance, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, **narrowing
    )
    shown = sum(len(items) for _, items in part.groups)
    pages = max(1, -(-part.total // PAGE_SIZE))
    first = part.offset + 1 if shown else 0
    return OverviewListing(part.groups, part.total, {}, part.offset // PAGE_SIZE + 1, pages, first, part.offset + shown)
