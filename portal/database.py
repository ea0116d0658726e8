"""Database connection settings."""

from __future__ import annotations

from contextlib import suppress
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, Delete, Update, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError

from portal.extensions import db


def configure_sqlite_connections(engine: Engine) -> None:
    """Make every SQLite connection durable and safe: WAL, synchronous=FULL, busy timeout, foreign keys."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def rows_changed(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE in the session's transaction and return how many rows it changed."""
    # Session.execute is typed as returning Result; for a DML statement it is always a CursorResult.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def is_postgresql(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


# SQLite FTS5 indexes (and the shadow tables FTS5 makes for them) are created by raw SQL in migrations, not
# modelled by the ORM: Alembic's comparison must not propose dropping them.
FTS_TABLE_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


# PostgreSQL-only expression indexes made by raw SQL in migrations (0008: the GIN index over briefings' weighted
# tsvector). The ORM cannot model an index that exists on one backend only, so the comparison must ignore them.
UNMODELLED_INDEXES = frozenset({"ix_evidence_briefings_search"})


# On PostgreSQL indicator_values is partitioned by source (migration 0027); its partitions are tables named with this
# prefix, made and swapped by the importer (portal/indicators/partition_swap.py), never modelled by the ORM.
PARTITION_PREFIX = "indicator_values_"


def include_in_autogenerate(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic ``include_name`` hook: leave full-text index tables and indexes, and the partitions of
    indicator_values, out of the model comparison."""
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return not (type_ == "table" and name is not None and is_unmodelled_table(name))


def is_unmodelled_table(name: str) -> bool:
    """A table made by raw SQL that the ORM does not model: an FTS5 table or a partition of indicator_values."""
    return name.endswith(FTS_TABLE_SUFFIXES) or name.startswith(PARTITION_PREFIX)


# SQLAlchemy's code for "Can't reconnect until invalid transaction is rolled back": the next use of a session whose
# connection was lost (invalidated) mid-transaction, after something swallowed the error that said so.
LOST_CONNECTION_PENDING_ROLLBACK = "8s2b"


def is_outage(error: BaseException) -> bool:
    """A lost or refused database connection (a restart, a failover) is behind ``error``, as opposed to a bug such as
    a bad query: the error itself, or one it was raised from or while handling. Also knows psycopg's own errors (a raw
    COPY cursor raises them unwrapped) and the PendingRollbackError of a session whose connection was lost earlier."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_lost_connection(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_lost_connection(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        if error.connection_invalidated or isinstance(error, InterfaceError):
            return True
        return isinstance(error, OperationalError) and _is_driver_outage(error.orig)
    if isinstance(error, PendingRollbackError):
        return error.code == LOST_CONNECTION_PENDING_ROLLBACK
    return type(error).__module__.startswith("psycopg") and _is_driver_outage(error)


def _is_driver_outage(error: BaseException | None) -> bool:
    """A DB-API error from the driver that means the connection is gone or refused.

    PostgreSQL: class 08 (connection exception) and 57P (operator intervention: shutdown, crash); psycopg's own
    OperationalError or InterfaceError without a code when the server is gone. SQLite's OperationalError is "database
    is locked" etc.: not an outage.
    """
    if error is None or not type(error).__module__.startswith("psycopg"):
        return False
    import psycopg

    if isinstance(error, psycopg.InterfaceError):
        return True
    if not isinstance(error, psycopg.OperationalError):
        return False
    code = getattr(error, "sqlstate", None) or ""
    return code.startswith(("08", "57P")) or not code


def discard_session() -> None:
    """Roll the request's session back; if its connection died under it (so the rollback fails too), discard the
    connection instead (the pool replaces it), so an error page never fails on the database that caused it."""
    try:
        db.session.rollback()
    except DBAPIError:
        with suppress(DBAPIError):
            db.session.registry().invalidate()
        db.session.registry.clear()


def end_sessions_safely(app: Flask) -> None:
    """End each request's database session even when its connection died under it (a database restart).

    Flask-SQLAlchemy's own teardown rolls back and would raise from a dead connection, turning an answer already
    made into gunicorn's bare 500. Teardowns run in reverse order of registration, so this one, registered after
    ``db.init_app``, runs first: it discards such a connection (the pool replaces it) instead of rolling it back.
    """

    @app.teardown_appcontext
    def _remove_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except DBAPIError:
            with suppress(DBAPIError):
                db.session.registry().invalidate()
            db.session.registry.clear()
