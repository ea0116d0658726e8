"""/.well-known/security.txt (RFC 9116): a contact from CONTACT_EMAIL and an Expires date a year ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient


def test_security_txt_names_the_contact_and_expires_in_a_year(app: Flask, client: FlaskClient) -> None:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields["Contact"] == f"mailto:{app.config['CONTACT_EMAIL']}"
    assert fields["Canonical"] == "http://localhost/.well-known/security.txt"
    expires = datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert fields["Expires"].endswith("Z")  # RFC 9116 asks for an internet date-time
    assert timedelta(days=364) < expires - datetime.now(UTC) <= timedelta(days=365)


def test_security_txt_follows_the_configured_contact(app: Flask, client: FlaskClient, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "security@example.gov.uk")
    assert "Contact: mailto:security@example.gov.uk\n" in client.get("/.well-known/security.txt").get_data(as_text=True)
