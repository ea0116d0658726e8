"""Home, cookies, privacy, accessibility and a health check."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, send_from_directory
from sqlalchemy import text
from werkzeug.wrappers import Response

from portal.access import public
from portal.extensions import db
from portal.pages import bp


@bp.route("/")
@public
def home() -> str:
    """Explain the JSNA and send each kind of visitor to their task."""
    return render_template("pages/home.html")


@bp.route("/cookies")
@public
def cookies() -> str:
    """The cookies this service sets (essential ones only)."""
    return render_template("pages/cookies.html")


@bp.route("/privacy")
@public
def privacy() -> str:
    """The privacy notice (UK GDPR)."""
    return render_template("pages/privacy.html")


@bp.route("/accessibility")
@public
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("pages/accessibility.html")


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """Liveness and database check for load balancers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200


@bp.route("/assets/<path:filename>")
@public
def govuk_assets(filename: str) -> Response:
    """govuk-frontend's fonts and images, at the /assets path its CSS refers to."""
    return send_from_directory(current_app.static_folder + "/govuk/assets", filename, max_age=31536000)  # type: ignore[operator]
