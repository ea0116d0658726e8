"""Password hashing (argon2) and the password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# The most common passwords in breach corpora that also pass a length check.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "password123",
        "password1234",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "qwerty1234",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "wolverhampton",
        "wolverhampton1",
        "passwordpassword",
        "abcdefghij",
        "abc1234567",
        "0123456789",
        "1111111111",
        "football123",
        "monkey12345",
        "sunshine123",
        "princess123",
        "administrator",
        "changeme123",
        "trustno1234",
        "password12",
    }
)


@cache
def _hasher(fast: bool) -> PasswordHasher:
    # The test suite uses cheap parameters; real deployments use argon2-cffi's recommended defaults.
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def _current_hasher() -> PasswordHasher:
    return _hasher(bool(current_app.config.get("PASSWORD_HASH_FAST")))


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _current_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _current_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A valid hash of a random string, checked against when the email is unknown so the response takes as long.
def dummy_verify(password: str) -> None:
    """Spend the time a real verification takes, for unknown emails."""
    verify_password(_dummy_hash(bool(current_app.config.get("PASSWORD_HASH_FAST"))), password)


@cache
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash("not-a-real-password-used-for-timing")


def password_problem(password: str, min_length: int, email: str | None = None) -> str | None:
    """Return why a new password is not acceptable, or None when it is."""
    if len(password) < min_length:
        return f"Password must be {min_length} characters or more"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "Password is too easy to guess. Choose a less common password"
    if email and lowered == email.lower():
        return "Password must not be the same as your email address"
    return None
