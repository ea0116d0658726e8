"""Stakeholder engagement: the stakeholder registry, engagement opt-ins, and surveys (builder, answering,
results, exports)."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)

from portal.surveys import manage, routes, staff_entry  # noqa: E402,F401
