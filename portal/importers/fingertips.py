"""The reader for OHID Fingertips data: every layout of its export (see fingertips_layouts), read into the contract.

The columns are Fingertips' own (see fingertipsR's ``fingertips_data()`` and the API's CSV): one row per indicator,
area, period, sex, age and category, with the area's type and parent, the value, its 95% and 99.8% limits, count,
denominator, value note, and Fingertips' recent trend and comparison words.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from portal.importers.base import ENGLAND, INDICATOR_NAME_LIMIT, OGL, FileProblem, ImportResult, RowError, key_order
from portal.importers.cells import clean_text, map_text, parse_numbers, sortable_from_period
from portal.importers.fingertips_areas import export_areas
from portal.importers.fingertips_layouts import (
    EXTRA_HEADERS,
    NATIVE_COLUMNS,
    REQUIRED_KEYS,
    detect_variant,
    header_problems,
    match_header,
    style_names,
)
from portal.importers.frames import empty_areas, failed, finalise_values, metadata_rows
from portal.importers.reading import (
    CsvFile,
    ProgressCallback,
    Source,
    drop_blank_rows,
    open_csv,
    read_csv_frame,
    spreadsheet_rows,
)
from portal.importers.validation import validate_values

FORMAT = "fingertips"

FLOAT_KEYS = ["value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"]
# Parsed as numbers on the fast path too; "Time period Sortable" is an 8-digit integer, exact in a float.
PARSED_KEYS = [*FLOAT_KEYS, "period_sortable"]
TEXT_KEYS = ("category_type", "category", "source_compared_to_england", "source_compared_to_region",
             "source_recent_trend")  # fmt: skip
# A header that matches at least this many required columns is taken for a damaged Fingertips export: its missing
# columns are reported together with every problem in its rows.
RECOGNISABLE_KEYS = 5
REGION_PREFIX = "E12"
# What a numeric cell holds when there is no figure.
NO_DATA_MARKERS = frozenset({"", "-"})

FINGERTIPS_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "",
    "value_type": "",
    "multiplier": np.nan,
    "polarity": "",  # not known: the export does not say (inferred from its verdict words for a draft)
    "topic": "health",
    "source": "Fingertips public health profiles",
    "publisher": "Office for Health Improvement and Disparities (formerly Public Health England)",
    "licence": OGL,
}

_TAG = re.compile(r"<[^>]*>")


def read_fingertips(
    source: Source,
    *,
    metadata: pd.DataFrame | None = None,
    known_area_codes: set[str] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read any Fingertips export: the API's and the data download's (26 columns before 2020, 27 since), the web
    site's "Export table" CSV (byte-order mark, every field quoted, "AreaName", thousands separators, HTML in value
    notes) and fingertipsR or underscore spellings of the same columns.

    Indicator names lose the newlines Fingertips embeds in them; value notes lose their HTML (kept as plain text);
    sex, age, category type and category are kept as written; "Compared to England/Region" and "Recent Trend" are
    kept word for word in the source_* columns (a comparison with the "parent" counts as the region's only when the
    parent is a region). Every area and parent in the file is defined with its type, keeping Fingertips' label.
    Indicator metadata comes from `metadata` (data/indicator_metadata.csv) when it lists the id, otherwise a minimal
    row. A header missing required columns is reported together with every problem in the rows. Progress is in bytes.
    """
    try:
        with open_csv(source) as csv:
            return _read_fingertips(csv, metadata, known_area_codes, progress)
    except FileProblem as problem:
        return failed(FORMAT, [problem.as_error()])


