"""Chunked CSV reading (portal.importers.reading): text columns come back exactly as written, whatever pandas infers."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from portal.importers import reading
from tests.importers import FINGERTIPS_EXPORTS

# Text that pandas would take for numbers or booleans if a whole chunk held nothing else.
NUMBER_LIKE = ["0252", "1.0", "1e3", "True", "false", "-0", "007"]


def frame_of(data: bytes, float_columns: list[str]) -> pd.DataFrame:
    """read_csv_frame of the bytes, every column asked for."""
    with reading.open_csv(io.BytesIO(data)) as csv:
        frame, parsed = reading.read_csv_frame(csv, columns=csv.header, float_columns=float_columns)
    assert parsed
    return frame


def as_written(data: bytes) -> pd.DataFrame:
    """The file's cells as strings, as written ("" for an empty cell, NaN where a short row has no cell)."""
    return pd.read_csv(io.BytesIO(data), dtype=object, keep_default_na=False, skip_blank_lines=False)


@pytest.mark.parametrize("chunk_rows", [1, 3, 4, 1000])
def test_number_like_text_after_the_sampled_rows_is_kept_as_written(
    monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    # The first rows hold words, so the column is parsed as categories; later chunks hold only number-like text,
    # which pandas would convert ("0252" -> 252). Blank lines and a short row must keep their places too.
    monkeypatch.setattr(reading, "SAMPLE_ROWS", 2)
    monkeypatch.setattr(reading, "CHUNK_ROWS", chunk_rows)
    lines = ["code,word,value", "E08000031,Better,1.5", "E08000032,Worse,2"]
    lines += [f"{text},{text},{n}" for n, text in enumerate(NUMBER_LIKE)] + ["", "0252", "E1,,3", ""]
    data = ("\n".join(lines) + "\n").encode()
    frame = frame_of(data, ["value"])
    expected = as_written(data)
    for column in ("code", "word"):
        assert isinstance(frame[column].dtype, pd.CategoricalDtype)
        assert pd.api.types.infer_dtype(frame[column].cat.categories) == "string"
        assert frame[column].astype(object).where(frame[column].notna(), None).tolist() == (
            expected[column].where(expected[column].notna(), None).tolist()
        )
    assert frame["value"].tolist()[:3] == [1.5, 2.0, 0.0]


def test_categories_are_in_order_of_first_appearance(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser sorts a chunk's categories; the frame keeps the order the values first appear in the file, as
    # factorizing Python strings did.
    monkeypatch.setattr(reading, "CHUNK_ROWS", 2)
    data = b"area\nzeta\nalpha\nmid\nalpha\nbeta\nzeta\n"
    assert list(frame_of(data, [])["area"].cat.categories) == ["zeta", "alpha", "mid", "beta"]


@pytest.mark.parametrize("path", FINGERTIPS_EXPORTS, ids=lambda p: p.name)
def test_shipped_exports_read_as_written(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "CHUNK_ROWS", 50)
    data = path.read_bytes()
    frame = frame_of(data, [])
    expected = as_written(data.removeprefix(b"\xef\xbb\xbf"))
    expected.columns = [str(c).strip() for c in expected.columns]
    for column in expected.columns:
        got = frame[column].astype(object).where(frame[column].notna(), None).tolist()
        assert got == expected[column].where(expected[column].notna(), None).tolist(), column
