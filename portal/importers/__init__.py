"""Importers: pure pandas readers for each data format the portal accepts.

Every reader takes a path (or binary file object) and returns an ImportResult (see base.py); extra options are keyword
arguments with defaults pointing at the shipped data, so ``FORMATS[name](path)`` always works. The names are the CLI's
``--format NAME`` values.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable

from portal.importers.base import AREA_COLUMNS, INDICATOR_COLUMNS, VALUE_COLUMNS, FileProblem, ImportResult, RowError
from portal.importers.deprivation import read_imd_lsoa, read_imd_ward, read_iod_lad
from portal.importers.dfe import (
    CIN_INDICATORS,
    CLA_COLUMNS,
    EES_COLUMNS,
    read_dfe_children_in_need,
    read_dfe_looked_after,
)
from portal.importers.fingertips import read_fingertips
from portal.importers.fingertips_layouts import HEADER_KEYS as FINGERTIPS_HEADER_KEYS
from portal.importers.fingertips_layouts import NATIVE_COLUMNS as FINGERTIPS_COLUMNS
from portal.importers.fingertips_layouts import REQUIRED_KEYS as FINGERTIPS_REQUIRED
from portal.importers.fingertips_layouts import detect_variant, header_key
from portal.importers.fingertips_layouts import match_header as match_fingertips_header
from portal.importers.frames import load_indicator_metadata
from portal.importers.generic import OPTIONAL as GENERIC_OPTIONAL
from portal.importers.generic import REQUIRED as GENERIC_REQUIRED
from portal.importers.generic import is_generic_header, normalise_header, read_generic_long
from portal.importers.house_prices import read_house_prices_by_ward
from portal.importers.ons_indicators import DATA_COLUMNS as ONS_COLUMNS
from portal.importers.ons_indicators import PREAMBLE_LINES, read_ons_subnational
from portal.importers.population import MYE_SHEET, read_lsoa_population, read_mye_single_year
from portal.importers.reading import Source, open_csv
from portal.importers.trafford import TRAFFORD_COLUMNS, read_trafford_processed
from portal.importers.validation import validate_values

FORMATS: dict[str, Callable[..., ImportResult]] = {
    "fingertips": read_fingertips,
    "generic": read_generic_long,
    "trafford": read_trafford_processed,
    "dfe-cin": read_dfe_children_in_need,
    "dfe-cla": read_dfe_looked_after,
    "ons-subnational": read_ons_subnational,
    "imd-lsoa": read_imd_lsoa,
    "imd-ward": read_imd_ward,
    "iod-lad": read_iod_lad,
    "mye": read_mye_single_year,
    "house-prices": read_house_prices_by_ward,
    "lsoa-population": read_lsoa_population,
}


# What each format is, as analysts know it (the upload form and the report on an unrecognised file use these).
FORMAT_DESCRIPTIONS: dict[str, str] = {
    "fingertips": "Fingertips data export (OHID public health profiles: API, data download, web \u201cExport "
    "table\u201d, fingertipsR)",
    "generic": "Generic long CSV (the portal's format for local data)",
    "trafford": "Fingertips data processed by Trafford Data Lab",
    "dfe-cin": "DfE children in need (Explore Education Statistics)",
    "dfe-cla": "DfE children looked after (Explore Education Statistics)",
    "ons-subnational": "ONS subnational indicators",
    "imd-lsoa": "Indices of Deprivation 2019, LSOA deciles and ranks",
    "imd-ward": "Indices of Deprivation 2019, ward aggregation",
    "iod-lad": "Indices of Deprivation, local authority summaries",
    "mye": "ONS mid-year population estimates workbook (.xlsx)",
    "house-prices": "ONS median house price by LSOA",
    "lsoa-population": "ONS LSOA population estimates",
}
# The header columns each CSV format needs (the population workbook is recognised by its sheet instead).
FORMAT_COLUMNS: dict[str, list[str]] = {
    "fingertips": [FINGERTIPS_COLUMNS[key] for key in FINGERTIPS_REQUIRED],
    "generic": ["Indicator ID", "Area Code", "Period", "Value"],
    "trafford": list(TRAFFORD_COLUMNS),
    "dfe-cin": [*EES_COLUMNS, *CIN_INDICATORS],
    "dfe-cla": [*EES_COLUMNS, *CLA_COLUMNS],
    "ons-subnational": list(ONS_COLUMNS),
    "imd-lsoa": ["lsoa_code", "IMD_decile", "IMD_rank"],
    "imd-ward": ["ward_code", "Score"],
    "iod-lad": ["index_domain", "average_score", "rank_average_score"],
    "house-prices": ["LSOAcode", "houseprice"],
    "lsoa-population": ["lsoa", "pop"],
}


def _known_column(name: str) -> bool:
    """Whether a header cell is a column of any format the portal reads."""
    if header_key(name) in FINGERTIPS_HEADER_KEYS:
        return True
    if normalise_header(name) in {*GENERIC_REQUIRED, *GENERIC_OPTIONAL, "indicator_id", "area_code"}:
        return True
    return any(name in columns for columns in FORMAT_COLUMNS.values())


def unrecognised_header_message(header: list[str]) -> str:
    """Why a header matches no format: the formats the portal reads, the columns that match none of them, and what
    the closest format still needs."""
    unmatched = [name for name in header if not _known_column(name)]
    scores = {name: sum(column in header for column in columns) for name, columns in FORMAT_COLUMNS.items()}
    fingertips_found = match_fingertips_header(header)  # Fingertips spells its columns several ways
    scores["fingertips"] = sum(key in fingertips_found for key in FINGERTIPS_REQUIRED)
    closest = max(scores, key=lambda name: scores[name])
    formats = "; ".join(f"{FORMAT_DESCRIPTIONS[name]} [{name}]" for name in FORMAT_COLUMNS)
    parts = [f"The portal could not tell which format this file is in from its header row. It reads: {formats}."]
    if unmatched:
        parts.append(f"Columns that match no format: {', '.join(unmatched[:20])}{' …' if len(unmatched) > 20 else ''}.")
    if scores[closest]:
        missing = [column for column in FORMAT_COLUMNS[closest] if column not in header]
        if closest == "fingertips":
            missing = [FINGERTIPS_COLUMNS[key] for key in FINGERTIPS_REQUIRED if key not in fingertips_found]
        parts.append(f"The closest is {FORMAT_DESCRIPTIONS[closest]}, which also needs: {', '.join(missing)}.")
    parts.append("Check the column names, or choose the format.")
    return " ".join(parts)


def _header_format(header: list[str]) -> str | None:
    """The format a CSV header row belongs to, or None."""
    columns = set(header)
    if detect_variant(header) is not None:
        return "fingertips"
    if columns >= set(TRAFFORD_COLUMNS):
        return "trafford"
    if columns >= set(EES_COLUMNS) and columns >= set(CIN_INDICATORS):
        return "dfe-cin"
    if columns >= set(EES_COLUMNS) and columns >= set(CLA_COLUMNS):
        return "dfe-cla"
    if columns >= {"lsoa_code", "IMD_decile", "IMD_rank"}:
        return "imd-lsoa"
    if columns >= {"ward_code", "Score"}:
        return "imd-ward"
    if columns >= {"index_domain", "average_score", "rank_average_score"}:
        return "iod-lad"
    if columns >= {"LSOAcode", "houseprice"}:
        return "house-prices"
    if columns == {"lsoa", "pop"}:
        return "lsoa-population"
    if is_generic_header(header):
        return "generic"
    return None


def detect_format(path: str | os.PathLike[str]) -> str | None:
    """Guess a file's format name from its header row (or workbook sheets); None when it is not recognised."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as workbook:
                # An .xlsx lists its sheets in xl/workbook.xml; no need to load the cells.
                listing = workbook.read("xl/workbook.xml").decode("utf-8", errors="replace")
        except (KeyError, zipfile.BadZipFile):
            return None
        return "mye" if f'name="{MYE_SHEET}"' in listing else None
    try:
        with open_csv(path) as csv:
            found = _header_format(csv.header)
        if found is not None:
            return found
        with open_csv(path, skiprows=PREAMBLE_LINES) as csv:
            if set(csv.header) >= set(ONS_COLUMNS):
                return "ons-subnational"
    except FileProblem:
        return None
    return None


__all__ = [
    "AREA_COLUMNS",
    "FORMATS",
    "FORMAT_COLUMNS",
    "FORMAT_DESCRIPTIONS",
    "INDICATOR_COLUMNS",
    "VALUE_COLUMNS",
    "ImportResult",
    "RowError",
    "Source",
    "detect_format",
    "load_indicator_metadata",
    "unrecognised_header_message",
    "validate_values",
]
