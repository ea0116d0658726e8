"""Migration 0010 moves addressed commissioners onto their organisations without losing responses or progress."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from portal import create_app
from tests.test_migrations import scratch_database_url  # noqa: F401 - an empty database of the backend under test

BEFORE = "0009_invitation_delivery"
NOW = "2026-01-01 00:00:00+00:00"


def _rows_before_the_change(url: str) -> None:
    """Rows as the old schema held them: recommendations addressed to commissioners, one of them with no
    organisation, each of whom responded, with progress. Other features' rows are left out (references unchecked)."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET session_replication_role = replica"))  # no reference checks for this
        connection.execute(
            text(
                "INSERT INTO organisations (id, name, sector, verified, created_at)"
                " VALUES (1, 'ICB', 'commissioner', :t, :now)"
            ),
            {"t": True, "now": NOW},
        )
        for user_id, organisation_id in ((1, 1), (2, None)):
            connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, display_name, active, created_at, organisation_id)"
                    " VALUES (:id, :email, 'x', '', :t, :now, :org)"
                ),
                {"id": user_id, "email": f"c{user_id}@example.org", "t": True, "now": NOW, "org": organisation_id},
            )
        connection.execute(
            text(
                "INSERT INTO recommendations (id, chapter_id, position, text, priority, created_at)"
                " VALUES (1, 1, 1, 'Do it.', 'high', :now)"
            ),
            {"now": NOW},
        )
        for link_id, user_id in ((1, 1), (2, 2)):
            connection.execute(
                text(
                    "INSERT INTO rec_commissioners (id, recommendation_id, user_id, notified_at)"
                    " VALUES (:id, 1, :user, :now)"
                ),
                {"id": link_id, "user": user_id, "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO rec_responses (id, recommendation_id, commissioner_id, decision, rationale,"
                    " planned_action, lead, is_example, created_at) VALUES (:id, 1, :user, 'accept', 'Yes.', 'Act.',"
                    " 'Lead', :f, :now)"
                ),
                {"id": link_id, "user": user_id, "f": False, "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO rec_progress_updates (response_id, status, note, actor_id, created_at)"
                    " VALUES (:id, 'on_track', 'Going.', :user, :now)"
                ),
                {"id": link_id, "user": user_id, "now": NOW},
            )  # fmt: skip
        if engine.dialect.name == "postgresql":  # the ids above were given, so move the sequences past them
            for table in ("organisations", "users", "recommendations", "rec_commissioners", "rec_responses"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                )
    engine.dispose()


def test_addressed_commissioners_become_their_organisations_with_responses_and_progress_kept(
    scratch_database_url: str,  # noqa: F811
) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db

    app = create_app("test", SQLALCHEMY_DATABASE_URI=scratch_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        db.engine.dispose()
        _rows_before_the_change(scratch_database_url)
        upgrade()
        with db.engine.connect() as connection:
            unrecorded = connection.execute(
                text("SELECT id FROM organisations WHERE name = 'Organisation not recorded'")
            ).scalar_one()
            links = connection.execute(
                text("SELECT organisation_id, person_id FROM rec_organisations ORDER BY person_id")
            ).all()
            responses = connection.execute(
                text("SELECT commissioner_id, organisation_id FROM rec_responses ORDER BY commissioner_id")
            ).all()
            progress = connection.execute(text("SELECT COUNT(*) FROM rec_progress_updates")).scalar_one()
            moved = connection.execute(text("SELECT organisation_id FROM users WHERE id = 2")).scalar_one()
            tables = set(db.inspect(connection).get_table_names())
        db.engine.dispose()
    assert [tuple(row) for row in links] == [(1, 1), (unrecorded, 2)]
    assert [tuple(row) for row in responses] == [(1, 1), (2, unrecorded)]
    assert progress == 2, "rebuilding rec_responses must not cascade-delete its progress updates"
    assert moved == unrecorded
    assert "rec_commissioners" not in tables
