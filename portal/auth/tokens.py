"""Signed, expiring tokens for email confirmation and password reset links."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenPurpose(StrEnum):
    """Each purpose signs with its own salt, so a token for one cannot be used for another."""

    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a salt name, not a password
    RESUME = "resume"
    MANAGE_PROPOSAL = "manage-proposal"  # a proposer without an account follows, withdraws or erases their proposal


class TokenError(Exception):
    """A token that is invalid or has expired."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=str(purpose))


def make_token(purpose: TokenPurpose, payload: Any) -> str:
    """Sign ``payload`` for ``purpose``."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: TokenPurpose, token: str, max_age: int) -> Any:
    """Return the payload, or raise TokenError (expired or invalid)."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(expired=True) from exc
    except BadSignature as exc:
        raise TokenError(expired=False) from exc
