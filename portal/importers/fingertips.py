"""Readers for OHID Fingertips data: the 26-column export (native and underscore headers) and Trafford Data Lab's
processed long files built from the Fingertips API.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portal.importers.base import (
    ENGLAND,
    OGL,
    SEXES,
    CsvFile,
    FileProblem,
    ImportResult,
    ProgressCallback,
    RowError,
    Source,
    area_type_from_code,
    areas_frame,
    check_header,
    clean_text,
    drop_blank_rows,
    failed,
    finalise_values,
    map_text,
    metadata_rows,
    open_csv,
    parse_numbers,
    read_csv_frame,
    sortable_from_period,
    spreadsheet_rows,
    validate_values,
)

FORMAT = "fingertips"
TRAFFORD_FORMAT = "trafford"

# Contract column -> native export header. The underscore variant is derived from this table below.
NATIVE_COLUMNS: dict[str, str] = {
    "indicator_id": "Indicator ID",
    "indicator_name": "Indicator Name",
    "parent_code": "Parent Code",
    "parent_name": "Parent Name",
    "area_code": "Area Code",
    "area_name": "Area Name",
    "area_type": "Area Type",
    "sex": "Sex",
    "age": "Age",
    "category_type": "Category Type",
    "category": "Category",
    "period": "Time period",
    "value": "Value",
    "lower_ci95": "Lower CI 95.0 limit",
    "upper_ci95": "Upper CI 95.0 limit",
    "lower_ci998": "Lower CI 99.8 limit",
    "upper_ci998": "Upper CI 99.8 limit",
    "count": "Count",
    "denominator": "Denominator",
    "value_note": "Value note",
    "source_recent_trend": "Recent Trend",
    "source_compared_to_england": "Compared to England value or percentiles",
    "source_compared_to_region": "Compared to Region value or percentiles",
    "period_sortable": "Time period Sortable",
    "new_data": "New data",
    "compared_to_goal": "Compared to goal",
}
# The same export re-saved with spaces replaced by underscores (and a few names run together), e.g. by R users.
UNDERSCORE_COLUMNS: dict[str, str] = {
    **{k: v.replace(" ", "_") for k, v in NATIVE_COLUMNS.items()},
    "indicator_id": "IndicatorID",
    "indicator_name": "IndicatorName",
    "parent_code": "ParentCode",
    "parent_name": "ParentName",
    "area_code": "AreaCode",
    "area_name": "AreaName",
    "area_type": "AreaType",
    "period": "Timeperiod",
}
# Columns a reader can do without (older exports lack some of them).
OPTIONAL_KEYS = frozenset(
    {"new_data", "compared_to_goal", "source_recent_trend", "source_compared_to_region", "period_sortable"}
)
FLOAT_KEYS = ["value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"]
# Parsed as numbers on the fast path too; "Time period Sortable" is an 8-digit integer, exact in a float.
PARSED_KEYS = [*FLOAT_KEYS, "period_sortable"]

FINGERTIPS_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "",
    "value_type": "",
    "multiplier": np.nan,
    "polarity": "no_judgement",
    "topic": "health",
    "source": "Fingertips public health profiles",
    "publisher": "Office for Health Improvement and Disparities (formerly Public Health England)",
    "licence": OGL,
}


def fingertips_area_type(label: str, code: str) -> str | None:
    """Map a Fingertips area type label (e.g. "County & UA", "Counties & UAs (from Apr 2021)") to the portal's."""
    text = label.strip().lower()
    if text in {"country", "england"}:
        return "country"
    if text.startswith("region"):
        return "region"
    if "district" in text or "lower tier" in text:
        return "district"
    if "count" in text or text == "ua" or "ua " in text or "upper tier" in text:
        return "county_ua"
    if "ward" in text:
        return "ward"
    if "lsoa" in text:
        return "lsoa"
    return area_type_from_code(code)


def detect_variant(header: list[str]) -> dict[str, str] | None:
    """The column mapping (native or underscore) that this header uses, or None if it is neither."""
    for mapping in (NATIVE_COLUMNS, UNDERSCORE_COLUMNS):
        required = [v for k, v in mapping.items() if k not in OPTIONAL_KEYS]
        if all(column in header for column in required):
            return mapping
    return None


