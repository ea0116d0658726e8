"""Readers for ONS population estimates: the mid-2022 UK workbook (single year of age) and mid-2019 LSOA totals."""

from __future__ import annotations

import zipfile
from collections.abc import Collection

import numpy as np
import pandas as pd

from portal.importers.base import OGL, FileProblem, ImportResult, RowError, area_type_from_code
from portal.importers.cells import clean_text, parse_numbers
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import Source, check_header, read_columns, spreadsheet_rows
from portal.importers.validation import validate_values
from portal.importers.xlsx_limits import workbook_problem

MYE_FORMAT = "mye"
LSOA_FORMAT = "lsoa-population"
MYE_INDICATOR = "ons-mye-2022-population"
LSOA_INDICATOR = "ons-lsoa-population-mid-2019"
MYE_SHEET = "MYEB1"
MYE_COLUMNS = ["code", "name", "geography", "sex", "age", "population_2022"]
# England, English regions and every English local authority (unitary, metropolitan, London, county, district).
MYE_PREFIXES = ("E92", "E12", "E06", "E07", "E08", "E09", "E10")
OLDEST = 90  # the workbook's age 90 means 90 and over
SEX_CODES = {"M": "Male", "F": "Female", "1": "Male", "2": "Female"}

POPULATION_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "people",
    "value_type": "count",
    "multiplier": 1.0,
    "polarity": "no_judgement",
    "topic": "population",
    "source": "ONS mid-year population estimates",
    "publisher": "Office for National Statistics",
    "licence": OGL,
}


def _age_label(age: pd.Series) -> pd.Series:
    """Single years as text, with the top age as "90+"."""
    return age.astype("int64").astype(str).where(age < OLDEST, f"{OLDEST}+")


def read_mye_single_year(source: Source, *, metadata: pd.DataFrame | None = None) -> ImportResult:
    """Mid-2022 population by single year of age (0 to "90+") and sex from the ONS workbook's MYEB1 sheet.

    Covers England (the sheet has its own England rows), the English regions and all English local authorities.
    Persons are the sum of Male and Female; each area and sex also gets an "All ages" total. Period "2022".
    """
    too_big = workbook_problem(source)
    if too_big is not None:
        return failed(MYE_FORMAT, [RowError(0, None, too_big)])
    try:
        sheet = pd.read_excel(source, sheet_name=MYE_SHEET, dtype={"code": str, "sex": str}, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        message = "The file is not the ONS mid-2022 population workbook (an .xlsx with a MYEB1 sheet)."
        if isinstance(exc, ValueError) and "Worksheet named" in str(exc):
            message = f"The workbook has no {MYE_SHEET} sheet."
        return failed(MYE_FORMAT, [RowError(0, None, message)])
    sheet.columns = [str(c).strip() for c in sheet.columns]
    header_errors = check_header(list(sheet.columns), MYE_COLUMNS, allow_extra=True)
    if header_errors:
        return failed(MYE_FORMAT, header_errors)
    rows = spreadsheet_rows(sheet.index)
    codes = sheet["code"].astype(str).str.strip()
    keep = codes.str.startswith(MYE_PREFIXES).to_numpy()
    sheet, rows, codes = sheet[keep], rows[keep], codes[keep]
    errors: list[RowError] = []
    sex = sheet["sex"].astype(str).str.strip().str.upper().map(SEX_CODES)
    for row, text in zip(rows[sex.isna()], sheet.loc[sex.isna(), "sex"], strict=True):
        errors.append(RowError(int(row), "sex", f"Sex must be M or F, not {text!r}"))
    age = pd.to_numeric(sheet["age"], errors="coerce")
    population = pd.to_numeric(sheet["population_2022"], errors="coerce")
    for column, numbers in (("age", age), ("population_2022", population)):
        bad = numbers.isna()
        errors.extend(
            RowError(int(r), column, f"{column} must be a number, not {v!r}")
            for r, v in zip(rows[bad], sheet.loc[bad, column], strict=True)
        )
    good = (sex.notna() & age.notna() & population.notna()).to_numpy()
    by_sex = pd.DataFrame({"area_code": codes, "sex": sex, "age": age, "population": population, "_row": rows})[good]
    persons = by_sex.groupby(["area_code", "age"], as_index=False, sort=False).agg(
        population=("population", "sum"), _row=("_row", "min")
    )
    single = pd.concat([by_sex, persons.assign(sex="Persons")], ignore_index=True)
    totals = single.groupby(["area_code", "sex"], as_index=False, sort=False).agg(
        population=("population", "sum"), _row=("_row", "min")
    )
    single["age"] = _age_label(single["age"])
    combined = pd.concat([single, totals.assign(age="All ages")], ignore_index=True)
    frame = pd.DataFrame(
        {
            "indicator_id": MYE_INDICATOR,
            "area_code": combined["area_code"],
            "period": "2022",
            "period_sortable": 20220000,
            "sex": combined["sex"],
            "age": combined["age"],
            "value": combined["population"],
            "count": combined["population"],
            "derived": combined["sex"].eq("Persons") | combined["age"].eq("All ages"),
            "value_note": np.where(
                combined["sex"].eq("Persons") | combined["age"].eq("All ages"),
                "Sum of the published single-year estimates",
                "",
            ),
        }
    )
    values = finalise_values(frame)
    errors.extend(validate_values(values, known_area_codes=None, row_numbers=combined["_row"]))
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": codes,
                "name": sheet["name"].astype(str),
                "area_type": codes.map(lambda c: area_type_from_code(c) or ""),
                "parent_code": "",
            }
        )
    )
    indicators = metadata_rows({MYE_INDICATOR: "Population estimate, mid-2022"}, metadata, POPULATION_DEFAULTS)
    errors.sort(key=lambda e: e.row)
    return ImportResult(MYE_FORMAT, indicators, values.reset_index(drop=True), areas, errors)


