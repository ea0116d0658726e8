"""Home, cookies, privacy, accessibility, about the data and a health check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, jsonify, render_template, send_from_directory, url_for
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


@bp.route("/about-the-data")
@public
def about_data() -> str:
    """Where the figures come from and how the portal handles them, including its small-numbers policy."""
    return render_template("pages/about_data.html")


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


@bp.route("/.well-known/security.txt")
@public
def security_txt() -> Response:
    """How to report a security problem (RFC 9116): who to contact, until when this file is valid."""
    expires = (datetime.now(UTC) + timedelta(days=365)).replace(microsecond=0)
    canonical = url_for("pages.security_txt", _external=True)
    body = "\n".join(
        [
            f"Contact: mailto:{current_app.config['CONTACT_EMAIL']}",
            f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
            "Preferred-Languages: en",
            f"Canonical: {canonical}",
            "",
        ]
    )
    response = Response(body, mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/assets/<path:filename>")
@public
def govuk_assets(filename: str) -> Response:
    """govuk-frontend's fonts and images, at the /assets path its CSS refers to."""
    return send_from_directory(current_app.static_folder + "/govuk/assets", filename, max_age=31536000)  # type: ignore[operator]
