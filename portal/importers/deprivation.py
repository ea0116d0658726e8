"""Readers for the English Indices of Deprivation: IMD 2019 by LSOA, humaniverse's ward aggregation, and the
2019 and 2025 local authority district summaries.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import pandas as pd

from portal.importers.base import OGL, FileProblem, ImportResult, RowError, area_type_from_code
from portal.importers.cells import clean_text, parse_numbers
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import Source, open_csv, read_columns
from portal.importers.validation import validate_values

LSOA_FORMAT = "imd-lsoa"
WARD_FORMAT = "imd-ward"
LAD_FORMAT = "iod-lad"

MHCLG = "Ministry of Housing, Communities and Local Government"
IOD_DEFAULTS: dict[str, object] = {
    "definition": "",
    "unit": "",
    "multiplier": 1.0,
    "topic": "deprivation",
    "source": "English Indices of Deprivation",
    "publisher": MHCLG,
    "licence": OGL,
}
WARD_NOTE = (
    "Derived: population-weighted average of LSOA IMD 2019 scores, aggregated to 2019 wards by the humaniverse IMD "
    "package (MHCLG does not publish ward-level IMD)"
)

# Index and domain names in the 2019 and 2025 files (lower case, "deprivation" dropped) -> id slug.
DOMAINS: dict[str, str] = {
    "index of multiple": "imd",
    "income": "income",
    "employment": "employment",
    "education, skills and training": "education",
    "health and disability": "health",
    "crime": "crime",
    "barriers to housing and services": "housing-barriers",
    "living environment": "living-environment",
    "income affecting children": "idaci",
    "income affecting older people": "idaopi",
}
DOMAIN_TITLES: dict[str, str] = {
    "imd": "Index of Multiple Deprivation",
    "income": "Income domain",
    "employment": "Employment domain",
    "education": "Education, Skills and Training domain",
    "health": "Health Deprivation and Disability domain",
    "crime": "Crime domain",
    "housing-barriers": "Barriers to Housing and Services domain",
    "living-environment": "Living Environment domain",
    "idaci": "Income Deprivation Affecting Children Index (IDACI)",
    "idaopi": "Income Deprivation Affecting Older People Index (IDAOPI)",
}


def _period(year: int) -> tuple[str, int]:
    """Period label and sortable int for an IoD edition."""
    return str(year), year * 10000


def read_imd_lsoa(
    source: Source,
    lsoa_codes: Collection[str] | None = None,
    *,
    metadata: pd.DataFrame | None = None,
) -> ImportResult:
    """IMD 2019 decile ("imd2019-decile", 1 = most deprived 10%) and national rank ("imd2019-rank", 1 = most deprived
    of 32,844) for the given LSOA 2011 codes (all LSOAs when None).
    """
    try:
        raw, rows = read_columns(source, ["lsoa_code", "IMD_decile", "IMD_rank"], allow_extra=True)
    except FileProblem as problem:
        return failed(LSOA_FORMAT, [problem.as_error()])
    codes = clean_text(raw["lsoa_code"]).astype(str)
    if lsoa_codes is not None:
        keep = codes.isin(set(lsoa_codes))
        raw, rows, codes = raw[keep], rows[keep], codes[keep]
    errors: list[RowError] = []
    period, sortable = _period(2019)
    frames = []
    for column, indicator_id in (("IMD_decile", "imd2019-decile"), ("IMD_rank", "imd2019-rank")):
        numbers, _, cell_errors = parse_numbers(raw[column], label=column, row_numbers=rows)
        errors.extend(cell_errors)
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": indicator_id,
                    "area_code": codes,
                    "period": period,
                    "period_sortable": sortable,
                    "sex": "Persons",
                    "age": "All ages",
                    "value": numbers,
                    "_row": rows,
                }
            )
        )
    combined = pd.concat(frames, ignore_index=True)
    values = finalise_values(combined)
    errors.extend(validate_values(values, known_area_codes=None, row_numbers=combined["_row"]))
    areas = areas_frame(pd.DataFrame({"code": codes, "name": codes, "area_type": "lsoa", "parent_code": ""}))
    defaults = {**IOD_DEFAULTS, "polarity": "high_is_good"}
    indicators = metadata_rows(
        {"imd2019-decile": "IMD 2019 decile", "imd2019-rank": "IMD 2019 rank"},
        metadata,
        defaults,
    )
    value_types = {"imd2019-decile": "decile", "imd2019-rank": "rank"}
    indicators["value_type"] = indicators["value_type"].where(
        indicators["value_type"] != "", indicators["indicator_id"].map(value_types)
    )
    errors.sort(key=lambda e: e.row)
    return ImportResult(LSOA_FORMAT, indicators, values.reset_index(drop=True), areas, errors)


def read_imd_ward(
    source: Source,
    ward_codes: Collection[str] | None = None,
    *,
    metadata: pd.DataFrame | None = None,
) -> ImportResult:
    """Humaniverse's ward-level IMD 2019 score ("imd2019-ward-score") for the given ward codes (all when None).

    MHCLG publishes no ward IMD: these are population-weighted averages of LSOA scores, so derived=True.
    """
    try:
        raw, rows = read_columns(source, ["ward_code", "Score"], allow_extra=True)
    except FileProblem as problem:
        return failed(WARD_FORMAT, [problem.as_error()])
    codes = clean_text(raw["ward_code"]).astype(str)
    if ward_codes is not None:
        keep = codes.isin(set(ward_codes))
        raw, rows, codes = raw[keep], rows[keep], codes[keep]
    numbers, _, errors = parse_numbers(raw["Score"], label="Score", row_numbers=rows)
    period, sortable = _period(2019)
    frame = pd.DataFrame(
        {
            "indicator_id": "imd2019-ward-score",
            "area_code": codes,
            "period": period,
            "period_sortable": sortable,
            "sex": "Persons",
            "age": "All ages",
            "value": numbers,
            "derived": True,
            "value_note": WARD_NOTE,
        }
    )
    values = finalise_values(frame)
    errors.extend(validate_values(values, known_area_codes=None, row_numbers=rows))
    areas = areas_frame(pd.DataFrame({"code": codes, "name": codes, "area_type": "ward", "parent_code": ""}))
    defaults = {
        **IOD_DEFAULTS,
        "value_type": "score",
        "polarity": "low_is_good",
        "source": "IMD 2019 aggregated to wards by the humaniverse IMD R package",
        "publisher": f"{MHCLG} (LSOA data); humaniverse (aggregation)",
    }
    indicators = metadata_rows({"imd2019-ward-score": "IMD 2019 score (ward, derived)"}, metadata, defaults)
    errors.sort(key=lambda e: e.row)
    return ImportResult(WARD_FORMAT, indicators, values.reset_index(drop=True), areas, errors)


def domain_slug(name: str) -> str | None:
    """The id slug for an IoD index or domain name from either edition ("Income Deprivation" -> "income")."""
    text = re.sub(r"\s+", " ", name.strip().lower())
    text = text.replace("health deprivation and disability", "health and disability")
    text = re.sub(r" deprivation\b", "", text).strip()
    return DOMAINS.get(text)


def iod_indicator_ids(year: int, slug: str) -> tuple[str, str]:
    """The (average score, rank of average score) indicator ids for an edition and domain slug.

    Each edition has its own ids because MHCLG warns that scores are not comparable between editions, and ranks are
    out of a different number of districts.
    """
    return f"iod{year}-{slug}-average-score", f"iod{year}-{slug}-rank-average-score"


def read_iod_lad(source: Source, year: int | None = None, *, metadata: pd.DataFrame | None = None) -> ImportResult:
    """IoD local authority summaries (2019 or 2025 long file): average score and rank of average score for the IMD and
    each domain, as ids like "iod2019-imd-average-score" and "iod2025-income-rank-average-score", period = the year
    (taken from the file's year column when `year` is None).

    Ranks run from 1 (most deprived); the number of districts differs by edition (317 in 2019, 296 in 2025), which the
    value note states.
    """
    try:
        with open_csv(source) as csv:
            header = csv.header
        code_col, name_col = ("lad19cd", "lad19nm") if "lad19cd" in header else ("area_code", "area_name")
        year_col = "year" if "year" in header else "deprivation_data_year"
        raw, rows = read_columns(
            source,
            [code_col, name_col, "index_domain", "average_score", "rank_average_score", year_col],
            allow_extra=True,
        )
    except FileProblem as problem:
        return failed(LAD_FORMAT, [problem.as_error()])
    errors: list[RowError] = []
    codes = clean_text(raw[code_col]).astype(str)
    file_years = sorted(set(clean_text(raw[year_col]).astype(str)) - {""})
    if year is None and len(file_years) == 1 and file_years[0].isdigit():
        year = int(file_years[0])
    if year is None:
        return failed(LAD_FORMAT, [RowError(0, year_col, "Give the edition year; the file does not say which it is.")])
    if file_years and file_years != [str(year)]:
        return failed(LAD_FORMAT, [RowError(0, year_col, f"This file is for {', '.join(file_years)}, not {year}.")])
    domains = clean_text(raw["index_domain"]).astype(str)
    slugs = domains.map(domain_slug)
    for r, d in zip(rows[slugs.isna()], domains[slugs.isna()], strict=True):
        errors.append(RowError(int(r), "index_domain", f"Index or domain {d!r} is not recognised"))
    known = slugs.notna()
    raw, rows, codes, slugs = raw[known], rows[known], codes[known], slugs[known]
    districts = codes.nunique()
    period, sortable = _period(year)
    frames = []
    for column, position, note in (
        ("average_score", 0, ""),
        (
            "rank_average_score",
            1,
            f"Rank of average score out of {districts} local authority districts (1 = most deprived)",
        ),
    ):
        numbers, _, cell_errors = parse_numbers(raw[column], label=column, row_numbers=rows)
        errors.extend(cell_errors)
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": slugs.map(lambda s, p=position: iod_indicator_ids(year, s)[p]),
                    "area_code": codes,
                    "period": period,
                    "period_sortable": sortable,
                    "sex": "Persons",
                    "age": "All ages",
                    "value": numbers,
                    "value_note": note,
                    "_row": rows,
                }
            )
        )
    combined = pd.concat(frames, ignore_index=True)
    values = finalise_values(combined)
    errors.extend(validate_values(values, known_area_codes=None, row_numbers=combined["_row"]))
    areas = areas_frame(
        pd.DataFrame(
            {
                "code": codes,
                "name": clean_text(raw[name_col]).astype(str),
                "area_type": codes.map(lambda c: area_type_from_code(c) or ""),
                "parent_code": "",
            }
        )
    )
    names = {}
    for slug in dict.fromkeys(slugs):
        score_id, rank_id = iod_indicator_ids(year, slug)
        names[score_id] = f"IoD {year} {DOMAIN_TITLES[slug]}: average score"
        names[rank_id] = f"IoD {year} {DOMAIN_TITLES[slug]}: rank of average score"
    indicators = metadata_rows(names, metadata, IOD_DEFAULTS)
    is_rank = indicators["indicator_id"].str.endswith("-rank-average-score")
    fill_type = indicators["value_type"] == ""
    indicators.loc[fill_type, "value_type"] = is_rank[fill_type].map({True: "rank", False: "score"})
    fill_polarity = indicators["polarity"] == ""
    # Rank 1 is the most deprived, so a higher rank is better; a higher score is more deprived.
    indicators.loc[fill_polarity, "polarity"] = is_rank[fill_polarity].map({True: "high_is_good", False: "low_is_good"})
    errors.sort(key=lambda e: e.row)
    return ImportResult(LAD_FORMAT, indicators, values.reset_index(drop=True), areas, errors)
