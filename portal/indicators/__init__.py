"""The key dataset: overview, indicator pages, ward profiles, imports."""

from flask import Blueprint

# cli_group: the blueprint's commands appear as ``flask --app wsgi indicators ...``.
bp = Blueprint("indicators", __name__, cli_group="indicators")

from portal.indicators import cli, routes, upload  # noqa: E402,F401
