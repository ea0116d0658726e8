"""Each value's verdict against a benchmark (the portal's own test from the value's interval, or the publisher's
word where the file gives one) and a series' recent trend, with the labels pages show for them. Pure functions of
rows and an indicator's metadata; ``summaries`` builds an indicator's summary from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.indicators.catalogue import Row
from portal.indicators.formatting import polarity_of
from portal.models import Indicator
from portal.stats.comparison import Comparison, compare_to_benchmark
from portal.stats.confidence import rate_interval, wilson_interval
from portal.stats.trend import (
    TREND_POINTS,
    RecentTrend,
    TrendDirection,
    non_overlapping,
    recent_trend,
    recent_trend_from_intervals,
)

# Value types whose intervals do not describe a change over time the way Fingertips tests it (ranks, deciles, counts).
WITHOUT_INTERVAL_TRENDS = frozenset({"count", "rank", "decile"})


def significance_limits(row: Row, indicator: Indicator) -> tuple[float | None, float | None]:
    """The interval used for significance: 99.8% when the indicator is compared at that level, otherwise 95%."""
    if (indicator.comparison_confidence or 0.95) >= 0.99:
        return row.lower_ci998, row.upper_ci998
    return row.lower_ci95, row.upper_ci95


COMPUTED = "computed"
PUBLISHER = "publisher"
_PUBLISHED_WORDS = {c.value: c for c in Comparison}
# A value follows from its count and denominator when it matches count / denominator x multiplier this closely
# (publishers round to a few decimals); otherwise it is modelled or standardised and no interval can be computed.
_CONSISTENT_TOLERANCE = 0.005


@dataclass(frozen=True)
class Verdict:
    """A comparison with a benchmark and who made it: the portal (``computed``) or the file's publisher."""

    comparison: Comparison
    source: str = ""  # COMPUTED, PUBLISHER, or "" when nobody compared

    @property
    def by_publisher(self) -> bool:
        """True when the verdict is the publisher's own, shown as published."""
        return self.source == PUBLISHER


def _published(word: str) -> Comparison | None:
    """The publisher's verdict word as a Comparison, or None when the file gave none (or a word we do not know)."""
    return _PUBLISHED_WORDS.get((word or "").strip())


def _whole(x: float) -> bool:
    """True for a count of events or people (modelled estimates are not whole numbers)."""
    return abs(x - round(x)) < 1e-9


def computed_limits(row: Row, indicator: Indicator) -> tuple[float, float] | None:
    """Fingertips' interval from the row's count and denominator, at the indicator's comparison level: Wilson for a
    proportion, Byar's (exact Poisson under 10 events) for a crude rate; None when the value does not follow from
    whole-number counts (modelled, standardised) or the value type has no such method."""
    count, denominator, value = row.count, row.denominator, row.value
    if count is None or denominator is None or value is None or denominator <= 0 or count < 0 or not _whole(count):
        return None
    multiplier = indicator.multiplier or 1.0
    # Publishers such as DfE round rates to whole numbers: then half a unit is rounding, not a different method.
    tolerance = 0.5 if value == round(value) else _CONSISTENT_TOLERANCE * max(abs(value), 1.0)
    if abs(count / denominator * multiplier - value) > tolerance:
        return None
    confidence = indicator.comparison_confidence or 0.95
    try:
        if indicator.value_type == "proportion" and count <= denominator:
            lower, upper = wilson_interval(count, denominator, confidence)
            return lower * multiplier, upper * multiplier
        if indicator.value_type == "crude_rate":
            return rate_interval(count, denominator, multiplier, confidence)
    except ValueError:
        return None
    return None


def row_verdict(row: Row | None, benchmark: float | None, indicator: Indicator, published: str = "") -> Verdict:
    """The row's verdict against a benchmark, as Fingertips would give it.

    The publisher's "Not compared" stands (no verdict is invented). Otherwise the portal computes: from the stored
    interval, or from the count and denominator (Wilson / Byar's). Where it cannot, the publisher's own verdict
    from the file is shown as theirs.
    """
    said = _published(published)
    if said is Comparison.NOT_COMPARED:
        return Verdict(Comparison.NOT_COMPARED, PUBLISHER)
    if row is not None and row.value is not None and benchmark is not None:
        lower, upper = significance_limits(row, indicator)
        if lower is None or upper is None:
            lower, upper = computed_limits(row, indicator) or (None, None)
        if lower is not None and upper is not None:
            try:
                comparison = compare_to_benchmark(row.value, lower, upper, benchmark, polarity_of(indicator))
                return Verdict(comparison, COMPUTED)
            except ValueError:  # a stored interval with lower > upper is bad data, not a finding
                pass
    if said is not None:
        return Verdict(said, PUBLISHER)
    return Verdict(Comparison.NOT_COMPARED)


def compare_row(row: Row | None, benchmark: float | None, indicator: Indicator, published: str = "") -> Comparison:
    """Fingertips' comparison of a row with a benchmark value (see :func:`row_verdict`)."""
    return row_verdict(row, benchmark, indicator, published).comparison


def _source_trend(text: str) -> RecentTrend | None:
    """Fingertips' own recent-trend marker, when the export carries one we can read."""
    text = (text or "").strip()
    for direction in (TrendDirection.INCREASING, TrendDirection.DECREASING, TrendDirection.NO_CHANGE):
        if text.lower().startswith(direction.value.lower()):
            return RecentTrend(direction, text, None, TREND_POINTS, published=True)
    return None


def _computed_trend(rows: Sequence[Row], indicator: Indicator) -> RecentTrend | None:
    """Our recent trend, by the Fingertips method for the value type: the test for proportions or crude rates from
    counts and denominators, else the weighted regression through values with 95% intervals; None when neither
    applies (or the data are inconsistent)."""
    kind = {"proportion": "proportion", "crude_rate": "rate"}.get(indicator.value_type)
    polarity = polarity_of(indicator)
    try:
        if kind is not None and all(r.count is not None and r.denominator is not None for r in rows[-TREND_POINTS:]):
            return recent_trend(
                [r.count for r in rows],
                [r.denominator for r in rows],
                polarity,
                value_type=kind,  # type: ignore[arg-type]
            )
        if indicator.value_type not in WITHOUT_INTERVAL_TRENDS:
            return recent_trend_from_intervals(
                [r.value for r in rows], [r.lower_ci95 for r in rows], [r.upper_ci95 for r in rows], polarity
            )
    except ValueError:  # inconsistent counts (e.g. count above denominator) cannot give a trend
        return None
    return None


def series_trend(rows: Sequence[Row], indicator: Indicator) -> RecentTrend:
    """Recent trend of one area's series (oldest first), over non-overlapping periods as Fingertips does: computed
    where the counts or the confidence intervals allow it, otherwise Fingertips' published marker for the latest
    period when there is one."""
    used = [rows[i] for i in non_overlapping([r.period for r in rows])]
    computed = _computed_trend(used, indicator)
    if computed is not None and computed.direction is not TrendDirection.CANNOT_BE_CALCULATED:
        return computed
    published = _source_trend(rows[-1].source_recent_trend) if rows else None
    if published is not None:
        return published
    if computed is not None:
        return computed
    direction = TrendDirection.CANNOT_BE_CALCULATED
    return RecentTrend(direction, direction.value, None, len(used))


def verdict_label(comparison: Comparison, source: str, publisher: str) -> str:
    """A comparison word, with "(as published by …)" when it is the publisher's verdict rather than ours."""
    if source == PUBLISHER and comparison is not Comparison.NOT_COMPARED:
        return f"{comparison.value} (as published by {publisher or 'the publisher'})"
    return comparison.value
