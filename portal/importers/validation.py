"""The checks every value row gets, whatever the format: see validate_values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from portal.importers.base import (
    BOOL_VALUE_COLUMNS,
    KEY_COLUMNS,
    NUMERIC_VALUE_COLUMNS,
    SEX_RULE,
    SEXES,
    TEXT_LIMITS,
    VALUE_COLUMNS,
    RowError,
)
from portal.importers.cells import as_text

_DEFAULT_LABELS = {c: c for c in VALUE_COLUMNS}


def validate_values(
    values: pd.DataFrame,
    *,
    known_area_codes: set[str] | None,
    row_numbers: pd.Series,
    column_labels: Mapping[str, str] | None = None,
    absent: Iterable[str] = (),
) -> list[RowError]:
    """Check value rows: required columns and types, known area codes, duplicate keys, CI order, non-negative counts,
    and text that is longer than the database holds (TEXT_LIMITS).

    `row_numbers` is aligned with `values.index` and gives each record's spreadsheet row: the data record's index + 2,
    the header being row 1 (plus any preamble lines). That is not the physical line number when quoted text spans
    lines, as Fingertips indicator names do. Text columns may be str or categorical and are expected to be stripped
    already. `column_labels` maps contract column names to the file's own headers for the messages. Every failing
    row is reported (every row of every duplicated key); nothing is raised. Columns named in ``absent`` are missing
    from the file (already reported once for the whole file), so their cells are not reported as blank on every row.
    """
    labels = {**_DEFAULT_LABELS, **(column_labels or {})}
    missing = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing:
        return [RowError(0, None, f"Missing columns: {', '.join(missing)}.")]
    errors: list[RowError] = []
    for column in NUMERIC_VALUE_COLUMNS:
        if values[column].dtype.kind not in "fi":
            errors.append(RowError(0, labels[column], f"{labels[column]} must be numeric."))
    if values["period_sortable"].dtype.kind not in "iu":
        errors.append(RowError(0, labels["period_sortable"], f"{labels['period_sortable']} must be whole numbers."))
    for column in BOOL_VALUE_COLUMNS:
        if values[column].dtype.kind != "b":
            errors.append(RowError(0, labels[column], f"{column} must be true or false."))
    if errors:
        return errors
    rows = row_numbers.reindex(values.index).to_numpy()

    skipped = set(absent)

    def report(mask: pd.Series | np.ndarray, column: str, message: Callable[..., str], kind: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any() and column not in skipped:
            cells = values[column].to_numpy()[mask]
            label = labels.get(column, column)
            for row, cell in zip(rows[mask], cells, strict=True):
                errors.append(RowError(int(row), label, message(cell), kind.format(label=label)))

    for column, what in (("indicator_id", "an indicator id"), ("area_code", "an area code"), ("period", "a period")):
        report(_blank(values[column]), column, lambda _c, w=what: f"Enter {w}", "{label} is blank")
    report(~values["sex"].isin(SEXES), "sex", lambda c: f"{SEX_RULE}, not {str(c)!r}", "Unknown sex")
    report(_blank(values["age"]), "age", lambda _c: "Enter an age group, for example All ages", "{label} is blank")
    for column, limit in TEXT_LIMITS.items():
        too_long = _longer_than(values[column], limit)
        report(
            too_long,
            column,
            lambda c, n=limit: f"Too long: {len(str(c))} characters where at most {n} fit ({str(c)[:40]!r}…)",
            "{label} is too long",
        )
    if known_area_codes is not None:
        unknown = ~values["area_code"].isin(known_area_codes) & ~_blank(values["area_code"])
        report(unknown, "area_code", lambda c: f"Area code {str(c)!r} is not a known area", "Unknown area code")
    errors.extend(_duplicate_errors(values, rows))
    value = values["value"].to_numpy(dtype="float64")
    for level, lower_col, upper_col in (("95%", "lower_ci95", "upper_ci95"), ("99.8%", "lower_ci998", "upper_ci998")):
        lower = values[lower_col].to_numpy(dtype="float64")
        upper = values[upper_col].to_numpy(dtype="float64")
        # A relative tolerance absorbs limits published to fewer decimal places than the value.
        tol = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(value)))
        with np.errstate(invalid="ignore"):
            crossed = lower > upper + tol
            below = ~crossed & (lower > value + tol)
            above = ~crossed & (value > upper + tol)
        crossed_kind = f"Lower {level} limit above the upper limit"
        report(
            crossed, lower_col, lambda _c, lv=level: f"The lower {lv} limit is above the upper {lv} limit", crossed_kind
        )
        report(
            below,
            lower_col,
            lambda _c, lv=level: f"The value is below its lower {lv} limit",
            "Value outside its limits",
        )
        report(
            above,
            upper_col,
            lambda _c, lv=level: f"The value is above its upper {lv} limit",
            "Value outside its limits",
        )
    for column, noun in (("count", "Count"), ("denominator", "Denominator")):
        with np.errstate(invalid="ignore"):
            negative = values[column].to_numpy(dtype="float64") < 0
        report(negative, column, lambda c, n=noun: f"{n} must not be negative, not {c:g}", "{label} is negative")
    suppressed_with_value = values["suppressed"].to_numpy() & ~np.isnan(value)
    report(suppressed_with_value, "value", lambda _c: "A suppressed value must be left blank", "Suppressed value given")
    errors.sort(key=lambda e: e.row)
    return errors


def _longer_than(series: pd.Series, limit: int) -> np.ndarray:
    """True where a text cell has more than ``limit`` characters (measured on the distinct values only)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        lengths = pd.Index(series.cat.categories.astype(str)).str.len().to_numpy()
        codes = series.cat.codes.to_numpy()
        return np.append(lengths > limit, False)[codes]  # code -1 (missing) picks the final False
    return (as_text(series).str.len() > limit).to_numpy()


