"""Error pages for 400, 403, 404, 405, 413, 429, 500 and 503 (the database is unreachable for a moment)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, make_response
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.database import discard_session, is_outage

ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("There is a problem with your request", "We could not understand what was sent. Go back and try again."),
    403: ("You do not have permission to see this page", "If you think you should, contact the JSNA team."),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.",
    ),
    405: ("There is a problem with your request", "This page cannot be used in that way."),
    410: ("This link is no longer available", "The link has expired or has already been used."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "You have tried too many times. Wait a few minutes, then try again."),
    # Nothing here may say what was saved: the failure could have happened before or after anything was stored.
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. If you were sending something, it may not have been saved: check whether it arrived "
        "(for example in your account or by the confirmation email) before you send it again.",
    ),
    503: (
        "Sorry, the service is unavailable for a moment",
        "Try again in a few seconds. If you were sending something, it may not have been saved: check whether it "
        "arrived (for example in your account or by the confirmation email) before you send it again.",
    ),
}
# Seconds a client is asked to wait after a 503: a database restart or failover takes a few.
RETRY_AFTER_SECONDS = 5


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    """Render the error page for ``status``."""
    title, body = ERROR_PAGES.get(status, ERROR_PAGES[500])
    # With the app's own template helpers only: a feature's (its blueprint's context processor) may read the database,
    # as the indicator pages' home area name does, and an error page must render while the database is unreachable.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    context: dict[str, Any] = {}
    for processor in app.template_context_processors[None]:
        context.update(app.ensure_sync(processor)())
    context.update(status=status, title=title, body=detail or body)
    return app.jinja_env.get_template("errors/error.html").render(context), status


def register(app: Flask) -> None:
    """Attach the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            "The form could not be checked, so nothing was saved. This happens when a page is left open for a "
            "long time or sent from another site. Go back, refresh the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        if error.code is None or error.code < 400:
            return error
        response = make_response(render_error(error.code))
        # Keep what the exception says about itself: a 405's Allow, a 429's Retry-After, a 401's WWW-Authenticate.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Response:
        discard_session()
        if not is_outage(error):
            raise error
        return unavailable()

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> Response | tuple[str, int]:
        discard_session()
        # A lost connection that reached here as something else: raised from an after_request hook (Flask sends
        # those straight to the 500 handler), or turned into another error by code that swallowed the first one.
        if is_outage(getattr(error, "original_exception", None) or error):
            return unavailable()
        try:
            return render_error(500)
        except SQLAlchemyError:  # the page's header needed the signed-in user, and the database failed again
            discard_session()
            _show_signed_out()
            return render_error(500)


def unavailable() -> Response:
    """The 503 page with Retry-After, made without the database (the visitor is shown as signed out: loading their
    account, or the roles the navigation reads, would query it again and fail)."""
    _show_signed_out()
    response = make_response(render_error(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _show_signed_out() -> None:
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
