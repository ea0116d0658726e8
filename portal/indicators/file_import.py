"""Importing one file: detect its format, read and validate it with the reader, and load it atomically; the outcome
carries the row-numbered report when it is refused."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from portal.allocator import freed_memory_kept
from portal.collector import collection_paused
from portal.extensions import db
from portal.importers import FORMATS, detect_format, load_indicator_metadata, unrecognised_header_message
from portal.importers.base import FileProblem, ImportResult, RowError, problem_report
from portal.importers.inference import Inferred, infer_metadata
from portal.importers.reading import open_csv
from portal.indicators.loader import (
    ImportRejected,
    Progress,
    all_area_codes,
    file_checksum,
    latest_complete_import,
    load_import_result,
)
from portal.indicators.reference_data import data_dir
from portal.models import Area, DataImport
from portal.models.base import utcnow

REFERENCING_FORMATS = frozenset({"generic"})


@dataclass
class ImportOutcome:
    """What an import did: the DataImport record on success, or the error report (nothing committed)."""

    format: str | None
    file_name: str
    checksum: str
    data_import: DataImport | None = None
    errors: list[RowError] = field(default_factory=list)
    unchanged: bool = False  # the same file was already loaded; nothing was done
    variant: str = ""  # the layout of the format the reader found (e.g. which Fingertips export)

    @property
    def ok(self) -> bool:
        """True when the file was loaded (or was already loaded unchanged)."""
        return not self.errors


# ---------------------------------------------------------------------------------------------------------------
# Files: read, validate, load


def import_file(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    imported_by_id: int | None = None,
    progress: Progress | None = None,
    known_area_codes: set[str] | None = None,
    source_key: str | None = None,
    file_name: str | None = None,
    data_import_id: int | None = None,
    skip_if_unchanged: bool = False,
    reader_options: dict[str, Any] | None = None,
    prepare: Callable[[ImportResult], ImportResult] | None = None,
) -> ImportOutcome:
    """Read a file with the reader for ``fmt`` (detected when None), validate it and load it atomically.

    The source key defaults to the file name, so importing a file of the same name again replaces its rows. Formats
    that only reference areas (generic) are checked row by row against ``known_area_codes`` (default: every area in
    the database); formats that define their areas add them. With ``skip_if_unchanged`` a file whose checksum matches
    the source's latest complete import is not read again. ``prepare`` may filter the result before loading.
    Never raises for bad input: the outcome carries the row-numbered errors, and nothing is committed.
    """
    path = Path(path)
    # sha256 releases the GIL on large blocks, so a helper thread hashes the file while the reader parses it (0.2 s
    # of a million-row import); the checksum is only needed up front to skip an unchanged file.
    # A million rows make millions of short-lived tuples, which the collector would keep scanning for nothing, and
    # arrays of many megabytes made and freed over and over, which glibc would otherwise map afresh each time.
    with (
        collection_paused(),
        freed_memory_kept(),
        ThreadPoolExecutor(1, thread_name_prefix="import-checksum") as pool,
    ):
        hashing = pool.submit(file_checksum, path)
        outcome = _read_and_load(
            path,
            fmt,
            hashing.result,
            imported_by_id=imported_by_id,
            progress=progress,
            known_area_codes=known_area_codes,
            source_key=source_key,
            file_name=file_name,
            data_import_id=data_import_id,
            skip_if_unchanged=skip_if_unchanged,
            reader_options=reader_options,
            prepare=prepare,
        )
        outcome.checksum = hashing.result()  # a file that cannot be read raises here, as it did before reading
    return outcome


def _read_and_load(
    path: Path,
    fmt: str | None,
    checksum_of: Callable[[], str],
    *,
    imported_by_id: int | None,
    progress: Progress | None,
    known_area_codes: set[str] | None,
    source_key: str | None,
    file_name: str | None,
    data_import_id: int | None,
    skip_if_unchanged: bool,
    reader_options: dict[str, Any] | None,
    prepare: Callable[[ImportResult], ImportResult] | None,
) -> ImportOutcome:
    """import_file's work, given the file's checksum as a call that waits for it."""
    name = file_name or path.name
    key = source_key or name
    outcome = ImportOutcome(format=fmt, file_name=name, checksum="")
    if skip_if_unchanged:
        latest = latest_complete_import(key)
        if latest is not None and latest.checksum_sha256 == checksum_of():
            outcome.format, outcome.data_import, outcome.unchanged = latest.format, latest, True
            return outcome
    if fmt is None:
        fmt = detect_format(path)
        if fmt is None:
            outcome.errors = [_unrecognised_file_problem(path)]
            return outcome
    if fmt not in FORMATS:
        outcome.errors = [RowError(0, None, f"Unknown format {fmt!r}. Choose one of: {', '.join(FORMATS)}.")]
        return outcome
    outcome.format = fmt

    def read_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("reading", done, total)

    options = dict(reader_options or {})
    if fmt in REFERENCING_FORMATS:
        options["known_area_codes"] = known_area_codes if known_area_codes is not None else all_area_codes()
    result = _run_reader(FORMATS[fmt], path, options, read_progress)
    outcome.variant = result.variant
    if prepare is not None and result.ok:
        result = prepare(result)
    uncurated = _uncurated(result, options.get("metadata"))
    try:
        outcome.data_import = load_import_result(
            result,
            source_key=key,
            file_name=name,
            checksum=checksum_of(),
            imported_by_id=imported_by_id,
            progress=progress,
            data_import_id=data_import_id,
            uncurated=uncurated,
        )
    except ImportRejected as rejected:
        outcome.errors = rejected.errors
    return outcome


def _uncurated(result: ImportResult, metadata: pd.DataFrame | None) -> dict[str, Inferred]:
    """What the file implies about each of its indicators that data/indicator_metadata.csv does not describe."""
    if not result.ok or result.indicators.empty:
        return {}
    curated = set(metadata["indicator_id"].astype(str)) if metadata is not None else set()
    if metadata is None:
        found = indicator_metadata()
        curated = set(found["indicator_id"].astype(str)) if found is not None else set()
    ids = set(result.indicators["indicator_id"].astype(str)) - curated
    if not ids:
        return {}
    return infer_metadata(result.values[result.values["indicator_id"].isin(ids)])


def _unrecognised_file_problem(path: Path) -> RowError:
    """Why a file's format could not be detected: the file itself (empty, binary, unreadable) or its header row."""
    try:
        with open_csv(path) as csv:
            header = list(csv.header)
    except FileProblem as problem:
        return problem.as_error()
    return RowError(0, None, unrecognised_header_message(header), "Unrecognised format")


