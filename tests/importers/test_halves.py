"""A large CSV file is parsed as two halves at once (portal.importers.halves): the same frame as one pass, and any
problem, including a split that falls inside a quoted cell, is reported exactly as one pass reports it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import pytest

from portal.importers import halves, reading
from portal.importers.base import FileProblem
from portal.importers.fingertips import read_fingertips
from tests.importers import FINGERTIPS_EXPORTS

HEADER = "Area Code,Area Name,Indicator ID,Note,Value\n"


def _rows(count: int, *, newline: str = "\n") -> list[str]:
    """Rows with quoted commas and line breaks, number-like text in the text columns and blank values."""
    rows = []
    for n in range(count):
        note = f'"line one, {n}\nline two"' if n % 7 == 0 else ("0252" if n % 5 == 0 else f"note {n}")
        value = "" if n % 11 == 0 else f"{n / 10}"
        rows.append(f'E0{n % 9:07d},"Place, {n % 13}",{90000 + n % 4},{note},{value}{newline}')
    return rows


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _frame(path: Path, *, split: bool) -> tuple[pd.DataFrame, bool]:
    with reading.open_csv(path) as csv:
        if not split:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(halves, "SPLIT_MIN_BYTES", 10**12)
                return reading.read_csv_frame(csv, columns=csv.header, float_columns=["Value"])
        return reading.read_csv_frame(csv, columns=csv.header, float_columns=["Value"])


def _plain(frame: pd.DataFrame) -> list[list[Any]]:
    return frame.astype(object).where(frame.notna(), None).values.tolist()


@pytest.fixture
def split_small_files(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Split files of any size, in small chunks; records the offset of each second half actually parsed."""
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 7)
    monkeypatch.setattr(reading, "SAMPLE_ROWS", 3)
    used: list[int] = []
    original = halves.second_half

    @contextmanager
    def recording(handle: BinaryIO, split: int, size: int) -> Iterator[BinaryIO]:
        used.append(split)
        with original(handle, split, size) as tail:
            yield tail

    monkeypatch.setattr(halves, "second_half", recording)
    return used


@pytest.mark.parametrize(("newline", "encoding"), [("\n", "utf-8"), ("\r\n", "utf-8"), ("\n", "cp1252")])
def test_two_halves_give_the_same_frame_as_one_pass(
    tmp_path: Path, split_small_files: list[int], newline: str, encoding: str
) -> None:
    text = HEADER.replace("\n", newline) + "".join(_rows(400, newline=newline))
    if encoding == "cp1252":
        text = text.replace("Place", "Café £")
    path = _write(tmp_path / "values.csv", text, encoding)

    halved, parsed = _frame(path, split=True)
    whole, _ = _frame(path, split=False)

    assert parsed and split_small_files  # the second half was really parsed on its own
    assert len(halved) == 400
    assert _plain(halved) == _plain(whole)
    for column in ("Area Code", "Note"):
        assert list(halved[column].cat.categories) == list(whole[column].cat.categories)
    assert "line one, 0\nline two" in set(halved["Note"]) and "0252" in set(halved["Note"])


