"""Globals and filters available to every template."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from flask import Flask, current_app, get_flashed_messages
from flask_login import current_user

from portal.clock import london_time
from portal.navigation import MAIN_NAV, STAFF_NAV, visible_items
from portal.stats import small_numbers
from portal.table_pages import table_page

FLASH_TITLES = {"success": "Success", "info": "Important", "error": "There is a problem"}


def govuk_date(value: date | datetime | None, with_time: bool = False) -> str:
    """Format a date the GOV.UK way: 4 June 2026 (and 2:15pm). A stored moment (timezone-aware, UTC) is shown as the
    date and time in the UK, so a decision recorded at 00:30 on 5 June, British Summer Time, reads 5 June at 12:30am,
    not 4 June at 11:30pm."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = london_time(value)
    text = f"{value.day} {value:%B %Y}"
    if with_time and isinstance(value, datetime):
        hour = value.hour % 12 or 12
        text += f" at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"
    return text


def number(value: float | int | None, places: int = 1) -> str:
    """Format a number with thousands separators; blanks stay blank."""
    if value is None or value != value:  # NaN
        return ""
    if isinstance(value, int) or (float(value).is_integer() and places == 0):
        return f"{int(value):,}"
    return f"{value:,.{places}f}"


def flash_banners() -> list[dict[str, Any]]:
    """Flashed messages grouped for GOV.UK notification banners."""
    banners = []
    # with_categories=True always gives (category, message) pairs
    flashed = cast(list[tuple[str, str]], get_flashed_messages(with_categories=True))
    for category, message in flashed:
        category = category if category in FLASH_TITLES else "info"
        banners.append({"category": category, "title": FLASH_TITLES[category], "message": message})
    return banners


def register(app: Flask) -> None:
    """Register the helpers."""
    app.jinja_env.filters["govuk_date"] = govuk_date
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals["flash_banners"] = flash_banners
    # The one small-numbers policy (threshold, markers, wording), for every page that shows or explains it.
    app.jinja_env.globals["small_numbers"] = small_numbers
    app.jinja_env.globals["table_page"] = table_page

    @app.context_processor
    def inject_service() -> dict[str, Any]:
        return {
            "service_name": current_app.config["SERVICE_NAME"],
            "council_name": current_app.config["COUNCIL_NAME"],
            "main_nav": lambda: visible_items(MAIN_NAV, current_user),
            "staff_nav": lambda: visible_items(STAFF_NAV, current_user),
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        }
