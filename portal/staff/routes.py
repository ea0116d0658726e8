"""Staff dashboard."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.access import role_required
from portal.models import Role
from portal.staff import bp
from portal.staff.todo import todo_for


@bp.route("/")
@role_required(Role.STEERING, Role.ANALYST, Role.ADMIN, Role.COMMISSIONER)
def dashboard() -> str:
    """The staff area's landing page: what waits for me, by my roles, with counts and links; then each staff task."""
    tasks = todo_for(current_user)
    return render_template("staff/dashboard.html", tasks=tasks, waiting=sum(t.count for t in tasks))
