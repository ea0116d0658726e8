"""Loading indicator data into the database: one atomic, versioned import per source file, and the seed.

The pandas readers in ``portal.importers`` turn a file into an ``ImportResult``; this module writes that result in one
transaction (areas, indicator metadata, the source's values, the ``DataImport`` record) or not at all.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.importers.base import (
    AREA_TYPES,
    KEY_COLUMNS,
    VALUE_COLUMNS,
    FileProblem,
    ImportResult,
    RowError,
    area_type_from_code,
    open_csv,
)
from portal.models import Area, ComparatorGroup, ComparatorGroupMember, DataImport, Indicator, IndicatorValue
from portal.models.base import utcnow

# (stage, done, total): stage is "reading" (bytes), "loading" (rows) or "done".
Progress = Callable[[str, int, int], None]

CHUNK_ROWS = 10_000
# Values per IN (...) list: SQLite allows 32,766 bound parameters per statement, and England has 32,844 LSOAs.
IN_BATCH = 5_000
# Areas are inserted from the widest down, so a parent always exists before its children.
AREA_ORDER = {
    area_type: rank for rank, area_type in enumerate(("country", "region", "county_ua", "district", "ward", "lsoa"))
}
INDICATOR_FIELDS = ("name", "definition", "unit", "value_type", "multiplier", "polarity", "topic", "source",
                    "publisher", "licence", "comparison_confidence")  # fmt: skip
INSERT_COLUMNS = [*VALUE_COLUMNS, "data_import_id"]
# Rows per INSERT statement on SQLite (23 parameters each; SQLite allows 32,766 per statement).
ROWS_PER_STATEMENT = 20
# SQLite settings for loads of at least BULK_SETTINGS_ROWS rows: 256 MB of page cache, 256 MB memory-mapped.
BULK_SETTINGS_ROWS = 50_000
BULK_PRAGMAS = {"cache_size": -262_144, "mmap_size": 268_435_456}
# Formats whose files reference areas without defining them: their area codes are checked row by row.
REFERENCING_FORMATS = frozenset({"generic"})
FLOAT_COLUMNS = frozenset({"value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"})


class ImportRejected(Exception):
    """The data cannot be loaded; ``errors`` is the row-numbered report. Nothing was committed."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the import")
        self.errors = list(errors)


@dataclass
class ImportOutcome:
    """What an import did: the DataImport record on success, or the error report (nothing committed)."""

    format: str | None
    file_name: str
    checksum: str
    data_import: DataImport | None = None
    errors: list[RowError] = field(default_factory=list)
    unchanged: bool = False  # the same file was already loaded; nothing was done

    @property
    def ok(self) -> bool:
        """True when the file was loaded (or was already loaded unchanged)."""
        return not self.errors


