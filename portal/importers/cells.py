"""Cleaning and parsing cells: text on the distinct values only (categorical), numbers with row errors, periods.

Where it can, the work is done on a column's few distinct values rather than on each of a million rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from portal.importers.base import RowError

_NUMBER_WITH_COMMAS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def as_categorical(series: pd.Series) -> pd.Series:
    """The series as categorical text (a no-op when it already is)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def map_text(series: pd.Series, transform: Callable[[pd.Index], pd.Index]) -> pd.Series:
    """Apply a text transform to the distinct values only; returns categorical text with missing values as ""."""
    cat = as_categorical(series)
    transformed = transform(pd.Index(cat.cat.categories.astype(str)))
    new_codes, uniques = pd.factorize(np.asarray(transformed, dtype=object), sort=False)
    categories = list(uniques)
    if "" not in categories:
        categories.append("")
    empty = categories.index("")
    old = cat.cat.codes.to_numpy()
    codes = np.where(old >= 0, new_codes[old] if len(new_codes) else empty, empty)
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(categories)), index=series.index)


def clean_text(series: pd.Series) -> pd.Series:
    """Strip text and collapse runs of whitespace, including newlines inside quoted names, to one space.

    Returns categorical text ("" for missing); the work is done on the distinct values only, so it is cheap on a
    million rows with few distinct names.
    """
    return map_text(series, lambda index: index.str.replace(r"\s+", " ", regex=True).str.strip())


def parse_numbers(
    text: pd.Series,
    *,
    label: str,
    row_numbers: pd.Series,
    suppression_markers: frozenset[str] = frozenset(),
    missing_tokens: frozenset[str] = frozenset({""}),
    column: str | None = None,
) -> tuple[pd.Series, pd.Series, list[RowError]]:
    """Parse a text column into floats; return (numbers, suppressed flags, one RowError per bad cell).

    `label` names the column in messages ("Value must be a number, not 'abc'"); `column` is the header reported in
    RowError.column (default: the label). Thousands separators ("216,489") are accepted. Suppression markers give NaN
    with suppressed=True, never 0. Missing tokens (compared case-insensitively) give NaN. Each distinct text is parsed
    once.
    """
    column = column or label
    if text.dtype.kind in "fi":
        numbers = text.astype("float64")
        return numbers, pd.Series(False, index=text.index), _non_finite_errors(numbers, label, column, row_numbers)
    cat = clean_text(text)
    distinct = pd.Series(np.asarray(cat.cat.categories, dtype=object), dtype="str")
    parsed = pd.to_numeric(distinct, errors="coerce").astype("float64")
    lowered = distinct.str.lower()
    is_missing = lowered.isin(missing_tokens | {""})
    is_suppressed = lowered.isin(suppression_markers) & ~is_missing
    with_commas = parsed.isna() & distinct.str.match(_NUMBER_WITH_COMMAS)
    parsed[with_commas] = pd.to_numeric(distinct[with_commas].str.replace(",", "", regex=False))
    is_bad = parsed.isna() & ~is_missing & ~is_suppressed
    codes = cat.cat.codes.to_numpy()
    numbers = pd.Series(parsed.to_numpy()[codes], index=text.index)
    suppressed = pd.Series(is_suppressed.to_numpy()[codes], index=text.index)
    bad = is_bad.to_numpy()[codes]
    bad_rows = row_numbers.reindex(text.index).to_numpy()[bad]
    bad_text = distinct.to_numpy()[codes[bad]]
    errors = [
        RowError(int(row), column, f"{label} must be a number, not {str(shown)[:40]!r}", f"{label} is not a number")
        for row, shown in zip(bad_rows, bad_text, strict=True)
    ]
    errors.extend(_non_finite_errors(numbers, label, column, row_numbers))
    numbers = numbers.where(np.isfinite(numbers.to_numpy()) | numbers.isna().to_numpy())
    return numbers.where(~bad & ~suppressed.to_numpy()), suppressed, errors


def _non_finite_errors(numbers: pd.Series, label: str, column: str, row_numbers: pd.Series) -> list[RowError]:
    """Errors for infinite values, which no indicator can hold."""
    infinite = np.isinf(numbers.to_numpy(dtype="float64", na_value=np.nan))
    rows = row_numbers.reindex(numbers.index).to_numpy()[infinite]
    return [RowError(int(row), column, f"{label} must be a finite number", f"{label} is not finite") for row in rows]


def sortable_from_period(period: pd.Series) -> pd.Series:
    """yyyy0000 from the first four-digit year in each period label (0 where there is none)."""
    cat = as_categorical(period)
    years = pd.Index(cat.cat.categories.astype(str)).str.extract(r"((?:19|20)\d\d)", expand=False)
    sortable = np.append(pd.to_numeric(years, errors="coerce").fillna(0).astype("int64").to_numpy() * 10000, 0)
    return pd.Series(sortable[cat.cat.codes.to_numpy()], index=period.index, dtype="int64")


def as_text(series: pd.Series) -> pd.Series:
    """Any column as str with missing values as "" (an all-missing column may arrive as float NaN)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return categorical_to_text(series)
    return series.astype(object).where(series.notna(), "").astype(str)


def categorical_to_text(series: pd.Series) -> pd.Series:
    """A categorical column as str, with missing entries as ""."""
    categories = np.append(np.asarray(series.cat.categories.astype(str), dtype=object), "")
    codes = series.cat.codes.to_numpy()
    return pd.Series(categories[codes], index=series.index, dtype="str")  # code -1 picks the final ""


def text_categorical(series: pd.Series) -> pd.Categorical:
    """Text cells as a categorical with str categories, in order of first appearance (factorize: no sorting)."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str"))
