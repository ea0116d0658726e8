"""What ``flask seed`` loads: each feature's seed step, in dependency order.

Each entry is "module:function"; the function takes no arguments, is idempotent (a second run
changes nothing) and returns a one-line summary. Real data comes first; demo content is marked
as an example wherever it is shown.
"""

from __future__ import annotations

SEED_STEPS: list[str] = [
    "portal.indicators.examples:seed",
    "portal.small_areas.segmenting:seed",  # after indicators (the home area's name); small-area facts, segments
    "portal.proposals.examples:seed",  # after indicators: example proposals link to real wards and indicators
    "portal.evidence.examples:seed",  # after proposals: links example briefings to example proposals
    "portal.prioritisation.examples:seed",  # after proposals: an example round on the example shortlisted topics
    "portal.surveys.examples:seed",  # example surveys with example responses (no links to other features' rows)
    "portal.chapters.examples:seed",  # an example chapter from the example prioritised proposal
    "portal.outcomes.examples:seed",  # last: the closed example round's outcome page, linking to the example chapter
]