def file_checksum(path: str | os.PathLike[str]) -> str:
    """The sha256 hex digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def all_area_codes() -> set[str]:
    """Every area code in the database."""
    return set(db.session.scalars(select(Area.code)))


def latest_complete_import(source_key: str) -> DataImport | None:
    """The most recent complete import of a source, if any."""
    return db.session.scalars(
        select(DataImport)
        .where(DataImport.source_key == source_key, DataImport.status == "complete")
        .order_by(DataImport.id.desc())
        .limit(1)
    ).first()


# ---------------------------------------------------------------------------------------------------------------
# The loader


def load_import_result(
    result: ImportResult,
    *,
    source_key: str,
    file_name: str,
    checksum: str,
    imported_by_id: int | None = None,
    progress: Progress | None = None,
    data_import_id: int | None = None,
) -> DataImport:
    """Write a reader's result in ONE transaction: areas, indicators, this source's values (replacing its previous
    rows) and a complete DataImport record. Raises ImportRejected (nothing committed) when the result has errors or
    its rows clash with another source's; any other failure also rolls everything back and is re-raised.

    ``data_import_id`` names a pending DataImport row created earlier (by a web upload) to complete instead of
    creating a new one.
    """
    if result.errors:
        raise ImportRejected(result.errors)
    if progress is not None:
        # Before the transaction takes any lock, so an upload's progress callback can still commit the stage.
        progress("loading", 0, len(result.values))
    session = db.session
    try:
        record = _import_record(data_import_id, source_key, result.format, file_name, checksum, imported_by_id)
        _upsert_areas(result.areas)
        _check_references(result)
        _upsert_indicators(result.indicators, record.id)
        previous_ids = list(
            session.scalars(
                select(DataImport.id).where(DataImport.source_key == source_key, DataImport.id != record.id)
            )
        )
        _check_clashes(result.values, previous_ids)
        if previous_ids:
            session.execute(delete(IndicatorValue).where(IndicatorValue.data_import_id.in_(previous_ids)))
            session.execute(
                update(DataImport)
                .where(DataImport.id.in_(previous_ids), DataImport.status == "complete")
                .values(status="replaced")
            )
        _bulk_insert_values(result.values, record.id, progress)
        record.row_count = len(result.values)
        record.status = "complete"
        record.progress_done = record.progress_total = len(result.values)
        record.error_report = None
        record.finished_at = utcnow()
        session.commit()
    except IntegrityError as exc:
        # The unique key is the last guard, e.g. when two imports of the same source run at once.
        session.rollback()
        message = "Some values are already stored (another import may have run at the same time). Try again."
        raise ImportRejected([RowError(0, None, message)]) from exc
    except BaseException:
        session.rollback()
        raise
    if progress is not None:
        progress("done", len(result.values), len(result.values))
    return record


def _import_record(
    data_import_id: int | None, source_key: str, fmt: str, file_name: str, checksum: str, imported_by_id: int | None
) -> DataImport:
    """The pending DataImport row to complete, or a new one (flushed, so it has an id)."""
    if data_import_id is not None:
        record = db.session.get(DataImport, data_import_id)
        if record is None:
            raise LookupError(f"No data import {data_import_id}")
        record.source_key, record.format, record.file_name = source_key, fmt, file_name
        record.checksum_sha256, record.status = checksum, "loading"
        if imported_by_id is not None:
            record.imported_by_id = imported_by_id
    else:
        record = DataImport(
            source_key=source_key,
            format=fmt,
            file_name=file_name[:255],
            checksum_sha256=checksum,
            imported_by_id=imported_by_id,
            status="loading",
            started_at=utcnow(),
        )
        db.session.add(record)
    db.session.flush()
    return record


def _upsert_areas(areas: pd.DataFrame) -> None:
    """Add the areas a file defines; fill in blanks of existing ones but never overwrite what is there."""
    if areas.empty:
        return
    codes = set(areas["code"])
    existing = {
        area.code: area
        for batch in _batches(codes)
        for area in db.session.scalars(select(Area).where(Area.code.in_(batch)))
    }
    all_codes = set(existing) | codes
    missing_parents = {p for p in areas["parent_code"] if p and p not in all_codes}
    for batch in _batches(missing_parents):
        all_codes |= set(db.session.scalars(select(Area.code).where(Area.code.in_(batch))))
    rows = areas.to_dict("records")
    errors = []
    for row in rows:
        row["area_type"] = row["area_type"] or area_type_from_code(row["code"]) or ""
        if row["area_type"] not in AREA_TYPES:
            errors.append(RowError(0, "area_type", f"Area {row['code']} has no recognised area type"))
    if errors:
        raise ImportRejected(errors)
    rows.sort(key=lambda r: AREA_ORDER[r["area_type"]])
    for row in rows:
        parent = row["parent_code"] if row["parent_code"] in all_codes and row["parent_code"] != row["code"] else None
        area = existing.get(row["code"])
        if area is None:
            db.session.add(
                Area(code=row["code"], name=row["name"] or row["code"], area_type=row["area_type"], parent_code=parent)
            )
        else:
            if not area.name or area.name == area.code:
                area.name = row["name"] or area.name
            if area.parent_code is None and parent is not None:
                area.parent_code = parent
    db.session.flush()


def _batches(items: set[str], size: int = IN_BATCH) -> Iterator[list[str]]:
    """The items in sorted batches small enough for one IN (...) on every database."""
    ordered = sorted(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _check_references(result: ImportResult) -> None:
    """Every value's area and indicator must exist (after this import's own areas and indicators are added)."""
    values = result.values
    if values.empty:
        return
    codes = set(pd.unique(values["area_code"]))
    known = {
        code for batch in _batches(codes) for code in db.session.scalars(select(Area.code).where(Area.code.in_(batch)))
    }
    errors = [RowError(0, "area_code", f"Area code {code!r} is not a known area") for code in sorted(codes - known)]
    indicator_ids = set(pd.unique(values["indicator_id"]))
    defined = set(result.indicators["indicator_id"]) if not result.indicators.empty else set()
    undefined = indicator_ids - defined
    if undefined:
        undefined -= set(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(undefined))))
    errors += [RowError(0, "indicator_id", f"Indicator {i!r} has no metadata") for i in sorted(undefined)]
    if errors:
        raise ImportRejected(errors)


def _upsert_indicators(indicators: pd.DataFrame, import_id: int) -> None:
    """Add or update indicator metadata; blank fields in the file never erase what is stored."""
    if indicators.empty:
        return
    ids = list(indicators["indicator_id"])
    existing = {i.id: i for i in db.session.scalars(select(Indicator).where(Indicator.id.in_(ids)))}
    for row in indicators.to_dict("records"):
        values: dict[str, Any] = {}
        for name in INDICATOR_FIELDS:
            cell = row.get(name)
            if cell is None or (isinstance(cell, float) and math.isnan(cell)) or cell == "":
                continue
            values[name] = float(cell) if name in {"multiplier", "comparison_confidence"} else str(cell)
        indicator = existing.get(row["indicator_id"])
        if indicator is None:
            indicator = Indicator(id=row["indicator_id"], **values)
            db.session.add(indicator)
        else:
            for name, value in values.items():
                setattr(indicator, name, value)
        indicator.data_import_id = import_id
    db.session.flush()


def _check_clashes(values: pd.DataFrame, own_import_ids: list[int]) -> None:
    """Reject rows whose key is already held by ANOTHER source (re-importing the same source replaces its rows)."""
    if values.empty:
        return
    indicator_ids = list(pd.unique(values["indicator_id"]))
    key = [IndicatorValue.indicator_id, IndicatorValue.area_code, IndicatorValue.period, IndicatorValue.sex,
           IndicatorValue.age, IndicatorValue.category_type, IndicatorValue.category]  # fmt: skip
    query = (
        select(*key, DataImport.file_name)
        .outerjoin(DataImport, DataImport.id == IndicatorValue.data_import_id)
        .where(IndicatorValue.indicator_id.in_(indicator_ids))
    )
    if own_import_ids:
        query = query.where(
            IndicatorValue.data_import_id.is_(None) | IndicatorValue.data_import_id.not_in(own_import_ids)
        )
    held = pd.DataFrame(db.session.execute(query).all(), columns=[*(c.key for c in key), "file_name"])
    if held.empty:
        return
    key_names = [c.key for c in key]
    clashes = values[key_names].astype(str).merge(held.astype(str), on=key_names, how="inner")
    if clashes.empty:
        return
    errors = [
        RowError(
            0,
            None,
            f"Indicator {r.indicator_id}, area {r.area_code}, period {r.period} ({r.sex}, {r.age}"
            f"{', ' + r.category if r.category else ''}) is already loaded from {r.file_name or 'another source'}",
        )
        for r in clashes.head(500).itertuples()
    ]
    if len(clashes) > 500:
        errors.append(RowError(0, None, f"… and {len(clashes) - 500:,} more rows already loaded from another source"))
    raise ImportRejected(errors)


def _key_order(values: pd.DataFrame) -> np.ndarray:
    """Row positions sorted by the unique key, so each index (above all the 7-column unique one) grows in order
    instead of being written all over: 2-3 times faster for a million rows."""
    codes = [pd.factorize(values[column], sort=True)[0] for column in reversed(KEY_COLUMNS)]
    return np.lexsort(codes)


def _chunks(values: pd.DataFrame, import_id: int) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as plain tuples in INSERT_COLUMNS order and key order, CHUNK_ROWS at a time; NaN becomes None (NULL)."""
    total, size = len(values), CHUNK_ROWS
    order = _key_order(values)
    arrays = []
    for column in VALUE_COLUMNS:
        series = values[column]
        if column in FLOAT_COLUMNS:
            arrays.append(("float", series.to_numpy(dtype="float64")))
        elif column == "period_sortable":
            arrays.append(("plain", series.to_numpy(dtype="int64")))
        elif column in {"suppressed", "derived"}:
            arrays.append(("plain", series.to_numpy(dtype="bool")))
        else:
            arrays.append(("text", series.fillna("").astype(str).to_numpy(dtype=object)))
    for start in range(0, total, size):
        positions = order[start : start + size]
        columns: list[list[Any]] = []
        for kind, array in arrays:
            part = array[positions]
            if kind == "float":
                listed = part.tolist()
                if np.isnan(part).any():
                    listed = [None if x != x else x for x in listed]  # x != x only for NaN
                columns.append(listed)
            else:
                columns.append(part.tolist())
        columns.append([import_id] * len(positions))
        yield list(zip(*columns, strict=True))


