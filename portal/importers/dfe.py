"""Readers for Department for Education children's social care statistics in the explore-education-statistics (EES)
"underlying data" layout: time_period, time_identifier, geographic_level, country_code, region_code, new_la_code, ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portal.importers.base import ENGLAND, OGL, SUPPRESSION_MARKERS, FileProblem, ImportResult, RowError
from portal.importers.cells import clean_text, parse_numbers
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import Source, read_columns
from portal.importers.validation import validate_values

CIN_FORMAT = "dfe-cin"
LONDON = "E12000007"
CLA_FORMAT = "dfe-cla"

EES_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "region_code",
    "region_name",
    "new_la_code",
    "la_name",
]
# EES geographic levels we keep, and the column holding each level's GSS code.
LEVEL_CODE_COLUMN = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
LEVEL_AREA_TYPE = {"National": "country", "Regional": "region", "Local authority": "county_ua"}

# Children in need (table B1) publishes counts only: one indicator per count column.
CIN_INDICATORS: dict[str, tuple[str, str]] = {
    "At31_episodes": ("dfe-cin-at-31-march", "Children in need at 31 March"),
    "Anypoint_episodes": ("dfe-cin-episodes-in-year", "Children in need episodes at any point in the year"),
    "Anypoint_child": ("dfe-cin-children-in-year", "Children in need at any point in the year"),
    "Started_episodes": ("dfe-cin-episodes-started", "Children in need episodes starting in the year"),
    "Started_child": ("dfe-cin-children-started", "Children starting an episode of need in the year"),
    "Ended_episodes": ("dfe-cin-episodes-ended", "Children in need episodes ending in the year"),
    "Ended_child": ("dfe-cin-children-ended", "Children ending an episode of need in the year"),
    "awaiting_assessment": ("dfe-cin-awaiting-assessment", "Children awaiting assessment at 31 March"),
}
CLA_POPULATION_TYPE = "Children looked after on 31 March each year"
CLA_INDICATOR = ("dfe-cla-rate-per-10k", "Children looked after at 31 March, rate per 10,000 children aged under 18")
CLA_COLUMNS = ["population_type", "population_estimate", "children_count", "rate_per_10000"]

DFE_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "",
    "value_type": "count",
    "multiplier": 1.0,
    "polarity": "no_judgement",
    "topic": "children",
    "source": "Department for Education, explore education statistics",
    "publisher": "Department for Education",
    "licence": OGL,
}


def dfe_period(time_period: pd.Series, time_identifier: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Display label and sortable int for EES periods, as DfE shows them.

    A "Reporting year" (year ending 31 March) shows as the single year ("2025"); six-digit periods such as 202425
    show as "2024/25" for academic years and "2024-25" for financial years.
    """
    text = time_period.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    identifier = time_identifier.astype(str).str.strip().str.lower()
    six = text.str.fullmatch(r"\d{6}")
    start = text.str.slice(0, 4)
    separator = np.where(identifier.str.contains("financial"), "-", "/")
    label = text.where(~six, start + pd.Series(separator, index=text.index, dtype="str") + text.str.slice(4, 6))
    sortable = pd.to_numeric(start, errors="coerce").fillna(0).astype("int64") * 10000
    return label, sortable


