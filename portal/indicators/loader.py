"""The bulk loader: one reader result written in ONE transaction (areas, indicators, this source's values and the
DataImport record) or not at all, fast on SQLite and PostgreSQL.

On PostgreSQL the new values are first staged in a table of their own that other connections fill, index and commit
(portal/indicators/partition_swap.py); it is not attached, so readers do not see it, until this transaction swaps it
in. An import that fails or is rejected drops its staged table after the rollback; one that crashed leaves it to the
next import's sweep."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.importers.base import (
    AREA_TYPE_ORDER,
    AREA_TYPES,
    ImportResult,
    RowError,
    area_type_from_code,
)
from portal.importers.inference import Inferred
from portal.indicators import bulk_insert, partition_swap
from portal.indicators.bulk_insert import Progress
from portal.indicators.catalogue import reading_values_from
from portal.indicators.stored_summaries import imported_indicator_ids, refresh_summaries
from portal.models import Area, DataImport, Indicator, IndicatorValue
from portal.models.base import utcnow

logger = logging.getLogger(__name__)

# Values per IN (...) list: SQLite allows 32,766 bound parameters per statement, and England has 32,844 LSOAs.
IN_BATCH = 5_000
# The row count ending a reference problem's message (" (1 row)", " (1,234 rows)").
ROW_COUNT = re.compile(r" \([0-9,]+ rows?\)$")
# Area types from the widest down (the order reference areas are listed in).
AREA_ORDER = {area_type: rank for rank, area_type in enumerate(AREA_TYPE_ORDER)}
INDICATOR_FIELDS = ("name", "definition", "unit", "value_type", "multiplier", "polarity", "topic", "source",
                    "publisher", "licence", "comparison_confidence")  # fmt: skip


class ImportRejected(Exception):
    """The data cannot be loaded; ``errors`` is the row-numbered report. Nothing was committed."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the import")
        self.errors = list(errors)


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
    uncurated: Mapping[str, Inferred] | None = None,
) -> DataImport:
    """Write a reader's result in ONE transaction: areas, indicators, this source's values (replacing its previous
    rows) and a complete DataImport record. Raises ImportRejected (nothing committed; on PostgreSQL the staged table
    is dropped) when the result has errors or its rows clash with another source's; any other failure also rolls
    everything back (and drops the staged table) and is re-raised.

    ``data_import_id`` names a pending DataImport row created earlier (by a web upload) to complete instead of
    creating a new one. ``uncurated`` maps the ids of indicators the portal has no reviewed metadata for to what the
    file implies about them: a new one becomes a draft with that metadata; a known one keeps what is stored (the
    file's defaults only fill blanks).
    """
    if result.errors:
        # Report every problem in one pass: what the database would also refuse (areas, references, rows already
        # loaded from another file) joins the reader's row errors.
        raise ImportRejected([*result.errors, *database_problems(result, source_key)])
    if progress is not None:
        # Before the transaction takes any lock, so an upload's progress callback can still commit the stage.
        progress("loading", 0, len(result.values))
    session = db.session
    detached: str | None = None
    staged: partition_swap.StagedValues | None = None
    try:
        # PostgreSQL (partitioned by source): the rows go into a new table that replaces the source's partition.
        swap = bool(source_key) and partition_swap.is_partitioned(session.connection())
        if swap:
            partition_swap.take_import_lock(session.connection())
            # Staged tables are committed before their import is: drop those a crashed import left behind.
            partition_swap.sweep_staged(db.engine)
        record = _import_record(data_import_id, source_key, result.format, file_name, checksum, imported_by_id)
        _upsert_areas(result.areas)
        # On the file's distinct codes, before anything is staged (on PostgreSQL the swap's foreign keys, validated
        # set-based, are the guarantee).
        _check_references(result)
        _upsert_indicators(result.indicators, record.id, uncurated or {})
        previous_ids = list(
            session.scalars(
                select(DataImport.id).where(DataImport.source_key == source_key, DataImport.id != record.id)
            )
        )
        if swap:
            staged = partition_swap.new_staged(record.id, source_key)
            # The summaries are worked out while the staged table's indexes are built on other connections.
            finish = _completion(result, record, previous_ids, staged)
            _stage_values(result, staged, progress, meanwhile=finish)
            # Last before the commit: the swap locks indicator_values, areas, indicators and data_imports (ACCESS
            # EXCLUSIVE) until the commit, so readers of them wait from here to there (the log line below).
            swap_started = time.perf_counter()
            detached = partition_swap.swap_in(session.connection(), staged)
        else:
            _check_clashes(result.values, previous_ids)
            with bulk_insert.sqlite_bulk_settings(len(result.values)):
                with bulk_insert.indexes_set_aside(len(result.values), previous_ids):
                    if previous_ids:
                        session.execute(delete(IndicatorValue).where(IndicatorValue.data_import_id.in_(previous_ids)))
                    bulk_insert.bulk_insert_values(result.values, record.id, source_key, progress, result.key_order())
                _completion(result, record, previous_ids, None)()
        session.commit()
        if staged is not None:
            logger.info(
                "Swapped in %d values of %s; readers waited at most %.0f ms",
                len(result.values),
                source_key,
                (time.perf_counter() - swap_started) * 1000,
            )
    except partition_swap.SwapRejected as rejected:
        _roll_back(staged)
        raise ImportRejected(rejected.errors) from rejected
    except IntegrityError as exc:
        # The unique key is the last guard, e.g. when two imports of the same source run at once.
        _roll_back(staged)
        message = "Some values are already stored (another import may have run at the same time). Try again."
        raise ImportRejected([RowError(0, None, message)]) from exc
    except BaseException:
        _roll_back(staged)
        raise
    if detached is not None:
        # The source's old partition; if this fails, the next import's sweep drops it.
        partition_swap.drop_quietly(db.engine, detached)
    if progress is not None:
        progress("done", len(result.values), len(result.values))
    return record


