"""The shared contract: result shape, safe reading of bad files, and validate_values."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portal.importers.base import AREA_COLUMNS, INDICATOR_COLUMNS, VALUE_COLUMNS, FileProblem, ImportResult, RowError
from portal.importers.cells import parse_numbers
from portal.importers.frames import empty_values, finalise_values
from portal.importers.reading import open_csv, sniff_encoding
from portal.importers.validation import validate_values


def values_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A contract-shaped values frame from partial rows (defaults for the rest)."""
    defaults = {
        "indicator_id": "x",
        "area_code": "E08000031",
        "period": "2023",
        "period_sortable": 20230000,
        "sex": "Persons",
        "age": "All ages",
    }
    return finalise_values(pd.DataFrame([{**defaults, **row} for row in rows]))


def rows_of(errors: list[RowError]) -> list[int]:
    """The row numbers of a list of errors."""
    return [e.row for e in errors]


def test_result_ok_and_empty_values_have_the_contract_columns() -> None:
    empty = empty_values()
    assert list(empty.columns) == VALUE_COLUMNS
    assert empty["value"].dtype == "float64"
    assert empty["suppressed"].dtype == bool
    assert empty["period_sortable"].dtype == "int64"
    result = ImportResult("x", pd.DataFrame(columns=INDICATOR_COLUMNS), empty, pd.DataFrame(columns=AREA_COLUMNS), [])
    assert result.ok
    result.errors.append(RowError(0, None, "bad"))
    assert not result.ok


def test_finalise_values_never_leaves_nan_in_text_columns() -> None:
    frame = finalise_values(pd.DataFrame({"indicator_id": ["a", None], "value": ["1", None]}))
    assert frame["category"].tolist() == ["", ""]
    assert frame["indicator_id"].tolist() == ["a", ""]
    assert frame["value"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"a,b\r\n1,2\r\n", "utf-8-sig"),
        ("\ufeffa,b\n£,é\n".encode(), "utf-8-sig"),
        ("a,b\n£,é\n".encode("cp1252"), "cp1252"),
    ],
)
def test_sniff_encoding(head: bytes, expected: str) -> None:
    assert sniff_encoding(head) == expected


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"a,b\n\x00\x01\x02", "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_sniff_encoding_rejects_empty_and_binary(head: bytes, message: str) -> None:
    with pytest.raises(FileProblem, match=message):
        sniff_encoding(head)


def test_ten_megabytes_of_random_bytes_fail_fast(tmp_path: Path) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(random.Random(0).randbytes(10_000_000))
    started = time.perf_counter()
    with pytest.raises(FileProblem, match="binary"):
        open_csv(path)
    assert time.perf_counter() - started < 1.0


def test_open_csv_accepts_a_binary_file_object() -> None:
    with open_csv(io.BytesIO(b"a,b\n1,2\n")) as csv:
        assert csv.header == ["a", "b"]


def test_parse_numbers_reports_text_by_row_and_keeps_suppression_as_nan() -> None:
    text = pd.Series(["1", "2,345", "abc", "", "c", " 7 "], index=[0, 1, 2, 3, 4, 5], dtype="str")
    rows = pd.Series([2, 3, 4, 5, 6, 7], index=text.index)
    numbers, suppressed, errors = parse_numbers(
        text, label="Value", row_numbers=rows, suppression_markers=frozenset({"c"})
    )
    assert numbers.tolist()[:2] == [1.0, 2345.0]
    assert np.isnan(numbers[2]) and np.isnan(numbers[3]) and np.isnan(numbers[4])
    assert numbers[5] == 7.0
    assert suppressed.tolist() == [False, False, False, False, True, False]
    assert errors == [RowError(4, "Value", "Value must be a number, not 'abc'")]


def test_parse_numbers_rejects_infinity() -> None:
    text = pd.Series(["inf"], dtype="str")
    _, _, errors = parse_numbers(text, label="Value", row_numbers=pd.Series([2]))
    assert errors == [RowError(2, "Value", "Value must be a finite number")]


def test_validate_values_accepts_good_rows() -> None:
    frame = values_frame([{"value": 5.0, "lower_ci95": 4.0, "upper_ci95": 6.0, "count": 3, "denominator": 60}])
    assert validate_values(frame, known_area_codes={"E08000031"}, row_numbers=pd.Series([2])) == []


def test_validate_values_reports_every_duplicated_row() -> None:
    frame = values_frame([{"value": 1.0}, {"value": 2.0, "period": "2024"}, {"value": 3.0}, {"value": 4.0}])
    errors = validate_values(frame, known_area_codes=None, row_numbers=pd.Series([2, 3, 5, 9]))
    assert rows_of(errors) == [2, 5, 9]
    assert all("rows 2, 5, 9" in e.message for e in errors)


def test_validate_values_checks_areas_intervals_and_counts() -> None:
    frame = values_frame(
        [
            {"area_code": "E99999999", "value": 1.0},
            {"value": 7.0, "lower_ci95": 4.0, "upper_ci95": 6.0, "period": "a"},
            {"value": 3.0, "lower_ci998": 4.0, "upper_ci998": 6.0, "period": "b"},
            {"value": 5.0, "lower_ci95": 6.0, "upper_ci95": 4.0, "period": "c"},
            {"value": 1.0, "count": -1.0, "period": "d"},
            {"value": 1.0, "denominator": -5.0, "period": "e"},
            {"value": 1.0, "sex": "Other", "period": "f"},
            {"value": 1.0, "suppressed": True, "period": "g"},
        ]
    )
    errors = validate_values(frame, known_area_codes={"E08000031"}, row_numbers=pd.Series(range(2, 10)))
    messages = {e.row: e.message for e in errors}
    assert messages == {
        2: "Area code 'E99999999' is not a known area",
        3: "The value is above its upper 95% limit",
        4: "The value is below its lower 99.8% limit",
        5: "The lower 95% limit is above the upper 95% limit",
        6: "Count must not be negative, not -1",
        7: "Denominator must not be negative, not -5",
        8: "Sex must be Persons, Male, Female or Not applicable, not 'Other'",
        9: "A suppressed value must be left blank",
    }


def test_validate_values_reports_blank_keys_and_missing_columns() -> None:
    frame = values_frame([{"indicator_id": "", "area_code": "", "period": "", "value": 1.0}])
    errors = validate_values(frame, known_area_codes=None, row_numbers=pd.Series([2]))
    assert {e.column for e in errors} == {"indicator_id", "area_code", "period"}
    missing = validate_values(frame.drop(columns=["value"]), known_area_codes=None, row_numbers=pd.Series([2]))
    assert missing == [RowError(0, None, "Missing columns: value.")]


def test_validate_values_uses_the_files_column_labels() -> None:
    frame = values_frame([{"value": 7.0, "lower_ci95": 4.0, "upper_ci95": 6.0}])
    errors = validate_values(
        frame, known_area_codes=None, row_numbers=pd.Series([2]), column_labels={"upper_ci95": "Upper CI 95.0 limit"}
    )
    assert errors == [RowError(2, "Upper CI 95.0 limit", "The value is above its upper 95% limit")]
