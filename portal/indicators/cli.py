"""``flask --app wsgi indicators import PATH [--format NAME]``: load a data file from the command line;
``indicators refresh-summaries``: recompute the stored indicator summaries."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from portal.extensions import db
from portal.importers import FORMATS
from portal.importers.base import RowError, group_problems
from portal.indicators import bp
from portal.indicators.file_import import import_file
from portal.indicators.stored_summaries import refresh_summaries
from portal.models import User


def format_error(error: RowError) -> str:
    """One problem as "Row 7, Value: Value must be a number, not 'abc'" (or "File: ..." for the whole file)."""
    where = f"Row {error.row}" if error.row else "File"
    if error.column:
        where += f", {error.column}"
    return f"{where}: {error.message}"


def problem_summary(file_name: str, errors: list[RowError]) -> str:
    """The first line of a refusal: how many problems of how many kinds."""
    kinds = len(group_problems(errors))
    return (
        f"{file_name} was not imported: {len(errors):,} problem{'' if len(errors) == 1 else 's'} of {kinds} "
        f"kind{'' if kinds == 1 else 's'}. Nothing was saved."
    )


def report_lines(errors: list[RowError]) -> list[str]:
    """The report: each kind of problem with its count, then its first rows (spreadsheet row numbers)."""
    lines = []
    for group in group_problems(errors):
        lines.append(f"{group.kind}: {group.count:,} row{'' if group.count == 1 else 's'}")
        lines.extend(f"  {format_error(error)}" for error in group.examples)
        if group.count > len(group.examples):
            lines.append(f"  ... and {group.count - len(group.examples):,} more of this kind.")
    return lines


class _ProgressBars:
    """A click progress bar per stage: bytes while reading, rows while loading."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.bar: Any = None
        self.shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            if stage == "done" or total <= 0:
                return
            label = {"reading": "Reading and checking", "loading": "Loading into the database"}.get(stage, stage)
            self.stage, self.shown = stage, 0
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None and done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.bar, self.stage = None, None


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default=None,
    help="The file's format (detected from its header when omitted).",
)
@click.option("--source-key", default=None, help="What this file replaces when imported again (default: its name).")
@click.option("--by", "by_email", default=None, help="Email address of the user to record as the importer.")
def import_command(path: Path, fmt: str | None, source_key: str | None, by_email: str | None) -> None:
    """Import an indicator data file. Nothing is saved if any row fails; the report lists each problem by row."""
    imported_by_id = None
    if by_email:
        imported_by_id = db.session.scalar(select(User.id).where(User.email == by_email.strip().lower()))
        if imported_by_id is None:
            raise click.ClickException(f"No user has the email address {by_email}")
    bars = _ProgressBars()
    try:
        outcome = import_file(path, fmt, imported_by_id=imported_by_id, progress=bars, source_key=source_key)
    finally:
        bars.close()
    if not outcome.ok:
        click.echo(problem_summary(path.name, outcome.errors), err=True)
        for line in report_lines(outcome.errors):
            click.echo(line, err=True)
        raise SystemExit(1)
    record = outcome.data_import
    assert record is not None
    click.echo(
        f"Imported {record.row_count:,} rows from {record.file_name} (format {record.format}) as import {record.id}.\n"
        + (f"  Layout:     {outcome.variant}\n" if outcome.variant else "")
        + f"  Source key: {record.source_key}\n"
        f"  SHA-256:    {record.checksum_sha256}\n"
        f"  Finished:   {record.finished_at:%Y-%m-%d %H:%M:%S %Z}"
    )


@bp.cli.command("refresh-summaries")
def refresh_summaries_command() -> None:
    """Recompute every indicator's stored summary (imports and publication do this themselves)."""
    started = time.perf_counter()
    count = refresh_summaries()
    db.session.commit()
    click.echo(f"Stored {count:,} indicator summaries in {(time.perf_counter() - started) * 1000:.0f} ms.")
