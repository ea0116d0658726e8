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
    """Readiness for load balancers: the database answers and, when configured, Redis (cache, limits, queues) too."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        db.session.rollback()
        checks["database"] = "unavailable"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except RedisError:
            checks["redis"] = "unavailable"
    healthy = all(state == "ok" for state in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


@bp.route("/assets/<path:filename>")
@public
def govuk_assets(filename: str) -> Response:
    """govuk-frontend's fonts and images, at the /assets path its CSS refers to."""
    return send_from_directory(current_app.static_folder + "/govuk/assets", filename, max_age=31536000)  # type: ignore[operator]
