"""Wolverhampton's calendar: dates people see (deadlines, review-by dates, closing dates) are UK dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_now() -> datetime:
    """The current time in the UK, timezone-aware."""
    return datetime.now(LONDON)


def london_today() -> date:
    """Today's date in the UK (a survey closing on 31 March takes answers until midnight UK time)."""
    return london_now().date()


def london_date(moment: datetime) -> date:
    """The UK calendar date of an aware moment (stored times are UTC)."""
    return moment.astimezone(LONDON).date()


def london_time(moment: datetime) -> datetime:
    """An aware moment shown in UK time."""
    return moment.astimezone(LONDON)
