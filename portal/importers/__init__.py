"""Importers: pure pandas readers for each data format the portal accepts.

Every reader takes a path (or binary file object) and returns an ImportResult (see base.py); extra options are keyword
arguments with defaults pointing at the shipped data, so ``FORMATS[name](path)`` always works. The names are the CLI's
``--format NAME`` values.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable

from portal.importers.base import (
    AREA_COLUMNS,
    INDICATOR_COLUMNS,
    VALUE_COLUMNS,
    FileProblem,
    ImportResult,
    RowError,
    Source,
    load_indicator_metadata,
    open_csv,
    validate_values,
)
from portal.importers.deprivation import read_imd_lsoa, read_imd_ward, read_iod_lad
from portal.importers.dfe import (
    CIN_INDICATORS,
    CLA_COLUMNS,
    EES_COLUMNS,
    read_dfe_children_in_need,
    read_dfe_looked_after,
)
from portal.importers.fingertips import TRAFFORD_COLUMNS, detect_variant, read_fingertips, read_trafford_processed
from portal.importers.generic import is_generic_header, read_generic_long
from portal.importers.house_prices import read_house_prices_by_ward
from portal.importers.ons_indicators import DATA_COLUMNS as ONS_COLUMNS
from portal.importers.ons_indicators import PREAMBLE_LINES, read_ons_subnational
from portal.importers.population import MYE_SHEET, read_lsoa_population, read_mye_single_year

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
    "INDICATOR_COLUMNS",
    "VALUE_COLUMNS",
    "ImportResult",
    "RowError",
    "Source",
    "detect_format",
    "load_indicator_metadata",
    "validate_values",
]
