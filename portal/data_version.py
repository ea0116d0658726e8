"""The data version: one counter that every commit changing public data moves, in the same transaction (issue 17).

The page cache (portal/page_cache.py) keys every stored page by it, so a change empties the cache at once on every
instance; the module docstring there explains how the version reaches the shared cache.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Integer, String, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, scoped_session

from portal.database import is_outage
from portal.extensions import cache, db

logger = logging.getLogger(__name__)

# Tables whose rows no public page shows: changing them must not empty the page cache.
IGNORED_TABLES = frozenset(
    {
        "data_version",
        "audit_events",
        "sign_in_throttles",
        "personal_data_exports",
        "survey_drafts",
        "survey_invitations",
        "survey_pending_responses",
        "proposal_drafts",
        "engagement_opt_ins",
    }
)
_CHANGED = "page_cache_data_changed"
_NEW_VERSION = "page_cache_new_version"
VERSION_KEY = "data_version"


class DataVersion(db.Model):  # type: ignore[name-defined]
    """One row: how many times public data has changed, and a random epoch for this row's lifetime."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    epoch: Mapped[str] = mapped_column(String(32), nullable=False)


def database_data_version(target: Session | scoped_session[Any] | None = None) -> str:
    """``epoch.counter`` of the public data, read with one primary-key query ("none" before any change)."""
    row = (target or db.session).execute(text("SELECT epoch, version FROM data_version WHERE id = 1")).first()
    return f"{row[0]}.{row[1]}" if row else "none"


def current_data_version() -> str:
    """The data version from the shared cache; from the database (then kept in the cache) when the cache has none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = database_data_version()
        # ``add`` never replaces a version a writer has just set (see the module docstring).
        cache.add(VERSION_KEY, version, timeout=current_app.config["PAGE_CACHE_VERSION_SECONDS"])
    return str(version)


def bump_data_version(connection_session: Session | None = None) -> None:
    """Add one to the data version inside the current transaction (creating the row, with a new epoch, if missing).

    Called on commit for ORM changes; code that writes public data with Core statements outside the session should
    call it too (the loader's own DataImport row already does).
    """
    target = connection_session or db.session
    updated = target.execute(text("UPDATE data_version SET version = version + 1 WHERE id = 1"))
    if not updated.rowcount:  # type: ignore[attr-defined]
        target.execute(
            text("INSERT INTO data_version (id, version, epoch) VALUES (1, 1, :epoch)"),
            {"epoch": secrets.token_hex(8)},
        )
    # Published to the shared cache once this transaction commits (``_publish_after_commit``).
    target.info[_NEW_VERSION] = database_data_version(target)


def _is_public_table(name: str | None) -> bool:
    return bool(name) and name not in IGNORED_TABLES


def _note_flushed_changes(session: Session, flush_context: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(instance, "__table__", None)
        if table is not None and _is_public_table(table.name):
            if instance in session.dirty and not session.is_modified(instance):
                continue
            session.info[_CHANGED] = True
            return


def _note_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if _is_public_table(getattr(table, "name", None)):
        state.session.info[_CHANGED] = True


def _bump_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    if not session.info.pop(_CHANGED, False):
        return
    try:
        with session.begin_nested():
            bump_data_version(session)
    except DBAPIError as error:
        # A lost connection fails the commit: swallowed, it would leave a transaction that can only say "invalid
        # transaction" (a 500) instead of the outage (a 503).
        if is_outage(error):
            raise
        # No data_version table yet (a database mid-migration): nothing can have been cached under it either.


def _forget_changes(session: Session, *args: Any) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_NEW_VERSION, None)


def _publish_after_commit(session: Session) -> None:
    version = session.info.pop(_NEW_VERSION, None)
    if version is None or not has_app_context():
        return
    try:
        cache.set(VERSION_KEY, version, timeout=current_app.config["PAGE_CACHE_VERSION_SECONDS"])
    except Exception:  # the commit stands; readers see the change when the cached version expires
        logger.exception("Could not publish data version %s to the page cache", version)


def listen_for_data_changes() -> None:
    """Session events (once per process): note public changes while flushing, bump the version on commit."""
    if event.contains(Session, "before_commit", _bump_before_commit):
        return
    event.listen(Session, "after_flush", _note_flushed_changes)
    event.listen(Session, "do_orm_execute", _note_bulk_statements)
    event.listen(Session, "before_commit", _bump_before_commit)
    event.listen(Session, "after_commit", _publish_after_commit)
    event.listen(Session, "after_rollback", _forget_changes)
