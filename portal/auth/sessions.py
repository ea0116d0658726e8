"""Signed-in sessions: which user a session or remember-me cookie belongs to, checked on every request.

Flask-Login stores ``User.get_id()`` — the user id and the user's session secret — in the session and in the
remember-me cookie. The secret is replaced on sign-out, "Sign out everywhere", a password change or reset, a role
change and deactivation, so every cookie issued before then (including copies) stops working at once.
"""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_login import LoginManager, user_loaded_from_cookie

from portal.extensions import db
from portal.models import User

MAX_USER_ID = 2**31 - 1


def load_user(session_id: str) -> User | None:
    """The active user whose current session id this is, or None (signed out) for a stale or forged one."""
    user_id, _, secret = session_id.partition(":")
    if not secret or not (user_id.isascii() and user_id.isdigit()) or int(user_id) > MAX_USER_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.session_id_matches(session_id):
        return None
    return user


def _bind_remembered_session(app: Flask, user: User) -> None:
    # Flask-Login restores a session from the remember-me cookie without the identifier its "strong" session
    # protection checks, so the next request would throw the restored session away again. Record it here.
    manager: LoginManager = current_app.login_manager  # type: ignore[attr-defined]
    session["_id"] = manager._session_identifier_generator()


def init_sessions(app: Flask, manager: LoginManager) -> None:
    """Load users through their session secret and keep remembered sign-ins working past the first request."""
    manager.user_loader(load_user)
    user_loaded_from_cookie.connect(_bind_remembered_session, app)
