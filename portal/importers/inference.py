"""Metadata a file implies for an indicator the portal does not know yet: its value type and unit, and its polarity.

Pure functions over a reader's values frame. Each answer comes with a sentence saying how it was inferred, so the
analyst who reviews the draft indicator can confirm or correct it. Nothing here computes a verdict: polarity is read
from the publisher's own verdict words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portal.importers.base import ENGLAND

# value ÷ (count ÷ denominator) -> (value type, unit, multiplier, how it reads).
MULTIPLIERS: list[tuple[float, str, str, str]] = [
    (1.0, "proportion", "", "a proportion (a fraction of 1)"),
    (100.0, "proportion", "%", "a percentage"),
    (1_000.0, "crude_rate", "per 1,000", "a crude rate per 1,000"),
    (10_000.0, "crude_rate", "per 10,000", "a crude rate per 10,000"),
    (100_000.0, "crude_rate", "per 100,000", "a crude rate per 100,000"),
    (1_000_000.0, "crude_rate", "per 1,000,000", "a crude rate per million"),
]
# A row follows from its count and denominator when the ratio is within this share of the multiplier (published
# values are rounded).
TOLERANCE = 0.01
# The share of rows that must agree before a multiplier is taken.
AGREEMENT = 0.95
JUDGED_WORDS = frozenset({"Better", "Worse"})
UNJUDGED_WORDS = frozenset({"Higher", "Lower"})


@dataclass(frozen=True)
class Inferred:
    """What the file implies about one indicator; blank fields could not be inferred."""

    value_type: str = ""
    unit: str = ""
    multiplier: float | None = None
    polarity: str = ""  # "" = not known: the analyst must choose
    note: str = ""


def infer_measure(values: pd.DataFrame) -> tuple[str, str, float | None, str]:
    """(value type, unit, multiplier, note) for one indicator's rows, from value ÷ (count ÷ denominator)."""
    usable = values[(values["count"] > 0) & (values["denominator"] > 0) & values["value"].notna()]
    if usable.empty:
        return "", "", None, "The file has no counts and denominators, so the value type could not be inferred."
    ratio = (usable["value"] / (usable["count"] / usable["denominator"])).to_numpy(dtype="float64")
    for multiplier, value_type, unit, words in MULTIPLIERS:
        agree = np.abs(ratio / multiplier - 1) <= TOLERANCE
        if agree.mean() >= AGREEMENT:
            return (
                value_type,
                unit,
                multiplier,
                (
                    f"Inferred: value ÷ (count ÷ denominator) = {multiplier:,.0f} on {agree.sum():,} of {len(ratio):,} "
                    f"rows, so the value is {words}."
                ),
            )
    typical = float(np.median(ratio))
    nearest = min(MULTIPLIERS, key=lambda m: abs(np.log10(typical) - np.log10(m[0])) if typical > 0 else np.inf)
    unit = nearest[2] if nearest[1] == "crude_rate" else ""
    return (
        "dsr",
        unit,
        nearest[0] if unit else None,
        (
            f"Inferred: the value does not follow from count ÷ denominator (the ratio varies, median {typical:,.0f}), "
            f"so it is probably a standardised rate{' ' + unit if unit else ''}, such as an age-standardised rate. "
            "Check it."
        ),
    )


def infer_polarity(values: pd.DataFrame) -> tuple[str, str]:
    """(polarity, note) for one indicator's rows from the publisher's "Compared to England" words against England's
    value for the same period, sex and age: "" (not known) when there is no evidence or the evidence conflicts."""
    words = values["source_compared_to_england"].astype(str)
    if words.isin(UNJUDGED_WORDS).any() and not words.isin(JUDGED_WORDS).any():
        return "no_judgement", "Inferred: the publisher compares with Higher/Lower, so neither direction is better."
    judged = values[words.isin(JUDGED_WORDS)]
    england_rows = values[(values["area_code"] == ENGLAND) & (values["category_type"] == "")]
    england = england_rows.drop_duplicates(["period", "sex", "age"]).set_index(["period", "sex", "age"])["value"]
    if judged.empty or england.empty:
        return "", "Not inferred: the file has no Better/Worse verdicts against England. Choose the polarity."
    bench = england.reindex(pd.MultiIndex.from_frame(judged[["period", "sex", "age"]])).to_numpy(dtype="float64")
    value = judged["value"].to_numpy(dtype="float64")
    usable = ~np.isnan(bench) & ~np.isnan(value) & (value != bench)
    if not usable.any():
        return "", "Not inferred: no Better/Worse row can be set against England's value. Choose the polarity."
    better = (judged["source_compared_to_england"] == "Better").to_numpy()[usable]
    above = (value > bench)[usable]
    high_is_good = int((better == above).sum())
    low_is_good = int((better != above).sum())
    if high_is_good and low_is_good:
        return "", (
            f"Not known: the publisher's verdicts conflict ({high_is_good:,} rows say higher is better, "
            f"{low_is_good:,} that lower is better). Choose the polarity."
        )
    polarity, direction = ("high_is_good", "above") if high_is_good else ("low_is_good", "below")
    return polarity, (
        f"Inferred from the publisher's own verdicts: all {high_is_good + low_is_good:,} \u201cBetter\u201d and "
        f"\u201cWorse\u201d rows put \u201cBetter\u201d {direction} England."
    )


def infer_metadata(values: pd.DataFrame) -> dict[str, Inferred]:
    """What each indicator in a values frame implies about its own metadata, by indicator id."""
    out: dict[str, Inferred] = {}
    for indicator_id, rows in values.groupby("indicator_id", sort=False, observed=True):
        value_type, unit, multiplier, measure_note = infer_measure(rows)
        polarity, polarity_note = infer_polarity(rows)
        out[str(indicator_id)] = Inferred(value_type, unit, multiplier, polarity, f"{measure_note} {polarity_note}")
    return out