def _read_ees(source: Source, value_columns: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Read an EES file as text, keep National/Regional/LA rows and attach area codes; raise FileProblem if unusable."""
    raw, rows = read_columns(source, [*EES_COLUMNS, *value_columns], allow_extra=True)
    level = clean_text(raw["geographic_level"]).astype(str)
    keep = level.isin(LEVEL_CODE_COLUMN).to_numpy()
    raw, rows, level = raw[keep], rows[keep], level[keep]
    code = pd.Series("", index=raw.index, dtype="str")
    for name, column in LEVEL_CODE_COLUMN.items():
        mask = level == name
        code[mask] = clean_text(raw.loc[mask, column]).astype(str)
    raw = raw.assign(area_code=code, level=level)
    # EES repeats Inner and Outer London (E13) as "Regional" rows; they are not regions, so they are left out.
    not_sub_region = ~((raw["level"] == "Regional") & raw["area_code"].str.startswith("E13"))
    return raw[not_sub_region], rows[not_sub_region]


def _areas(raw: pd.DataFrame) -> pd.DataFrame:
    """Areas defined by an EES file: England, regions (parent England) and LAs (parent their region)."""
    names = np.select(
        [raw["level"] == "National", raw["level"] == "Regional"],
        ["England", clean_text(raw["region_name"]).astype(str)],
        default=clean_text(raw["la_name"]).astype(str),
    )
    # DfE files London boroughs under Inner/Outer London (E13); their region is London.
    la_region = clean_text(raw["region_code"]).astype(str).str.replace(r"^E13\d+$", LONDON, regex=True)
    parents = np.select([raw["level"] == "National", raw["level"] == "Regional"], ["", ENGLAND], default=la_region)
    area_types = raw["level"].map(LEVEL_AREA_TYPE)
    return areas_frame(
        pd.DataFrame({"code": raw["area_code"], "name": names, "area_type": area_types, "parent_code": parents})
    )


def read_dfe_children_in_need(
    source: Source, *, metadata: pd.DataFrame | None = None, known_area_codes: set[str] | None = None
) -> ImportResult:
    """Read DfE table B1 (children in need): one count indicator per count column, for England, regions and LAs.

    The file has no rate column, so the counts are imported as published. Suppressed cells (c, x, z, u) become
    suppressed=True with a blank value, never 0. London LAs' parent is Inner or Outer London (E13) as DfE gives it.
    """
    try:
        raw, rows = _read_ees(source, list(CIN_INDICATORS))
    except FileProblem as problem:
        return failed(CIN_FORMAT, [problem.as_error()])
    errors: list[RowError] = []
    period, sortable = dfe_period(raw["time_period"], raw["time_identifier"])
    frames = []
    for column, (indicator_id, _) in CIN_INDICATORS.items():
        numbers, suppressed, cell_errors = parse_numbers(
            raw[column], label=column, row_numbers=rows, suppression_markers=SUPPRESSION_MARKERS
        )
        errors.extend(cell_errors)
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": indicator_id,
                    "area_code": raw["area_code"],
                    "period": period,
                    "period_sortable": sortable,
                    "sex": "Persons",
                    "age": "Under 18",
                    "value": numbers,
                    "count": numbers,
                    "suppressed": suppressed,
                    "value_note": np.where(suppressed, "Suppressed by DfE: " + raw[column].astype(str), ""),
                    "_row": rows,
                }
            )
        )
    combined = pd.concat(frames, ignore_index=True)
    values = finalise_values(combined)
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=combined["_row"]))
    indicators = metadata_rows(dict(CIN_INDICATORS.values()), metadata, {**DFE_DEFAULTS, "topic": "children"})
    errors.sort(key=lambda e: e.row)
    return ImportResult(CIN_FORMAT, indicators, values.reset_index(drop=True), _areas(raw), errors)


def read_dfe_looked_after(
    source: Source, *, metadata: pd.DataFrame | None = None, known_area_codes: set[str] | None = None
) -> ImportResult:
    """Read DfE's looked-after children numbers and rates: the rate per 10,000 children at 31 March.

    Count is the number looked after and the denominator the under-18 population estimate DfE used. Suppressed cells
    (c, x, z, u) become suppressed=True with a blank value, never 0.
    """
    try:
        raw, rows = _read_ees(source, CLA_COLUMNS)
    except FileProblem as problem:
        return failed(CLA_FORMAT, [problem.as_error()])
    at_31_march = (clean_text(raw["population_type"]) == CLA_POPULATION_TYPE).to_numpy()
    raw, rows = raw[at_31_march], rows[at_31_march]
    errors: list[RowError] = []
    parsed = {}
    for column in ("rate_per_10000", "children_count", "population_estimate"):
        numbers, suppressed, cell_errors = parse_numbers(
            raw[column], label=column, row_numbers=rows, suppression_markers=SUPPRESSION_MARKERS
        )
        parsed[column] = (numbers, suppressed)
        errors.extend(cell_errors)
    rate, rate_suppressed = parsed["rate_per_10000"]
    period, sortable = dfe_period(raw["time_period"], raw["time_identifier"])
    frame = pd.DataFrame(
        {
            "indicator_id": CLA_INDICATOR[0],
            "area_code": raw["area_code"],
            "period": period,
            "period_sortable": sortable,
            "sex": "Persons",
            "age": "Under 18",
            "value": rate,
            "count": parsed["children_count"][0],
            "denominator": parsed["population_estimate"][0],
            "suppressed": rate_suppressed,
            "value_note": np.where(rate_suppressed, "Suppressed by DfE: " + raw["rate_per_10000"].astype(str), ""),
        }
    )
    values = finalise_values(frame)
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=rows))
    defaults = {**DFE_DEFAULTS, "value_type": "crude_rate", "multiplier": 10000.0, "unit": "per 10,000 children"}
    indicators = metadata_rows(dict([CLA_INDICATOR]), metadata, defaults)
    errors.sort(key=lambda e: e.row)
    return ImportResult(CLA_FORMAT, indicators, values.reset_index(drop=True), _areas(raw), errors)
