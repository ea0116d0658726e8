"""The importer contract: column lists, vocabularies, text limits, result and problem types.

Importers are pure (pandas only). Each reader returns an ImportResult whose `values` frame has exactly
VALUE_COLUMNS; problems are returned as RowError objects, never raised. The work shared by every reader lives beside
this module: ``reading`` (safe CSV reading; ``halves`` for large files), ``cells`` (cleaning and parsing cells),
``frames`` (contract-shaped frames and indicator metadata) and ``validation`` (the checks every value row gets).

Row numbers in errors are spreadsheet rows: the header is row 1 and the first data record is row 2 (plus any
preamble lines skipped before the header). A record whose quoted text contains a newline still counts as one row,
as it does when the file is opened in a spreadsheet, so it may span two physical lines of the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

INDICATOR_COLUMNS = [
    "indicator_id", "name", "definition", "unit", "value_type", "multiplier", "polarity", "topic", "source",
    "publisher", "licence",
]  # fmt: skip
# area_type is the portal's kind of area (AREA_TYPES); area_type_label is the publisher's own words for it, kept as
# written (e.g. Fingertips' "County & UA (4/21-3/23)").
AREA_COLUMNS = ["code", "name", "area_type", "parent_code", "area_type_label"]
VALUE_COLUMNS = [
    "indicator_id", "area_code", "period", "period_sortable", "sex", "age", "category_type", "category",
    "value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator", "value_note",
    "suppressed", "derived", "source_compared_to_england", "source_compared_to_region", "source_recent_trend",
]  # fmt: skip
KEY_COLUMNS = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
NUMERIC_VALUE_COLUMNS = ["value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"]
TEXT_VALUE_COLUMNS = [
    "indicator_id", "area_code", "period", "sex", "age", "category_type", "category", "value_note",
    "source_compared_to_england", "source_compared_to_region", "source_recent_trend",
]  # fmt: skip
BOOL_VALUE_COLUMNS = ["suppressed", "derived"]

VALUE_TYPES = frozenset({"proportion", "crude_rate", "dsr", "count", "mean", "median", "score", "rank", "decile"})
POLARITIES = frozenset({"high_is_good", "low_is_good", "no_judgement"})
TOPICS = frozenset({"health", "social_care", "children", "housing", "economy", "deprivation", "population"})
# Every kind of area the portal keeps, widest first (the same list as portal.models.indicators.AREA_TYPES; a test
# keeps the two in step). Fingertips publishes all of them; "other" keeps an area of a type not listed here.
AREA_TYPE_ORDER = (
    "country", "nhs_region", "region", "phe_centre", "combined_auth", "icb", "stp", "county_ua", "district",
    "ccg", "sub_icb", "pcn", "msoa", "ward", "gp", "lsoa", "ons_group", "other",
)  # fmt: skip
AREA_TYPES = frozenset(AREA_TYPE_ORDER)
# "Not applicable" is Fingertips' sex for indicators of households or places rather than people.
SEXES = frozenset({"Persons", "Male", "Female", "Not applicable"})
SEX_RULE = "Sex must be Persons, Male, Female or Not applicable"
# The longest text each stored column takes (the database's column lengths; a test keeps the two in step). A longer
# cell is a row error, never a failure at the database.
TEXT_LIMITS: dict[str, int] = {
    "indicator_id": 64, "area_code": 16, "period": 64, "sex": 32, "age": 64, "category_type": 255,
    "category": 255, "source_compared_to_england": 64, "source_compared_to_region": 64, "source_recent_trend": 120,
}  # fmt: skip
AREA_TEXT_LIMITS: dict[str, int] = {"code": 16, "name": 200, "area_type_label": 120}
INDICATOR_NAME_LIMIT = 400
# DfE marks c (confidential), x (not available), z (not applicable), u (low reliability); ONS uses ':'.
SUPPRESSION_MARKERS = frozenset({"c", "x", "z", "u", ":"})

ENGLAND = "E92000001"
WEST_MIDLANDS = "E12000005"
WOLVERHAMPTON = "E08000031"

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

OGL = "Open Government Licence v3.0"


@dataclass(frozen=True)
class RowError:
    """One problem found in an imported file."""

    row: int  # spreadsheet row (header = row 1); 0 for a problem with the whole file
    column: str | None
    message: str
    # What kind of problem it is, for the report's counts ("Value is not a number"); derived from the message when
    # blank. Not part of equality: two errors at the same place with the same message are the same problem.
    kind: str = field(default="", compare=False)

    @property
    def problem_kind(self) -> str:
        """The kind of problem, as the report groups it."""
        if self.kind:
            return self.kind
        if not self.row:
            return "Problems with the whole file"
        text = re.sub(r"'[^']*'|\"[^\"]*\"", "…", self.message)
        text = re.sub(r"\d[\d,.]*", "N", text)
        return f"{self.column}: {text}" if self.column else text


@dataclass(frozen=True)
class ProblemGroup:
    """One kind of problem in a refused file: how many rows have it, and the first few of them."""

    kind: str
    count: int
    examples: list[RowError]


# The report lists this many rows of each kind of problem; the rest are counted.
REPORT_ROWS_PER_KIND = 20


def group_problems(errors: Sequence[RowError], shown: int = REPORT_ROWS_PER_KIND) -> list[ProblemGroup]:
    """Every problem counted by kind (whole-file problems first, then the kinds in order of their first row), with
    the first ``shown`` rows of each kind in row order."""
    groups: dict[str, list[RowError]] = {}
    for error in sorted(errors, key=lambda e: e.row):
        groups.setdefault(error.problem_kind, []).append(error)
    return [ProblemGroup(kind, len(found), found[:shown]) for kind, found in groups.items()]


def problem_report(errors: Sequence[RowError], shown: int = REPORT_ROWS_PER_KIND) -> dict[str, object]:
    """The refused file's report as plain data (stored with the import and shown on its status page)."""
    return {
        "total": len(errors),
        "groups": [
            {
                "kind": group.kind,
                "count": group.count,
                "problems": [{"row": e.row, "column": e.column, "message": e.message} for e in group.examples],
            }
            for group in group_problems(errors, shown)
        ],
    }


