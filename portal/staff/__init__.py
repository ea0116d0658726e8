"""The staff area: the landing page for steering group members, analysts and admins."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from portal.staff import routes  # noqa: E402,F401
