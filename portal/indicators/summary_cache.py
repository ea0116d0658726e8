"""The overview's summaries worked out once per data version, not on every request (issue 17).

Every indicator's summary for the home area is computed by :func:`portal.indicators.summaries.overview` and kept in
the shared cache (Redis when configured) under the data version (portal/page_cache.py), which changes in the same
transaction as any import or publication: the first request after a change computes it again, later ones (on any
instance, signed in or not, with any filter) read it. The topic and significance filters are applied to the stored
list, giving exactly what ``overview(topic, significance)`` gives.
"""

from __future__ import annotations

from flask import current_app

from portal.deployment import home_area_code
from portal.extensions import cache
from portal.indicators import summaries
from portal.indicators.summaries import IndicatorSummary
from portal.page_cache import current_data_version

# Kept at most this long (a day) even if nothing changes; a change of data version makes it unreachable at once.
SUMMARIES_TIMEOUT = 24 * 3600

Groups = list[tuple[str, list[IndicatorSummary]]]


def overview(topic: str | None = None, significance: str | None = None) -> Groups:
    """``summaries.overview(topic, significance)``, from the stored summaries of the current data version."""
    if not current_app.config.get("PAGE_CACHE_ENABLED", True):
        return summaries.overview(topic, significance)
    key = f"overview-summaries:{home_area_code()}:{current_data_version()}"
    everything: Groups | None = cache.get(key)
    if everything is None:
        everything = summaries.overview()
        cache.set(key, everything, timeout=SUMMARIES_TIMEOUT)
    groups = []
    for group_topic, items in everything:
        if topic and group_topic != topic:
            continue
        kept = [s for s in items if not significance or s.compared_to_england == significance]
        if kept:
            groups.append((group_topic, kept))
    return groups
