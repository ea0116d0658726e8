"""Every layout of the Fingertips export, told apart by its header: the 26-column layout of before 2020, the
27-column 2024-26 layout, the web site's "Export table" CSV, and fingertipsR and underscore spellings of the same
columns. Headers are matched after header_key() folds them, so one table of names serves every spelling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from portal.importers.base import RowError

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


def header_key(name: str) -> str:
    """A header folded for matching: "Lower CI 95.0 limit", "Lower_CI_95.0_limit" and "LowerCI95.0limit" all give
    "lowerci950limit"."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


HEADER_KEYS: dict[str, str] = {header_key(name): key for key, name in NATIVE_COLUMNS.items()} | EXTRA_HEADERS


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


def style_names(header: Sequence[str]) -> dict[str, str]:
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
    names = style_names(header)
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