def test_a_split_inside_a_quoted_cell_falls_back_to_one_pass(
    tmp_path: Path, split_small_files: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = HEADER + "".join(_rows(200))
    path = _write(tmp_path / "values.csv", text)
    inside = text.index("line two", len(text) // 2)  # just after a line break within a quoted cell
    monkeypatch.setattr(halves, "split_point", lambda handle, size, encoding: inside)

    halved, _ = _frame(path, split=True)
    whole, _ = _frame(path, split=False)

    assert set(split_small_files) == {inside}
    assert _plain(halved) == _plain(whole) and len(halved) == 200


def _outcome(path: Path, *, split: bool) -> tuple[str, Any]:
    """What reading the file gives: its rows, or the problem reported."""
    try:
        frame, parsed = _frame(path, split=split)
    except FileProblem as problem:
        return "problem", str(problem)
    return "rows", (parsed, _plain(frame))


@pytest.mark.parametrize(
    ("bad_row", "refused"),
    [
        ("E09999999,Extra,90001,note,1.5,surplus\n", False),  # read_csv drops cells beyond the columns it reads
        ("E09999999,Short,90001\n", False),  # missing cells are empty
        ("E09999999,Wrong,90001,note,not a number\n", False),  # read again as text, for the row's own error
        ('"E0999,unclosed,90001,note,1\n', False),  # one cell up to the next quote, in both
        ('E0999,"unclosed,90001,note,1\n' + "E0,x,1,y,2\n" * 3, True),  # no quote after it: the file ends in a cell
    ],
)
def test_a_bad_row_beginning_the_second_half_reads_as_one_pass_reads_it(
    tmp_path: Path, split_small_files: list[int], monkeypatch: pytest.MonkeyPatch, bad_row: str, refused: bool
) -> None:
    rows = _rows(200)
    ending = "".join(rows[150:]) if not refused else ""
    text = HEADER + "".join(rows[:150]) + bad_row + ending
    path = _write(tmp_path / "values.csv", text)
    # The bad row begins the second half, which a parse on its own would take as its first row.
    monkeypatch.setattr(halves, "split_point", lambda handle, size, encoding: text.index(bad_row))

    halved = _outcome(path, split=True)
    whole = _outcome(path, split=False)

    assert split_small_files
    assert halved == whole
    assert (halved[0] == "problem") is refused


def test_the_split_is_just_after_a_line_break_before_a_line_that_is_not_blank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 1)
    text = "a,b\n" + "x" * 50 + "\n\n\r\n" + "1,2\n" * 30
    path = _write(tmp_path / "blank.csv", text)
    with open(path, "rb") as handle:
        split = halves.split_point(handle, len(text), "utf-8-sig")
        assert handle.tell() == 0
    assert split is not None and text[split - 1] == "\n" and text[split] not in "\r\n" and split > len(text) // 2
    with open(path, "rb") as handle:
        assert halves.split_point(handle, len(text), "utf-16") is None  # a line break may be part of a character
    assert halves.split_point(io.BufferedReader(io.BytesIO(text.encode())), len(text), "utf-8") is None  # no path
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", len(text) + 1)
    with open(path, "rb") as handle:
        assert halves.split_point(handle, len(text), "utf-8") is None  # too small to be worth a second thread


def test_progress_covers_the_file_once_in_order(tmp_path: Path, split_small_files: list[int]) -> None:
    path = _write(tmp_path / "values.csv", HEADER + "".join(_rows(300)))
    seen: list[tuple[int, int]] = []
    with reading.open_csv(path) as csv:
        reading.read_csv_frame(
            csv, columns=csv.header, float_columns=["Value"], progress=lambda d, t: seen.append((d, t))
        )
    size = path.stat().st_size
    assert split_small_files and len(seen) > 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (size, size) and all(total == size for _, total in seen)


@pytest.mark.parametrize("path", FINGERTIPS_EXPORTS, ids=lambda p: p.name)
def test_the_shipped_exports_read_the_same_in_halves(path: Path, split_small_files: list[int]) -> None:
    halved = read_fingertips(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(halves, "SPLIT_MIN_BYTES", 10**12)
        whole = read_fingertips(path)

    assert split_small_files
    pd.testing.assert_frame_equal(halved.values, whole.values)
    assert halved.errors == whole.errors


def test_a_file_that_cannot_be_opened_again_is_read_in_one_pass(
    tmp_path: Path, split_small_files: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "values.csv", HEADER + "".join(_rows(120)))
    whole, _ = _frame(path, split=False)

    def gone(handle: BinaryIO, split: int, size: int) -> Iterator[BinaryIO]:
        raise FileNotFoundError(handle.name)

    monkeypatch.setattr(halves, "second_half", contextmanager(gone))
    halved, parsed = _frame(path, split=True)

    assert parsed and _plain(halved) == _plain(whole)