def _bulk_insert_values(values: pd.DataFrame, import_id: int, progress: Progress | None) -> None:
    """Insert the values fast on the session's connection (same transaction): COPY on PostgreSQL, executemany of
    plain tuples on SQLite."""
    total = len(values)
    if progress is not None:
        progress("loading", 0, total)
    if not total:
        return
    connection = db.session.connection()
    done = 0
    if connection.dialect.name == "postgresql":
        import psycopg

        raw = connection.connection.dbapi_connection
        columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
        statement = f"COPY indicator_values ({columns}) FROM STDIN"
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for rows in _chunks(values, import_id):
                    for row in rows:
                        copy.write_row(row)
                    done += len(rows)
                    if progress is not None:
                        progress("loading", done, total)
        except psycopg.errors.IntegrityError as exc:
            # The raw cursor bypasses SQLAlchemy's exception wrapping; wrap it as the ORM path would.
            raise IntegrityError(statement, None, exc) from exc
        return
    row_marks = "(" + ", ".join("?" for _ in INSERT_COLUMNS) + ")"
    columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
    insert = f"INSERT INTO indicator_values ({columns}) VALUES "  # noqa: S608 - fixed column names
    one_row, many_rows = insert + row_marks, insert + ", ".join([row_marks] * ROWS_PER_STATEMENT)
    # The next chunk is built in a helper thread while SQLite inserts this one (sqlite3 releases the GIL while it
    # writes); the thread never touches the database. Several rows per INSERT save a statement step per row.
    batches = (_statement_batches(rows) for rows in _chunks(values, import_id))
    with _sqlite_bulk_settings(connection, total), ThreadPoolExecutor(1, thread_name_prefix="import-rows") as pool:
        upcoming = pool.submit(next, batches, None)
        while (batch := upcoming.result()) is not None:
            upcoming = pool.submit(next, batches, None)
            grouped, remainder = batch
            if grouped:
                connection.exec_driver_sql(many_rows, grouped)
            if remainder:
                connection.exec_driver_sql(one_row, remainder)
            done += len(grouped) * ROWS_PER_STATEMENT + len(remainder)
            if progress is not None:
                progress("loading", done, total)