def _blank(series: pd.Series) -> np.ndarray:
    """True where a text cell is missing or empty."""
    return (series.isna() | (series == "")).to_numpy()


def _key_codes(series: pd.Series) -> np.ndarray:
    """Integer codes for a key column, so duplicate detection hashes ints rather than strings."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy()
    return pd.factorize(as_text(series), sort=False)[0]


def _duplicate_errors(values: pd.DataFrame, rows: np.ndarray) -> list[RowError]:
    """One error per row whose key (indicator, area, period, sex, age, category type, category) is repeated."""
    codes = pd.DataFrame({c: _key_codes(values[c]) for c in KEY_COLUMNS})
    duplicated = _duplicated_rows(codes)
    if not duplicated.any():
        return []
    dup = codes[duplicated].assign(_row=rows[duplicated])
    together = dup.groupby(KEY_COLUMNS, sort=False)["_row"].transform(lambda r: ", ".join(str(x) for x in r))
    message = "Duplicate row: the same indicator, area, period, sex, age and category are on rows {}"
    return [
        RowError(int(row), None, message.format(text), "Duplicate rows")
        for row, text in zip(dup["_row"].to_numpy(), together.to_numpy(), strict=True)
    ]


def _duplicated_rows(codes: pd.DataFrame) -> np.ndarray:
    """True on every row whose codes (each from -1) all equal another row's: DataFrame.duplicated(keep=False).

    The codes are packed into one int64 per row (code + 1 in base number-of-codes + 1 per column), equal exactly
    when every column's code is equal, and duplicates found on that one column: 0.03 s for a million rows where
    DataFrame.duplicated took 0.2 s. Keys too large for an int64 fall back to DataFrame.duplicated.
    """
    key = np.zeros(len(codes), dtype="int64")
    capacity = 1
    for column in codes.columns:
        shifted = codes[column].to_numpy().astype("int64") + 1
        base = int(shifted.max(initial=0)) + 1
        capacity *= base
        if capacity >= 2**63:
            return codes.duplicated(keep=False).to_numpy()
        key = key * base + shifted
    return pd.Series(key).duplicated(keep=False).to_numpy()
