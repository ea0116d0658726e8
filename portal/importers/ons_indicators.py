"""Reader for the ONS Subnational indicators explorer machine-readable download and its metadata file."""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np
import pandas as pd

from portal.importers.base import DATA_DIR, OGL, FileProblem, ImportResult, RowError, area_type_from_code
from portal.importers.cells import clean_text, parse_numbers
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import Source, read_columns
from portal.importers.validation import validate_values

FORMAT = "ons-subnational"
PREAMBLE_LINES = 2  # a disclaimer sentence, then a blank line, before the header
DATA_COLUMNS = ["AREACD", "AREANM", "Geography", "Indicator", "Category", "Period", "Measure", "Unit", "Value"]
METADATA_COLUMNS = ["Worksheet", "Indicator", "Shortened", "Category", "Polarity", "Measure", "Unit"]
KEPT_PREFIXES = ("E06", "E07", "E08", "E09", "E10", "E12", "E92")
DEFAULT_ONS_METADATA = DATA_DIR / "ons_indicators" / "ons_subnational_indicators_metadata.csv"


class OnsIndicator(NamedTuple):
    """How one indicator of the download maps into the portal."""

    worksheet: str  # the key of the metadata file
    indicator_id: str
    value_type: str
    multiplier: float
    topic: str
    sex: str = "Persons"
    age: str = "All ages"


