"""Trafford Data Lab's processed long files of Fingertips data, built from the Fingertips API."""

from __future__ import annotations

import pandas as pd

from portal.importers.base import SEXES, FileProblem, ImportResult, RowError
from portal.importers.cells import clean_text, parse_numbers, sortable_from_period
from portal.importers.fingertips import FINGERTIPS_DEFAULTS
from portal.importers.fingertips_areas import fingertips_area_type
from portal.importers.frames import areas_frame, failed, finalise_values, metadata_rows
from portal.importers.reading import Source, read_columns
from portal.importers.validation import validate_values

TRAFFORD_FORMAT = "trafford"

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
        raw, rows = read_columns(source, TRAFFORD_COLUMNS)
    except FileProblem as problem:
        return failed(TRAFFORD_FORMAT, problem.as_errors())
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
