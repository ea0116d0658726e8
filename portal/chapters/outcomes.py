"""What happened after each recommendation: the indicators it aims to move, their value for the home area when it
was first answered (recorded then, as the baseline), their latest value, the change and what the change shows.

The change is judged with the portal's own methods: the latest value's confidence interval is compared with the
baseline value the way the indicator pages compare an area with England (``compare_to_benchmark``), and the recent
trend is the indicator's own recent-trend marker. Where no newer period has been published since the baseline, the
answer is "too early to tell".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from portal.charts.tables import format_number
from portal.deployment import home_area_code
from portal.indicators import services as indicators
from portal.models import Recommendation, RecommendationIndicator
from portal.models.base import utcnow
from portal.stats.comparison import Comparison, Polarity, compare_to_benchmark
from portal.stats.trend import RecentTrend, TrendDirection


class Summary(Protocol):
    """What this module reads from ``indicators.headline_summary``: the latest value for the home area."""

    @property
    def period(self) -> str | None: ...
    @property
    def value(self) -> float | None: ...
    @property
    def lower(self) -> float | None: ...
    @property
    def upper(self) -> float | None: ...
    @property
    def sex(self) -> str: ...
    @property
    def age(self) -> str: ...
    @property
    def formatted_value(self) -> str: ...
    @property
    def number_value(self) -> str: ...
    @property
    def unit_label(self) -> str: ...
    @property
    def polarity(self) -> Polarity: ...
    @property
    def recent_trend(self) -> RecentTrend: ...
    @property
    def trend_label(self) -> str: ...


class Outcome(StrEnum):
    """What an indicator did after a recommendation was answered."""

    IMPROVED = "improved"
    NO_SIGNIFICANT_CHANGE = "no_significant_change"
    WORSENED = "worsened"
    CHANGED = "changed"
    UNTESTED = "untested"
    TOO_EARLY = "too_early"
    NOT_ANSWERED = "not_answered"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.IMPROVED: "Significantly better",
    Outcome.NO_SIGNIFICANT_CHANGE: "No significant change",
    Outcome.WORSENED: "Significantly worse",
    Outcome.CHANGED: "Significantly changed (higher or lower is neither better nor worse)",
    Outcome.UNTESTED: "Changed, but the data has no interval to test it",
    Outcome.TOO_EARLY: "Too early to tell",
    Outcome.NOT_ANSWERED: "Not answered yet, so nothing to measure from",
}
OUTCOME_TAG_COLOURS: dict[Outcome, str] = {
    Outcome.IMPROVED: "green",
    Outcome.NO_SIGNIFICANT_CHANGE: "yellow",
    Outcome.WORSENED: "red",
    Outcome.CHANGED: "blue",
    Outcome.UNTESTED: "grey",
    Outcome.TOO_EARLY: "grey",
    Outcome.NOT_ANSWERED: "grey",
}
_BY_COMPARISON: dict[Comparison, Outcome] = {
    Comparison.BETTER: Outcome.IMPROVED,
    Comparison.SIMILAR: Outcome.NO_SIGNIFICANT_CHANGE,
    Comparison.WORSE: Outcome.WORSENED,
    Comparison.HIGHER: Outcome.CHANGED,
    Comparison.LOWER: Outcome.CHANGED,
    Comparison.NOT_COMPARED: Outcome.UNTESTED,
}


def _decimals(number_text: str) -> int:
    """How many decimal places the indicator pages show for this indicator, read from a number they formatted."""
    match = re.search(r"\.(\d+)$", number_text)
    return len(match.group(1)) if match else 0


def formatted_like(summary: Summary, value: float) -> str:
    """``value`` written as the indicator pages write this indicator's latest value (same decimals and unit)."""
    decimals = _decimals(summary.number_value)
    return summary.formatted_value.replace(summary.number_value, format_number(value, decimals), 1)


def change_text(summary: Summary, change: float) -> str:
    """A change written with its sign and the indicator's decimals; percentages change in percentage points."""
    number = format_number(abs(change), _decimals(summary.number_value))
    sign = "+" if change > 0 else "−" if change < 0 else ""
    if summary.formatted_value.endswith("%"):
        return f"{sign}{number} percentage points"
    if summary.formatted_value.lstrip("-").startswith("£"):
        return f"{sign}£{number}"
    return f"{sign}{number} {summary.unit_label}".rstrip()


def home_area_name() -> str:
    """The home area's name, as the indicator pages give it."""
    area = indicators.get_area(home_area_code())
    return area.name if area is not None else "the area"


# Baselines -----------------------------------------------------------------------------------------------------------


