"""Frames in the contract's shape: empty results, indicator and area frames, finalised values, indicator metadata."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from portal.importers.base import (
    AREA_COLUMNS,
    BOOL_VALUE_COLUMNS,
    DATA_DIR,
    INDICATOR_COLUMNS,
    NUMERIC_VALUE_COLUMNS,
    TEXT_VALUE_COLUMNS,
    VALUE_COLUMNS,
    ImportResult,
    RowError,
)
from portal.importers.cells import as_text, categorical_to_text, map_text

DEFAULT_METADATA_PATH = DATA_DIR / "indicator_metadata.csv"


def empty_values() -> pd.DataFrame:
    """A values frame with no rows and the contract's columns and dtypes."""
    return finalise_values(pd.DataFrame({column: [] for column in VALUE_COLUMNS}))


def empty_indicators() -> pd.DataFrame:
    """An indicators frame with no rows."""
    return indicators_frame([])


def empty_areas() -> pd.DataFrame:
    """An areas frame with no rows."""
    return areas_frame(pd.DataFrame(columns=AREA_COLUMNS))


def failed(format_name: str, errors: Sequence[RowError]) -> ImportResult:
    """A result with no data, only errors."""
    return ImportResult(format_name, empty_indicators(), empty_values(), empty_areas(), list(errors))


def indicators_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Indicator metadata rows as a frame with exactly INDICATOR_COLUMNS (text "" and multiplier NaN if missing)."""
    frame = pd.DataFrame(list(rows), columns=INDICATOR_COLUMNS)
    for column in INDICATOR_COLUMNS:
        if column == "multiplier":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        else:
            frame[column] = as_text(frame[column])
    return frame.drop_duplicates("indicator_id").reset_index(drop=True)


def areas_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Areas as a frame with exactly AREA_COLUMNS, one row per code (first definition wins)."""
    out = frame.reindex(columns=AREA_COLUMNS)
    for column in AREA_COLUMNS:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = categorical_to_text(series)
        out[column] = as_text(series).str.strip()
    return out[out["code"] != ""].drop_duplicates("code").reset_index(drop=True)


def finalise_values(frame: pd.DataFrame, *, categorical: bool = False) -> pd.DataFrame:
    """Put a values frame into contract shape: VALUE_COLUMNS in order, text "" not NaN, floats, ints and bools.

    With categorical=True text columns stay categorical, which readers use to validate a large frame cheaply before
    calling this again to get the contract's plain text columns.
    """
    out = pd.DataFrame(index=frame.index)
    for column in VALUE_COLUMNS:
        series = frame[column] if column in frame.columns else None
        if column in NUMERIC_VALUE_COLUMNS:
            out[column] = np.nan if series is None else _numbers(series)
        elif column == "period_sortable":
            out[column] = 0 if series is None else _numbers(series).fillna(0)
        elif column in BOOL_VALUE_COLUMNS:
            out[column] = False if series is None else series.fillna(False).astype(bool)
        elif series is None:
            out[column] = ""
        elif categorical:
            out[column] = map_text(series, lambda index: index)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            out[column] = categorical_to_text(series)
        else:
            out[column] = as_text(series)
    text_dtype = "category" if categorical else "str"
    # Explicit dtypes: columns assigned from scalars would otherwise be object when the frame is empty.
    return out.astype(
        dict.fromkeys(NUMERIC_VALUE_COLUMNS, "float64")
        | {"period_sortable": "int64"}
        | dict.fromkeys(BOOL_VALUE_COLUMNS, "bool")
        | dict.fromkeys(TEXT_VALUE_COLUMNS, text_dtype)
    )


def _numbers(series: pd.Series) -> pd.Series:
    """The series as numbers (NaN where not a number). Columns that already are numbers are returned as they are:
    to_numeric copies them, which cost 0.3 s of a million-row read for nothing."""
    if series.dtype.kind in "fiu":
        return series
    return pd.to_numeric(series, errors="coerce")


def load_indicator_metadata(path: str | os.PathLike[str] = DEFAULT_METADATA_PATH) -> pd.DataFrame | None:
    """Read data/indicator_metadata.csv (all its columns, ids as text), or None when the file does not exist."""
    if not Path(path).exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame["multiplier"] = pd.to_numeric(frame["multiplier"], errors="coerce")
    if "comparison_confidence" in frame.columns:
        frame["comparison_confidence"] = pd.to_numeric(frame["comparison_confidence"], errors="coerce")
    return frame


def metadata_rows(
    ids_and_names: Mapping[str, str], metadata: pd.DataFrame | None, defaults: Mapping[str, object]
) -> pd.DataFrame:
    """Indicator rows for the given ids: from `metadata` when it has the id, else a minimal row from `defaults`."""
    known = {} if metadata is None else {str(r["indicator_id"]): r for r in metadata.to_dict("records")}
    rows = []
    for indicator_id, name in ids_and_names.items():
        if indicator_id in known:
            rows.append({c: known[indicator_id].get(c) for c in INDICATOR_COLUMNS})
        else:
            rows.append({**defaults, "indicator_id": indicator_id, "name": name})
    return indicators_frame(rows)
