"""Criteria-based prioritisation: the steering group scores shortlisted topics; ranking, agreement, sensitivity,
decisions and the public summary."""

from flask import Blueprint

bp = Blueprint("prioritisation", __name__, url_prefix="/prioritisation")

from portal.prioritisation import routes  # noqa: E402,F401
