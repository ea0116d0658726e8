"""Staff dashboard."""

from __future__ import annotations

from flask import render_template

from portal.access import role_required
from portal.models import Role
from portal.staff import bp


@bp.route("/")
@role_required(Role.STEERING, Role.ANALYST, Role.ADMIN)
def dashboard() -> str:
    """The staff area's landing page, with links to each staff task."""
    return render_template("staff/dashboard.html")
