"""UK GDPR right of access: a person gets everything held about them, through a single-use link that expires and
works only for them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.models import PersonalDataExport, Role, SurveyDraft, User
from tests.conftest import Mailbox, sign_in
from tests.helpers import ClientRequest, email_body, links_in
from tests.surveys.conftest import build_survey


def _ask(client: FlaskClient, mailbox: Mailbox, user: User) -> str:
    ClientRequest(client).post("/account/your-data")
    message = mailbox.last_to(user.email)
    assert message["Subject"] == "Your copy of your data"
    return next(link for link in links_in(message) if "/account/your-data/" in link).replace("http://localhost", "")


def _held_about(db: Any, user: User, make_user: Callable[..., User]) -> None:
    """Things stored about the person in other features: a proposal, a survey draft, an admin's change."""
    from portal.admin import services as admin
    from portal.proposals import services as proposals

    proposals.submit_proposal(
        {
            "title": "Loneliness among older people",
            "need": "Many older people live alone.",
            "population_groups": ["carers"],
            "age_groups": ["65_plus"],
            "wards": [],
            "evidence_of_need": "Waiting lists.",
            "decisions_informed": "Befriending services.",
            "proposer_type": "public",
            "proposer_name": "Pat Jones",
            "proposer_email": user.email,
        },
        idempotency_key="sar-test",
        proposer_id=user.id,
    )
    survey = build_survey(title="Parks")
    db.session.add(SurveyDraft(survey_id=survey.id, key_hash="k" * 64, user_id=user.id, answers={"1": "Yes"}))
    db.session.commit()
    admin.set_roles(user.id, {Role.PUBLIC, Role.STAKEHOLDER}, make_user(Role.ADMIN))


def test_a_person_downloads_everything_held_about_them_once(
    app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.PUBLIC, display_name="Pat Jones")
    other = make_user(Role.PUBLIC, display_name="Someone Else")
    _held_about(db, user, make_user)
    sign_in(client, user.email)
    link = _ask(client, mailbox, user)

    response = client.get(link)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    export = response.get_json(force=True)
    assert export["account"]["email"] == user.email and export["account"]["display_name"] == "Pat Jones"
    tables = export["tables"]
    assert {grant["role"] for grant in tables["user_roles"]} == {"public", "stakeholder"}
    assert tables["proposals"][0]["title"] == "Loneliness among older people"
    assert tables["survey_drafts"][0]["answers"] == {"1": "Yes"}
    assert any(event["action"] == "roles_changed" for event in tables["audit_events"])
    text = json.dumps(export)
    for secret in ("password_hash", "session_token", "token_hash", "key_hash", user.password_hash):
        assert secret not in text
    assert other.email not in text and "Someone Else" not in text
    assert any("anonymous" in note for note in export["notes"])

    again = client.get(link)
    assert again.status_code == 410, "the link works once"


def test_the_link_works_only_for_its_owner_and_only_while_signed_in(
    app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.PUBLIC)
    sign_in(client, user.email)
    link = _ask(client, mailbox, user)

    stranger = app.test_client()
    assert stranger.get(link).status_code == 302, "not signed in: sent to sign in, and the link is not used up"
    sign_in(stranger, make_user(Role.ADMIN).email)
    assert stranger.get(link).status_code == 410, "someone else's link finds nothing, even for an administrator"
    assert client.get(link).status_code == 200


def test_the_link_expires(
    app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.PUBLIC)
    sign_in(client, user.email)
    link = _ask(client, mailbox, user)
    assert f"expires in {app.config['PERSONAL_DATA_LINK_HOURS']} hours" in email_body(mailbox.last_to(user.email))
    row = db.session.scalar(select(PersonalDataExport))
    row.expires_at -= timedelta(hours=app.config["PERSONAL_DATA_LINK_HOURS"] + 1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "Ask for a new link" in response.get_data(as_text=True)
