"""Site-wide search: indicators, topics, evidence briefings, chapters and recommendations from one box."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from portal.search import routes  # noqa: E402,F401
