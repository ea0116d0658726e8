"""An .xlsx that unpacks too big, or has too many rows, is refused before any cell is parsed (issue 13 item 10)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from portal.importers import xlsx_limits
from portal.importers.population import read_mye_single_year

MYE = Path(__file__).resolve().parents[2] / "data" / "population" / "ons_mye_uk_mid2022_mye22final.xlsx"


def _workbook(sheet_xml: bytes) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="MYEB1"/></sheets></workbook>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    buffer.seek(0)
    return buffer


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the workbook's cells are parsed at all."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(pd, "read_excel", refuse)


def test_a_workbook_that_unpacks_beyond_the_cap_is_refused_unparsed(no_parsing: None) -> None:
    # About 80 KB on disk, unpacking to 60 MB: the shape of the 8 MB → 80 MB upload.
    bomb = _workbook(b"<worksheet><sheetData>" + b" " * (60 * 1024 * 1024) + b"</sheetData></worksheet>")
    assert len(bomb.getvalue()) < 1024 * 1024
    result = read_mye_single_year(bomb)
    assert not result.ok
    [error] = result.errors
    assert "unpacks to 60 MB, more than the 48 MB this service reads" in error.message


def test_a_workbook_with_too_many_rows_is_refused_unparsed(no_parsing: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_limits, "MAX_ROWS", 1_000)
    # Rows cut across the 1 MB inflate chunks, so a tag split in two must still count once.
    rows = b"".join(b'<row r="%d"><c><v>1</v></c></row>' % n for n in range(1, 1_002))
    result = read_mye_single_year(_workbook(b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"))
    assert [e.message for e in result.errors] == [
        "A sheet in the workbook has more than 1,000 rows, the most this service reads. Split it into smaller files."
    ]


def test_rows_are_counted_exactly_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_limits, "CHUNK", 7)  # smaller than a row, so many tags straddle two chunks
    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, 501))
    workbook = _workbook(b"<sheetData>" + rows + b"</sheetData>")
    assert xlsx_limits.workbook_problem(workbook, max_rows=500) is None
    assert workbook.tell() == 0  # rewound for the reader
    assert xlsx_limits.workbook_problem(workbook, max_rows=499) is not None


def test_the_real_ons_workbook_is_within_the_limits() -> None:
    assert xlsx_limits.workbook_problem(MYE) is None