def read_fingertips(
    source: Source,
    *,
    metadata: pd.DataFrame | None = None,
    known_area_codes: set[str] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read a Fingertips data export (native "Indicator ID, ..." or underscore "IndicatorID, ..." header).

    Indicator names lose the newlines Fingertips embeds in them; "Compared to England/Region" and "Recent Trend" are
    kept word for word in the source_* columns. Indicator metadata comes from `metadata` (data/indicator_metadata.csv)
    when it lists the id, otherwise a minimal row (name from the file, polarity no_judgement). Progress is reported in
    bytes read.
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
    mapping = detect_variant(csv.header)
    if mapping is None:
        # Name the missing columns against whichever variant the header resembles more.
        scores = [sum(c in csv.header for c in m.values()) for m in (NATIVE_COLUMNS, UNDERSCORE_COLUMNS)]
        closest = NATIVE_COLUMNS if scores[0] >= scores[1] else UNDERSCORE_COLUMNS
        required = [v for k, v in closest.items() if k not in OPTIONAL_KEYS]
        optional = [v for k, v in closest.items() if k in OPTIONAL_KEYS]
        return failed(FORMAT, check_header(csv.header, required, optional))
    present = {key: name for key, name in mapping.items() if name in csv.header}
    floats = [present[k] for k in PARSED_KEYS if k in present]
    raw, parsed = read_csv_frame(csv, columns=list(present.values()), float_columns=floats, progress=progress)
    raw = raw.rename(columns={name: key for key, name in present.items()})
    for key in mapping:
        if key not in raw.columns:
            raw[key] = ""
    raw = drop_blank_rows(raw, list(present))
    rows = spreadsheet_rows(raw.index, csv.skiprows)
    labels = {key: mapping[key] for key in mapping}
    errors: list[RowError] = []

    frame = pd.DataFrame(index=raw.index)
    # Fingertips ids are integers; a spreadsheet round trip can turn them into "93356.0".
    frame["indicator_id"] = map_text(
        raw["indicator_id"], lambda ids: ids.str.replace(r"\s+", "", regex=True).str.replace(r"\.0$", "", regex=True)
    )
    frame["area_code"] = clean_text(raw["area_code"])
    frame["period"] = clean_text(raw["period"])
    frame["sex"] = clean_text(raw["sex"])
    frame["age"] = clean_text(raw["age"])
    for key in ("category_type", "category", "value_note", "source_compared_to_england",
                "source_compared_to_region", "source_recent_trend"):  # fmt: skip
        frame[key] = clean_text(raw[key])
    for key in FLOAT_KEYS:
        if parsed:
            frame[key] = raw[key].astype("float64")
        else:
            numbers, _, cell_errors = parse_numbers(raw[key], label=labels[key], row_numbers=rows)
            frame[key] = numbers
            errors.extend(cell_errors)
    frame["period_sortable"] = _period_sortable(raw["period_sortable"], frame["period"], rows, labels, errors)
    # Fingertips leaves suppressed values blank and says so in the value note.
    frame["suppressed"] = frame["value"].isna() & frame["value_note"].str.contains("suppress", case=False)
    frame["derived"] = False
    values = finalise_values(frame, categorical=True)

    areas = _areas(raw, rows, labels, errors)
    names = (
        pd.DataFrame({"id": frame["indicator_id"], "name": raw["indicator_name"]})
        .drop_duplicates("id")
        .assign(name=lambda f: clean_text(f["name"]))
    )
    indicators = metadata_rows(dict(zip(names["id"], names["name"], strict=True)), metadata, FINGERTIPS_DEFAULTS)
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=rows, column_labels=labels))
    errors.sort(key=lambda e: e.row)
    return ImportResult(FORMAT, indicators, finalise_values(values).reset_index(drop=True), areas, errors)


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


def _areas(raw: pd.DataFrame, rows: pd.Series, labels: dict[str, str], errors: list[RowError]) -> pd.DataFrame:
    """The areas the export defines (code, name, type, parent), one per code."""
    first = raw.drop_duplicates("area_code")
    codes = clean_text(first["area_code"])
    types = [
        fingertips_area_type(label, code) for label, code in zip(clean_text(first["area_type"]), codes, strict=True)
    ]
    for index, label, area_type in zip(first.index, first["area_type"], types, strict=True):
        if area_type is None and codes.loc[index]:
            errors.append(RowError(int(rows.loc[index]), labels["area_type"], f"Area type {label!r} is not recognised"))
    return areas_frame(
        pd.DataFrame(
            {
                "code": codes,
                "name": clean_text(first["area_name"]),
                "area_type": [t or "" for t in types],
                "parent_code": clean_text(first["parent_code"]),
            }
        )
    )


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


