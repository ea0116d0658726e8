"""UK GDPR right of access: a copy of everything the portal holds about a person, as a single-use, expiring download.

What is collected is found, not listed: every row of every table with a column that refers to the person's account
or holds their email address, plus audit entries about their account and their sign-in lockout record. Secrets
(password hash, session secret, hashes of link tokens) are left out. Anonymous survey answers are, by design,
linked to nobody, so they cannot be found (the export says so).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Table, inspect, or_, select, update

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


def _personal_columns(table: Table, user: User) -> list[Any]:
    conditions = []
    for column in table.columns:
        if any(key.column.table.name == "users" for key in column.foreign_keys):
            conditions.append(column == user.id)
        elif column.name == "email" or column.name.endswith("_email"):
            conditions.append(column == user.email)
    return conditions


def collect(user: User) -> dict[str, Any]:
    """Everything held about ``user``, as plain JSON-ready data."""
    present = set(inspect(db.engine).get_table_names())
    account = _rows(User.__table__, User.id == user.id)[0]  # type: ignore[arg-type]
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in db.metadata.sorted_tables:
        if table.name == "users" or table.name not in present:
            continue
        conditions = _personal_columns(table, user)
        if table.name == AuditEvent.__tablename__:
            conditions.append((table.c.object_type == "user") & (table.c.object_id == str(user.id)))
        if table.name == SignInThrottle.__tablename__:
            conditions.append(table.c.key == throttle.throttle_key(user.email))
        if not conditions:
            continue
        rows = _rows(table, or_(*conditions))
        if rows:
            tables[table.name] = rows
    return {
        "service": current_app.config["SERVICE_NAME"],
        "controller": current_app.config["COUNCIL_NAME"],
        "generated_at": utcnow().isoformat(),
        "account": account,
        "tables": tables,
        "notes": NOTES,
    }


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


def claim_export(token: str, user_id: int) -> bytes | None:
    """The export, as JSON, if ``token`` is this user's unused, unexpired link; it is then used up. None otherwise."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    claimed = db.session.execute(
        update(PersonalDataExport)
        .where(
            PersonalDataExport.token_hash == _token_hash(token),
            PersonalDataExport.user_id == user_id,
            PersonalDataExport.downloaded_at.is_(None),
            PersonalDataExport.expires_at > now,
        )
        .values(downloaded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a DML Result is a CursorResult
        db.session.rollback()
        return None
    db.session.commit()
    user = db.session.get(User, user_id)
    assert user is not None
    return json.dumps(collect(user), indent=2, ensure_ascii=False, default=str).encode()
