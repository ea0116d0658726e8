"""Parsing a large CSV file as two halves at once (issue 17): pandas' C tokenizer releases the GIL while it works, so
a second thread parsing the second half uses the machine's other core (a million-row Fingertips export: 1.6 s of
parsing became 1.0 s on two cores).

Only a parse from the start of the file knows for sure where its records end, since a quoted cell may hold line
breaks. So the split is put just after a line break near the middle, and the first half is parsed from the file's
start up to there, exactly as the whole file would be: if the break was inside a quoted cell, pandas raises "EOF
inside string" at the end of the first half. The caller treats any error in either half (that one, a row with too
many fields, an undecodable byte) as "parse the whole file in one pass instead", which reports a real problem
exactly as before, with its line number in the whole file; a file that parses gives the same rows either way.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

# Smaller files are parsed in one pass: a second thread would save little and cost a second open.
SPLIT_MIN_BYTES = 16 * 1024 * 1024
# How far past the middle a usable line break is looked for.
SEARCH_BYTES = 1024 * 1024
# Encodings in which a line break is always the single byte 10, never part of another character.
SPLITTABLE_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1252"})
READ_BUFFER = 1024 * 1024


class ByteRange(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a seekable binary file, read as a file of their own (for read_csv)."""

    def __init__(self, handle: BinaryIO, start: int, end: int) -> None:
        super().__init__()
        self._handle, self._position, self._end = handle, start, end
        handle.seek(start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._end - self._position)
        if wanted <= 0:
            return 0
        data = self._handle.read(wanted)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def consumed(self) -> int:
        """The offset in the file up to which the range has been read."""
        return self._position


def split_point(handle: BinaryIO, size: int, encoding: str) -> int | None:
    """An offset just after a line break near the middle of the file, where the next line is not blank (a blank line
    is a row of its own, which a parse starting there might not count); None when the file is small, in an encoding
    where that byte may be part of a character, or not a file that can be opened a second time."""
    if size < SPLIT_MIN_BYTES or encoding not in SPLITTABLE_ENCODINGS or not _reopenable(handle):
        return None
    middle = size // 2
    handle.seek(middle)
    window = handle.read(SEARCH_BYTES)
    handle.seek(0)
    start = 0
    while (found := window.find(b"\n", start)) != -1 and found + 1 < len(window):
        if window[found + 1 : found + 2] not in (b"\r", b"\n"):
            return middle + found + 1
        start = found + 1
    return None


def _reopenable(handle: BinaryIO) -> bool:
    """True for a file opened from a path (the second half is read through a handle of its own)."""
    return isinstance(getattr(handle, "name", None), str) and isinstance(handle, io.BufferedReader)


def first_half(handle: BinaryIO, split: int) -> tuple[BinaryIO, ByteRange]:
    """The file from its start to ``split``, read through ``handle`` (buffered), and its range (for progress)."""
    part = ByteRange(handle, 0, split)
    return io.BufferedReader(part, READ_BUFFER), part


@contextmanager
def second_half(handle: BinaryIO, split: int, size: int) -> Iterator[BinaryIO]:
    """The file from ``split`` to its end, read through a handle of its own (the other thread's)."""
    with open(handle.name, "rb") as own:
        yield io.BufferedReader(ByteRange(own, split, size), READ_BUFFER)
