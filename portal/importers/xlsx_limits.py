"""Limits checked on an .xlsx before any cell is parsed (issue 13 item 10: an 8 MB workbook that unpacked to 80 MB
held a worker for 24 s).

An .xlsx is a zip: the sizes its members declare give the uncompressed total without inflating anything, and the
worksheets' ``<row`` tags are counted by inflating them in small chunks, never holding a whole sheet, and stopping at
the first byte beyond the size cap (so a member that lies about its size cannot get further than an honest one).
"""

from __future__ import annotations

import os
import zipfile
from typing import BinaryIO

# The ONS mid-2022 workbook unpacks to 29 MB with 73,529 rows in its largest sheet (MYEB1): room for it to grow, and
# a bound on how long one upload can hold a worker.
MAX_UNCOMPRESSED_BYTES = 48 * 1024 * 1024
MAX_ROWS = 150_000
CHUNK = 1024 * 1024
ROW_TAG = b"<row"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def workbook_problem(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> str | None:
    """Why this workbook is too big to read (a message for the person who uploaded it), or None when it is within the
    limits (by default MAX_UNCOMPRESSED_BYTES and MAX_ROWS). Not a zip at all is left for the reader to report. A file
    object is rewound afterwards."""
    max_bytes = MAX_UNCOMPRESSED_BYTES if max_bytes is None else max_bytes
    max_rows = MAX_ROWS if max_rows is None else max_rows
    start = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > max_bytes:
                return (
                    f"The workbook unpacks to {_megabytes(declared)}, more than the {_megabytes(max_bytes)} this "
                    "service reads. Remove sheets or rows you do not need, or split it into smaller files."
                )
            inflated = 0
            for info in infos:
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                rows, inflated = _count_rows(archive, info, inflated, max_bytes)
                if inflated > max_bytes:
                    return (
                        f"The workbook unpacks to more than the {_megabytes(max_bytes)} this service reads. Remove "
                        "sheets or rows you do not need, or split it into smaller files."
                    )
                if rows > max_rows:
                    return (
                        f"A sheet in the workbook has more than {max_rows:,} rows, the most this service reads. "
                        "Split it into smaller files."
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return None
    finally:
        if start is not None:
            source.seek(start)  # type: ignore[union-attr]
    return None


def _count_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, inflated: int, max_bytes: int) -> tuple[int, int]:
    """(rows in one worksheet, bytes inflated so far in the workbook), stopping once past ``max_bytes``."""
    rows = 0
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            inflated += len(chunk)
            if inflated > max_bytes:
                break
            data = tail + chunk
            rows += data.count(ROW_TAG)
            # Keep the last bytes (too few to hold a whole tag), so a tag split across two chunks is counted once.
            tail = data[-(len(ROW_TAG) - 1) :]
    return rows, inflated