# The download names indicators differently from the metadata file; this ties each to its metadata worksheet.
INDICATORS: dict[str, OnsIndicator] = {
    "Gross Value Added (GVA) per hour worked": OnsIndicator(
        "GVAperhourworked", "ons-gva-per-hour-worked", "mean", 1, "economy"
    ),
    "Median Weekly Pay": OnsIndicator("PAYweekMEDIAN", "ons-median-weekly-pay", "median", 1, "economy"),
    "Employment rate (16–64-year olds)": OnsIndicator(
        "RateEmployment", "ons-employment-rate-16-64", "proportion", 100, "economy", age="16-64 yrs"
    ),
    "Gross Disposable Household Income (GDHI), per head": OnsIndicator(
        "GDHIperhead", "ons-gdhi-per-head", "mean", 1, "economy"
    ),
    "Total value of UK exports": OnsIndicator("UKExports", "ons-uk-exports-value", "count", 1, "economy"),
    "Inward Foreign Direct Investment (FDI)": OnsIndicator("InwardFDI", "ons-inward-fdi", "count", 1, "economy"),
    "Outward Foreign Direct Investment (FDI)": OnsIndicator("OutwardFDI", "ons-outward-fdi", "count", 1, "economy"),
    "Average travel time in minutes to reach nearest large employment centre (500 + employees), by public transport": (
        OnsIndicator("TIMEtravelWORKPT", "ons-travel-time-employment-public-transport", "mean", 1, "economy")
    ),
    "Average travel time in minutes to reach nearest large employment centre (500 + employees), by car": OnsIndicator(
        "TIMEtravelWORKCar", "ons-travel-time-employment-car", "mean", 1, "economy"
    ),
    "Average travel time in minutes to reach nearest large employment centre (500 + employees), by cycle": (
        OnsIndicator("TIMEtravelWORKBike", "ons-travel-time-employment-cycle", "mean", 1, "economy")
    ),
    "Percentage of premises with gigabit-capable broadband": OnsIndicator(
        "broadbandAVAIL", "ons-gigabit-broadband", "proportion", 100, "economy"
    ),
    "Percentage of 4G (and 5G) coverage by at least one mobile network operator": OnsIndicator(
        "4GAreaCoverage", "ons-4g-coverage", "proportion", 100, "economy"
    ),
    "Percentage of pupils meeting the expected standard in reading, writing and maths by end of primary school": (
        OnsIndicator("KS2Attainment", "ons-ks2-expected-standard", "proportion", 100, "children")
    ),
    "Percentage of young people achieving GCSEs (and equivalent qualifications) in English and maths by age 19": (
        OnsIndicator("GCSEbyAge19", "ons-gcse-english-maths-by-19", "proportion", 100, "children", age="19 yrs")
    ),
    "Percentage of schools rated good or outstanding by Ofsted": OnsIndicator(
        "Ofsted", "ons-schools-good-or-outstanding", "proportion", 100, "children"
    ),
    "Percentage of 5-year olds achieving 'expected level' in communication early learning goals": OnsIndicator(
        "EarlyYearsFoundationComms", "ons-early-years-communication", "proportion", 100, "children", age="5 yrs"
    ),
    "Percentage of 5-year olds achieving 'expected level' in literacy early learning goals": OnsIndicator(
        "EarlyYearsFoundationLiteracy", "ons-early-years-literacy", "proportion", 100, "children", age="5 yrs"
    ),
    "Percentage of 5-year olds achieving 'expected level' in maths early learning goals": OnsIndicator(
        "EarlyYearsFoundationMaths", "ons-early-years-maths", "proportion", 100, "children", age="5 yrs"
    ),
    "19+ Further Education and Skills Achievements (qualifications) excluding community learning, Multiply and "
    "bootcamps": OnsIndicator(
        "FESkillsAchievements", "ons-fe-skills-achievements", "count", 1, "economy", age="19+ yrs"
    ),
    "Number of starts on apprenticeships": OnsIndicator(
        "ApprenticeshipStarts", "ons-apprenticeship-starts", "count", 1, "economy"
    ),
    "Number of achievements on apprenticeships": OnsIndicator(
        "ApprenticeshipAchievements", "ons-apprenticeship-achievements", "count", 1, "economy"
    ),
    "Proportion of the population aged 16 - 64 with level 3+ qualifications": OnsIndicator(
        "Level3+Qualifications", "ons-level-3-qualifications-16-64", "proportion", 100, "economy", age="16-64 yrs"
    ),
    "19+ further education and skills participation": OnsIndicator(
        "FESkillsParticipation", "ons-fe-skills-participation-rate", "crude_rate", 100_000, "economy", age="19+ yrs"
    ),
    "Female Healthy Life Expectancy (HLE)": OnsIndicator(
        "HLEFemale", "ons-healthy-life-expectancy-female", "mean", 1, "health", sex="Female"
    ),
    "Male Healthy Life Expectancy (HLE)": OnsIndicator(
        "HLEMale", "ons-healthy-life-expectancy-male", "mean", 1, "health", sex="Male"
    ),
    "Smoking prevalence of adults": OnsIndicator(
        "Smoke", "ons-adult-smoking-prevalence", "proportion", 100, "health", age="18+ yrs"
    ),
    "Obesity prevalence - children": OnsIndicator(
        "Overweight (child)", "ons-child-overweight-obesity", "proportion", 100, "health", age="4-5 yrs"
    ),
    "Obesity prevalence - adult": OnsIndicator(
        "Overweight (adult)", "ons-adult-overweight-obesity", "proportion", 100, "health", age="18+ yrs"
    ),
    "Cancer diagnosis at stage 1 & 2": OnsIndicator(
        "CancerDiagnosis", "ons-cancer-early-stage-diagnosis", "proportion", 100, "health"
    ),
    "Under 75 mortality rate from cardiovascular diseases considered preventable (per 100,000 population)": (
        OnsIndicator(
            "Under75MortalityRate", "ons-under-75-cvd-mortality-preventable", "dsr", 100_000, "health", age="<75 yrs"
        )
    ),
    "Average life satisfaction ratings": OnsIndicator(
        "LifeSatisfaction", "ons-wellbeing-life-satisfaction", "mean", 1, "health", age="16+ yrs"
    ),
    "Average feeling that things done in life are worthwhile ratings": OnsIndicator(
        "Worthwhile", "ons-wellbeing-worthwhile", "mean", 1, "health", age="16+ yrs"
    ),
    "Average happiness ratings": OnsIndicator(
        "Happiness", "ons-wellbeing-happiness", "mean", 1, "health", age="16+ yrs"
    ),
    "Average anxiety ratings": OnsIndicator("Anxiety", "ons-wellbeing-anxiety", "mean", 1, "health", age="16+ yrs"),
    "Net additions to the housing stock": OnsIndicator(
        "HouseAdditions", "ons-net-additions-housing-stock", "count", 1, "housing"
    ),
    "Homicide": OnsIndicator("Homicide", "ons-homicide-rate", "crude_rate", 1_000_000, "health"),
}
# The explorer's "Polarity" is "Negative" where a lower value is better and blank otherwise; its MAD (stand-out)
# scores flip sign only for "Negative" indicators, so a blank means higher is better.
POLARITY = {"negative": "low_is_good", "": "high_is_good"}


