"""Long tables shown a page at a time, with GOV.UK pagination links that work without JavaScript (issue 17).

A chart's table (``components/charts.html``) holds at most ``TABLE_PAGE_SIZE`` rows; the page is chosen by the query
parameter ``<table id>-page``, so several tables on one page page independently and every page has its own URL (and
its own entry in the page cache). The chart and its CSV download still hold every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import request

TABLE_PAGE_SIZE = 50


@dataclass(frozen=True)
class TablePage:
    """One page of a table's rows, and how to reach the others."""

    table_id: str
    rows: Sequence[Any]
    page: int
    pages: int
    total: int
    per_page: int

    @property
    def first(self) -> int:
        """The position (from 1) of the first row on this page."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        """The position of the last row on this page."""
        return min(self.page * self.per_page, self.total)

    @property
    def parameter(self) -> str:
        return f"{self.table_id}-page"

    def url(self, number: int) -> str:
        """This page's URL with the table at page ``number`` (other parameters kept), scrolled to the table."""
        args = [(name, value) for name, value in request.args.items(multi=True) if name != self.parameter]
        if number > 1:
            args.append((self.parameter, str(number)))
        query = f"?{urlencode(args)}" if args else ""
        return f"{request.path}{query}#{self.table_id}-table"


def table_page(table_id: str, rows: Sequence[Any], per_page: int = TABLE_PAGE_SIZE) -> TablePage:
    """The page of ``rows`` the request asks for (the first for a missing or unreadable number, the last past the
    end)."""
    total = len(rows)
    pages = max(1, -(-total // per_page))
    asked = request.args.get(f"{table_id}-page", "")
    page = int(asked) if asked.isascii() and asked.isdigit() and len(asked) <= 6 else 1
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return TablePage(table_id, rows[start : start + per_page], page, pages, total, per_page)
