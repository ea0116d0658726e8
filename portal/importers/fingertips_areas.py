"""The areas a Fingertips export names: the portal's area type for each of Fingertips' labels, of every vintage."""

from __future__ import annotations

import re

import pandas as pd

from portal.importers.base import AREA_TEXT_LIMITS, RowError, area_type_from_code
from portal.importers.cells import clean_text
from portal.importers.frames import areas_frame

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


def export_areas(
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