@dataclass
class ImportResult:
    """What a reader returns: normalised frames plus any problems found."""

    format: str
    indicators: pd.DataFrame
    values: pd.DataFrame
    areas: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    variant: str = ""  # which layout of the format the file is in, when a format has several (Fingertips)
    # The frame a reader worked out the key order of, and that order (see remember_key_order).
    _key_order: tuple[pd.DataFrame, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the file imported without any error."""
        return not self.errors

    def remember_key_order(self, order: np.ndarray) -> None:
        """Keep the positions of ``values``' rows in key order, which a reader gets in a few milliseconds from its
        categorical columns (0.4 s from the text columns for a million rows)."""
        self._key_order = (self.values, order)

    def key_order(self) -> np.ndarray:
        """The positions of ``values``' rows in key order: the reader's, unless ``values`` has been replaced since
        (e.g. filtered), and worked out from the text otherwise."""
        if self._key_order is not None and self._key_order[0] is self.values:
            return self._key_order[1]
        return key_order(self.values)


def key_order(values: pd.DataFrame) -> np.ndarray:
    """Row positions sorted by the unique key (each text column in code point order), so each index (above all the
    7-column unique one) grows in order instead of being written all over: 2-3 times faster for a million rows. On
    PostgreSQL a unique key built from rows already in its order skips the sort's work: 0.8 s instead of 2 s."""
    return np.lexsort([_sorted_codes(values[column]) for column in reversed(KEY_COLUMNS)])


def _sorted_codes(column: pd.Series) -> np.ndarray:
    """Integer codes that sort as the column's values do. The readers' categories are in order of first appearance,
    and factorize(sort=True) keeps a categorical's category order, so they are sorted first (missing cells: -1)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        return column.cat.reorder_categories(categories.sort_values()).cat.codes.to_numpy()
    return pd.factorize(column, sort=True)[0]


class FileProblem(Exception):
    """A problem with the whole file (empty, binary, wrong headers); readers turn it into RowError(row=0)."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def as_error(self) -> RowError:
        """The file-level RowError for this problem."""
        return RowError(0, self.column, self.message)

    def as_errors(self) -> list[RowError]:
        """Every file-level RowError this problem stands for: one, unless it is a HeaderProblem."""
        return [self.as_error()]


class HeaderProblem(FileProblem):
    """A header row without the columns a reader needs: every problem check_header found, and all of them in one
    message for readers that report a single file-level error."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(" ".join(error.message for error in errors))
        self.errors = list(errors)

    def as_errors(self) -> list[RowError]:
        """Each header problem as its own file-level RowError."""
        return list(self.errors)


# GSS code prefixes (ONS Register of Geographic Codes) of the English areas the portal keeps.
CODE_PREFIX_TYPES: dict[str, str] = {
    "E92": "country",
    "E40": "nhs_region",
    "E12": "region",
    "E45": "phe_centre",
    "E47": "combined_auth",
    "E54": "icb",
    "E06": "county_ua",  # unitary authorities, metropolitan districts and London boroughs are both tiers
    "E08": "county_ua",
    "E09": "county_ua",
    "E10": "county_ua",
    "E07": "district",
    "E38": "sub_icb",  # CCGs until July 2022, sub-ICB locations since (same codes)
    "E02": "msoa",
    "E05": "ward",
    "E01": "lsoa",
}


def area_type_from_code(code: str) -> str | None:
    """The portal area type implied by an English GSS code prefix, or None when the prefix is not one we use."""
    return CODE_PREFIX_TYPES.get(code[:3])
