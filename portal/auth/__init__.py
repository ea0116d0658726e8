"""Accounts: sign in, registration, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import routes, your_data  # noqa: E402,F401