def _run_reader(
    reader: Callable[..., ImportResult], path: Path, options: dict[str, Any], progress: Callable[[int, int], None]
) -> ImportResult:
    """Call a registered reader with the options it accepts (all readers take ``FORMATS[name](path)``)."""
    accepted = inspect.signature(reader).parameters
    if "metadata" in accepted and "metadata" not in options:
        options["metadata"] = indicator_metadata()
    if "lsoa_codes" in accepted and "lsoa_codes" not in options:
        # LSOA-level readers keep the LSOAs the portal knows (the home area's), not all of England's.
        options["lsoa_codes"] = set(db.session.scalars(select(Area.code).where(Area.area_type == "lsoa")))
    options = {"progress": progress, **options}
    result = reader(path, **{name: value for name, value in options.items() if name in accepted})
    return _with_comparison_confidence(result, options.get("metadata"))


def indicator_metadata() -> pd.DataFrame | None:
    """The portal's indicator metadata (data/indicator_metadata.csv under DATA_DIR), or None when there is none."""
    return load_indicator_metadata(data_dir() / "indicator_metadata.csv")


def _with_comparison_confidence(result: ImportResult, metadata: pd.DataFrame | None) -> ImportResult:
    """Carry the metadata's comparison_confidence (95% or 99.8%) onto the result's indicators, which readers omit."""
    if metadata is None or "comparison_confidence" not in metadata.columns or result.indicators.empty:
        return result
    if "comparison_confidence" in result.indicators.columns:
        return result
    confidence = dict(zip(metadata["indicator_id"].astype(str), metadata["comparison_confidence"], strict=True))
    result.indicators = result.indicators.assign(
        comparison_confidence=result.indicators["indicator_id"].map(confidence).astype("float64")
    )
    return result


def record_failed_import(
    data_import_id: int, errors: Sequence[RowError], *, fmt: str | None = None, checksum: str | None = None
) -> None:
    """Mark a pending upload as failed with its error report (the data itself was not committed)."""
    record = db.session.get(DataImport, data_import_id)
    if record is None:
        return
    record.status = "failed"
    # Counts per kind of problem and the first rows of each kind: a million bad rows do not make a million-entry report.
    record.error_report = problem_report(errors)
    if fmt:
        record.format = fmt
    if checksum:
        record.checksum_sha256 = checksum
    record.finished_at = utcnow()
    db.session.commit()