def _read_fingertips(
    csv: CsvFile,
    metadata: pd.DataFrame | None,
    known_area_codes: set[str] | None,
    progress: ProgressCallback | None,
) -> ImportResult:
    """Parse an opened export."""
    present = match_header(csv.header)
    errors = header_problems(csv.header)
    if errors and sum(key in present for key in REQUIRED_KEYS) < RECOGNISABLE_KEYS:
        return failed(FORMAT, errors)
    absent = {key for key in REQUIRED_KEYS if key not in present}
    floats = [present[k] for k in PARSED_KEYS if k in present]
    raw, parsed = read_csv_frame(csv, columns=list(present.values()), float_columns=floats, progress=progress)
    raw = raw.rename(columns={name: key for key, name in present.items()})
    for key in [*NATIVE_COLUMNS, *EXTRA_HEADERS.values()]:
        if key not in raw.columns:
            raw[key] = np.nan if key in PARSED_KEYS else ""
    raw = drop_blank_rows(raw, list(present))
    rows = spreadsheet_rows(raw.index, csv.skiprows)
    names = style_names(csv.header)
    labels = {key: present.get(key, names.get(key, key)) for key in NATIVE_COLUMNS}

    frame = pd.DataFrame(index=raw.index)
    # Fingertips ids are integers; a spreadsheet round trip can turn them into "93356.0".
    frame["indicator_id"] = map_text(
        raw["indicator_id"], lambda ids: ids.str.replace(r"\s+", "", regex=True).str.replace(r"\.0$", "", regex=True)
    )
    for key in ("area_code", "period", "sex", "age", *TEXT_KEYS):
        frame[key] = clean_text(raw[key])
    frame["value_note"] = map_text(raw["value_note"], _plain_text)
    parent_code = clean_text(raw["parent_code"])
    if "source_compared_to_region" not in present and "source_compared_to_parent" in present:
        # The web export compares with the parent: that is the region's verdict only when the parent is a region.
        parent_words = clean_text(raw["source_compared_to_parent"]).astype(str)
        is_region = parent_code.astype(str).str.startswith(REGION_PREFIX)
        frame["source_compared_to_region"] = parent_words.where(is_region, "")
    for key in FLOAT_KEYS:
        if parsed:
            frame[key] = raw[key].astype("float64")
        else:
            # The web export writes "no data" as HTML (<div class="no-data">-</div>): read the text inside.
            text = map_text(raw[key], _plain_text)
            numbers, _, cell_errors = parse_numbers(
                text, label=labels[key], row_numbers=rows, missing_tokens=NO_DATA_MARKERS
            )
            frame[key] = numbers
            errors.extend(cell_errors)
    frame["period_sortable"] = _period_sortable(raw["period_sortable"], frame["period"], rows, labels, errors)
    # Fingertips leaves suppressed values blank and says so in the value note.
    frame["suppressed"] = frame["value"].isna() & frame["value_note"].str.contains("suppress", case=False)
    frame["derived"] = False
    values = finalise_values(frame, categorical=True)

    areas = export_areas(raw, parent_code, rows, labels, errors) if "area_code" in present else empty_areas()
    indicator_names = (
        pd.DataFrame({"id": frame["indicator_id"], "name": raw["indicator_name"], "row": rows})
        .drop_duplicates("id")
        .assign(name=lambda f: clean_text(f["name"]).astype(str))
    )
    long_names = indicator_names[indicator_names["name"].str.len() > INDICATOR_NAME_LIMIT]
    errors.extend(
        RowError(int(r), labels["indicator_name"], f"Too long: {len(n)} characters where at most "
                 f"{INDICATOR_NAME_LIMIT} fit ({n[:40]!r}…)", f"{labels['indicator_name']} is too long")
        for r, n in zip(long_names["row"], long_names["name"], strict=True)
    )  # fmt: skip
    pairs = dict(zip(indicator_names["id"].astype(str), indicator_names["name"], strict=True))
    indicators = metadata_rows(pairs, metadata, FINGERTIPS_DEFAULTS)
    errors.extend(
        validate_values(
            values, known_area_codes=known_area_codes, row_numbers=rows, column_labels=labels, absent=absent
        )
    )
    errors.sort(key=lambda e: e.row)
    result = ImportResult(FORMAT, indicators, finalise_values(values).reset_index(drop=True), areas, errors)
    result.remember_key_order(key_order(values))  # the same rows, in the same order, still categorical
    result.variant = detect_variant(csv.header) or ""
    return result


def _plain_text(notes: pd.Index) -> pd.Index:
    """Value notes as plain text: the web export wraps some in HTML (<span class="tooltipValueNote">…</span>)."""
    return pd.Index(
        [" ".join(html.unescape(_TAG.sub(" ", note)).split()) if "<" in note or "&" in note else " ".join(note.split())
         for note in notes],
        dtype="str",
    )  # fmt: skip


def _period_sortable(
    raw: pd.Series, period: pd.Series, rows: pd.Series, labels: dict[str, str], errors: list[RowError]
) -> pd.Series:
    """Fingertips' own "Time period Sortable" where given, else yyyy0000 from the period label."""
    numbers, _, cell_errors = parse_numbers(raw, label=labels["period_sortable"], row_numbers=rows)
    errors.extend(cell_errors)
    fallback = sortable_from_period(period)
    sortable = numbers.fillna(fallback.astype("float64"))
    fractional = (sortable % 1 != 0).to_numpy()
    errors.extend(
        RowError(int(r), labels["period_sortable"], f"{labels['period_sortable']} must be a whole number")
        for r in rows.to_numpy()[fractional]
    )
    return sortable.where(~fractional, 0).astype("int64")


def infer_polarity(values: pd.DataFrame) -> dict[str, str]:
    """Each indicator's polarity as implied by the export's own Compared-to-England words.

    Better/Worse words show the indicator has a polarity: "Better" with a value above England's means high is good.
    Higher/Lower words mean Fingertips makes no judgement. Indicators with neither (only Similar or Not compared)
    are left out, as their polarity cannot be told from the data.
    """
    england = values[values["area_code"] == ENGLAND].set_index(["indicator_id", "period", "sex", "age"])["value"]
    england = england[~england.index.duplicated()]
    rows = values[values["source_compared_to_england"].isin(["Better", "Worse", "Higher", "Lower"])]
    out: dict[str, str] = {}
    for indicator_id, group in rows.groupby("indicator_id", sort=False):
        words = set(group["source_compared_to_england"])
        if words & {"Higher", "Lower"}:
            out[str(indicator_id)] = "no_judgement"
            continue
        keys = pd.MultiIndex.from_frame(group[["indicator_id", "period", "sex", "age"]])
        bench = england.reindex(keys).to_numpy()
        above = group["value"].to_numpy() > bench
        better = (group["source_compared_to_england"] == "Better").to_numpy()
        usable = ~np.isnan(bench)
        high_is_good = (above == better)[usable]
        if high_is_good.size:
            out[str(indicator_id)] = "high_is_good" if high_is_good.mean() >= 0.5 else "low_is_good"
    return out
