"""The small-numbers policy: publisher figures as released, portal-derived figures from 1-4 events withheld."""

from __future__ import annotations

import pytest

from portal.stats.small_numbers import (
    PORTAL_MARKER,
    PUBLISHER_MARKER,
    THRESHOLD,
    Disclosure,
    disclosure,
    marker,
    suppressed_groups,
    too_small,
)


@pytest.mark.parametrize(
    ("count", "expected"), [(None, False), (0, False), (1, True), (THRESHOLD - 1, True), (THRESHOLD, False)]
)
def test_too_small_is_one_to_threshold_minus_one(count: float | None, expected: bool) -> None:
    assert too_small(count) is expected


def test_publisher_figures_stay_as_released_whatever_their_count() -> None:
    assert disclosure(publisher_suppressed=False, derived=False, count=1) is Disclosure.SHOWN
    assert disclosure(publisher_suppressed=True, derived=False, count=None) is Disclosure.PUBLISHER


def test_portal_derived_figures_from_few_events_are_withheld() -> None:
    assert disclosure(publisher_suppressed=False, derived=True, count=3) is Disclosure.PORTAL
    assert disclosure(publisher_suppressed=False, derived=True, count=0) is Disclosure.SHOWN
    assert disclosure(publisher_suppressed=False, derived=True, count=THRESHOLD) is Disclosure.SHOWN
    assert disclosure(publisher_suppressed=False, derived=True, count=None) is Disclosure.SHOWN


def test_markers_name_who_withheld_the_figure() -> None:
    assert marker(Disclosure.SHOWN) == ""
    assert marker(Disclosure.PUBLISHER) == PUBLISHER_MARKER and "publisher" in PUBLISHER_MARKER
    assert marker(Disclosure.PORTAL) == PORTAL_MARKER and str(THRESHOLD) in PORTAL_MARKER


def test_complementary_suppression_protects_a_small_group_from_subtraction() -> None:
    hidden = suppressed_groups({"a": 2, "b": 40, "c": 7})
    assert hidden == {"a", "c"}  # "a" alone could be worked out from the total, so the next smallest goes too
