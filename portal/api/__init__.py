"""The open data API: indicators and their values as JSON or CSV, described by an OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.api import routes  # noqa: E402,F401
