"""The data behind one chart, shared by its HTML table, its CSV download and its figure.

One object per chart: ``rows`` are exactly what the figure draws, ``table_rows`` are those rows as the table shows
them and ``csv()`` the same rows as CSV, so the three can never disagree. (The indicators feature has the same
shape in ``portal.indicators.services.ChartData``; new features use this one.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bokeh.model import Model

from portal.charts.tables import format_number, to_csv


@dataclass(frozen=True)
class Column:
    """A table column: numeric columns are right-aligned and formatted with ``decimals``."""

    text: str
    decimals: int | None = None

    @property
    def numeric(self) -> bool:
        """True for number columns."""
        return self.decimals is not None


@dataclass
class ChartData:
    """One chart (or table): its title, a summary for screen readers, its rows and how to draw it (None for a
    table with no chart)."""

    slug: str
    title: str
    summary: str
    columns: list[Column]
    rows: list[list[Any]]  # str, float or None per cell; numbers are formatted by the column
    build: Callable[[], Model] | None = field(default=None, repr=False)
    note: str = ""

    def _cells(self, separators: bool) -> list[list[str]]:
        out = []
        for row in self.rows:
            cells = []
            for column, cell in zip(self.columns, row, strict=True):
                if isinstance(cell, int | float) and column.decimals is not None:
                    cells.append(format_number(float(cell), column.decimals, separators=separators))
                else:
                    cells.append("" if cell is None else str(cell))
            out.append(cells)
        return out

    @property
    def table_columns(self) -> list[dict[str, Any]]:
        """Columns for the ``chart_table`` macro."""
        return [{"text": c.text, "numeric": c.numeric} for c in self.columns]

    @property
    def table_rows(self) -> list[list[str]]:
        """The rows as shown in the HTML table (thousands separators)."""
        return self._cells(separators=True)

    def csv(self) -> str:
        """The same rows as a CSV document (no thousands separators, formula-safe)."""
        return to_csv([c.text for c in self.columns], self._cells(separators=False))
