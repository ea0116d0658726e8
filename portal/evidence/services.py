"""Evidence briefings as other features use them: a thin face over the evidence modules.

Search, proposals and prioritisation (and other features' tests, which make briefings) import these names; inside
this feature, import from the module that owns the name (``inputs``, ``reading``, ``writing``,
``attaching``, ``search``, ``examples``).
"""

from __future__ import annotations

from portal.evidence.inputs import BriefingInput
from portal.evidence.reading import published_briefings_for_proposal
from portal.evidence.search import SearchFilters, SearchPage, search_briefings
from portal.evidence.writing import create_briefing, set_published

__all__ = [
    "BriefingInput",
    "SearchFilters",
    "SearchPage",
    "create_briefing",
    "published_briefings_for_proposal",
    "search_briefings",
    "set_published",
]
