"""The data behind a chart as text: one set of rows rendered both as the HTML table and as the CSV download."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def csv_safe(cell: object) -> str:
    """The cell as text, with a leading quote when a spreadsheet would run it as a formula (numbers stay numbers)."""
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (header then rows, CRLF line ends as RFC 4180) with every cell made formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_safe(c) for c in columns])
    for row in rows:
        writer.writerow([csv_safe(c) for c in row])
    return out.getvalue()


def format_number(value: float | None, decimals: int = 1, *, separators: bool = True) -> str:
    """A number for people: fixed decimals, thousands separators in tables ("" for a missing value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    pattern = f"{{:{',' if separators else ''}.{decimals}f}}"
    text = pattern.format(value)
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text  # never show "-0.0"
