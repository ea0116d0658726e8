"""UK GDPR right of access without an account: a person enters their email address, gets a single-use, expiring
link by email (the page says the same whether or not anything is held), and downloads what is held against the
address — proposals, survey invitations, outcome subscriptions — but never anonymous survey answers."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import limiter
from portal.models import OutcomeSubscription, PersonalDataExport, SurveyInvitation, SurveyResponse
from tests.conftest import Mailbox
from tests.helpers import ClientRequest, email_body, links_in
from tests.surveys.conftest import build_survey

ADDRESS = "Pat.Jones@Example.org"
ANSWER = "my anonymous answer about the park 7f3a"


def _ask(client: FlaskClient, email: str) -> str:
    """Submit the form; returns the text of the page the person sees afterwards."""
    response = ClientRequest(client).post("/your-data", {"email": email})
    page = BeautifulSoup(client.get(response.headers["Location"]).get_data(as_text=True), "html.parser")
    main = page.find("main")
    assert main is not None
    return str(main)


def _link(mailbox: Mailbox, email: str) -> str:
    message = mailbox.last_to(email)
    assert message["Subject"] == "Your copy of your data"
    found = [link for link in links_in(message) if "/your-data/download/" in link]
    assert len(found) == 1
    return found[0].replace("http://localhost", "")


def _download(client: FlaskClient, link: str, expected_status: int = 200) -> Any:
    page = client.get(link)
    if expected_status != 200:
        assert page.status_code == expected_status
        return page
    assert page.status_code == 200 and "Download your data" in page.get_data(as_text=True)
    return ClientRequest(client).post(link, expected_status=200)


def _held_against(db: Any, email: str) -> None:
    """A proposal made without an account, a survey invitation, an outcome subscription, and an anonymous answer
    from the same survey that must stay unlinkable."""
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
            "name": "Pat Jones",
            "email": email,
            "consent": True,
        },
        idempotency_key="sar-by-email",
        send_confirmation=False,
    )
    survey = build_survey(title="Parks", audience="invited")
    db.session.add(
        SurveyInvitation(survey_id=survey.id, email=email.lower(), token_hash="a" * 64, used_on=date.today())
    )
    db.session.add(OutcomeSubscription(email=email.upper(), survey_id=survey.id))
    db.session.add(SurveyResponse(id="r" * 32, survey_id=survey.id, submitted_on=date.today(), answers={"1": ANSWER}))
    db.session.add(OutcomeSubscription(email="someone.else@example.org", survey_id=survey.id))
    db.session.commit()


def test_a_person_without_an_account_downloads_what_is_held_against_their_address_once(
    app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox
) -> None:
    _held_against(db, ADDRESS)
    _ask(client, ADDRESS.lower())
    link = _link(mailbox, ADDRESS)
    body = email_body(mailbox.last_to(ADDRESS))
    assert f"expires in {app.config['PERSONAL_DATA_LINK_HOURS']} hours" in body

    response = _download(app.test_client(), link)  # another browser: the link is all it takes
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    export = response.get_json(force=True)
    tables = export["tables"]
    assert [p["title"] for p in tables["proposals"]] == ["Loneliness among older people"]
    assert tables["proposals"][0]["proposer_email"] == ADDRESS.lower()
    assert [i["email"] for i in tables["survey_invitations"]] == [ADDRESS.lower()]
    assert [s["email"] for s in tables["outcome_subscriptions"]] == [ADDRESS.upper()]
    assert "account" not in export and "users" not in tables
    text = json.dumps(export)
    assert ANSWER not in text and "survey_responses" not in tables, "anonymous answers stay unlinkable"
    assert "someone.else@example.org" not in text
    assert "token_hash" not in text and "a" * 64 not in text
    assert any("anonymous" in note for note in export["notes"])

    assert _download(client, link, expected_status=410).status_code == 410, "the link works once"
    used = ClientRequest(client).post(link, expected_status=410)
    assert "Ask for a new link" in used.get_data(as_text=True)


def test_an_unknown_address_sees_the_same_page_and_gets_an_empty_copy(
    app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox
) -> None:
    _held_against(db, ADDRESS)
    known_page = _ask(client, ADDRESS)
    unknown = "nobody@example.net"
    unknown_page = _ask(app.test_client(), unknown)
    assert unknown_page == known_page.replace(ADDRESS, unknown)
    assert ADDRESS not in known_page, "the page does not repeat the address (or anything held against it)"

    known_mail, unknown_mail = email_body(mailbox.last_to(ADDRESS)), email_body(mailbox.last_to(unknown))
    assert known_mail.replace(_link(mailbox, ADDRESS), "") == unknown_mail.replace(_link(mailbox, unknown), "")
    for leaked in ("Loneliness", "Parks", "proposal", ADDRESS):
        assert leaked not in unknown_mail

    export = _download(client, _link(mailbox, unknown)).get_json(force=True)
    assert export["tables"] == {"personal_data_exports": export["tables"]["personal_data_exports"]}
    assert [row["email"] for row in export["tables"]["personal_data_exports"]] == [unknown]
    assert "Loneliness" not in json.dumps(export)


def test_an_expired_or_tampered_link_is_refused(app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox) -> None:
    _held_against(db, ADDRESS)
    _ask(client, ADDRESS)
    link = _link(mailbox, ADDRESS)

    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert _download(client, tampered, expected_status=410).status_code == 410
    assert ClientRequest(client).post(tampered, expected_status=410)
    assert _download(client, link + "x" * 200, expected_status=410).status_code == 410

    row = db.session.scalar(select(PersonalDataExport))
    row.expires_at -= timedelta(hours=app.config["PERSONAL_DATA_LINK_HOURS"] + 1)
    db.session.commit()
    assert _download(client, link, expected_status=410).status_code == 410
    assert ClientRequest(client).post(link, expected_status=410)
    assert db.session.scalar(select(PersonalDataExport.downloaded_at)) is None, "a refused link is not used up"


def test_an_account_holders_link_cannot_be_used_as_an_email_link(
    app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox, login_as: Any
) -> None:
    user = login_as("public")
    ClientRequest(client).post("/account/your-data")
    account_link = next(link for link in links_in(mailbox.last_to(user.email)) if "/account/your-data/" in link)
    token = account_link.rsplit("/", 1)[1]
    assert _download(app.test_client(), f"/your-data/download/{token}", expected_status=410).status_code == 410


def test_the_form_refuses_a_bad_address_and_keeps_what_was_typed(
    client: FlaskClient, db: Any, mailbox: Mailbox
) -> None:
    response = ClientRequest(client).post("/your-data", {"email": "not an address"}, expected_status=200)
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and 'value="not an address"' in html
    assert db.session.scalar(select(func.count()).select_from(PersonalDataExport)) == 0
    assert mailbox.messages == []


def test_requests_are_limited_per_address_and_per_client(app: Flask, db: Any, mailbox: Mailbox) -> None:
    for _ in range(4):
        _ask(app.test_client(), ADDRESS)
    assert len(mailbox.to(ADDRESS)) == 3, "an address gets at most 3 links an hour, however often it is typed"

    limiter.reset()  # the same client address asked four times above
    client = app.test_client()
    limit = int(app.config["YOUR_DATA_RATE_LIMIT"].split()[0])
    token = ClientRequest(client).csrf_token()
    statuses = [client.post("/your-data", data={"email": f"p{n}@example.org", "csrf_token": token}).status_code
                for n in range(limit + 1)]  # fmt: skip
    assert statuses[-1] == 429 and set(statuses[:-1]) == {303}


def test_old_requests_by_email_are_deleted(app: Flask, client: FlaskClient, db: Any, mailbox: Mailbox) -> None:
    _ask(client, ADDRESS)
    old = db.session.scalar(select(PersonalDataExport))
    old.expires_at -= timedelta(days=31)
    db.session.commit()
    _ask(app.test_client(), "someone.else@example.org")
    assert db.session.scalars(select(PersonalDataExport.email)).all() == ["someone.else@example.org"]
