"""Which council this deployment serves (config HOME_AREA_CODE, HOME_REGION_CODE, ENGLAND_CODE)."""

from __future__ import annotations

from flask import current_app


def home_area_code() -> str:
    """The deployment's home area, e.g. E08000031 for Wolverhampton."""
    return str(current_app.config["HOME_AREA_CODE"])


def home_region_code() -> str:
    """The home area's region, e.g. E12000005 (West Midlands)."""
    return str(current_app.config["HOME_REGION_CODE"])


def england_code() -> str:
    """England's area code."""
    return str(current_app.config["ENGLAND_CODE"])
