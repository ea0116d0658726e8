"""Backups and restores: ``flask --app wsgi backup PATH`` and ``flask --app wsgi restore PATH``.

SQLite is copied with its online backup API (a consistent copy while the portal keeps running); PostgreSQL with
``pg_dump --format=custom`` and ``pg_restore``. Next to every backup goes ``PATH.manifest.json``: the row count and a
checksum of every table, taken from the same snapshot as the backup. A restore checks the restored database against
it and says whether every table matches, so each restore is also a restore drill.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import Connection, MetaData, Table, create_engine, inspect, select
from sqlalchemy.engine import make_url

from portal.extensions import db

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(Exception):
    """A backup or restore that could not be made, with a message for the operator."""


@dataclass(frozen=True)
class TableFingerprint:
    """How many rows a table has and a checksum of their contents (in primary-key order)."""

    rows: int
    checksum: str


def _tables(connection: Connection) -> list[Table]:
    """The portal's tables that exist in this database, plus Alembic's version table."""
    present = set(inspect(connection).get_table_names())
    tables = [table for table in db.metadata.sorted_tables if table.name in present]
    if "alembic_version" in present:
        tables.append(Table("alembic_version", MetaData(), autoload_with=connection))
    return tables


def _canonical(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value if value is None or isinstance(value, int | float | str | bool) else str(value)


def table_fingerprints(connection: Connection) -> dict[str, TableFingerprint]:
    """Row count and SHA-256 checksum of every table, read through ``connection``."""
    fingerprints = {}
    for table in _tables(connection):
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        rows = 0
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(json.dumps([_canonical(v) for v in row], default=str).encode())
            digest.update(b"\n")
            rows += 1
        fingerprints[table.name] = TableFingerprint(rows, digest.hexdigest())
    return fingerprints


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def _write_manifest(path: Path, backend: str, fingerprints: dict[str, TableFingerprint]) -> None:
    body = {
        "backend": backend,
        "tables": {name: {"rows": f.rows, "checksum": f.checksum} for name, f in fingerprints.items()},
    }
    _manifest_path(path).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")


def read_manifest(path: Path) -> dict[str, TableFingerprint] | None:
    """The fingerprints recorded with a backup, or None when it has no manifest."""
    manifest = _manifest_path(path)
    if not manifest.exists():
        return None
    body = json.loads(manifest.read_text())
    return {name: TableFingerprint(t["rows"], t["checksum"]) for name, t in body["tables"].items()}


def _backend() -> str:
    return db.engine.dialect.name


def _sqlite_file() -> Path:
    database = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not database or database == ":memory:":
        raise BackupError("The database is in memory: there is nothing on disk to back up or restore")
    return Path(database)


def _libpq_target() -> tuple[str, dict[str, str]]:
    """The database URL for pg_dump/pg_restore, without the password (which goes in PGPASSWORD, not on ps)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    folder = current_app.config.get("PG_BIN_DIR")
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools or set PG_BIN_DIR")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip()[-2000:]}")


def backup_database(path: Path) -> dict[str, TableFingerprint]:
    """Write a consistent backup of the whole database to ``path`` and its manifest beside it."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if _backend() == "sqlite":
        source = sqlite3.connect(_sqlite_file())
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, with no -wal beside it
        finally:
            target.close()
            source.close()
        copy = create_engine(f"sqlite:///{path}")
        try:
            with copy.connect() as connection:
                fingerprints = table_fingerprints(connection)
        finally:
            copy.dispose()
    else:
        url, env = _libpq_target()
        with db.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the very snapshot the fingerprints are taken from.
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
                _run([*command, f"--snapshot={snapshot}", "--file", str(path), "--dbname", url], env)
                fingerprints = table_fingerprints(connection)
    _write_manifest(path, _backend(), fingerprints)
    return fingerprints


def _check_sqlite_backup(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()
            has_schema = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite backup: {error}") from error
    if not verdict or verdict[0] != "ok" or not has_schema:
        raise BackupError(f"{path} is not a complete portal backup (integrity check: {verdict and verdict[0]})")


# Clears the public schema's own objects (not those of extensions), first in the restore's one transaction.
# pg_restore --clean cannot do it: on PostgreSQL indicator_values is partitioned by source, and --clean tries to drop
# each partition's inherited key before its table, which PostgreSQL refuses. Names are formatted from the catalogue
# row, so an object already dropped by an earlier CASCADE is skipped by IF EXISTS.
CLEAR_PUBLIC_SCHEMA = """
DO $clear$
DECLARE
    statement text;
