"""The moderation queue and its actions, for analysts and administrators only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Proposal, ProposalStatus, Role, User
from portal.proposals import finding, supports, vocabulary
from tests.conftest import Mailbox
from tests.helpers import ClientRequest, email_body, error_summary_texts

S = ProposalStatus

ACTIONS = ["publish", "not-publish", "merge", "status", "edit"]


def status_of(proposal: Proposal) -> str:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id).status


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.STAKEHOLDER, Role.STEERING, Role.COMMISSIONER])
def test_only_analysts_and_admins_reach_moderation(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    role: Role,
) -> None:
    proposal = make_proposal(S.SUBMITTED, name="Private Name")
    other = make_proposal()
    login_as(role)
    client_request.get("/staff/moderation", expected_status=403)
    client_request.get(f"/staff/moderation/{proposal.reference}", expected_status=403)
    client_request.get(f"/staff/moderation/{proposal.reference}/edit", expected_status=403)
    data = {
        "public_answer": "x",
        "reason": "duplicate",
        "duplicate_of": other.reference,
        "target": other.reference,
        "status": "published",
        "title": "Hacked",
        "need": "Hacked",
        "reason_text": "x",
    }
    for action in ACTIONS:
        client_request.post(f"/staff/moderation/{proposal.reference}/{action}", data, expected_status=403)
    assert status_of(proposal) == S.SUBMITTED
    assert db.session.get(Proposal, proposal.id).title != "Hacked"


def test_anonymous_visitors_are_sent_to_sign_in(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    assert client_request.response("/staff/moderation").status_code == 302
    response = client_request.post(f"/staff/moderation/{proposal.reference}/publish", {}, expected_status=302)
    assert response.headers["Location"].startswith("/sign-in")
    assert status_of(proposal) == S.SUBMITTED


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN])
def test_the_queue_lists_waiting_proposals_oldest_first(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User], role: Role
) -> None:
    first = make_proposal(S.SUBMITTED, title="First")
    make_proposal(S.PUBLISHED, title="Already published")
    second = make_proposal(S.SUBMITTED, title="Second")
    login_as(role)
    page = client_request.get("/staff/moderation")
    rows = [row["id"] for row in page.select("tbody tr")]
    assert rows == [f"row-{first.reference}", f"row-{second.reference}"]
    assert "2 proposals are waiting" in page.get_text()
    everything = client_request.get("/staff/moderation?view=all")
    assert len(everything.select("tbody tr")) == 3
    found = client_request.get("/staff/moderation?view=all&q=already", htmx=True)
    assert [row["id"] for row in found.select("tr[id]")] == [f"row-{make_ref(found)}"]


def make_ref(fragment: object) -> str:
    row = fragment.select_one("tr[id]")  # type: ignore[attr-defined]
    return row["id"].removeprefix("row-")


def test_quick_publish_from_the_queue_with_htmx(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    mailbox: Mailbox,
) -> None:
    proposal = make_proposal(S.SUBMITTED, email="p@example.org", consent=True)
    analyst = login_as(Role.ANALYST)
    page = client_request.get("/staff/moderation")
    form = page.select_one(f"#row-{proposal.reference} form")
    assert form["action"] == form["hx-post"] == f"/staff/moderation/{proposal.reference}/publish"
    assert form["hx-target"] == f"#row-{proposal.reference}"
    mailbox.clear()
    response = client_request.post(form["action"], {"next": "/staff/moderation"}, expected_status=200, htmx=True)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr") and "Published" in html
    assert status_of(proposal) == S.PUBLISHED
    event = db.session.get(Proposal, proposal.id).events[-1]
    assert event.actor_id == analyst.id and event.public_answer == vocabulary.DEFAULT_ANSWERS[S.PUBLISHED]
    assert "New status: Published" in email_body(mailbox.last_to("p@example.org"))


def test_publish_without_javascript_returns_to_the_queue(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    login_as(Role.ANALYST)
    response = client_request.post(f"/staff/moderation/{proposal.reference}/publish", {"next": "/staff/moderation"})
    assert response.headers["Location"] == "/staff/moderation"
    response = client_request.post(f"/staff/moderation/{proposal.reference}/publish", {"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/staff/moderation/{proposal.reference}", "no open redirect"
    assert "cannot become" in client_request.get(response.headers["Location"]).get_text()


def test_review_page_shows_personal_data_and_actions(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal(S.SUBMITTED, name="Ada Lovelace", email="ada@example.org", consent=True)
    login_as(Role.ANALYST)
    page = client_request.get(f"/staff/moderation/{proposal.reference}")
    text = page.get_text(" ", strip=True)
    assert "Ada Lovelace" in text and "ada@example.org" in text
    actions = {form["action"].rsplit("/", 1)[1] for form in page.select("main form[method=post]")}
    assert actions == {"publish", "not-publish", "merge"}


def test_not_publishing_as_a_duplicate_needs_the_reference(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    mailbox: Mailbox,
) -> None:
    original = make_proposal(title="Original")
    proposal = make_proposal(S.SUBMITTED, email="p@example.org", consent=True)
    login_as(Role.ANALYST)
    url = f"/staff/moderation/{proposal.reference}/not-publish"
    response = client_request.post(url, {"reason": "duplicate"}, expected_status=200)
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert error_summary_texts(page) == ["Enter the reference of the proposal it duplicates"]
    response = client_request.post(url, {"reason": "duplicate", "duplicate_of": "JSNA-2020-9999"}, expected_status=200)
    assert "Enter the reference of an existing proposal" in response.get_data(as_text=True)
    mailbox.clear()
    client_request.post(url, {"reason": "duplicate", "duplicate_of": original.reference.lower(), "public_answer": ""})
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    event = proposal.events[-1]
    assert (proposal.status, event.reason_code, event.related_proposal_id) == (
        S.NOT_PUBLISHED,
        "duplicate",
        original.id,
    )
    assert original.reference in event.public_answer
    assert original.reference in email_body(mailbox.last_to("p@example.org"))


@pytest.mark.parametrize("reason", ["out_of_scope", "personal_data"])
def test_not_publishing_with_a_reason(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User], reason: str
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    login_as(Role.ADMIN)
    client_request.post(
        f"/staff/moderation/{proposal.reference}/not-publish", {"reason": reason, "public_answer": "Sorry: not for us."}
    )
    db.session.expire_all()
    event = db.session.get(Proposal, proposal.id).events[-1]
    assert (event.to_status, event.reason_code, event.public_answer) == ("not_published", reason, "Sorry: not for us.")


def test_merging_from_the_review_page(
    client_request: ClientRequest,
    make_proposal: Callable[..., Proposal],
    login_as: Callable[..., User],
    make_user: Callable[..., User],
) -> None:
    target, duplicate = make_proposal(title="Target"), make_proposal(title="Duplicate")
    supports.add_support(duplicate.id, make_user(Role.PUBLIC))
    login_as(Role.ANALYST)
    response = client_request.post(f"/staff/moderation/{duplicate.reference}/merge", {"target": target.reference})
    assert response.headers["Location"] == f"/staff/moderation/{target.reference}"
    assert status_of(duplicate) == S.MERGED
    assert finding.support_count(target.id) == 1
    page = client_request.get(f"/staff/moderation/{target.reference}")
    assert duplicate.reference in page.get_text()
    response = client_request.post(
        f"/staff/moderation/{target.reference}/merge", {"target": target.reference}, expected_status=200
    )
    assert "cannot be merged into itself" in response.get_data(as_text=True)


def test_editing_personal_data_out_keeps_the_original_for_staff_only(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    original = "My neighbour Jo Bloggs of 4 High Street never goes out."
    proposal = make_proposal(S.SUBMITTED, need=original)
    analyst = login_as(Role.ANALYST)
    form = client_request.get(f"/staff/moderation/{proposal.reference}/edit")
    assert form.select_one("textarea#need").get_text().strip() == original
    fields = {name: vocabulary.EDITABLE_FIELDS for name in vocabulary.EDITABLE_FIELDS}
    data = {name: getattr(proposal, name) for name in fields}
    data.update(need="An older neighbour never goes out.", reason="Named a neighbour and an address")
    response = client_request.post(f"/staff/moderation/{proposal.reference}/edit", data)
    assert response.headers["Location"] == f"/staff/moderation/{proposal.reference}"
    review = client_request.get(f"/staff/moderation/{proposal.reference}")
    assert original in review.get_text() and "Named a neighbour" in review.get_text()
    client_request.post(f"/staff/moderation/{proposal.reference}/publish", {"public_answer": ""})
    client_request.post("/sign-out", {})
    public = client_request.get(f"/topics/{proposal.reference}")
    assert "An older neighbour never goes out." in public.get_text()
    assert "Jo Bloggs" not in public.get_text()
    assert "edited this proposal to take out personal details" in public.get_text()
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal_edited"))
    assert audit.actor_id == analyst.id and "need" in audit.detail


def test_edit_needs_a_reason(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal(S.SUBMITTED)
    login_as(Role.ANALYST)
    response = client_request.post(
        f"/staff/moderation/{proposal.reference}/edit", {"title": "New", "need": "New"}, expected_status=200
    )
    assert "Enter why you are editing this proposal" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title != "New"


def test_shortlisting_and_other_status_changes(
    client_request: ClientRequest, make_proposal: Callable[..., Proposal], login_as: Callable[..., User]
) -> None:
    proposal = make_proposal(S.PUBLISHED)
    login_as(Role.ANALYST)
    page = client_request.get(f"/staff/moderation/{proposal.reference}")
    offered = {radio["value"] for radio in page.select("input[name=status]")}
    assert offered == {"shortlisted", "not_published", "withdrawn"}
    client_request.post(
        f"/staff/moderation/{proposal.reference}/status", {"status": "shortlisted", "public_answer": "Round 1"}
    )
    assert status_of(proposal) == S.SHORTLISTED
    response = client_request.post(
        f"/staff/moderation/{proposal.reference}/status", {"status": "chapter_published"}, expected_status=200
    )
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert status_of(proposal) == S.SHORTLISTED
    timeline = client_request.get(f"/staff/moderation/{proposal.reference}")
    assert "Round 1" in timeline.get_text()
