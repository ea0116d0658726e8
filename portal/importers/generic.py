"""The generic long CSV format, for a council's own local indicator data.

Format
------
A CSV file (UTF-8, or Excel's Windows-1252 "CSV"; either is detected) with a header row and one row per value.

Required columns:

- ``indicator_id`` - a short stable id for the indicator, e.g. ``local-school-readiness``. Letters, numbers and
  hyphens are best; the same id must be used every time the indicator is uploaded.
- ``area_code`` - the ONS GSS code of the area: ``E08000031`` for Wolverhampton, ``E05001321``-``E05001340`` for its
  wards, ``E01...`` for LSOAs, ``E12000005`` for the West Midlands, ``E92000001`` for England.
- ``period`` - the time period as it should be shown, e.g. ``2023``, ``2022/23``, ``2020 - 22``.
- ``value`` - the number. Leave it blank if there is no value. Write ``c``, ``x``, ``z``, ``u`` or ``:`` for a
  suppressed value (it is stored as suppressed, never as 0). Thousands separators ("1,234") are accepted.

Optional columns (leave out, or leave cells blank, when they do not apply):

- ``indicator_name`` - the indicator's name (used when the indicator is new to the portal).
- ``period_sortable`` - a whole number that puts periods in order, e.g. ``20220000`` for 2022/23. When absent it is
  the first four-digit year in ``period`` times 10,000.
- ``sex`` - ``Persons`` (the default), ``Male`` or ``Female``.
- ``age`` - the age group, e.g. ``All ages`` (the default), ``0-4 yrs``, ``65+ yrs``.
- ``category_type`` and ``category`` - a breakdown, e.g. ``Ethnic group`` / ``Asian``. Both blank when there is none.
- ``lower_ci95``, ``upper_ci95``, ``lower_ci998``, ``upper_ci998`` - confidence limits; the value must lie within them.
- ``count`` and ``denominator`` - the numerator and population behind the value; not negative.
- ``value_note`` - a note shown with the value.
- ``unit`` (e.g. ``%``, ``per 100,000``), ``value_type`` (one of proportion, crude_rate, dsr, count, mean, median,
  score, rank, decile), ``polarity`` (high_is_good, low_is_good or no_judgement) and ``topic`` (health,
  social_care, children, housing, economy, deprivation, population) - describe a new indicator; they must be the same
  on every row of that indicator.

Header names are matched ignoring case and spaces (``Area Code`` is read as ``area_code``). Any other column is an
error, so that a misspelt column is not silently ignored.

Each combination of indicator_id, area_code, period, sex, age, category_type and category may appear once only.

Problems are reported by spreadsheet row number (the header is row 1), for example
"Row 7, value: Value must be a number, not 'abc'".
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from portal.importers.base import (
    POLARITIES,
    SUPPRESSION_MARKERS,
    TOPICS,
    VALUE_TYPES,
    FileProblem,
    ImportResult,
    RowError,
    area_type_from_code,
    key_order,
)
from portal.importers.cells import clean_text, map_text, parse_numbers, sortable_from_period
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import (
    CsvFile,
    ProgressCallback,
    Source,
    check_header,
    drop_blank_rows,
    open_csv,
    read_csv_frame,
    spreadsheet_rows,
)
from portal.importers.validation import validate_values

FORMAT = "generic"
REQUIRED = ["indicator_id", "area_code", "period", "value"]
OPTIONAL = [
    "indicator_name",
    "period_sortable",
    "sex",
    "age",
    "category_type",
    "category",
    "lower_ci95",
    "upper_ci95",
    "lower_ci998",
    "upper_ci998",
    "count",
    "denominator",
    "value_note",
    "unit",
    "value_type",
    "polarity",
    "topic",
]
NUMERIC = ["value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"]
LABELS = {
    "value": "Value",
    "lower_ci95": "Lower 95% limit",
    "upper_ci95": "Upper 95% limit",
    "lower_ci998": "Lower 99.8% limit",
    "upper_ci998": "Upper 99.8% limit",
    "count": "Count",
    "denominator": "Denominator",
    "period_sortable": "Period sortable",
}
METADATA_CHOICES = {"value_type": VALUE_TYPES, "polarity": POLARITIES, "topic": TOPICS}
SEX_WORDS = {
    "persons": "Persons",
    "person": "Persons",
    "all": "Persons",
    "": "Persons",
    "male": "Male",
    "males": "Male",
    "female": "Female",
    "females": "Female",
    "not applicable": "Not applicable",
}
MISSING = frozenset({"", "na", "n/a", "nan"})
GENERIC_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "",
    "value_type": "",
    "multiplier": np.nan,
    "polarity": "",  # not known unless the file has a polarity column
    "topic": "",
    "source": "Local data upload",
    "publisher": "",
    "licence": "",
}


def normalise_header(name: str) -> str:
    """A header cell in the canonical form: lower case, spaces and hyphens as underscores ("Area Code" -> area_code)."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def is_generic_header(header: list[str]) -> bool:
    """Whether a header row has the generic format's required columns."""
    found = {normalise_header(h) for h in header}
    return all(c in found for c in REQUIRED)


