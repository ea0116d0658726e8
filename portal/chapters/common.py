"""What every chapter module shares: the error a service raises, loading and locking a chapter, committing, and the
response period commissioners have after publication."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from portal.clock import london_date
from portal.extensions import db
from portal.models import Chapter

DEFAULT_RESPONSE_DAYS = 60
# An unfinished action with no progress update for this long is flagged as stale on the tracker.
DEFAULT_PROGRESS_STALE_DAYS = 90
CONCURRENT_CHANGE = "Someone else changed this chapter at the same time. Check it and try again"


class ChapterError(Exception):
    """A change that cannot be made, with a message to show the user and, when it is about one, the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def response_days() -> int:
    """How many days commissioners have to respond after a chapter is published."""
    return int(current_app.config.get("CHAPTER_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def progress_stale_days() -> int:
    """How many days an unfinished action may go without a progress update before it is flagged."""
    return int(current_app.config.get("CHAPTER_PROGRESS_STALE_DAYS", DEFAULT_PROGRESS_STALE_DAYS))


def response_due(chapter: Chapter) -> date | None:
    """The date commissioners should have responded by (None until the chapter is published)."""
    if chapter.published_at is None:
        return None
    return london_date(chapter.published_at) + timedelta(days=response_days())


def get_chapter(chapter_id: int) -> Chapter:
    """A chapter by id (analysts' pages), else 404."""
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None:
        raise NotFound()
    return chapter


def locked_chapter(chapter_id: int) -> Chapter:
    """Load a chapter, locking its row on PostgreSQL for the rest of the transaction."""
    chapter = db.session.scalar(
        select(Chapter).where(Chapter.id == chapter_id).with_for_update().execution_options(populate_existing=True)
    )
    if chapter is None:
        raise NotFound()
    return chapter


def commit() -> None:
    """Commit, turning a lost race on a unique version number into a message (both databases)."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ChapterError(CONCURRENT_CHANGE) from error
