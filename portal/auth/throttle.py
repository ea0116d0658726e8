"""Per-account sign-in lockout with backoff, shared by every worker (it lives in the database).

The per-address rate limit stops one machine guessing quickly; this stops many machines guessing one account's
password. After ``SIGN_IN_LOCKOUT_AFTER`` wrong passwords in a row, the account's email address is locked for
``SIGN_IN_LOCKOUT_BASE_SECONDS``, doubling with each further failure up to ``SIGN_IN_LOCKOUT_MAX_SECONDS``.
A correct password (or a password reset) clears it. Attempts are counted by a keyed hash of the email address
whether or not an account exists, so a lockout says nothing about which addresses have accounts; counts older
than a day are forgotten.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import SignInThrottle
from portal.models.base import utcnow

FORGET_AFTER = timedelta(days=1)


def throttle_key(email: str) -> str:
    """A keyed hash of the normalised email: the table never holds addresses."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def locked_for(email: str, now: datetime | None = None) -> int:
    """Seconds until this email address may try to sign in again (0 when it may now)."""
    now = now or utcnow()
    row = db.session.get(SignInThrottle, throttle_key(email))
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return max(1, int((row.locked_until - now).total_seconds() + 0.999))


def _lock_seconds(failures: int) -> int:
    config = current_app.config
    after = int(config["SIGN_IN_LOCKOUT_AFTER"])
    if failures < after:
        return 0
    return min(
        int(config["SIGN_IN_LOCKOUT_BASE_SECONDS"]) * 2 ** (failures - after), config["SIGN_IN_LOCKOUT_MAX_SECONDS"]
    )


def record_failure(email: str, now: datetime | None = None) -> None:
    """Count a wrong password for this address and lock it when there have been too many. Commits."""
    now = now or utcnow()
    key = throttle_key(email)
    for _ in range(2):
        row = db.session.scalar(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update())
        if row is None:
            row = SignInThrottle(key=key, failures=0)
            db.session.add(row)
        if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        seconds = _lock_seconds(row.failures)
        row.locked_until = now + timedelta(seconds=seconds) if seconds else None
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()  # another worker counted the first failure at the same moment: count on top of it


def clear(email: str) -> None:
    """Forget the failures for this address (a correct password, or a new one). Not committed."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == throttle_key(email)))