def set_baseline(link: RecommendationIndicator, summary: Summary) -> None:
    """Record the summary's latest value as the link's baseline (the caller commits)."""
    link.baseline_period = summary.period or ""
    link.baseline_sex = summary.sex
    link.baseline_age = summary.age
    link.baseline_value = summary.value
    link.baseline_lower = summary.lower
    link.baseline_upper = summary.upper
    link.baseline_text = summary.formatted_value if summary.value is not None else ""
    link.baseline_recorded_at = utcnow()


def record_baselines(recommendation: Recommendation) -> None:
    """At the first response, record each named indicator's latest value for the home area (the caller commits)."""
    waiting = [link for link in recommendation.indicator_links if link.baseline_recorded_at is None]
    summaries = indicators.headline_summaries([link.indicator_id for link in waiting])
    for link in waiting:
        summary = summaries[link.indicator_id]
        if summary is not None:
            set_baseline(link, summary)
        else:
            link.baseline_recorded_at = utcnow()


# What happened since -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorChange:
    """One indicator a recommendation aims to move: its baseline, its latest value, the change and the verdict."""

    indicator_id: str
    name: str
    baseline_period: str
    baseline_text: str
    latest_period: str
    latest_text: str
    change_text: str
    outcome: Outcome
    recent_trend: str

    @property
    def outcome_label(self) -> str:
        return self.outcome.label

    @property
    def tag_colour(self) -> str:
        return OUTCOME_TAG_COLOURS[self.outcome]


SummaryCache = dict[str, Summary | None]


def summary_cache(recommendations: Iterable[Recommendation]) -> SummaryCache:
    """The headline summary of every indicator these recommendations name, read in one query (for a page that lists
    them all, so its query count does not grow with them)."""
    ids = [link.indicator_id for recommendation in recommendations for link in recommendation.indicator_links]
    return dict(indicators.headline_summaries(ids))


def _summary(indicator_id: str, cache: SummaryCache | None) -> Summary | None:
    if cache is None:
        return indicators.headline_summary(indicator_id)
    if indicator_id not in cache:
        cache[indicator_id] = indicators.headline_summary(indicator_id)
    return cache[indicator_id]


def _trend(summary: Summary | None) -> str:
    """The indicator's recent-trend marker in words, when it can be calculated."""
    if summary is None or summary.value is None:
        return ""
    trend = summary.recent_trend
    if trend.direction is TrendDirection.CANNOT_BE_CALCULATED:
        return ""
    return summary.trend_label  # a publisher's own marker labelled as theirs, as on the indicator page


def judge(link: RecommendationIndicator, summary: Summary | None) -> Outcome:
    """What the indicator did since the baseline, by the portal's comparison method."""
    if link.baseline_recorded_at is None:
        return Outcome.NOT_ANSWERED
    if summary is None or summary.value is None or link.baseline_value is None:
        return Outcome.TOO_EARLY
    if summary.period == link.baseline_period:
        return Outcome.TOO_EARLY  # the data has not moved on
    if (summary.sex, summary.age) != (link.baseline_sex, link.baseline_age):
        return Outcome.UNTESTED  # the headline breakdown changed: the two values do not measure the same people
    try:
        comparison = compare_to_benchmark(
            summary.value, summary.lower, summary.upper, link.baseline_value, summary.polarity
        )
    except ValueError:  # a stored interval with lower > upper is bad data, not a finding
        comparison = Comparison.NOT_COMPARED
    if comparison is Comparison.NOT_COMPARED and summary.value == link.baseline_value:
        return Outcome.NO_SIGNIFICANT_CHANGE
    return _BY_COMPARISON[comparison]


def indicator_changes(recommendation: Recommendation, cache: SummaryCache | None = None) -> list[IndicatorChange]:
    """Each indicator the recommendation names, with what it did since the recommendation was first answered."""
    changes = []
    for link in recommendation.indicator_links:
        summary = _summary(link.indicator_id, cache)
        outcome = judge(link, summary)
        latest_text = summary.formatted_value if summary is not None and summary.value is not None else "No data"
        difference = ""
        if (
            outcome not in (Outcome.NOT_ANSWERED, Outcome.TOO_EARLY)
            and summary is not None
            and summary.value is not None
            and link.baseline_value is not None
        ):
            difference = change_text(summary, summary.value - link.baseline_value)
        changes.append(
            IndicatorChange(
                indicator_id=link.indicator_id,
                name=link.indicator.name,
                baseline_period=link.baseline_period,
                baseline_text=link.baseline_text
                or ("No data then" if link.baseline_recorded_at else "Not answered yet"),
                latest_period=(summary.period or "") if summary is not None else "",
                latest_text=latest_text,
                change_text=difference,
                outcome=outcome,
                recent_trend=_trend(summary),
            )
        )
    return changes
