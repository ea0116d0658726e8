"""The schema comes only from migrations: one head, a clean round trip, and models that match."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import PROJECT_ROOT
from tests.conftest import database_backend, postgres_url


def test_there_is_a_single_head() -> None:
    config = AlembicConfig(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"


@pytest.fixture
def scratch_database_url(tmp_path: object) -> Iterator[str]:
    """An empty database of the backend under test, separate from the suite's own."""
    if database_backend() == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"  # type: ignore[operator]
        return
    base = make_url(postgres_url())
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(app: Flask) -> set[str]:
    """Tables the ORM models, leaving out Alembic's own, full-text index tables and partitions."""
    from portal.database import is_unmodelled_table
    from portal.extensions import db

    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not is_unmodelled_table(name)}


def test_upgrade_downgrade_upgrade_round_trip(scratch_database_url: str) -> None:
    from flask_migrate import check, downgrade, upgrade

    from portal.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=scratch_database_url)
    with app.app_context():
        upgrade()
        first = _tables(app)
        assert {"users", "user_roles", "indicators", "indicator_values", "proposals"} <= first
        assert first == set(db.metadata.tables), "every model's table, and only those, come from migrations"
        check()  # autogenerate finds no difference between the models and the migrated schema

        downgrade(revision="base")
        assert _tables(app) == set()

        upgrade()
        assert _tables(app) == first
        db.engine.dispose()


def test_rebuilding_a_table_on_sqlite_leaves_the_rows_that_point_at_it_alone(scratch_database_url: str) -> None:
    # SQLite alters a table by copying it and dropping the old one. With foreign keys on, dropping `users` ran every
    # ON DELETE action of the tables pointing at it: audit events lost their actor, and cascades deleted rows.
    from flask_migrate import upgrade

    from portal.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=scratch_database_url)
    with app.app_context():
        upgrade(revision="0011_prioritisation_quorum_board")  # the next revision rebuilds `users` on SQLite
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, display_name, active, created_at)"
                    " VALUES (7, 'kept@example.org', 'x', 'Kept', true, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, actor_id, action, object_type, object_id, detail)"
                    " VALUES (CURRENT_TIMESTAMP, 7, 'test', 'user', '7', '')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            actor = connection.execute(text("SELECT actor_id FROM audit_events WHERE action = 'test'")).scalar_one()
            token = connection.execute(text("SELECT session_token FROM users WHERE id = 7")).scalar_one()
        db.engine.dispose()
    assert actor == 7, "the audit trail keeps who did it"
    assert token, "existing accounts get a session secret"