def read_generic_long(
    source: Source,
    known_area_codes: set[str] | None = None,
    *,
    metadata: pd.DataFrame | None = None,
    progress: ProgressCallback | None = None,
    source_name: str = "Local data upload",
    publisher: str = "",
) -> ImportResult:
    """Read a generic long CSV (see the module docstring for the format), reporting every problem by row.

    Indicator metadata comes from `metadata` (the portal's) for known ids, else from the file's optional columns.
    Progress is reported as (bytes read, file size).
    """
    try:
        with open_csv(source) as csv:
            return _read(csv, known_area_codes, metadata, progress, source_name, publisher)
    except FileProblem as problem:
        return failed(FORMAT, [problem.as_error()])


def _read(
    csv: CsvFile,
    known_area_codes: set[str] | None,
    metadata: pd.DataFrame | None,
    progress: ProgressCallback | None,
    source_name: str,
    publisher: str,
) -> ImportResult:
    """Parse an opened generic file."""
    canonical = [normalise_header(h) for h in csv.header]
    header_errors = check_header(canonical, REQUIRED, OPTIONAL)
    if header_errors:
        return failed(FORMAT, header_errors)
    # Read by the file's own header names, then rename to the canonical ones.
    original = dict(zip(canonical, csv.header, strict=True))
    numeric = [original[c] for c in [*NUMERIC, "period_sortable"] if c in original]
    raw, _ = read_csv_frame(csv, columns=csv.header, float_columns=numeric, progress=progress)
    raw = raw.rename(columns=dict(zip(csv.header, canonical, strict=True)))
    raw = drop_blank_rows(raw, canonical)
    rows = spreadsheet_rows(raw.index)
    errors: list[RowError] = []
    if raw.empty:
        return failed(FORMAT, [RowError(0, None, "The file has a header row but no data rows.")])

    def text(column: str) -> pd.Series:
        return clean_text(raw[column]) if column in raw.columns else pd.Series("", index=raw.index, dtype="category")

    frame = pd.DataFrame(index=raw.index)
    frame["indicator_id"] = text("indicator_id")
    frame["area_code"] = map_text(text("area_code"), lambda codes: codes.str.upper())
    frame["period"] = text("period")
    frame["age"] = map_text(text("age"), lambda ages: ages.where(ages != "", "All ages"))
    frame["sex"] = map_text(
        text("sex"), lambda sexes: pd.Index([SEX_WORDS.get(s.lower(), s) for s in sexes], dtype=object)
    )
    for column in ("category_type", "category", "value_note"):
        frame[column] = text(column)
    frame["suppressed"] = False
    for column in NUMERIC:
        if column not in raw.columns:
            frame[column] = np.nan
            continue
        numbers, suppressed, cell_errors = parse_numbers(
            raw[column],
            label=LABELS[column],
            column=original[column],
            row_numbers=rows,
            suppression_markers=SUPPRESSION_MARKERS if column == "value" else frozenset(),
            missing_tokens=MISSING,
        )
        frame[column] = numbers
        errors.extend(cell_errors)
        if column == "value":
            frame["suppressed"] = suppressed
    frame["period_sortable"] = _period_sortable(raw, frame["period"], rows, original, errors)
    frame["derived"] = False
    values = finalise_values(frame, categorical=True)
    labels = {c: original.get(c, c) for c in values.columns}
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=rows, column_labels=labels))
    indicators = _indicators(raw, frame, rows, original, metadata, source_name, publisher, errors)
    codes = frame["area_code"].astype(str).drop_duplicates()
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": codes,
                "name": "",
                "area_type": codes.map(lambda c: area_type_from_code(c) or ""),
                "parent_code": "",
            }
        )
    )
    # Areas are referenced, not defined, by a generic file; only codes of a recognisable type are listed.
    areas = areas[areas["area_type"] != ""].reset_index(drop=True)
    errors.sort(key=lambda e: e.row)
    result = ImportResult(FORMAT, indicators, finalise_values(values).reset_index(drop=True), areas, errors)
    result.remember_key_order(key_order(values))  # the same rows, in the same order, still categorical
    return result


