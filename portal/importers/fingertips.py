"""Readers for OHID Fingertips data: every layout of its export, found by autodetection (the 26-column layout of
before 2020, the 27-column 2024-26 layout, the web site's "Export table" CSV, fingertipsR and underscore spellings),
and Trafford Data Lab's processed long files built from the Fingertips API.

The columns are Fingertips' own (see fingertipsR's ``fingertips_data()`` and the API's CSV): one row per indicator,
area, period, sex, age and category, with the area's type and parent, the value, its 95% and 99.8% limits, count,
denominator, value note, and Fingertips' recent trend and comparison words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from portal.importers.base import (
    AREA_TEXT_LIMITS,
    ENGLAND,
    INDICATOR_NAME_LIMIT,
    OGL,
    SEXES,
    FileProblem,
    ImportResult,
    RowError,
    area_type_from_code,
)
from portal.importers.cells import clean_text, map_text, parse_numbers, sortable_from_period
from portal.importers.frames import areas_frame, empty_areas, failed, finalise_values, metadata_rows
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

FORMAT = "fingertips"
TRAFFORD_FORMAT = "trafford"

# Contract key -> the header Fingertips' own export uses (the API's "for one indicator" CSV and the data download).
# The web site's "Export table" and the R package fingertipsR write the same columns with other spellings; every
# spelling is matched after HEADER_KEY() folds it (lower case, letters and digits only).
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
# Columns that later layouts added or renamed, by folded header: the 2024-26 API export has "Column not used" where
# the region comparison was and adds "Time period range"; the web site's export compares with the "parent" (the
# region, or England when the parent is England); fingertipsR calls that the "subnational parent".
EXTRA_HEADERS: dict[str, str] = {
    "comparedtoparentvalueorpercentiles": "source_compared_to_parent",
    "comparedtosubnationalparentvalueorpercentiles": "source_compared_to_parent",
    "timeperiodrange": "period_range",
    "columnnotused": "column_not_used",
}
# Without these a file is not a Fingertips export; every other column may be missing (older layouts lack some).
REQUIRED_KEYS = (
    "indicator_id",
    "indicator_name",
    "area_code",
    "area_name",
    "area_type",
    "sex",
    "age",
    "period",
    "value",
)
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

# Fingertips area type labels (of every vintage) -> the portal's area types, first match wins. Local authority codes
# settle the tier before any label is read, so "District & UA" rows of a unitary authority stay upper tier.
AREA_TYPE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), area_type)
    for pattern, area_type in (
        (r"\bsub[- ]?icb", "sub_icb"),
        (r"\bccgs?\b", "ccg"),
        (r"\bicbs?\b|integrated care board", "icb"),
        (r"\bstps?\b|sustainability and transformation", "stp"),
        (r"\bpcns?\b|primary care network", "pcn"),
        (r"\bgps?\b|general practice", "gp"),
        (r"\bmsoas?\b|middle (layer )?super output", "msoa"),
        (r"\blsoas?\b|lower (layer )?super output", "lsoa"),
        (r"\bwards?\b", "ward"),
        (r"\bons\b.*\b(group|subgroup|cluster)s?\b", "ons_group"),
        (r"\bphe cent|\bukhsa\b|health protection", "phe_centre"),
        (r"\bnhs regions?\b", "nhs_region"),
        (r"combined authorit", "combined_auth"),
        (r"^(england|country|countries)$", "country"),
        (r"^regions?\b", "region"),
        (r"district|lower tier", "district"),
        (r"count(y|ies)|\buas?\b|upper tier|unitary", "county_ua"),
    )
]
LOCAL_AUTHORITY_TYPES = frozenset({"county_ua", "district"})
# NHS organisation codes, for a parent the file names without its type: PCNs are U + 5 digits, GP practices a letter
# + 5 digits (e.g. M92001), ONS area groups "Cl_…".
NHS_CODE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^U\d{5}$"), "pcn"),
    (re.compile(r"^[A-Y]\d{5}$"), "gp"),
    (re.compile(r"^Cl_"), "ons_group"),
]
_TAG = re.compile(r"<[^>]*>")


def header_key(name: str) -> str:
    """A header folded for matching: "Lower CI 95.0 limit", "Lower_CI_95.0_limit" and "LowerCI95.0limit" all give
    "lowerci950limit"."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


HEADER_KEYS: dict[str, str] = {header_key(name): key for key, name in NATIVE_COLUMNS.items()} | EXTRA_HEADERS


def fingertips_area_type(label: str, code: str) -> str:
    """The portal's area type for a Fingertips area: by its code for local authorities (any vintage of "County &
    UA", "Districts & UAs", "Upper tier local authorities (post 4/23)"…), else by its label (ICBs, sub-ICBs, CCGs,
    PCNs, GPs, MSOAs, ONS area groups, PHE centres…), else by its code; "other" when neither says."""
    by_code = area_type_from_code(code)
    if by_code in LOCAL_AUTHORITY_TYPES:
        return by_code
    text = " ".join(label.lower().split())
    for pattern, area_type in AREA_TYPE_PATTERNS:
        if pattern.search(text):
            return area_type
    if by_code is not None:
        return by_code
    for pattern, area_type in NHS_CODE_PATTERNS:
        if pattern.match(code):
            return area_type
    return "other"


