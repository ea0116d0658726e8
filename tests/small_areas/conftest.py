"""Fixtures for small areas: the shipped files read once, loaded into the test database, and a quick segmentation."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.importers.small_areas import HomeSmallAreas, read_home_small_areas
from portal.models import SegmentationRun

HOME = "E08000031"
# Fewer starts and seeds than the default, so each test segments in well under a second.
QUICK = {"starts": 4, "stability_seeds": 3}


@pytest.fixture(scope="session")
def home_data() -> HomeSmallAreas:
    """The shipped small-area files for Wolverhampton, read once per session (reading them takes a few seconds)."""
    return read_home_small_areas(HOME)


@pytest.fixture
def loaded(app: Flask, home_data: HomeSmallAreas) -> HomeSmallAreas:
    """The small-area lookup and facts loaded into the test database through the real loader."""
    from portal.small_areas.loading import load_small_areas

    load_small_areas(home_data)
    return home_data


@pytest.fixture
def segmented(loaded: HomeSmallAreas) -> SegmentationRun:
    """A segmentation run of the loaded data (quick settings)."""
    from portal.small_areas.segmenting import run_segmentation

    run, added = run_segmentation(**QUICK)
    assert run is not None and added
    return run