def _completion(
    result: ImportResult, record: DataImport, previous_ids: list[int], staged: partition_swap.StagedValues | None
) -> Callable[[], None]:
    """What completes an import once its values are written (or staged): the replaced imports' status, the record, and
    the stored summaries of the imported indicators, worked out from the source's new values and written in this
    transaction, so they commit together with them."""

    def complete() -> None:
        if previous_ids:
            db.session.execute(
                update(DataImport)
                .where(DataImport.id.in_(previous_ids), DataImport.status == "complete")
                .values(status="replaced")
            )
        record.row_count = len(result.values)
        record.status = "complete"
        record.progress_done = record.progress_total = len(result.values)
        record.error_report = None
        record.finished_at = utcnow()
        db.session.flush()
        touched = imported_indicator_ids(result, [*previous_ids, record.id])
        if staged is None:
            refresh_summaries(touched)
            return
        # Before the swap, from the values it is about to make visible (the staged table and the other sources'
        # rows), so readers of indicator_values do not wait for it.
        with reading_values_from(partition_swap.incoming_values(staged)):
            refresh_summaries(touched)

    return complete


def _roll_back(staged: partition_swap.StagedValues | None) -> None:
    """Roll the import's transaction back, then drop its staged table (committed on other connections, so the
    rollback leaves it; unattached, so no reader ever saw it). If the drop fails, the next import's sweep drops it."""
    db.session.rollback()
    if staged is not None:
        partition_swap.drop_quietly(db.engine, staged.table)


