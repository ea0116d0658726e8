"""The key dataset as other features use it: a thin face over the indicator modules.

Chapters, proposals, prioritisation and the API import these names; inside this feature, import from the module
that owns the name (``catalogue``, ``summaries``, ``breakdowns``, ``chart_data``, ``pages``, ``value_rows``,
``wards``, ``formatting``).
"""

from __future__ import annotations

from portal.indicators.catalogue import TOPIC_LABELS, get_area, list_indicators, topic_label, ward_areas
from portal.indicators.catalogue import get_published_indicator as get_indicator
from portal.indicators.pages import indicator_chart
from portal.indicators.stored_summaries import headline_summaries, headline_summary
from portal.indicators.summaries import IndicatorSummary, indicator_summary, overview
from portal.indicators.value_rows import count_value_rows, value_rows_with_comparisons

__all__ = [
    "TOPIC_LABELS",
    "IndicatorSummary",
    "count_value_rows",
    "get_area",
    "get_indicator",
    "headline_summaries",
    "headline_summary",
    "indicator_chart",
    "indicator_summary",
    "list_indicators",
    "overview",
    "topic_label",
    "value_rows_with_comparisons",
    "ward_areas",
]
