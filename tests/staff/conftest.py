"""Fixtures for the staff dashboard: the chapters' and prioritisation areas' own builders."""

from tests.chapters.conftest import make_chapter, make_prioritised, quick_proposals  # noqa: F401
from tests.prioritisation.conftest import make_proposal, round_setup  # noqa: F401
