"""Stakeholder engagement: the stakeholder registry, engagement opt-ins, and surveys (builder, answering,
results, exports)."""

from flask import Blueprint

bp = Blueprint("surveys", __name__)

from portal.surveys import (  # noqa: E402,F401
    manage,
    manage_invitations,
    manage_organisations,
    manage_questions,
    manage_results,
    routes,
    staff_entry,
)
