"""Duplicate keys in validate_values: found on the key columns' codes packed into one integer per row, they must be
exactly the rows that comparing every key column finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portal.importers.base import KEY_COLUMNS
from portal.importers.frames import finalise_values
from portal.importers.validation import _duplicated_rows, validate_values


@pytest.mark.parametrize("seed", range(6))
def test_packed_codes_find_the_rows_dataframe_duplicated_finds(seed: int) -> None:
    # Few codes per column make many duplicates, and rows that differ in one column only (carries between columns
    # of the packed number included); -1 is a missing cell.
    rng = np.random.default_rng(seed)
    bases = rng.integers(1, 6, size=len(KEY_COLUMNS))
    codes = pd.DataFrame({c: rng.integers(-1, b, size=3_000) for c, b in zip(KEY_COLUMNS, bases, strict=True)})
    expected = codes.duplicated(keep=False).to_numpy()
    assert expected.any() and not expected.all()
    assert (_duplicated_rows(codes) == expected).all()


def test_keys_too_wide_for_one_integer_are_still_compared_column_by_column() -> None:
    # Seven columns of 600,000 codes each need more than 63 bits. Two rows whose packed numbers differ by exactly
    # 2**64 would look equal in a wrapped-around int64: they must not be reported, while a true duplicate is.
    base = 600_001  # codes -1 .. 599,999
    digits, rest = [], 2**64
    for _ in KEY_COLUMNS:
        rest, digit = divmod(rest, base)
        digits.insert(0, digit)
    rows = [[-1] * 7, [d - 1 for d in digits], [base - 2] * 7, [base - 2] * 7]
    codes = pd.DataFrame(rows, columns=KEY_COLUMNS)
    assert _duplicated_rows(codes).tolist() == [False, False, True, True]


def test_rows_differing_in_one_key_cell_are_not_duplicates() -> None:
    base = {"indicator_id": "1", "area_code": "E08000031", "period": "2023", "period_sortable": 20230000,
            "sex": "Persons", "age": "All ages", "category_type": "", "category": ""}  # fmt: skip
    rows = [base, {**base, "category": "a"}, {**base, "category": "a "}, base, {**base, "age": "18+"},
            {**base, "category": "a"}, {**base, "indicator_id": "2", "age": "18+"}]  # fmt: skip
    frame = finalise_values(pd.DataFrame(rows), categorical=True)
    errors = validate_values(frame, known_area_codes=None, row_numbers=pd.Series(range(2, 9)))
    duplicates = {e.row: e.message for e in errors if e.kind == "Duplicate rows"}
    assert sorted(duplicates) == [2, 3, 5, 7]
    assert duplicates[2].endswith("rows 2, 5") and duplicates[7].endswith("rows 3, 7")
