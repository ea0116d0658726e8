"""Topic proposals: the public and stakeholders propose JSNA topics; moderation, supports and a public status trail."""

from flask import Blueprint

bp = Blueprint("proposals", __name__)

from portal.proposals import routes  # noqa: E402,F401
