"""One small mail service: SMTP in production and tests, the console in development."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, has_request_context, render_template, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for emails (SERVER_BASE_URL + path), built with or without a request (background jobs)."""
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    """Build a plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="jsna.local")
    message.set_content(body)
    return message


def send_email(to: str, subject: str, template: str, **context: object) -> None:
    """Render ``templates/emails/<template>`` as plain text and send it."""
    body = render_template(f"emails/{template}", **context)
    deliver(build_message(to, subject, body))


def deliver(message: EmailMessage) -> None:
    """Hand a message to SMTP or, with MAIL_BACKEND=console, print it."""
    config = current_app.config
    if config["MAIL_BACKEND"] == "console":
        print(f"\n----- email -----\n{message}\n----- end email -----\n", flush=True)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def send_email_logged(to: str, subject: str, template: str, **context: object) -> bool:
    """Send with the service's name in the context, logging (not raising) a failure: the change is already saved."""
    try:
        send_email(
            to,
            subject,
            template,
            service_name=current_app.config["SERVICE_NAME"],
            council_name=current_app.config["COUNCIL_NAME"],
            **context,
        )
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("Could not send %s", template)
        return False
    return True