def _stage_values(
    result: ImportResult,
    staged: partition_swap.StagedValues,
    progress: Progress | None,
    meanwhile: Callable[[], None],
) -> None:
    """Fill the PostgreSQL swap's new table with the values in key order (binary COPY), index and check it; run
    ``meanwhile`` in this transaction while its indexes are built."""
    total, done = len(result.values), 0
    if progress is not None:
        progress("loading", 0, total)

    def loaded(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress("loading", done, total)

    rows = bulk_insert.value_chunks(
        result.values, staged.import_id, staged.source_key, with_source=False, order=result.key_order()
    )
    partition_swap.stage_values(db.session.connection(), staged, rows, on_chunk=loaded, meanwhile=meanwhile)


def database_problems(result: ImportResult, source_key: str) -> list[RowError]:
    """The problems the load would find beyond the reader's, checked in a transaction that is always rolled back."""
    problems: list[RowError] = []
    try:
        previous_ids = list(db.session.scalars(select(DataImport.id).where(DataImport.source_key == source_key)))
        for check in (
            lambda: _upsert_areas(result.areas),
            lambda: _check_references(result),
            lambda: _check_clashes(result.values, previous_ids),
        ):
            try:
                check()
            except ImportRejected as rejected:
                problems.extend(rejected.errors)
    finally:
        db.session.rollback()
    reported = {error.message for error in result.errors}  # e.g. unknown areas the reader already found by row
    return [problem for problem in problems if ROW_COUNT.sub("", problem.message) not in reported]


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
        row["area_type"] = row["area_type"] or area_type_from_code(row["code"]) or "other"
        label = row.get("area_type_label")
        row["area_type_label"] = label if isinstance(label, str) else ""
        if row["area_type"] not in AREA_TYPES:
            errors.append(RowError(0, "area_type", f"Area {row['code']} has no recognised area type"))
    if errors:
        raise ImportRejected(errors)
    # New areas first, then parents: a file may list a child before its parent, or define both.
    for row in rows:
        area = existing.get(row["code"])
        if area is None:
            area = Area(
                code=row["code"],
                name=row["name"] or row["code"],
                area_type=row["area_type"],
                area_type_label=row["area_type_label"],
                parent_code=None,
            )
            db.session.add(area)
            existing[row["code"]] = area
        else:
            if not area.name or area.name == area.code:
                area.name = row["name"] or area.name
            if not area.area_type_label and row["area_type_label"]:
                area.area_type_label = row["area_type_label"]
    db.session.flush()
    for row in rows:
        parent = row["parent_code"] if row["parent_code"] in all_codes and row["parent_code"] != row["code"] else None
        area = existing[row["code"]]
        if parent is not None and area.parent_code is None:
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
    unknown = codes - known
    indicator_ids = set(pd.unique(values["indicator_id"]))
    defined = set(result.indicators["indicator_id"]) if not result.indicators.empty else set()
    undefined = indicator_ids - defined
    if undefined:
        undefined -= set(db.session.scalars(select(Indicator.id).where(Indicator.id.in_(undefined))))
    if not unknown and not undefined:
        return
    rows_with_area = values["area_code"][values["area_code"].isin(unknown)].value_counts()
    rows_with_indicator = values["indicator_id"][values["indicator_id"].isin(undefined)].value_counts()
    errors = [
        RowError(0, "area_code", f"Area code {code!r} is not a known area ({_rows(rows_with_area[code])})")
        for code in sorted(unknown)
    ]
    errors += [
        RowError(0, "indicator_id", f"Indicator {i!r} has no metadata ({_rows(rows_with_indicator[i])})")
        for i in sorted(undefined)
    ]
    raise ImportRejected(errors)


def _rows(count: int) -> str:
    """How many rows a problem is in (ROW_COUNT matches what it adds to a message)."""
    return "1 row" if count == 1 else f"{count:,} rows"


def _upsert_indicators(indicators: pd.DataFrame, import_id: int, uncurated: Mapping[str, Inferred]) -> None:
    """Add or update indicator metadata; blank fields in the file never erase what is stored. New uncurated
    indicators are drafts with the inferred metadata; stored metadata of uncurated ones is only ever filled in."""
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
        inferred = uncurated.get(row["indicator_id"])
        if indicator is None and inferred is not None:
            # What the file states (e.g. a generic file's polarity column) wins over what is inferred from it.
            indicator = Indicator(id=row["indicator_id"], **{**_inferred_fields(inferred), **values})
            db.session.add(indicator)
        elif indicator is None:
            indicator = Indicator(id=row["indicator_id"], **values)
            db.session.add(indicator)
        elif inferred is not None:
            for name, value in values.items():
                if getattr(indicator, name) in (None, ""):
                    setattr(indicator, name, value)
        else:
            for name, value in values.items():
                setattr(indicator, name, value)
        indicator.data_import_id = import_id
    db.session.flush()


def _inferred_fields(inferred: Inferred) -> dict[str, Any]:
    """A new draft's metadata from what its file implies (polarity "" = not known until the analyst chooses)."""
    fields: dict[str, Any] = {"status": "draft", "polarity": inferred.polarity, "inferred_note": inferred.note}
    if inferred.value_type:
        fields["value_type"] = inferred.value_type
        fields["unit"] = inferred.unit
    if inferred.multiplier is not None:
        fields["multiplier"] = inferred.multiplier
    return fields


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
    held = pd.DataFrame(db.session.execute(query).all(), columns=[*(c.key for c in key), "file_name"]).fillna("")
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
            f"Indicator {r['indicator_id']}, area {r['area_code']}, period {r['period']} ({r['sex']}, {r['age']}"
            f"{', ' + r['category'] if r['category'] else ''}) is already loaded from "
            f"{r['file_name'] or 'another source'}",
        )
        for r in clashes.head(500).to_dict("records")
    ]
    if len(clashes) > 500:
        errors.append(RowError(0, None, f"… and {len(clashes) - 500:,} more rows already loaded from another source"))
    raise ImportRejected(errors)


def value_count() -> int:
    """How many indicator values are stored."""
    return db.session.scalar(select(func.count()).select_from(IndicatorValue)) or 0
