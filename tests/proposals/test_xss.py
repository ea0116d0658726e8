"""Hostile input in every field is shown escaped and inert everywhere: list, detail, moderation, emails."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import Proposal, Role, User
from tests.conftest import Mailbox, sign_in
from tests.helpers import ClientRequest, email_body
from tests.proposals.conftest import DEFAULT_PAGES, submit, walk

SCRIPT = "<script>alert('xss-script')</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_LINK = "javascript:alert(2)"
HX = '<a hx-get="/staff/moderation" hx-trigger="load" href="javascript:alert(3)">click</a>'
TEMPLATE = "{{7*7}}"
PAYLOAD = " ".join([SCRIPT, IMG, JS_LINK, HX, TEMPLATE])
SHORT = f"{IMG} {TEMPLATE} {SCRIPT}"  # for the fields limited to 120 characters


def assert_inert(html: str, where: str, *, shows_payload: bool = True) -> None:
    """No script, event handler, javascript: URL or htmx attribute came from the payload; the text shows it."""
    page = BeautifulSoup(html, "html.parser")
    for script in page.find_all("script"):
        assert script.get("src") or script.get("nonce"), f"{where}: a script without src or nonce"
        assert "xss" not in script.get_text() and "alert" not in script.get_text(), f"{where}: injected script"
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            if name == "value" and tag.name == "input":
                continue  # a text box shows what was typed; the browser never runs it
            if name == "content" and tag.name == "meta" and tag.get("name") == "description":
                continue  # the default description repeats the (escaped) page title as plain text; never run
            assert not name.lower().startswith("on"), f"{where}: event handler {name} on <{tag.name}>"
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not text.strip().lower().startswith("javascript:"), f"{where}: javascript: URL in {name}"
            assert "alert(" not in text, f"{where}: payload inside attribute {name} of <{tag.name}>"
        assert tag.get("hx-trigger") != "load", f"{where}: injected htmx element"
    assert not page.find("img", src="x"), f"{where}: injected image"
    assert "<script>alert" not in html, f"{where}: raw script tag"
    if not shows_payload:
        return
    text = page.get_text(" ")
    assert TEMPLATE in text, f"{where}: the template expression must be shown as typed, not evaluated"
    assert "alert('xss-script')" in text, f"{where}: the payload is shown as text"


def assert_plain_text_email(message: EmailMessage) -> None:
    assert not message.is_multipart() and message.get_content_type() == "text/plain", "emails are plain text"
    body = email_body(message)
    assert TEMPLATE in body and SCRIPT in body, "shown as typed (plain text cannot run anything)"
    assert "&lt;" not in body, "and not HTML-escaped into nonsense"


def test_hostile_input_is_inert_everywhere(
    client: FlaskClient,
    client_request: ClientRequest,
    wards: dict[str, str],
    make_user: Callable[..., User],
    mailbox: Mailbox,
) -> None:
    proposer = make_user(Role.PUBLIC, email="xss@example.org")
    sign_in(client, proposer.email)
    pages = {
        **DEFAULT_PAGES,
        "title": {"title": PAYLOAD},
        "need": {"need": PAYLOAD},
        "who": {"population_groups": ["other"], "population_other": SHORT},
        "evidence": {"evidence_of_need": PAYLOAD},
        "decisions": {"decisions_informed": PAYLOAD},
        "proposer": {"proposer_type": "stakeholder"},
    }
    pages.pop("contact")
    pages["organisation"] = {"organisation": PAYLOAD, "sector": "vcs"}
    pages["contact"] = {"name": SHORT, "email": "xss@example.org", "consent": "y"}
    walk(client_request, pages)
    assert_inert(client_request.client.get("/topics/propose/check").get_data(as_text=True), "check your answers")
    submit(client_request)
    assert_inert(
        client_request.client.get("/topics/propose/confirmation").get_data(as_text=True),
        "confirmation",
        shows_payload=False,
    )
    proposal = db.session.scalar(select(Proposal))
    assert proposal.title == PAYLOAD and proposal.proposer_name == SHORT, "stored exactly as typed"
    assert_plain_text_email(mailbox.last_to("xss@example.org"))
    pages = {
        "my proposals": "/topics/mine",
        "own unpublished proposal": f"/topics/{proposal.reference}",
    }
    for where, url in pages.items():
        assert_inert(client.get(url).get_data(as_text=True), where)

    moderator = make_user(Role.ANALYST)
    client_request.post("/sign-out", {})
    sign_in(client, moderator.email)
    staff_pages = {
        "moderation queue": "/staff/moderation",
        "review": f"/staff/moderation/{proposal.reference}",
        "edit": f"/staff/moderation/{proposal.reference}/edit",
    }
    for where, url in staff_pages.items():
        assert_inert(client.get(url).get_data(as_text=True), where)
    search = client.get("/staff/moderation?q=img", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert_inert(search, "moderation search fragment")
    mailbox.clear()
    published = client_request.post(
        f"/staff/moderation/{proposal.reference}/publish", {"public_answer": PAYLOAD}, expected_status=200, htmx=True
    )
    assert_inert(published.get_data(as_text=True), "queue row after publishing")
    assert_plain_text_email(mailbox.last_to("xss@example.org"))

    client_request.post("/sign-out", {})
    public_pages = {
        "public list": "/topics",
        "public detail": f"/topics/{proposal.reference}",
    }
    for where, url in public_pages.items():
        assert_inert(client.get(url).get_data(as_text=True), where)
    fragments = {
        "list search": "/topics?q=script",
        "similar titles": "/topics/propose/similar?title=script+alert+img+onerror",
    }
    for where, url in fragments.items():
        html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert proposal.reference in html, f"{where}: the proposal is found"
        page = BeautifulSoup(html, "html.parser")
        assert not page.find("script") and not page.find("img"), where
        assert not any(k.startswith("on") for tag in page.find_all(True) for k in tag.attrs), where
    # The search box echoes the query; it is escaped too.
    echoed = client.get("/topics?q=" + IMG.replace(" ", "+")).get_data(as_text=True)
    assert not BeautifulSoup(echoed, "html.parser").find("img", src="x")


def test_hostile_input_in_the_similar_title_box_is_inert(client: FlaskClient) -> None:
    html = client.get("/topics/propose/similar", query_string={"title": PAYLOAD}).get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    assert not page.find("img", src="x") and "<script>alert" not in html
    assert page.h1.get_text().count("alert") == 4, "the typed title is echoed as text"


def test_over_long_hostile_title_is_kept_escaped(client_request: ClientRequest) -> None:
    typed = PAYLOAD * 2
    response = client_request.post("/topics/propose/title", {"title": typed})
    html = client_request.client.get(response.headers["Location"]).get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one("input#title")["value"] == typed
    assert not page.find("img", src="x") and "<script>alert" not in html
