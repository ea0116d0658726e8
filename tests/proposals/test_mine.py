"""A proposer's own proposals: withdraw, remove personal data; nobody else's private data."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Proposal, ProposalStatus, Role, User
from portal.proposals import lifecycle, personal_data, vocabulary
from tests.conftest import Mailbox, sign_in
from tests.helpers import ClientRequest

S = ProposalStatus


def test_my_proposals_lists_mine_by_account_and_by_confirmed_email(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], make_user: Callable[..., User]
) -> None:
    me = make_user(Role.PUBLIC, email="me@example.org")
    by_account = make_proposal(S.SUBMITTED, title="By account", proposer_id=me.id)
    by_email = make_proposal(title="By email", email="ME@example.org", consent=True)
    make_proposal(title="Someone else's", email="other@example.org", consent=True, name="Other Person")
    sign_in(client_request.client, me.email)
    page = client_request.get("/topics/mine")
    cards = [
        card.select_one(".govuk-summary-card__title").get_text(strip=True)
        for card in page.select(".govuk-summary-card")
    ]
    assert sorted(cards) == ["By account", "By email"]
    assert "Other Person" not in page.get_text() and "other@example.org" not in page.get_text()
    assert page.find("a", href=f"/topics/{by_account.reference}/withdraw")
    assert page.find("a", href=f"/topics/{by_email.reference}/remove-personal-data")


def test_my_proposals_needs_signing_in(client_request: ClientRequest) -> None:
    response = client_request.response("/topics/mine")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_withdrawing_my_proposal(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    mailbox: Mailbox,
) -> None:
    me = login_as(Role.PUBLIC)
    proposal = make_proposal(proposer_id=me.id, email="me@example.org", consent=True)
    page = client_request.get(f"/topics/{proposal.reference}/withdraw")
    assert proposal.title in page.h1.get_text()
    response = client_request.post(f"/topics/{proposal.reference}/withdraw", {})
    assert response.headers["Location"] == "/topics/mine"
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == S.WITHDRAWN
    event = proposal.events[-1]
    assert (event.actor_id, event.public_answer) == (me.id, vocabulary.DEFAULT_ANSWERS[S.WITHDRAWN])
    assert "Withdrawn" in mailbox.last_to("me@example.org").get_body().get_content()
    mine = client_request.get("/topics/mine")
    assert not mine.find("a", href=f"/topics/{proposal.reference}/withdraw"), "nothing left to withdraw"
    response = client_request.post(f"/topics/{proposal.reference}/withdraw", {})  # again
    assert "can no longer be withdrawn" in client_request.get("/topics/mine").get_text()


def test_removing_my_personal_data_keeps_the_proposal(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    make_user: Callable[..., User],
    mailbox: Mailbox,
) -> None:
    me = login_as(Role.PUBLIC)
    proposal = make_proposal(S.SUBMITTED, proposer_id=me.id, name="Me Myself", email="me@example.org", consent=True)
    personal_data.edit_text(proposal.id, {"need": "Edited need"}, "It named a neighbour", make_user(Role.ANALYST).id)
    lifecycle.change_status(proposal.id, S.PUBLISHED, "", None)
    client_request.get(f"/topics/{proposal.reference}/remove-personal-data")
    response = client_request.post(f"/topics/{proposal.reference}/remove-personal-data", {})
    assert response.headers["Location"] == "/topics/mine"
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert (proposal.proposer_name, proposal.proposer_email, proposal.proposer_id) == ("", "", None)
    assert proposal.personal_data_removed_at is not None
    assert proposal.edits[0].original_value == personal_data.REMOVED, "the moderator's copy of the original goes too"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal_personal_data_removed"))
    assert (audit.object_id, audit.actor_id) == (str(proposal.id), me.id)
    public = client_request.get(f"/topics/{proposal.reference}")
    assert public.h1.get_text(strip=True) == proposal.title, "the proposal stays, de-personalised"
    assert proposal.reference not in client_request.get("/topics/mine").get_text()
    mailbox.clear()
    lifecycle.change_status(proposal.id, S.SHORTLISTED, "", None)
    assert mailbox.messages == [], "no more emails"


def test_nobody_else_can_withdraw_or_see_my_data(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    make_user: Callable[..., User],
    login_as: Callable[..., User],
) -> None:
    owner = make_user(Role.PUBLIC)
    waiting = make_proposal(S.SUBMITTED, proposer_id=owner.id, name="Private Name")
    published = make_proposal(proposer_id=owner.id, name="Private Name", email="private@example.org", consent=True)
    login_as(Role.STAKEHOLDER)
    for proposal in (waiting, published):
        for path in ("withdraw", "remove-personal-data"):
            client_request.get(f"/topics/{proposal.reference}/{path}", expected_status=404)
            client_request.post(f"/topics/{proposal.reference}/{path}", {}, expected_status=404)
    client_request.get(f"/topics/{waiting.reference}", expected_status=404)
    page = client_request.get(f"/topics/{published.reference}")
    assert "Private Name" not in page.get_text() and "private@example.org" not in page.get_text()
    db.session.expire_all()
    assert db.session.get(Proposal, waiting.id).status == S.SUBMITTED
    assert db.session.get(Proposal, published.id).proposer_email == "private@example.org"
