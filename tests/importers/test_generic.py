"""The generic long CSV for a council's own data: every bad input gives row-numbered errors, never an exception."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from portal.importers import generic, reading
from portal.importers.base import VALUE_COLUMNS, RowError
from portal.importers.frames import load_indicator_metadata
from portal.importers.generic import read_generic_long
from tests.importers import WARDS, WOLVERHAMPTON, write_csv

KNOWN = {WOLVERHAMPTON, "E92000001", *WARDS}
HEADER = ["indicator_id", "area_code", "period", "value"]


def read(tmp_path: Path, header: list[str], rows: list[list[object]], **options: object) -> generic.ImportResult:
    """Write the rows and read them back with the known areas."""
    return read_generic_long(write_csv(tmp_path / "local.csv", header, rows, newline="\n"), KNOWN, **options)


def test_minimal_file_gets_defaults(tmp_path: Path) -> None:
    result = read(tmp_path, HEADER, [["local-school-readiness", WOLVERHAMPTON, "2022/23", "64.5"]])
    assert result.ok, result.errors
    assert list(result.values.columns) == VALUE_COLUMNS
    row = result.values.iloc[0]
    assert (row["sex"], row["age"], row["category_type"], row["period_sortable"]) == (
        "Persons",
        "All ages",
        "",
        20220000,
    )
    assert result.indicators.iloc[0][["indicator_id", "name", "polarity"]].tolist() == [
        "local-school-readiness",
        "local-school-readiness",
        "",  # not known: the file has no polarity column
    ]
    assert result.areas.iloc[0].tolist() == [WOLVERHAMPTON, "", "county_ua", "", ""]


def test_full_file_with_metadata_columns(tmp_path: Path) -> None:
    header = [
        "Indicator ID",
        "Area Code",
        "Period",
        "Value",
        "Indicator Name",
        "Sex",
        "Age",
        "Lower CI95",
        "Upper_CI95",
        "Count",
        "Denominator",
        "Unit",
        "Value Type",
        "Polarity",
        "Topic",
        "Period Sortable",
    ]
    rows = [
        [
            "local-a",
            "E05001321",
            "2023",
            "12.5",
            "Local A",
            "Female",
            "0-4 yrs",
            "10",
            "15",
            "25",
            "200",
            "%",
            "proportion",
            "high_is_good",
            "children",
            "20230000",
        ],
        [
            "local-a",
            "e05001322",
            "2023",
            "8",
            "Local A",
            "female",
            "0-4 yrs",
            "",
            "",
            "",
            "",
            "%",
            "Proportion",
            "high_is_good",
            "children",
            "",
        ],
    ]
    result = read(tmp_path, header, rows)
    assert result.ok, result.errors
    assert result.values["area_code"].tolist() == ["E05001321", "E05001322"]
    assert result.values["sex"].tolist() == ["Female", "Female"]
    assert result.indicators.iloc[0][["name", "unit", "value_type", "polarity", "topic"]].tolist() == [
        "Local A",
        "%",
        "proportion",
        "high_is_good",
        "children",
    ]


def test_text_in_value_is_reported_at_its_row(tmp_path: Path) -> None:
    rows = [["a", WOLVERHAMPTON, "2021", "1"], ["a", WOLVERHAMPTON, "2022", "abc"], ["a", WOLVERHAMPTON, "2023", "2"]]
    result = read(tmp_path, HEADER, rows)
    assert result.errors == [RowError(3, "value", "Value must be a number, not 'abc'")]


def test_unknown_area_duplicates_limits_and_sex(tmp_path: Path) -> None:
    header = [*HEADER, "lower_ci95", "upper_ci95", "sex", "count"]
    rows = [
        ["a", "E99999999", "2021", "1", "", "", "", ""],
        ["a", WOLVERHAMPTON, "2021", "5", "6", "7", "", ""],
        ["a", WOLVERHAMPTON, "2021", "6", "", "", "Persons", ""],
        ["a", WOLVERHAMPTON, "2022", "6", "", "", "Other", "-3"],
    ]
    errors = read(tmp_path, header, rows).errors
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "area_code", "Area code 'E99999999' is not a known area"),
        (3, None, "Duplicate row: the same indicator, area, period, sex, age and category are on rows 3, 4"),
        (3, "lower_ci95", "The value is below its lower 95% limit"),
        (4, None, "Duplicate row: the same indicator, area, period, sex, age and category are on rows 3, 4"),
        (5, "sex", "Sex must be Persons, Male, Female or Not applicable, not 'Other'"),
        (5, "count", "Count must not be negative, not -3"),
    ]


def test_suppression_markers_are_suppressed_not_zero(tmp_path: Path) -> None:
    rows = [["a", WOLVERHAMPTON, str(2015 + i), marker] for i, marker in enumerate(["c", "x", "z", "u", ":", ""])]
    values = read(tmp_path, HEADER, rows).values
    assert values["suppressed"].tolist() == [True] * 5 + [False]
    assert values["value"].isna().all()


def test_wrong_headers(tmp_path: Path) -> None:
    result = read(tmp_path, ["indicator", "area_code", "period", "value", "colour"], [["a", WOLVERHAMPTON, "1", "2"]])
    assert result.errors == [
        RowError(
            0,
            None,
            "The header row is not as expected: missing columns: indicator_id; unexpected columns: indicator, colour.",
        )
    ]


def test_bad_metadata_cells(tmp_path: Path) -> None:
    header = [*HEADER, "polarity", "indicator_name"]
    rows = [["a", WOLVERHAMPTON, "2021", "1", "up", "A"], ["a", WOLVERHAMPTON, "2022", "1", "", "Another name"]]
    errors = read(tmp_path, header, rows).errors
    assert [(e.row, e.column) for e in errors] == [(2, "polarity"), (3, "indicator_name")]
    assert "must be one of high_is_good, low_is_good, no_judgement" in errors[0].message


def test_fractional_period_sortable(tmp_path: Path) -> None:
    rows = [["a", WOLVERHAMPTON, "2021", "1", "2021.5"]]
    errors = read(tmp_path, [*HEADER, "period_sortable"], rows).errors
    assert errors == [RowError(2, "period_sortable", "Period sortable must be a whole number, e.g. 20220000")]


def test_empty_header_only_and_binary_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert read_generic_long(empty).errors == [RowError(0, None, "The file is empty.")]
    header_only = write_csv(tmp_path / "header.csv", HEADER, [])
    assert read_generic_long(header_only).errors == [RowError(0, None, "The file has a header row but no data rows.")]
    binary = tmp_path / "binary.csv"
    binary.write_bytes(random.Random(2).randbytes(10_000_000))
    [error] = read_generic_long(binary).errors
    assert error.row == 0 and "binary" in error.message
    workbook = tmp_path / "book.csv"
    workbook.write_bytes(b"PK\x03\x04" + bytes(100))
    assert "Excel workbook" in read_generic_long(workbook).errors[0].message


def test_cp1252_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    path.write_bytes(
        "indicator_id,area_code,period,value,indicator_name\na,E08000031,2023,1,Café rent £\n".encode("cp1252")
    )
    result = read_generic_long(path, KNOWN)
    assert result.ok, result.errors
    assert result.indicators.loc[0, "name"] == "Café rent £"


def test_cp1252_character_after_the_sniffed_bytes(tmp_path: Path) -> None:
    lines = ["indicator_id,area_code,period,value,value_note"]
    lines += [f"a,E08000031,{1000 + i},1,plain" for i in range(5000)]
    lines.append("a,E08000031,9999,1,cost £5")
    path = tmp_path / "late.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    assert path.stat().st_size > 64 * 1024
    result = read_generic_long(path, KNOWN)
    assert result.ok, result.errors[:3]
    assert result.values["value_note"].iloc[-1] == "cost £5"


def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffindicator_id,area_code,period,value\r\na,E08000031,2023,1\r\n".encode())
    assert read_generic_long(path, KNOWN).ok


def test_metadata_for_known_indicators_wins(tmp_path: Path) -> None:
    result = read(tmp_path, HEADER, [["93356", WOLVERHAMPTON, "2023", "50"]], metadata=load_indicator_metadata())
    assert result.indicators.loc[0, "name"] == "Campylobacter incidence rate/100,000"


@pytest.mark.parametrize("rows", [1, 450_000])
def test_progress_reaches_the_end(tmp_path: Path, rows: int) -> None:
    path = tmp_path / "progress.csv"
    body = "".join(f"a,E08000031,{i},1\n" for i in range(rows))
    path.write_text("indicator_id,area_code,period,value\n" + body)
    calls: list[tuple[int, int]] = []
    result = read_generic_long(path, KNOWN, progress=lambda done, total: calls.append((done, total)))
    assert result.ok
    size = path.stat().st_size
    assert calls[-1] == (size, size)
    assert len(calls) >= (3 if rows > 400_000 else 1)


def test_module_docstring_documents_every_column() -> None:
    spec = generic.__doc__ or ""
    for column in [*generic.REQUIRED, *generic.OPTIONAL]:
        assert f"``{column}``" in spec


def test_text_that_looks_like_numbers_is_kept_exactly_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A council's own codes such as "01" or "2.50" are text: they must not become 1 or 2.5, and a chunk of
    # number-like categories must join a later chunk of words.
    monkeypatch.setattr(reading, "CHUNK_ROWS", 10)
    header = [*HEADER, "category_type", "category"]
    rows = [["local-x", WOLVERHAMPTON, "2022/23", str(n), "School band", f"{n:02d}"] for n in range(1, 11)]
    rows += [["local-x", WOLVERHAMPTON, "2022/23", "5", "School band", "2.50"]]
    rows += [["local-x", WOLVERHAMPTON, "2022/23", str(n), "School band", f"Band {n}"] for n in range(1, 11)]
    result = read(tmp_path, header, rows)
    assert result.ok, result.errors
    categories = result.values["category"].tolist()
    assert categories[:11] == [f"{n:02d}" for n in range(1, 11)] + ["2.50"]
    assert categories[11:] == [f"Band {n}" for n in range(1, 11)]