def _statement_batches(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows as parameter tuples of ROWS_PER_STATEMENT rows each, and the rows left over."""
    whole = len(rows) - len(rows) % ROWS_PER_STATEMENT
    grouped = [
        tuple(itertools.chain.from_iterable(rows[start : start + ROWS_PER_STATEMENT]))
        for start in range(0, whole, ROWS_PER_STATEMENT)
    ]
    return grouped, rows[whole:]


@contextmanager
def _sqlite_bulk_settings(connection: Any, rows: int) -> Iterator[None]:
    """A bigger page cache and memory-mapped reads for a large load, restored afterwards. Neither touches durability
    (journal_mode and synchronous stay WAL and FULL); they only spare the page reads a large index needs."""
    if rows < BULK_SETTINGS_ROWS:
        yield
        return
    previous = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in BULK_PRAGMAS}
    try:
        for name, value in BULK_PRAGMAS.items():
            connection.exec_driver_sql(f"PRAGMA {name}={value}")
        yield
    finally:
        for name, value in previous.items():
            connection.exec_driver_sql(f"PRAGMA {name}={int(value or 0)}")


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
    from portal.importers import FORMATS, detect_format

    path = Path(path)
    name = file_name or path.name
    checksum = file_checksum(path)
    key = source_key or name
    outcome = ImportOutcome(format=fmt, file_name=name, checksum=checksum)
    if skip_if_unchanged:
        latest = latest_complete_import(key)
        if latest is not None and latest.checksum_sha256 == checksum:
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
    if prepare is not None and result.ok:
        result = prepare(result)
    try:
        outcome.data_import = load_import_result(
            result,
            source_key=key,
            file_name=name,
            checksum=checksum,
            imported_by_id=imported_by_id,
            progress=progress,
            data_import_id=data_import_id,
        )
    except ImportRejected as rejected:
        outcome.errors = rejected.errors
    return outcome


def _unrecognised_file_problem(path: Path) -> RowError:
    """Why a file's format could not be detected: the file itself (empty, binary, unreadable) or its header row."""
    try:
        with open_csv(path) as csv:
            header = ", ".join(csv.header[:8])
    except FileProblem as problem:
        return problem.as_error()
    return RowError(
        0,
        None,
        "The header row does not match any format the portal reads (it starts: "
        f"{header[:200]}). Check the column names against the format, or choose the format.",
    )


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
    from portal.importers import load_indicator_metadata

    return load_indicator_metadata(_data_dir() / "indicator_metadata.csv")


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
    record.error_report = [{"row": e.row, "column": e.column, "message": e.message} for e in errors]
    if fmt:
        record.format = fmt
    if checksum:
        record.checksum_sha256 = checksum
    record.finished_at = utcnow()
    db.session.commit()


def value_count() -> int:
    """How many indicator values are stored."""
    return db.session.scalar(select(func.count()).select_from(IndicatorValue)) or 0


# ---------------------------------------------------------------------------------------------------------------
# Reference areas and comparator groups

ENGLAND_NAME = "England"
LA_LOOKUP = "lookups/uk_local_authorities_mysociety.csv"
LTLA_UTLA_LOOKUP = "lookups/ons_ltla_utla_apr2023_lookup_ew.csv"
REGION_SOURCE = "childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv"
DFE_LA_CODE_SOURCES = (
    "childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv",
    "childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv",
)
STATISTICAL_NEIGHBOURS = "lookups/dfe_statistical_neighbours_2025_wide.csv"
WARD_BOUNDARIES = ("geography/wolverhampton_wards_2013.geojson", "WD13CD", "WD13NM")
LSOA_BOUNDARIES = ("geography/wolverhampton_lsoa_2011.geojson", "LSOA11CD", "LSOA11NM")
# Upper-tier and unitary authorities; E07 districts sit under a county; E47/E61 (combined authorities, GLA) are not
# areas that indicators are published for.
UPPER_TIER_PREFIXES = ("E06", "E08", "E09", "E10")
STATISTICAL_NEIGHBOURS_NAME = "Statistical neighbours (DfE children's services model, 2025)"
STATISTICAL_NEIGHBOURS_SOURCE = (
    "Department for Education, children's services statistical neighbour benchmarking tool (2025 model), "
    "data/lookups/dfe_statistical_neighbours_2025_wide.csv; DfE local authority numbers mapped to ONS codes with "
    "mySociety's UK local authorities register and the DfE children's social care files."
)


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def _read_lookup(relative: str) -> pd.DataFrame:
    """A lookup CSV from data/ as text, without the UTF-8 byte order mark Excel adds."""
    return pd.read_csv(_data_dir() / relative, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def reference_areas() -> list[dict[str, Any]]:
    """England, its regions, every current English local authority, and the home area's wards and LSOAs (with
    boundaries), as Area rows, widest first."""
    config = current_app.config
    rows = _reference_areas(str(_data_dir()), config["ENGLAND_CODE"], config["HOME_AREA_CODE"])
    return [dict(row) for row in rows]


@functools.lru_cache(maxsize=4)
def _reference_areas(data_dir: str, england: str, home: str) -> tuple[dict[str, Any], ...]:
    """reference_areas(), computed once per process: the shipped lookups are read-only."""
    return tuple(_authorities(Path(data_dir), england) + _small_areas(Path(data_dir), home))


def _authorities(data: Path, england: str) -> list[dict[str, Any]]:
    """England, the regions and the current English local authorities."""

    def read(relative: str) -> pd.DataFrame:
        return pd.read_csv(data / relative, dtype=str, keep_default_na=False, encoding="utf-8-sig")

    dfe = read(REGION_SOURCE)
    # E13 (Inner and Outer London) are statistical sub-regions; the region is London, E12000007.
    regions = dfe[(dfe["geographic_level"] == "Regional") & dfe["region_code"].str.startswith("E12")]
    regions = regions.drop_duplicates("region_code")
    region_code = dict(zip(regions["region_name"], regions["region_code"], strict=True))
    # DfE's own region for each children's services (upper-tier) authority: mySociety's register has a few wrong
    # (Derbyshire and Lincolnshire), so it is only the fallback.
    dfe_las = dfe[dfe["geographic_level"] == "Local authority"].sort_values("time_period")
    dfe_region = {
        code: (region if region.startswith("E12") else region_code["London"])
        for code, region in zip(dfe_las["new_la_code"], dfe_las["region_code"], strict=True)
    }
    rows: list[dict[str, Any]] = [{"code": england, "name": ENGLAND_NAME, "area_type": "country", "parent_code": None}]
    rows += [
        {"code": code, "name": name, "area_type": "region", "parent_code": england}
        for name, code in sorted(region_code.items(), key=lambda item: item[1])
    ]
    las = read(LA_LOOKUP)
    las = las[(las["nation"] == "England") & (las["current-authority"] == "True") & (las["gss-code"] != "")]
    upper_of = dict(zip(*(read(LTLA_UTLA_LOOKUP)[c] for c in ("LTLA23CD", "UTLA23CD")), strict=True))
    authorities = []
    for la in las.to_dict("records"):
        code = la["gss-code"]
        if code.startswith(UPPER_TIER_PREFIXES):
            region = dfe_region.get(code) or region_code.get(la["region"])
            authorities.append({"code": code, "name": la["nice-name"], "area_type": "county_ua", "parent_code": region})
        elif code.startswith("E07"):
            parent = upper_of.get(code)
            if parent is None or parent == code:
                parent = region_code.get(la["region"])
            authorities.append({"code": code, "name": la["nice-name"], "area_type": "district", "parent_code": parent})
    authorities.sort(key=lambda r: (AREA_ORDER[r["area_type"]], r["code"]))
    return rows + authorities


def _small_areas(data: Path, home: str) -> list[dict[str, Any]]:
    """The home area's wards and LSOAs with boundary rings; each LSOA's parent is the ward containing it."""
    from portal.importers.boundaries import lsoa_to_ward_lookup, read_geojson_boundaries

    wards = read_geojson_boundaries(data / WARD_BOUNDARIES[0], *WARD_BOUNDARIES[1:])
    lsoas = read_geojson_boundaries(data / LSOA_BOUNDARIES[0], *LSOA_BOUNDARIES[1:])
    ward_of = lsoa_to_ward_lookup(lsoas, wards)
    rows = [
        {"code": w.code, "name": w.name, "area_type": "ward", "parent_code": home, "boundary": _rings(w.rings)}
        for w in sorted(wards, key=lambda w: w.code)
    ]
    rows += [
        {"code": b.code, "name": b.name, "area_type": "lsoa", "parent_code": ward_of.get(b.code),
         "boundary": _rings(b.rings)}
        for b in sorted(lsoas, key=lambda b: b.code)
    ]  # fmt: skip
    return rows


def _rings(rings: Sequence[Sequence[tuple[float, float]]]) -> list[list[list[float]]]:
    """Boundary rings as JSON lists, rounded to 6 decimal places (about 0.1 m) to keep the rows small."""
    return [[[round(x, 6), round(y, 6)] for x, y in ring] for ring in rings]


def seed_reference_areas() -> dict[str, int]:
    """Add the reference areas that are missing and fill in blank names, parents and boundaries; idempotent.

    Returns {"added": n, "updated": n, "total": n}.
    """
    rows = reference_areas()
    existing = {a.code: a for a in db.session.scalars(select(Area))}
    added = updated = 0
    for row in rows:
        area = existing.get(row["code"])
        if area is None:
            db.session.add(Area(**row))
            added += 1
            continue
        changed = False
        if (not area.name or area.name == area.code) and row["name"]:
            area.name, changed = row["name"], True
        if area.parent_code is None and row.get("parent_code"):
            area.parent_code, changed = row["parent_code"], True
        if area.boundary is None and row.get("boundary"):
            area.boundary, changed = row["boundary"], True
        updated += changed
    db.session.commit()
    return {"added": added, "updated": updated, "total": len(rows)}


def _old_la_to_gss() -> dict[str, str]:
    """DfE (old) local authority numbers to ONS codes: mySociety's register, then the DfE files' own pairs."""
    las = _read_lookup(LA_LOOKUP)
    las = las[(las["nation"] == "England") & (las["current-authority"] == "True") & (las["old-ons-la-code"] != "")]
    mapping = dict(zip(las["old-ons-la-code"], las["gss-code"], strict=True))
    for relative in DFE_LA_CODE_SOURCES:
        frame = _read_lookup(relative)
        pairs = frame[(frame["old_la_code"] != "") & (frame["new_la_code"] != "")]
        # The latest year wins, so LAs reorganised since (e.g. North Yorkshire, 815) get their current code.
        pairs = pairs.sort_values("time_period").drop_duplicates("old_la_code", keep="last")
        for old, new in zip(pairs["old_la_code"], pairs["new_la_code"], strict=True):
            mapping.setdefault(old, new)
    return mapping


def comparator_groups() -> list[dict[str, Any]]:
    """The comparator groups for the configured home area: England, its region, its DfE statistical neighbours and
    the upper-tier authorities of its region."""
    config = current_app.config
    home, region, england = config["HOME_AREA_CODE"], config["HOME_REGION_CODE"], config["ENGLAND_CODE"]
    region_area = db.session.get(Area, region)
    region_name = region_area.name if region_area else region
    neighbours = _read_lookup(STATISTICAL_NEIGHBOURS)
    home_row = neighbours[neighbours["old_la_code"].str.strip() == str(config["HOME_OLD_LA_CODE"]).strip()]
    neighbour_codes: list[str] = []
    closeness: list[str] = []
    if not home_row.empty:
        to_gss = _old_la_to_gss()
        record = home_row.iloc[0]
        for rank in range(1, 11):
            old = str(record.get(f"SN_{rank}", "")).strip()
            if old and old in to_gss:
                neighbour_codes.append(to_gss[old])
                closeness.append(str(record.get(f"SN_{rank}P", "")).strip())
    # From the reference list, not the table: data files may add former authorities (e.g. pre-2020 counties).
    current = [r for r in reference_areas() if r["area_type"] == "county_ua" and r["parent_code"] == region]
    region_authorities = [r["code"] for r in sorted(current, key=lambda r: r["name"])]
    described = ", ".join(f"{code} ({close.lower()})" for code, close in zip(neighbour_codes, closeness, strict=True))
    return [
        {"slug": "england", "name": "England", "description": "The national benchmark.",
         "source": "Office for National Statistics area codes.", "members": [england]},
        {"slug": "region", "name": region_name, "description": f"The home region ({region}).",
         "source": "Office for National Statistics area codes.", "members": [region]},
        {"slug": "statistical-neighbours", "name": STATISTICAL_NEIGHBOURS_NAME,
         "description": f"The 10 local authorities most similar to {home}, closest first: {described}.",
         "source": STATISTICAL_NEIGHBOURS_SOURCE, "members": neighbour_codes},
        {"slug": "region-authorities", "name": f"{region_name} authorities",
         "description": f"Upper-tier and unitary local authorities in {region_name}, including {home}.",
         "source": "mySociety UK local authorities register; ONS LTLA to UTLA lookup (April 2023).",
         "members": region_authorities},
    ]  # fmt: skip


def seed_comparator_groups() -> dict[str, int]:
    """Create or update the comparator groups; a second run changes nothing. Returns {"changed": n, "total": n}."""
    known = all_area_codes()
    changed = 0
    groups = comparator_groups()
    for spec in groups:
        members = [code for code in spec["members"] if code in known]
        group = db.session.scalar(select(ComparatorGroup).where(ComparatorGroup.slug == spec["slug"]))
        if group is None:
            group = ComparatorGroup(slug=spec["slug"])
            db.session.add(group)
        fields = {k: spec[k] for k in ("name", "description", "source")}
        current = [m.area_code for m in group.members]
        if current == members and all(getattr(group, k) == v for k, v in fields.items()):
            continue
        for name, value in fields.items():
            setattr(group, name, value)
        if current != members:
            group.members.clear()
            db.session.flush()
            group.members.extend(
                ComparatorGroupMember(area_code=code, position=position) for position, code in enumerate(members)
            )
        changed += 1
    db.session.commit()
    return {"changed": changed, "total": len(groups)}


# ---------------------------------------------------------------------------------------------------------------
# The seed: reference areas, comparator groups, then every shipped data file

# (path under data/, format key in portal.importers.FORMATS, reader options), in load order.
SHIPPED_SOURCES: list[tuple[str, str, dict[str, Any]]] = [
    ("fingertips/fingertips_suicide_west_midlands_countyua.csv", "fingertips", {}),
    ("fingertips/fingertips_cyp_mental_health_west_midlands_countyua.csv", "fingertips", {}),
    ("fingertips/fingertips_campylobacter_93356_countyua_2015-2017.csv", "fingertips", {}),
    ("fingertips/processed_trafford_datalab/adults_smoking.csv", "trafford", {}),
    ("fingertips/processed_trafford_datalab/life_expectancy.csv", "trafford", {}),
    ("fingertips/processed_trafford_datalab/inequality_life_expectancy.csv", "trafford", {}),
    ("childrens_social_care/dfe_b1_children_in_need_2013_to_2025.csv", "dfe-cin", {}),
    ("childrens_social_care/dfe_cla_number_and_rate_per_10k_children.csv", "dfe-cla", {}),
    ("ons_indicators/ons_subnational_indicators_machine_readable.csv", "ons-subnational", {}),
    ("deprivation/iod2019_lad_all_domains_long.csv", "iod-lad", {"year": 2019}),
    ("deprivation/iod2025_lad24_all_domains_long.csv", "iod-lad", {"year": 2025}),
    ("deprivation/imd2019_england_ward19_aggregated_humaniverse.csv", "imd-ward", {}),
    ("deprivation/imd2019_england_lsoa11_deciles_ranks.csv", "imd-lsoa", {}),
    ("house_prices/ons_median_house_price_lsoa_ew.csv", "house-prices", {}),
    ("population/ons_lsoa_population_mid2019_via_mysociety.csv", "lsoa-population", {}),
    ("population/ons_mye_uk_mid2022_mye22final.xlsx", "mye", {}),
]
SMALL_AREA_TYPES = frozenset({"ward", "lsoa"})


def shipped_sources() -> list[tuple[Path, str, dict[str, Any]]]:
    """The shipped data files, their formats and reader options, with absolute paths."""
    return [(_data_dir() / relative, fmt, options) for relative, fmt, options in SHIPPED_SOURCES]


def home_small_areas_only(result: ImportResult) -> ImportResult:
    """Keep ward and LSOA rows only for the wards and LSOAs already known (the home area's); the shipped England-wide
    IMD files would otherwise add some 40,000 small areas that no page shows."""
    known_small = set(db.session.scalars(select(Area.code).where(Area.area_type.in_(SMALL_AREA_TYPES))))
    areas = result.areas
    small = areas["area_type"].isin(SMALL_AREA_TYPES)
    foreign = set(areas.loc[small & ~areas["code"].isin(known_small), "code"])
    if not foreign:
        return result
    values = result.values[~result.values["area_code"].isin(foreign)].reset_index(drop=True)
    kept_areas = areas[~areas["code"].isin(foreign)].reset_index(drop=True)
    return ImportResult(result.format, result.indicators, values, kept_areas, list(result.errors))


def seed(echo: Callable[[str], None] | None = None) -> str:
    """Load the reference areas, comparator groups and every shipped data file; idempotent (a source whose latest
    complete import has the same checksum is skipped). Returns a one-line summary."""
    started = time.perf_counter()
    areas = seed_reference_areas()
    groups = seed_comparator_groups()
    loaded = unchanged = 0
    codes = all_area_codes()
    for path, fmt, options in shipped_sources():
        outcome = import_file(
            path,
            fmt,
            known_area_codes=codes,
            skip_if_unchanged=True,
            reader_options=options,
            prepare=home_small_areas_only,
        )
        if not outcome.ok:
            shown = "; ".join(f"row {e.row}: {e.message}" for e in outcome.errors[:5])
            raise RuntimeError(f"{path.name} did not import ({len(outcome.errors)} problems): {shown}")
        if outcome.unchanged:
            unchanged += 1
        else:
            loaded += 1
            codes = all_area_codes()  # the file may have defined new areas
        if echo is not None:
            record = outcome.data_import
            rows = record.row_count if record else 0
            echo(f"  {path.name}: {'unchanged' if outcome.unchanged else 'loaded'} ({rows:,} rows)")
    state = "unchanged" if not (areas["added"] or areas["updated"] or groups["changed"] or loaded) else "updated"
    return (
        f"{state}: {areas['total']} reference areas ({areas['added']} added), {groups['total']} comparator groups "
        f"({groups['changed']} changed), {len(SHIPPED_SOURCES)} data files ({loaded} loaded, {unchanged} unchanged), "
        f"{value_count():,} indicator values in {time.perf_counter() - started:.1f} s"
    )


# ---------------------------------------------------------------------------------------------------------------
# Web uploads: a pending DataImport row whose progress is shown while the file is processed

RUNNING_STATUSES = frozenset({"pending", "reading", "loading"})
# Live progress of imports running in THIS process (the in-process executor or the request itself): the loading
# stage runs inside one transaction, so its progress cannot be committed to the row until it is over.
_live_progress: dict[int, tuple[str, int, int]] = {}
_live_lock = threading.Lock()


def live_progress(import_id: int) -> tuple[str, int, int] | None:
    """(stage, done, total) of an import running in this process, if any."""
    with _live_lock:
        return _live_progress.get(import_id)


class RowProgress:
    """Progress callback for an upload: always kept in memory; committed to the DataImport row (throttled) while no
    import transaction is open, i.e. while reading and at the start of loading."""

    def __init__(self, import_id: int, min_interval: float = 0.5) -> None:
        self.import_id = import_id
        self.min_interval = min_interval
        self.last_write = 0.0
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        with _live_lock:
            _live_progress[self.import_id] = (stage, done, total)
        new_stage = stage != self.stage
        self.stage = stage
        now = time.monotonic()
        # Writing while loading would wait on the import's own transaction (SQLite's write lock, or the row lock).
        if stage == "loading" and not new_stage:
            return
        if stage == "done" or (not new_stage and now - self.last_write < self.min_interval):
            return
        self.last_write = now
        with db.engine.begin() as connection:
            connection.execute(
                update(DataImport)
                .where(DataImport.id == self.import_id)
                .values(status=stage, progress_done=done, progress_total=total)
            )

    def forget(self) -> None:
        """Drop the in-memory progress once the import has finished."""
        with _live_lock:
            _live_progress.pop(self.import_id, None)


def create_pending_import(
    *, file_name: str, stored_path: str | os.PathLike[str], fmt: str | None, imported_by_id: int | None
) -> DataImport:
    """Record an uploaded file as a pending import (committed, so its status page exists at once)."""
    name = Path(file_name.replace("\\", "/")).name.strip() or "upload.csv"  # old browsers send a Windows path
    record = DataImport(
        source_key=name[:120],
        format=fmt or "",
        file_name=name[:255],
        checksum_sha256=file_checksum(stored_path),
        imported_by_id=imported_by_id,
        status="pending",
        started_at=utcnow(),
    )
    db.session.add(record)
    db.session.commit()
    return record


def process_upload(import_id: int, stored_path: str, fmt: str | None) -> DataImport | None:
    """Read, validate and load an uploaded file for its pending DataImport; record the outcome on that row (the
    error report when it failed) and delete the stored upload. Safe to run in a worker: it never raises for bad data.
    """
    record = db.session.get(DataImport, import_id)
    if record is None or record.status not in RUNNING_STATUSES:
        return record
    file_name, source_key, user_id = record.file_name, record.source_key, record.imported_by_id
    db.session.rollback()  # release the read before a progress write on another connection (SQLite)
    progress = RowProgress(import_id)
    try:
        outcome = import_file(
            stored_path,
            fmt or None,
            imported_by_id=user_id,
            progress=progress,
            source_key=source_key,
            file_name=file_name,
            data_import_id=import_id,
        )
        if not outcome.ok:
            record_failed_import(import_id, outcome.errors, fmt=outcome.format, checksum=outcome.checksum)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Import %s failed", import_id)
        message = "The import stopped because of an unexpected problem. Nothing was saved. Try again, or tell us."
        record_failed_import(import_id, [RowError(0, None, message)])
    finally:
        progress.forget()
        Path(stored_path).unlink(missing_ok=True)
    return db.session.get(DataImport, import_id)


def recent_imports(limit: int = 10) -> list[DataImport]:
    """The latest imports, newest first."""
    return list(db.session.scalars(select(DataImport).order_by(DataImport.id.desc()).limit(limit)))


def get_import(import_id: int) -> DataImport | None:
    """One import by id."""
    return db.session.get(DataImport, import_id)
