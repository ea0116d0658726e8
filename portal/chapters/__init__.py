"""Topic chapters, their recommendations, commissioners' responses, the public tracker and the JSNA report."""

from flask import Blueprint

bp = Blueprint("chapters", __name__, url_prefix="/chapters")

from portal.chapters import routes  # noqa: E402,F401
