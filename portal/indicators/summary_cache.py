"""The overview's summaries, read from the summaries stored when data was imported (issue 17).

Kept as the overview's entry point for every indicator (the spine view, its CSV and JSON read it):
:func:`portal.indicators.stored_summaries.stored_overview` reads every published indicator's stored summary in one
query, filtered exactly as ``summaries.overview(topic, significance)`` would be. Pages built from it are still
cached whole for anonymous visitors under the data version (portal/page_cache.py). The overview's table view reads
only what it shows instead (``overview_query.stored_overview_slice``, via portal/indicators/overview.py).
"""

from __future__ import annotations

from portal.indicators.stored_summaries import Groups, stored_overview


def overview(topic: str | None = None, significance: str | None = None) -> Groups:
    """``summaries.overview(topic, significance)``, from the stored summaries."""
    return stored_overview(topic, significance)
