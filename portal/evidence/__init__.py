"""Evidence repository: briefings analysts write and the public reads, with ranked search and attachments."""

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/evidence")

from portal.evidence import routes  # noqa: E402,F401