def population_pyramid(frame: pd.DataFrame, area_code: str, indicator_id: str = MYE_INDICATOR) -> pd.DataFrame:
    """Male and Female population by single year of age (age as int, 90 meaning 90+) for one area, for a pyramid."""
    rows = frame[
        (frame["indicator_id"] == indicator_id)
        & (frame["area_code"] == area_code)
        & frame["sex"].isin(["Male", "Female"])
        & (frame["age"] != "All ages")
    ]
    ages = rows["age"].astype(str).str.rstrip("+").astype("int64")
    out = pd.DataFrame({"age": ages, "sex": rows["sex"].astype(str), "population": rows["value"].astype("float64")})
    return out.sort_values(["age", "sex"]).reset_index(drop=True)


def read_lsoa_population(
    source: Source, lsoa_codes: Collection[str] | None = None, *, metadata: pd.DataFrame | None = None
) -> ImportResult:
    """Mid-2019 LSOA populations (mySociety's compilation of ONS estimates; "2,372"-style numbers) for the given
    LSOA codes (all rows when None).
    """
    try:
        raw, rows = read_columns(source, ["lsoa", "pop"], allow_extra=True)
    except FileProblem as problem:
        return failed(LSOA_FORMAT, problem.as_errors())
    codes = clean_text(raw["lsoa"]).astype(str)
    if lsoa_codes is not None:
        keep = codes.isin(set(lsoa_codes))
        raw, rows, codes = raw[keep], rows[keep], codes[keep]
    numbers, _, errors = parse_numbers(raw["pop"], label="pop", row_numbers=rows)
    frame = pd.DataFrame(
        {
            "indicator_id": LSOA_INDICATOR,
            "area_code": codes,
            "period": "2019",
            "period_sortable": 20190000,
            "sex": "Persons",
            "age": "All ages",
            "value": numbers,
            "count": numbers,
        }
    )
    values = finalise_values(frame)
    errors.extend(validate_values(values, known_area_codes=None, row_numbers=rows))
    areas = areas_frame(pd.DataFrame({"code": codes, "name": codes, "area_type": "lsoa", "parent_code": ""}))
    defaults = {
        **POPULATION_DEFAULTS,
        "source": "ONS mid-2019 LSOA population estimates, compiled by mySociety",
        "publisher": "Office for National Statistics (compiled by mySociety)",
    }
    indicators = metadata_rows({LSOA_INDICATOR: "Population estimate, mid-2019 (LSOA)"}, metadata, defaults)
    errors.sort(key=lambda e: e.row)
    return ImportResult(LSOA_FORMAT, indicators, values.reset_index(drop=True), areas, errors)