def _period_sortable(
    raw: pd.DataFrame, period: pd.Series, rows: pd.Series, original: dict[str, str], errors: list[RowError]
) -> pd.Series:
    """The file's period_sortable where given (whole numbers only), else yyyy0000 from the period label."""
    fallback = sortable_from_period(period)
    if "period_sortable" not in raw.columns:
        return fallback
    numbers, _, cell_errors = parse_numbers(
        raw["period_sortable"],
        label=LABELS["period_sortable"],
        column=original["period_sortable"],
        row_numbers=rows,
        missing_tokens=MISSING,
    )
    errors.extend(cell_errors)
    fractional = (numbers % 1 != 0) & numbers.notna()
    errors.extend(
        RowError(int(r), original["period_sortable"], "Period sortable must be a whole number, e.g. 20220000")
        for r in rows[fractional]
    )
    return numbers.where(~fractional).fillna(fallback.astype("float64")).astype("int64")


def _indicators(
    raw: pd.DataFrame,
    frame: pd.DataFrame,
    rows: pd.Series,
    original: dict[str, str],
    metadata: pd.DataFrame | None,
    source_name: str,
    publisher: str,
    errors: list[RowError],
) -> pd.DataFrame:
    """Indicator rows: portal metadata for known ids, else the file's own descriptive columns, checked per row."""
    ids = frame["indicator_id"].astype(str)
    described = pd.DataFrame({"indicator_id": ids})
    for column in ("indicator_name", "unit", "value_type", "polarity", "topic"):
        if column not in raw.columns:
            continue
        cells = clean_text(raw[column]).astype(str)
        if column in METADATA_CHOICES:
            cells = cells.str.lower()
            invalid = (cells != "") & ~cells.isin(METADATA_CHOICES[column])
            choices = ", ".join(sorted(METADATA_CHOICES[column]))
            errors.extend(
                RowError(int(r), original[column], f"{column} must be one of {choices}, not {v!r}")
                for r, v in zip(rows[invalid], cells[invalid], strict=True)
            )
            cells = cells.where(~invalid, "")
        given = cells != ""
        first = cells[given].groupby(ids[given]).transform("first")
        conflict = given & (cells != first.reindex(cells.index))
        errors.extend(
            RowError(int(r), original[column], f"{column} differs from an earlier row of indicator {i!r}")
            for r, i in zip(rows[conflict], ids[conflict], strict=True)
        )
        described[column] = cells
    firsts = described.replace("", np.nan).groupby("indicator_id", sort=False).first()
    defaults = {**GENERIC_DEFAULTS, "source": source_name, "publisher": publisher}
    from_file: list[dict[str, Any]] = []
    for indicator_id, row in firsts.iterrows():
        cells_given: dict[str, str] = {str(k): v for k, v in row.items() if isinstance(v, str)}
        from_file.append(
            {
                **defaults,
                **{k: v for k, v in cells_given.items() if k != "indicator_name"},
                "indicator_id": indicator_id,
                "name": cells_given.get("indicator_name", indicator_id),
            }
        )
    file_meta = pd.DataFrame(from_file) if from_file else None
    combined = file_meta if metadata is None else pd.concat([metadata, file_meta], ignore_index=True)
    names: dict[str, str] = {str(r["indicator_id"]): str(r["name"]) for r in from_file}
    for indicator_id in ids.unique():
        names.setdefault(str(indicator_id), str(indicator_id))
    return metadata_rows(names, combined.drop_duplicates("indicator_id") if combined is not None else None, defaults)