BEGIN
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                      n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY c.relkind = 'S'
    LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN
        SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE', n.nspname, p.proname,
                      pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind = 'f'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %I.%I CASCADE', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                      n.nspname, t.typname)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE statement;
    END LOOP;
END
$clear$;
"""


def _restore_postgres(path: Path) -> None:
    """The dump's SQL after CLEAR_PUBLIC_SCHEMA, in one psql transaction: all or nothing.

    pg_restore writes the whole script to a temporary file (under TMPDIR) before psql starts, so a pg_restore that
    stops part-way can never leave psql to commit half a database.
    """
    url, env = _libpq_target()
    _run([_pg_tool("pg_restore"), "--list", str(path)], env)  # refuses anything that is not a pg_dump archive
    psql = [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1"]
    with tempfile.TemporaryDirectory() as folder:
        clear, script = Path(folder) / "clear.sql", Path(folder) / "restore.sql"
        clear.write_text(CLEAR_PUBLIC_SCHEMA)
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file", str(script), str(path)], env)
        _run([*psql, "--dbname", url, "--file", str(clear), "--file", str(script)], env)


def restore_database(path: Path) -> dict[str, TableFingerprint]:
    """Replace the whole database with the backup at ``path``; returns the restored database's fingerprints."""
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold a lock the restore needs, or see the old pages
    if _backend() == "sqlite":
        _check_sqlite_backup(path)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_file(), timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _restore_postgres(path)
    db.engine.dispose()
    with db.engine.connect() as connection:
        return table_fingerprints(connection)


def differences(expected: dict[str, TableFingerprint], found: dict[str, TableFingerprint]) -> list[str]:
    """Tables whose row count or checksum differ between two sets of fingerprints."""
    problems = []
    for name in sorted(set(expected) | set(found)):
        want, got = expected.get(name), found.get(name)
        if want is None or got is None:
            problems.append(f"{name}: {'missing from the backup' if want is None else 'missing after restoring'}")
        elif want != got:
            problems.append(f"{name}: {want.rows} rows expected, {got.rows} found; checksums differ")
    return problems


def _echo_summary(fingerprints: dict[str, TableFingerprint]) -> None:
    rows = sum(f.rows for f in fingerprints.values())
    overall = hashlib.sha256("".join(f"{n}:{f.checksum}" for n, f in sorted(fingerprints.items())).encode())
    click.echo(f"{len(fingerprints)} tables, {rows} rows, checksum {overall.hexdigest()[:16]}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the whole database to PATH (SQLite online backup, or pg_dump), with PATH.manifest.json beside it."""
    try:
        fingerprints = backup_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the {_backend()} database to {path}")
    _echo_summary(fingerprints)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the whole database with the backup at PATH, then check it against the backup's manifest."""
    if not yes:
        click.confirm(f"This replaces everything in the {_backend()} database with {path}. Continue?", abort=True)
    expected = read_manifest(path)
    try:
        found = restore_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the {_backend()} database from {path}")
    _echo_summary(found)
    if expected is None:
        click.echo("No manifest beside the backup: row counts and checksums could not be checked")
        return
    problems = differences(expected, found)
    if problems:
        raise click.ClickException("The restored database does not match the backup:\n" + "\n".join(problems))
    click.echo("Checked: every table's row count and checksum match the backup")


def register(app: Flask) -> None:
    """Add the backup and restore commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