def ons_period(period: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Display label and sortable int for the compact ONS periods: "2020" stays, "201820" becomes "2018-2020"."""
    text = period.astype(str).str.strip()
    six = text.str.fullmatch(r"\d{6}")
    start = text.str.slice(0, 4)
    end = text.str.slice(0, 2) + text.str.slice(4, 6)
    label = text.where(~six, start + "-" + end)
    sortable = pd.to_numeric(start, errors="coerce").fillna(0).astype("int64") * 10000
    return label, sortable


def read_ons_metadata(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The explorer's metadata file (UTF-8 with a byte-order mark), one row per worksheet."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in METADATA_COLUMNS if c not in frame.columns]
    if missing:
        raise FileProblem(f"The ONS metadata file is missing columns: {', '.join(missing)}.")
    return frame.apply(lambda column: column.str.strip()).set_index("Worksheet")


def _indicator_rows(ons_metadata: pd.DataFrame, data_units: dict[str, str]) -> list[dict[str, object]]:
    """Portal indicator metadata for every mapped indicator, with names and polarity from the ONS metadata file.

    The unit is the metadata file's, or the download's own Unit where the metadata says NA.
    """
    rows = []
    for title, spec in INDICATORS.items():
        meta = ons_metadata.loc[spec.worksheet] if spec.worksheet in ons_metadata.index else None
        name = title if meta is None else meta["Indicator"]
        polarity = "no_judgement" if meta is None else POLARITY.get(meta["Polarity"].lower(), "no_judgement")
        meta_unit = "" if meta is None else meta["Unit"].strip()
        unit = meta_unit if meta_unit not in {"", "NA"} else data_units.get(title, "")
        rows.append(
            {
                "indicator_id": spec.indicator_id,
                "name": name,
                "definition": title,
                "unit": unit,
                "value_type": spec.value_type,
                "multiplier": float(spec.multiplier),
                "polarity": polarity,
                "topic": spec.topic,
                "source": "ONS Subnational indicators explorer (August 2022)",
                "publisher": "Office for National Statistics",
                "licence": OGL,
            }
        )
    return rows


def read_ons_subnational(
    source: Source,
    metadata_path: str | os.PathLike[str] = DEFAULT_ONS_METADATA,
    *,
    metadata: pd.DataFrame | None = None,
    known_area_codes: set[str] | None = None,
) -> ImportResult:
    """Read the ONS subnational indicators machine-readable CSV (cp1252, 2 preamble lines, "216,489" numbers).

    Only English LAs, regions and England are kept (E06/E07/E08/E09/E10/E12/E92). Periods like 201820 become
    "2018-2020". Polarity comes from the ONS metadata file. "NA" values are missing (not suppressed); ":" is
    suppressed. The download gives one area code two names in a few rows (E06000062 is also labelled Buckinghamshire
    for 19+ FE achievements); where a code and indicator repeat, only the row whose name matches the code's name
    elsewhere in the file is kept.
    """
    try:
        ons_metadata = read_ons_metadata(metadata_path)
        raw, rows = read_columns(source, DATA_COLUMNS, skiprows=PREAMBLE_LINES, allow_extra=True)
    except FileProblem as problem:
        return failed(FORMAT, problem.as_errors())
    codes = clean_text(raw["AREACD"]).astype(str)
    titles = clean_text(raw["Indicator"]).astype(str)
    keep = codes.str.startswith(KEPT_PREFIXES)
    errors: list[RowError] = []
    unmapped = keep & ~titles.isin(INDICATORS)
    for title, row in zip(titles[unmapped], rows[unmapped], strict=True):
        errors.append(RowError(int(row), "Indicator", f"Indicator {title!r} is not one this reader knows"))
    keep &= titles.isin(INDICATORS)
    raw, rows, codes, titles = raw[keep], rows[keep], codes[keep], titles[keep]
    names = clean_text(raw["AREANM"]).astype(str)
    usual_name = names.groupby(codes).agg(lambda n: n.value_counts().index[0])
    repeated = pd.DataFrame({"code": codes, "title": titles}).duplicated(keep=False)
    mislabelled = repeated & (names != codes.map(usual_name))
    keep = ~mislabelled
    raw, rows, codes, titles, names = raw[keep], rows[keep], codes[keep], titles[keep], names[keep]

    specs = titles.map(INDICATORS)
    numbers, suppressed, cell_errors = parse_numbers(
        raw["Value"],
        label="Value",
        row_numbers=rows,
        suppression_markers=frozenset({":"}),
        missing_tokens=frozenset({"", "na"}),
    )
    errors.extend(cell_errors)
    period, sortable = ons_period(clean_text(raw["Period"]).astype(str))
    frame = pd.DataFrame(
        {
            "indicator_id": specs.map(lambda s: s.indicator_id),
            "area_code": codes,
            "period": period,
            "period_sortable": sortable,
            "sex": specs.map(lambda s: s.sex),
            "age": specs.map(lambda s: s.age),
            "value": numbers,
            "suppressed": suppressed,
            "value_note": np.where(numbers.isna() & ~suppressed, "Not available in the source", ""),
        }
    )
    values = finalise_values(frame)
    errors.extend(validate_values(values, known_area_codes=known_area_codes, row_numbers=rows))
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": codes,
                "name": names,
                "area_type": codes.map(lambda c: area_type_from_code(c) or ""),
                "parent_code": "",
            }
        )
    )
    found = dict.fromkeys(frame["indicator_id"].unique())
    data_units = dict(zip(titles, clean_text(raw["Unit"]).astype(str), strict=True))
    rows_by_id = {
        str(r["indicator_id"]): r for r in _indicator_rows(ons_metadata, data_units) if r["indicator_id"] in found
    }
    frame_meta = pd.DataFrame(list(rows_by_id.values()))
    if metadata is not None:
        # Portal metadata (data/indicator_metadata.csv) wins where it lists the indicator.
        frame_meta = pd.concat([metadata[metadata["indicator_id"].isin(rows_by_id)], frame_meta], ignore_index=True)
    indicators = metadata_rows({i: "" for i in rows_by_id}, frame_meta, {})
    errors.sort(key=lambda e: e.row)
    return ImportResult(FORMAT, indicators, values.reset_index(drop=True), areas, errors)