# ---------------------------------------------------------------------------------------------------------------
# Trafford Data Lab processed files

TRAFFORD_COLUMNS = [
    "area_code", "area_name", "area_type", "period", "indicator", "measure", "unit", "value",
    "compared_to_England", "inequality",
]  # fmt: skip
# The processed files carry indicator names but not ids. Trafford's scripts (data/health/pre-processing/*.R in
# traffordDataLab/trafford_themes) download these Fingertips ids, keeping one age group: (id, Fingertips age).
TRAFFORD_INDICATORS: dict[str, tuple[str, str]] = {
    "Life expectancy at birth": ("90366", "All ages"),
    "Smoking Prevalence in adults (aged 18 and over) - current smokers (APS)": ("92443", "18+ yrs"),
    "Inequality in life expectancy at birth": ("92901", "All ages"),
}


def read_trafford_processed(
    source: Source, *, metadata: pd.DataFrame | None = None, known_area_codes: set[str] | None = None
) -> ImportResult:
    """Read a Trafford Data Lab tidy file of Fingertips data (no CIs; values rounded to 1 dp by Trafford).

    All areas are kept (England plus every district and UA); it takes well under a second. Trafford put the sex in
    `inequality` (life expectancy) or in `unit` (smoking); otherwise it is Persons. compared_to_England is kept as the
    source's own words.
    """
    try:
        with open_csv(source) as csv:
            header_errors = check_header(csv.header, TRAFFORD_COLUMNS)
            if header_errors:
                return failed(TRAFFORD_FORMAT, header_errors)
            raw, _ = read_csv_frame(csv, columns=TRAFFORD_COLUMNS)
    except FileProblem as problem:
        return failed(TRAFFORD_FORMAT, [problem.as_error()])
    raw = drop_blank_rows(raw, TRAFFORD_COLUMNS)
    rows = spreadsheet_rows(raw.index)
    errors: list[RowError] = []
    names = clean_text(raw["indicator"]).astype(str)
    slugs = "trafford-" + names.str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")
    frame = pd.DataFrame(index=raw.index)
    frame["indicator_id"] = names.map(lambda n: TRAFFORD_INDICATORS.get(n, ("", ""))[0]).where(
        names.isin(TRAFFORD_INDICATORS), slugs
    )
    frame["area_code"] = clean_text(raw["area_code"])
    frame["period"] = clean_text(raw["period"])
    frame["period_sortable"] = sortable_from_period(frame["period"])
    by_inequality = clean_text(raw["inequality"]).astype(str)
    by_unit = clean_text(raw["unit"]).astype(str)
    frame["sex"] = by_inequality.where(by_inequality.isin(SEXES), by_unit.where(by_unit.isin(SEXES), "Persons"))
    frame["age"] = names.map(lambda n: TRAFFORD_INDICATORS.get(n, ("", "All ages"))[1])
    frame["value"], _, cell_errors = parse_numbers(
        raw["value"], label="value", row_numbers=rows, missing_tokens=frozenset({"", "na"})
    )
    errors.extend(cell_errors)
    frame["source_compared_to_england"] = clean_text(raw["compared_to_England"])
    frame["value_note"] = "Processed by Trafford Data Lab: rounded to 1 decimal place; confidence intervals not kept"
    values = finalise_values(frame)
    first = raw.drop_duplicates("area_code")
    first_codes = clean_text(first["area_code"]).astype(str)
    area_types = [
        fingertips_area_type(label, code) or ""
        for label, code in zip(clean_text(first["area_type"]).astype(str), first_codes, strict=True)
    ]
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": first_codes,
                "name": clean_text(first["area_name"]).astype(str),
                "area_type": area_types,
                "parent_code": "",
            }
        )
    )
    pairs = pd.DataFrame({"id": frame["indicator_id"], "name": names}).drop_duplicates("id")
    defaults = {**FINGERTIPS_DEFAULTS, "source": "Fingertips, processed by Trafford Data Lab"}
    indicators = metadata_rows(dict(zip(pairs["id"], pairs["name"], strict=True)), metadata, defaults)
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=rows))
    errors.sort(key=lambda e: e.row)
    return ImportResult(TRAFFORD_FORMAT, indicators, values.reset_index(drop=True), areas, errors)
