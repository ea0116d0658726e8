"""Public pages of the key dataset: overview, indicator pages, ward profiles, charts and CSV downloads."""

from portal.indicators import bp  # noqa: F401
