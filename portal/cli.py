"""Operator commands: ``flask --app wsgi users create|ensure-admin`` and ``flask --app wsgi seed``."""

from __future__ import annotations

import importlib
import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.auth.passwords import password_problem
from portal.auth.services import create_user, find_user_by_email
from portal.extensions import db
from portal.models import Role, UserRole
from portal.retention import retention_cli
from portal.seed import SEED_STEPS

users_cli = AppGroup("users", help="Manage user accounts.")


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="", help="Display name.")
def create_user_command(email: str, roles: tuple[str, ...], name: str) -> None:
    """Create a confirmed account. The password is read from stdin when piped, prompted otherwise."""
    if find_user_by_email(email):
        raise click.ClickException(f"{email} already has an account")
    password = _read_password()
    problem = password_problem(password, current_app.config["PASSWORD_MIN_LENGTH"], email)
    if problem:
        raise click.ClickException(problem)
    create_user(email, password, [Role(r) for r in roles], display_name=name, confirmed=True)
    db.session.commit()
    click.echo(f"Created {email} with roles: {', '.join(roles)}")


@users_cli.command("ensure-admin")
@click.option("--email", default="admin@example.org", show_default=True)
def ensure_admin_command(email: str) -> None:
    """On first run, create an admin and print its email and generated password once."""
    has_admin = db.session.scalar(select(UserRole.id).where(UserRole.role == Role.ADMIN.value).limit(1))
    if has_admin:
        return
    password = secrets.token_urlsafe(12)
    create_user(email, password, [Role.ADMIN, Role.ANALYST], display_name="Portal administrator", confirmed=True)
    db.session.commit()
    click.echo("=" * 60)
    click.echo("First run: an administrator account was created. It is shown only once.")
    click.echo(f"  Email:    {email}")
    click.echo(f"  Password: {password}")
    sign_in = current_app.config["SERVER_BASE_URL"].rstrip("/") + "/sign-in"
    click.echo(f"Sign in at {sign_in} and change the password.")
    click.echo("=" * 60)


@click.command("seed")
def seed_command() -> None:
    """Load the shipped real data and the demo content. Idempotent: a second run changes nothing."""
    for step in SEED_STEPS:
        module_name, function_name = step.split(":")
        summary = getattr(importlib.import_module(module_name), function_name)()
        click.echo(f"{step}: {summary}")
    click.echo(f"Seed complete ({len(SEED_STEPS)} steps).")


def register(app: Flask) -> None:
    """Add the commands to ``flask``."""
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(retention_cli)
