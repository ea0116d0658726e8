"""UK GDPR right of access: a copy of everything the portal holds about a person, as a single-use, expiring download.

What is collected is found, not listed: every row of every table with a column that refers to the person's account
or holds their email address, plus audit entries about their account and their sign-in lockout record. Secrets
(password hash, session secret, hashes of link tokens) are left out. Anonymous survey answers are, by design,
linked to nobody, so they cannot be found (the export says so).

People without an account (proposers with a manage link, survey invitees, outcome subscribers) ask by email
address: the link goes to that address, whether or not anything is held, and the copy holds the rows whose email
columns match it. Account rows are never in it: they need the account holder signed in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Table, delete, func, inspect, or_, select, update

from portal.auth import throttle
from portal.extensions import db
from portal.mail import external_url, send_email
from portal.models import AuditEvent, PersonalDataExport, SignInThrottle, User
from portal.models.base import utcnow

# Never handed out, even to their owner: they would only help someone who got hold of the file.
SECRET_COLUMNS = frozenset({"password_hash", "session_token", "token_hash", "key_hash"})
NOTES = [
    "This is everything the portal holds that is linked to your account or your email address.",
    "Answers you gave to anonymous surveys are not linked to you in any way, so they cannot be included: the "
    "portal records only that you took part (in survey_participations), not which answers were yours.",
    "Password and session secrets, and the hashes of emailed links, are left out on purpose.",
]
EMAIL_NOTES = [
    "This is everything the portal holds that is linked to this email address: proposals you made, invitations to "
    "surveys, requests to hear about outcomes, and your requests for copies of your data.",
    NOTES[1],
    'If you have an account, sign in and choose "Get a copy of your data" on your account page for everything '
    "linked to the account as well.",
    NOTES[2],
]
# An address gets at most this many links an hour, however often it is typed in (the form has its own limit per
# client address too): enough for a lost email, too few to flood someone's inbox.
EMAIL_LINKS_PER_HOUR = 3
# Requests by email address are kept this long after their link expires (a record that the request was met), then
# deleted: the address is personal data the portal has no other reason to hold.
EMAIL_REQUESTS_KEPT_DAYS = 30


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(table: Table, condition: Any) -> list[dict[str, Any]]:
    found = db.session.execute(select(table).where(condition)).mappings()
    return [{k: _plain(v) for k, v in row.items() if k not in SECRET_COLUMNS} for row in found]


def _personal_columns(table: Table, user_id: int | None, email: str) -> list[ColumnElement[bool]]:
    """Conditions matching the person's rows: columns referring to their account (when ``user_id`` is given) and
    email columns holding their address, in any case (proposers type it as they like)."""
    conditions: list[ColumnElement[bool]] = []
    for column in table.columns:
        if any(key.column.table.name == "users" for key in column.foreign_keys):
            if user_id is not None:
                conditions.append(column == user_id)
        elif column.name == "email" or column.name.endswith("_email"):
            conditions.append(func.lower(column) == email.lower())
    return conditions


def _collect_tables(user_id: int | None, email: str) -> dict[str, list[dict[str, Any]]]:
    present = set(inspect(db.engine).get_table_names())
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in db.metadata.sorted_tables:
        if table.name == "users" or table.name not in present:
            continue
        conditions = _personal_columns(table, user_id, email)
        if user_id is not None and table.name == AuditEvent.__tablename__:
            conditions.append((table.c.object_type == "user") & (table.c.object_id == str(user_id)))
        if user_id is not None and table.name == SignInThrottle.__tablename__:
            conditions.append(table.c.key == throttle.throttle_key(email))
        if not conditions:
            continue
        rows = _rows(table, or_(*conditions))
        if rows:
            tables[table.name] = rows
    return tables


def _header() -> dict[str, Any]:
    return {
        "service": current_app.config["SERVICE_NAME"],
        "controller": current_app.config["COUNCIL_NAME"],
        "generated_at": utcnow().isoformat(),
    }


def collect(user: User) -> dict[str, Any]:
    """Everything held about ``user``, as plain JSON-ready data."""
    account = _rows(User.__table__, User.id == user.id)[0]  # type: ignore[arg-type]
    tables = _collect_tables(user.id, user.email)
    return {**_header(), "account": account, "tables": tables, "notes": NOTES}


def collect_for_email(email: str) -> dict[str, Any]:
    """Everything held against ``email`` outside any account, as plain JSON-ready data."""
    return {**_header(), "email": email, "tables": _collect_tables(None, email), "notes": EMAIL_NOTES}


def request_export(user: User) -> None:
    """Email the person a link to their data: it works once, within PERSONAL_DATA_LINK_HOURS, while signed in."""
    token = secrets.token_urlsafe(32)
    hours = int(current_app.config["PERSONAL_DATA_LINK_HOURS"])
    db.session.add(
        PersonalDataExport(user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + timedelta(hours=hours))
    )
    db.session.commit()
    send_email(
        user.email,
        "Your copy of your data",
        "personal_data.txt",
        link=external_url("auth.personal_data_download", token=token),
        hours=hours,
        service_name=current_app.config["SERVICE_NAME"],
        council_name=current_app.config["COUNCIL_NAME"],
    )


def request_export_for_email(email: str) -> None:
    """Email ``email`` a link to what is held against it, known or not, so the asker learns nothing on screen.

    The link works once, for whoever holds it, within PERSONAL_DATA_LINK_HOURS. Beyond EMAIL_LINKS_PER_HOUR links
    an hour for one address nothing more is sent (the person already has a working link).
    """
    email = email.strip()
    now = utcnow()
    recent = db.session.scalar(
        select(func.count())
        .select_from(PersonalDataExport)
        .where(
            PersonalDataExport.user_id.is_(None),
            func.lower(PersonalDataExport.email) == email.lower(),
            PersonalDataExport.created_at > now - timedelta(hours=1),
        )
    )
    if (recent or 0) >= EMAIL_LINKS_PER_HOUR:
        return
    db.session.execute(
        delete(PersonalDataExport).where(
            PersonalDataExport.user_id.is_(None),
            PersonalDataExport.expires_at < now - timedelta(days=EMAIL_REQUESTS_KEPT_DAYS),
        )
    )
    token = secrets.token_urlsafe(32)
    hours = int(current_app.config["PERSONAL_DATA_LINK_HOURS"])
    db.session.add(
        PersonalDataExport(
            email=email, token_hash=_token_hash(token), created_at=now, expires_at=now + timedelta(hours=hours)
        )
    )
    db.session.commit()
    send_email(
        email,
        "Your copy of your data",
        "personal_data_email.txt",
        link=external_url("auth.your_data_download", token=token),
        hours=hours,
        service_name=current_app.config["SERVICE_NAME"],
        council_name=current_app.config["COUNCIL_NAME"],
    )


def _usable(token: str, *conditions: ColumnElement[bool]) -> Any:
    return update(PersonalDataExport).where(
        PersonalDataExport.token_hash == _token_hash(token),
        PersonalDataExport.downloaded_at.is_(None),
        PersonalDataExport.expires_at > utcnow(),
        *conditions,
    )


def _claim(token: str, *conditions: ColumnElement[bool]) -> bool:
    """Use up the link if it is unused, unexpired and meets ``conditions``; False (and nothing changes) otherwise."""
    if not token or len(token) > 100:
        return False
    claimed = db.session.execute(
        _usable(token, *conditions).values(downloaded_at=utcnow()).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a DML Result is a CursorResult
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()


def claim_export(token: str, user_id: int) -> bytes | None:
    """The export, as JSON, if ``token`` is this user's unused, unexpired link; it is then used up. None otherwise."""
    if not _claim(token, PersonalDataExport.user_id == user_id):
        return None
    user = db.session.get(User, user_id)
    assert user is not None
    return _as_json(collect(user))


def email_link_usable(token: str) -> bool:
    """Whether ``token`` is an unused, unexpired link asked for by email address (the link is not used up)."""
    if not token or len(token) > 100:
        return False
    found = db.session.scalar(
        select(PersonalDataExport.id).where(
            PersonalDataExport.token_hash == _token_hash(token),
            PersonalDataExport.user_id.is_(None),
            PersonalDataExport.downloaded_at.is_(None),
            PersonalDataExport.expires_at > utcnow(),
        )
    )
    return found is not None


def claim_email_export(token: str) -> bytes | None:
    """What is held against the link's email address, as JSON, if ``token`` is an unused, unexpired link asked
    for by email address; it is then used up. None otherwise."""
    email = db.session.scalar(
        select(PersonalDataExport.email).where(
            PersonalDataExport.token_hash == _token_hash(token or ""), PersonalDataExport.user_id.is_(None)
        )
    )
    if not email or not _claim(token, PersonalDataExport.user_id.is_(None)):
        return None
    return _as_json(collect_for_email(email))
