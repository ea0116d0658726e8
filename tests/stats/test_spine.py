"""Spine chart arithmetic, checked against values worked out by hand (R's type 7 quantiles, Fingertips' scale)."""

import math

import pytest

from portal.stats.comparison import Polarity
from portal.stats.spine import Band, band, orient, positions, rank, spine_range

ONE_TO_TEN = [float(v) for v in range(1, 11)]


def test_quartiles_interpolate_linearly_like_r() -> None:
    """1..10: the 25th percentile sits 2.25 places in (3.25), the median 5.5, the 75th 6.75 places in (7.75)."""
    summary = spine_range(ONE_TO_TEN)
    assert summary is not None
    assert (summary.lowest, summary.q25, summary.median, summary.q75, summary.highest) == (1, 3.25, 5.5, 7.75, 10)
    assert summary.count == 10


def test_quartiles_of_an_odd_count_with_ties() -> None:
    """2, 4, 4, 5, 7, 9, 10: Q1 at place 1.5 (between the two 4s), median 5, Q3 halfway from 7 to 9 = 8."""
    summary = spine_range([10, 4, None, 2, 5, math.nan, 9, 4, 7])
    assert summary is not None
    assert (summary.q25, summary.median, summary.q75, summary.count) == (4, 5, 8, 7)


def test_too_few_areas_give_no_range() -> None:
    """Four values (or a list of gaps) say nothing about a national range."""
    assert spine_range([1, 2, 3, 4]) is None
    assert spine_range([None, math.nan]) is None
    assert spine_range([1, 2, 3, 4], minimum=4) is not None


def test_orientation_puts_the_best_last() -> None:
    """Low is good: the worst is the highest value and the worse quartile the 75th percentile."""
    summary = spine_range(ONE_TO_TEN)
    assert summary is not None
    high = orient(summary, Polarity.HIGH_IS_GOOD)
    low = orient(summary, Polarity.LOW_IS_GOOD)
    assert (high.worst, high.worse_quartile, high.median, high.better_quartile, high.best) == (1, 3.25, 5.5, 7.75, 10)
    assert (low.worst, low.worse_quartile, low.median, low.better_quartile, low.best) == (10, 7.75, 5.5, 3.25, 1)


def test_positions_centre_england_and_stretch_to_the_furthest_area() -> None:
    """England 4, area 9, range 1-10: the half-width is 6 (10 - 4), so a value v sits at 0.5 + (v - 4) / 12."""
    summary = spine_range(ONE_TO_TEN)
    assert summary is not None
    spine = positions(summary, area=9, benchmark=4, polarity=Polarity.HIGH_IS_GOOD)
    assert spine.benchmark == 0.5
    assert spine.worst == pytest.approx(0.25)
    assert spine.worse_quartile == pytest.approx(0.4375)
    assert spine.better_quartile == pytest.approx(0.8125)
    assert spine.best == pytest.approx(1.0)
    assert spine.area == pytest.approx(11 / 12)


def test_positions_flip_where_low_is_good() -> None:
    """Same numbers, low is good: 10 is the worst (left end, 0), the area's 9 is near the worst end (1/12)."""
    summary = spine_range(ONE_TO_TEN)
    assert summary is not None
    spine = positions(summary, area=9, benchmark=4, polarity=Polarity.LOW_IS_GOOD)
    assert spine.worst == pytest.approx(0.0)
    assert spine.worse_quartile == pytest.approx(0.1875)
    assert spine.better_quartile == pytest.approx(0.5625)
    assert spine.best == pytest.approx(0.75)
    assert spine.area == pytest.approx(1 / 12)


def test_an_area_beyond_the_range_still_fits_on_the_scale() -> None:
    """A benchmark outside every area's value (incomplete data) stretches the scale; nothing leaves 0-1."""
    summary = spine_range([10, 11, 12, 13, 14])
    assert summary is not None
    spine = positions(summary, area=14, benchmark=2, polarity=Polarity.HIGH_IS_GOOD)
    assert spine.best == pytest.approx(1.0)
    assert spine.worst == pytest.approx(0.5 + 8 / 24)
    assert all(0 <= p <= 1 for p in (spine.worst, spine.best, spine.area, spine.benchmark))


def test_all_equal_values_sit_on_the_centre() -> None:
    """No spread at all: everything is at 0.5, with no division by zero."""
    summary = spine_range([5.0] * 6)
    assert summary is not None
    spine = positions(summary, area=5, benchmark=5, polarity=Polarity.LOW_IS_GOOD)
    assert (spine.worst, spine.best, spine.area) == (0.5, 0.5, 0.5)


@pytest.mark.parametrize(
    ("value", "polarity", "expected"),
    [
        (9, Polarity.HIGH_IS_GOOD, Band.BEST),
        (9, Polarity.LOW_IS_GOOD, Band.WORST),
        (9, Polarity.NO_JUDGEMENT, Band.HIGHEST),
        (2, Polarity.HIGH_IS_GOOD, Band.WORST),
        (2, Polarity.LOW_IS_GOOD, Band.BEST),
        (4, Polarity.HIGH_IS_GOOD, Band.WORSE_MIDDLE),
        (6, Polarity.HIGH_IS_GOOD, Band.BETTER_MIDDLE),
        (6, Polarity.LOW_IS_GOOD, Band.WORSE_MIDDLE),
        (3.25, Polarity.HIGH_IS_GOOD, Band.WORSE_MIDDLE),  # on the 25th percentile: in the middle half
        (7.75, Polarity.HIGH_IS_GOOD, Band.BETTER_MIDDLE),  # on the 75th percentile: in the middle half
        (4, Polarity.NO_JUDGEMENT, Band.LOWER_MIDDLE),
    ],
)
def test_band(value: float, polarity: Polarity, expected: Band) -> None:
    """Quarters of 1..10 (3.25, 5.5, 7.75), read by polarity."""
    summary = spine_range(ONE_TO_TEN)
    assert summary is not None
    assert band(summary, value, polarity) is expected


def test_rank_from_best_shares_ties() -> None:
    """9 among 1..10 is 2nd highest (2nd best where high is good, 9th where low is good); tied values share."""
    assert rank(ONE_TO_TEN, 9, Polarity.HIGH_IS_GOOD) == 2
    assert rank(ONE_TO_TEN, 9, Polarity.LOW_IS_GOOD) == 9
    assert rank([3, 5, 5, 7, None], 5, Polarity.HIGH_IS_GOOD) == 2
    assert rank([3, 5, 5, 7, None], 5, Polarity.LOW_IS_GOOD) == 2
