"""Operator commands: users create, ensure-admin (first run) and seed."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.auth.passwords import verify_password
from portal.auth.services import find_user_by_email
from portal.models import Role, UserRole


def test_users_create_reads_the_password_from_stdin(app: Flask, db: object) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "Analyst@Example.org", "--role", "analyst", "--role", "steering"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = find_user_by_email("analyst@example.org")
    assert user.roles == {Role.ANALYST, Role.STEERING}
    assert user.confirmed_at is not None
    assert verify_password(user.password_hash, "a long enough passphrase")


def test_users_create_refuses_weak_passwords_and_duplicates(app: Flask) -> None:
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"], input="short\n")
    assert weak.exit_code != 0 and "10 characters or more" in weak.output
    assert find_user_by_email("a@example.org") is None
    ok = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"], input="a long enough passphrase\n")
    assert ok.exit_code == 0
    again = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"], input="another passphrase\n")
    assert again.exit_code != 0 and "already has an account" in again.output


def test_users_create_rejects_unknown_roles(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["users", "create", "b@example.org", "--role", "wizard"], input="x\n")
    assert result.exit_code != 0 and "wizard" in result.output


def test_ensure_admin_creates_one_admin_once_and_prints_the_password(
    app: Flask, db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SERVER_BASE_URL", "http://127.0.0.1:5055/")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["users", "ensure-admin"])
    assert first.exit_code == 0
    assert "Sign in at http://127.0.0.1:5055/sign-in and change the password." in first.output
    password = next(line.split(":", 1)[1].strip() for line in first.output.splitlines() if "Password:" in line)
    admin = find_user_by_email("admin@example.org")
    assert verify_password(admin.password_hash, password)
    second = runner.invoke(args=["users", "ensure-admin"])
    assert second.exit_code == 0 and "Password" not in second.output
    assert db.session.query(UserRole).filter_by(role="admin").count() == 1
