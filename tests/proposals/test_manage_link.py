"""A proposer without an account follows and manages their proposal through the signed link in their emails and on
the confirmation page: status trail, withdraw, erase personal data; expired and tampered links; asking for a new one."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import select

from portal import background
from portal.auth.tokens import TokenPurpose, make_token
from portal.extensions import db
from portal.models import AuditEvent, Proposal, ProposalStatus
from portal.proposals import lifecycle, proposer_links
from tests.conftest import Mailbox
from tests.helpers import ClientRequest, email_body, links_in
from tests.proposals.conftest import submit, walk

S = ProposalStatus
MANAGE = re.compile(r"^/topics/manage/[A-Za-z0-9_.\-]+$")


def manage_path(links: list[str]) -> str:
    """The path of the one manage link among ``links``."""
    found = [urlsplit(link).path for link in links if "/topics/manage/" in link]
    assert len(found) == 1, f"expected one manage link, got {links}"
    assert MANAGE.match(found[0]), found[0]
    return found[0]


def reload(proposal: Proposal) -> Proposal:
    db.session.expire_all()
    found = db.session.get(Proposal, proposal.id)
    assert found is not None
    return found


@pytest.fixture
def stranger(app: Flask) -> ClientRequest:
    """Another browser, never signed in: only the link itself can let it in."""
    return ClientRequest(app.test_client())


@pytest.fixture
def drain_email_queue() -> Iterator[Callable[[], None]]:
    """Wait until the in-process email queue has run everything submitted so far (it runs one task at a time)."""

    def drain() -> None:
        background._executor("email").submit(lambda: None).result(timeout=20)

    yield drain
    drain()


def test_every_link_in_the_receipt_works_for_a_proposer_who_is_not_signed_in(
    client_request: ClientRequest, stranger: ClientRequest, wards: dict[str, str], mailbox: Mailbox
) -> None:
    walk(client_request)
    submit(client_request)
    [proposal] = db.session.scalars(select(Proposal)).all()
    message = mailbox.last_to("ada@example.org")
    links = links_in(message)
    for link in links:
        assert stranger.response(urlsplit(link).path).status_code == 200, f"{link} does not open when signed out"

    page = stranger.get(manage_path(links))
    text = page.get_text(" ", strip=True)
    assert page.h1.get_text(strip=True) == "Loneliness among older people"
    assert proposal.reference in text and "Waiting for moderation" in text
    assert "Received" in page.select_one("ol.govuk-list").get_text(), "the status trail is shown"
    assert "ada@example.org" in text, "the proposer sees the details they gave"
    assert "90 days" in email_body(message)


def test_the_confirmation_page_offers_the_manage_link(
    client_request: ClientRequest, stranger: ClientRequest, wards: dict[str, str]
) -> None:
    walk(client_request, contact={"name": "", "email": ""})
    submit(client_request)
    confirmation = client_request.get("/topics/propose/confirmation")
    reference = confirmation.select_one(".govuk-panel strong").get_text(strip=True)
    link = confirmation.find("a", string=f"Follow or manage proposal {reference}")
    assert link is not None and MANAGE.match(link["href"])
    assert confirmation.find("h2", string="Follow or manage your proposal")
    page = stranger.get(link["href"])
    assert reference in page.get_text()


def test_withdrawing_through_the_link(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], mailbox: Mailbox
) -> None:
    proposal = make_proposal(S.PUBLISHED, email="ada@example.org", consent=True)
    path = manage_path(links_in(mailbox.last_to("ada@example.org")))
    page = client_request.get(path)
    withdraw = page.find("a", string="Withdraw your proposal")["href"]
    confirm = client_request.get(withdraw)
    assert confirm.h1.get_text(strip=True) == f"Are you sure you want to withdraw ‘{proposal.title}’?"
    assert confirm.select_one("a.govuk-back-link")["href"] == path

    response = client_request.post(withdraw, {})
    assert response.headers["Location"] == path
    proposal = reload(proposal)
    assert proposal.status == S.WITHDRAWN
    event = proposal.events[-1]
    assert (event.actor_id, event.reason_code) == (None, "proposer")
    after = client_request.get(path)
    assert "You have withdrawn" in after.get_text()
    assert after.find("a", string="Withdraw your proposal") is None, "a withdrawn proposal cannot be withdrawn again"
    assert "Withdrawn" in after.select_one("ol.govuk-list").get_text()


def test_withdrawing_needs_the_confirmation_form(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], mailbox: Mailbox
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True)
    path = manage_path(links_in(mailbox.last_to("ada@example.org")))
    client_request.post(f"{path}/withdraw", {}, expected_status=400, csrf=False)
    assert reload(proposal).status == S.SUBMITTED


def test_removing_personal_data_through_the_link_ends_the_link(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], mailbox: Mailbox
) -> None:
    proposal = make_proposal(S.PUBLISHED, email="ada@example.org", consent=True, name="Ada Lovelace")
    path = manage_path(links_in(mailbox.last_to("ada@example.org")))
    remove = client_request.get(path).find("a", string="Remove your personal data")["href"]
    confirm = client_request.get(remove)
    assert "this link will stop working" in confirm.get_text()

    response = client_request.post(remove, {})
    assert response.headers["Location"] == "/topics/manage/removed"
    done = client_request.get("/topics/manage/removed")
    assert "Your personal data has been removed" in done.select_one(".govuk-panel").get_text()
    proposal = reload(proposal)
    assert (proposal.proposer_name, proposal.proposer_email, proposal.contact_consent) == ("", "", False)
    assert proposal.personal_data_removed_at is not None
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal_personal_data_removed"))
    assert audit is not None and audit.object_id == str(proposal.id) and audit.actor_id is None

    gone = client_request.get(path, expected_status=400)
    assert gone.h1.get_text(strip=True) == "This link cannot be used"
    assert "Ada Lovelace" not in gone.get_text() and proposal.reference not in str(gone)


def test_status_emails_carry_the_public_page_and_a_manage_link(
    stranger: ClientRequest, make_proposal: Callable[..., Proposal], mailbox: Mailbox
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True)
    lifecycle.change_status(proposal.id, S.PUBLISHED, "", None)
    links = links_in(mailbox.last_to("ada@example.org"))
    assert f"http://localhost/topics/{proposal.reference}" in links
    page = stranger.get(manage_path(links))
    assert "Published" in page.get_text()
    assert page.find("a", href=f"/topics/{proposal.reference}"), "a published proposal links to its public page"


def test_an_expired_link_offers_a_new_one(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True)
    with monkeypatch.context() as patch:  # a link sent 91 days ago
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 91 * 86400)
        token = proposer_links.make_manage_token(proposal)
    page = client_request.get(f"/topics/manage/{token}", expected_status=410)
    assert page.h1.get_text(strip=True) == "This link has expired"
    form = page.find("form", action="/topics/manage/new-link")
    assert form.find("input", attrs={"name": "reference"})["value"] == proposal.reference
    assert form.find("input", attrs={"name": "email"}).get("value", "") == ""
    client_request.post(f"/topics/manage/{token}/withdraw", {}, expected_status=410)
    assert reload(proposal).status == S.SUBMITTED, "an expired link cannot withdraw"


def test_a_link_lasts_as_long_as_configured(
    client_request: ClientRequest,
    app: Flask,
    make_proposal: Callable[..., Proposal],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 10 * 86400)
        token = proposer_links.make_manage_token(proposal)
    client_request.get(f"/topics/manage/{token}")
    monkeypatch.setitem(app.config, "PROPOSAL_MANAGE_LINK_DAYS", 7)
    client_request.get(f"/topics/manage/{token}", expected_status=410)


@pytest.mark.parametrize("kind", ["tampered", "truncated", "other purpose", "unknown proposal"])
def test_a_tampered_link_cannot_be_used(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], kind: str
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True, name="Ada Lovelace")
    token = proposer_links.make_manage_token(proposal)
    bad = {
        "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "truncated": token[: len(token) // 2],
        "other purpose": make_token(TokenPurpose.RESUME, {"p": proposal.id}),
        "unknown proposal": make_token(TokenPurpose.MANAGE_PROPOSAL, {"p": proposal.id + 1000}),
    }[kind]
    page = client_request.get(f"/topics/manage/{bad}", expected_status=400)
    assert page.h1.get_text(strip=True) == "This link cannot be used"
    assert "Ada Lovelace" not in page.get_text() and proposal.reference not in str(page)
    assert page.find("form", action="/topics/manage/new-link")
    client_request.post(f"/topics/manage/{bad}/remove-personal-data", {}, expected_status=400)
    assert reload(proposal).proposer_name == "Ada Lovelace"


def test_asking_for_a_new_link_reveals_nothing_and_emails_only_the_proposer(
    client_request: ClientRequest,
    stranger: ClientRequest,
    make_proposal: Callable[..., Proposal],
    mailbox: Mailbox,
    drain_email_queue: Callable[[], None],
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True)
    mailbox.clear()
    attempts = [
        (proposal.reference, "someone@example.org"),  # the wrong address
        ("JSNA-2001-0001", "ada@example.org"),  # no such proposal
        (proposal.reference.lower(), "Ada@Example.org"),  # the right details, typed loosely
    ]
    answers = []
    for reference, email in attempts:
        response = client_request.post("/topics/manage/new-link", {"reference": reference, "email": email})
        answers.append(response.headers["Location"])
    assert answers == ["/topics/manage/link-sent"] * 3, "every request gets the same answer"
    page = client_request.get("/topics/manage/link-sent")
    assert "If the reference number and email address match a proposal" in page.get_text()

    drain_email_queue()
    assert [str(m["To"]) for m in mailbox.messages] == ["ada@example.org"]
    message = mailbox.last_to("ada@example.org")
    assert proposal.reference in message["Subject"]
    assert proposal.reference in stranger.get(manage_path(links_in(message))).get_text()


def test_no_new_link_once_the_personal_data_is_removed(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    mailbox: Mailbox,
    drain_email_queue: Callable[[], None],
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True)
    path = manage_path(links_in(mailbox.last_to("ada@example.org")))
    client_request.post(f"{path}/remove-personal-data", {})
    mailbox.clear()
    client_request.post("/topics/manage/new-link", {"reference": proposal.reference, "email": "ada@example.org"})
    drain_email_queue()
    assert mailbox.messages == []


def test_the_new_link_form_explains_its_errors(client_request: ClientRequest) -> None:
    response = client_request.post(
        "/topics/manage/new-link", {"reference": "42", "email": "not an address"}, expected_status=200
    )
    page = client_request.get("/topics/manage/new-link")  # the same form, unbound, has no errors
    assert not page.select(".govuk-error-summary")
    text = response.get_data(as_text=True)
    assert "Enter a reference number like JSNA-2026-0042" in text
    assert "Enter an email address in the correct format" in text
    assert "<title>Error: " in text


def test_asking_for_new_links_is_rate_limited(
    client_request: ClientRequest, drain_email_queue: Callable[[], None]
) -> None:
    data = {"reference": "JSNA-2026-0001", "email": "ada@example.org"}
    for _ in range(5):
        client_request.post("/topics/manage/new-link", data)
    client_request.post("/topics/manage/new-link", data, expected_status=429)


def test_manage_pages_are_never_cached(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], app: Flask
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    token = proposer_links.make_manage_token(proposal)
    for path in (f"/topics/manage/{token}", f"/topics/manage/{token}/withdraw", "/topics/manage/not-a-token"):
        assert client_request.response(path).headers["Cache-Control"] == "no-store", path


def test_a_merged_proposal_points_to_where_it_went(
    stranger: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    target = make_proposal(S.PUBLISHED, title="Loneliness in later life")
    duplicate = make_proposal(S.SUBMITTED, email="ada@example.org", consent=True)
    lifecycle.merge_proposals(duplicate.id, target.reference, "", None)
    page = stranger.get(f"/topics/manage/{proposer_links.make_manage_token(duplicate)}")
    inset = page.select_one(".govuk-inset-text")
    assert target.reference in inset.get_text() and inset.find("a", href=f"/topics/{target.reference}")
    assert page.find("a", string="Withdraw your proposal") is None
