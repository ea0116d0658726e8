"""Analysts upload indicator data; large files are processed in the background."""

from portal.indicators import bp  # noqa: F401