def match_header(header: Sequence[str]) -> dict[str, str]:
    """Contract key -> the file's column name, for every column this header has (first spelling wins)."""
    found: dict[str, str] = {}
    for name in header:
        key = HEADER_KEYS.get(header_key(name))
        if key is not None:
            found.setdefault(key, name)
    return found


def detect_variant(header: Sequence[str]) -> str | None:
    """Which Fingertips export this header is (None when it is not one): the names say which layout wrote it."""
    found = match_header(header)
    if not all(key in found for key in REQUIRED_KEYS):
        return None
    names = set(header)
    if "AreaName" in names and "Indicator ID" in names:
        return "Fingertips web site \u201cExport table\u201d CSV"
    if any("_" in name for name in header):
        return "Fingertips export with underscore headers"
    if not any(" " in name for name in header):
        return "fingertipsR data frame saved as CSV"
    if "period_range" in found or "column_not_used" in found:
        return "Fingertips API export, 2024\u201326 layout (27 columns)"
    return "Fingertips data export, pre-2020 layout (26 columns)"


def _style_names(header: Sequence[str]) -> dict[str, str]:
    """The contract keys' names in the header's own style (underscores, run together or with spaces)."""
    matched = [name for name in header if header_key(name) in HEADER_KEYS]
    if any("_" in name for name in matched):
        return UNDERSCORE_COLUMNS
    if matched and not any(" " in name for name in matched):
        return {key: name.replace(" ", "") for key, name in NATIVE_COLUMNS.items()}
    return NATIVE_COLUMNS


def header_problems(header: Sequence[str]) -> list[RowError]:
    """File-level errors for a Fingertips header: repeated columns, missing required columns and the columns that
    matched none of Fingertips' names (named in the header's own style)."""
    names = _style_names(header)
    found = match_header(header)
    errors = []
    folded = [header_key(name) for name in header]
    repeated = sorted({name for name, key in zip(header, folded, strict=True) if key and folded.count(key) > 1})
    if repeated:
        errors.append(RowError(0, None, f"These columns appear more than once: {', '.join(repeated)}."))
    missing = [names[key] for key in REQUIRED_KEYS if key not in found]
    if missing:
        unexpected = [name for name in header if header_key(name) not in HEADER_KEYS]
        parts = [f"missing columns: {', '.join(missing)}"]
        if unexpected:
            parts.append(f"unexpected columns: {', '.join(unexpected)}")
        message = "The header row is not as expected: " + "; ".join(parts) + "."
        errors.append(RowError(0, None, message))
    return errors


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
    names = _style_names(csv.header)
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

    areas = _areas(raw, parent_code, rows, labels, errors) if "area_code" in present else empty_areas()
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


def _areas(
    raw: pd.DataFrame, parent_code: pd.Series, rows: pd.Series, labels: dict[str, str], errors: list[RowError]
) -> pd.DataFrame:
    """Every area the export names, one per code, learnt from the file: its code, name, type (with Fingertips' own
    label) and parent; then each parent the file names but does not list, typed by its code."""
    first = raw.drop_duplicates("area_code")
    codes = clean_text(first["area_code"]).astype(str)
    type_labels = clean_text(first["area_type"]).astype(str)
    listed = pd.DataFrame(
        {
            "code": codes,
            "name": clean_text(first["area_name"]).astype(str),
            "area_type": [fingertips_area_type(label, code) for label, code in zip(type_labels, codes, strict=True)],
            "parent_code": parent_code.loc[first.index].astype(str),
            "area_type_label": type_labels,
            "row": rows.loc[first.index],
        }
    )
    parents = pd.DataFrame(
        {"code": parent_code.astype(str), "name": clean_text(raw["parent_name"]).astype(str), "row": rows}
    ).drop_duplicates("code")
    parents = parents[(parents["code"] != "") & ~parents["code"].isin(set(codes))]
    parents = parents.assign(
        area_type=[fingertips_area_type("", code) for code in parents["code"]], parent_code="", area_type_label=""
    )
    found = pd.concat([listed, parents], ignore_index=True)
    column_of = {"code": labels["area_code"], "name": labels["area_name"], "area_type_label": labels["area_type"]}
    for column, limit in AREA_TEXT_LIMITS.items():
        long = found[found[column].str.len() > limit]
        errors.extend(
            RowError(int(r), column_of[column], f"Too long: {len(text)} characters where at most {limit} fit "
                     f"({text[:40]!r}…)", f"{column_of[column]} is too long")
            for r, text in zip(long["row"], long[column], strict=True)
        )  # fmt: skip
    return areas_frame(found.drop(columns="row"))


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
    type_labels = clean_text(first["area_type"]).astype(str)
    area_types = [fingertips_area_type(label, code) for label, code in zip(type_labels, first_codes, strict=True)]
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": first_codes,
                "name": clean_text(first["area_name"]).astype(str),
                "area_type": area_types,
                "parent_code": "",
                "area_type_label": type_labels,
            }
        )
    )
    pairs = pd.DataFrame({"id": frame["indicator_id"], "name": names}).drop_duplicates("id")
    defaults = {**FINGERTIPS_DEFAULTS, "source": "Fingertips, processed by Trafford Data Lab"}
    indicators = metadata_rows(dict(zip(pairs["id"], pairs["name"], strict=True)), metadata, defaults)
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=rows))
    errors.sort(key=lambda e: e.row)
    return ImportResult(TRAFFORD_FORMAT, indicators, values.reset_index(drop=True), areas, errors)
