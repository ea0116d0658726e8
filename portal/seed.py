"""What ``flask seed`` loads: each feature's seed step, in dependency order.

Each entry is "module:function"; the function takes no arguments, is idempotent (a second run
changes nothing) and returns a one-line summary. Real data comes first; demo content is marked
as an example wherever it is shown.
"""

from __future__ import annotations

SEED_STEPS: list[str] = []
