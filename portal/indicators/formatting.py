"""How indicator values read: units, decimal places, value-type and polarity labels, tag colours."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence

from portal.charts.tables import format_number
from portal.models import Indicator
from portal.stats.comparison import Comparison, Polarity

# GOV.UK tag colour for each comparison outcome (the tag's text carries the meaning too).
COMPARISON_TAG_COLOURS: dict[str, str] = {
    Comparison.BETTER: "green",
    Comparison.WORSE: "red",
    Comparison.SIMILAR: "yellow",
    Comparison.HIGHER: "blue",
    Comparison.LOWER: "blue",
    Comparison.NOT_COMPARED: "grey",
}

# What a value is called in a sentence, by value type.
MEASURE_WORDS: dict[str, str] = {
    "proportion": "proportion",
    "crude_rate": "rate",
    "dsr": "age-standardised rate",
    "count": "number",
    "mean": "average",
    "median": "median",
    "score": "score",
    "rank": "rank",
    "decile": "decile",
}
VALUE_TYPE_LABELS: dict[str, str] = {
    "proportion": "Proportion",
    "crude_rate": "Crude rate",
    "dsr": "Directly standardised rate",
    "count": "Count",
    "mean": "Mean",
    "median": "Median",
    "score": "Score",
    "rank": "Rank",
    "decile": "Decile",
}
POLARITY_LABELS: dict[str, str] = {
    Polarity.HIGH_IS_GOOD: "A higher value is better",
    Polarity.LOW_IS_GOOD: "A lower value is better",
    Polarity.NO_JUDGEMENT: "Neither a higher nor a lower value is better",
}
WHOLE_NUMBER_TYPES = frozenset({"count", "rank", "decile"})


def polarity_of(indicator: Indicator) -> Polarity:
    """The indicator's polarity; no judgement when it is not one the statistics know."""
    try:
        return Polarity(indicator.polarity)
    except ValueError:
        return Polarity.NO_JUDGEMENT


def decimals_for(indicator: Indicator) -> int:
    """Decimal places shown: none for counts, ranks, deciles and money; one otherwise (as Fingertips shows)."""
    if indicator.value_type in WHOLE_NUMBER_TYPES or (indicator.unit or "").strip() in {"£"}:
        return 0
    return 1


PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage"})
CURRENCY_UNITS = frozenset({"£"})
# Units that add nothing after a number ("614 number").
SILENT_UNITS = frozenset({"number", "count", "score", "value"})


@functools.lru_cache(maxsize=1024)
def unit_text(unit: str | None) -> str:
    """A publisher's unit tidied for reading after a number: "per 100, 000" -> "per 100,000", "Score out of 10" ->
    "out of 10", "Rate per million population" -> "per million population", "Years" -> "years"."""
    text = re.sub(r"(\d), (\d{3})", r"\1,\2", (unit or "").strip())
    text = re.sub(r"^(score|rate)\s+(?=(out of|per)\b)", "", text, flags=re.IGNORECASE)
    if text.lower() in SILENT_UNITS:
        return ""
    if text.istitle() and " " not in text:
        text = text.lower()
    return text


def format_value(value: float | None, indicator: Indicator, *, with_unit: bool = True) -> str:
    """A value as people read it, e.g. "46.9 per 100,000", "10.6%", "£150,000" or "254,406 people"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "No data"
    number = format_number(value, decimals_for(indicator))
    unit = unit_text(indicator.unit)
    if not with_unit or not unit:
        return number
    if unit.lower() in PERCENT_UNITS:
        return f"{number}%"
    if unit in CURRENCY_UNITS:
        return f"-{unit}{number[1:]}" if number.startswith("-") else f"{unit}{number}"
    return f"{number} {unit}"


def period_range_label(periods: Sequence[str]) -> str:
    """ "2015 to 2017" for several periods, the period itself for one."""
    return f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else (periods[0] if periods else "")


# Publishers a verdict label names by their usual short name.
_PUBLISHER_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("office for health improvement and disparities", "OHID"),
    ("public health england", "PHE"),
    ("uk health security agency", "UKHSA"),
    ("office for national statistics", "ONS"),
    ("department for education", "DfE"),
)


@functools.lru_cache(maxsize=256)
def publisher_abbreviation(publisher: str) -> str:
    """The publisher's short name for "as published by …" (e.g. OHID), the name as written when it has none."""
    text = (publisher or "").strip()
    lowered = text.lower()
    for name, short in _PUBLISHER_ABBREVIATIONS:
        if lowered.startswith(name) or f"({short.lower()})" in lowered:
            return short
    return text
