"""The key dataset: overview, indicator pages, ward profiles, imports."""

from flask import Blueprint

bp = Blueprint("indicators", __name__)

from portal.indicators import routes, upload  # noqa: E402,F401
