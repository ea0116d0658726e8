"""UK GDPR erasure: an admin, or the person from their account page, erases a person; published text and totals stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    EngagementOptIn,
    Organisation,
    PersonalDataExport,
    Proposal,
    ProposalSupport,
    Role,
    Survey,
    SurveyDraft,
    SurveyInvitation,
    User,
)
from portal.models.base import utcnow
from tests.conftest import TEST_PASSWORD, sign_in
from tests.helpers import ClientRequest


def _a_persons_traces(db: Any, person: User) -> dict[str, Any]:
    """A proposal they sent, their support for another, a survey draft and invitation, an opt-in and a data copy."""
    theirs = Proposal(
        reference="JSNA-2026-0001",
        title="Loneliness in later life",
        need="Older people on their own",
        status="published",
        proposer_name="Pat Example",
        proposer_email=person.email,
        contact_consent=True,
        proposer_id=person.id,
    )
    other = Proposal(reference="JSNA-2026-0002", title="Cold homes", need="Damp", status="published", support_count=1)
    survey = Survey(title="Carers survey", status="open")
    db.session.add_all([theirs, other, survey])
    db.session.flush()
    db.session.add_all(
        [
            ProposalSupport(proposal_id=other.id, user_id=person.id),
            SurveyDraft(survey_id=survey.id, key_hash="k" * 64, user_id=person.id, answers={"1": "my unsent answer"}),
            SurveyInvitation(survey_id=survey.id, email=person.email, token_hash="t" * 64),
            EngagementOptIn(user_id=person.id, proposal_id=other.id),
            PersonalDataExport(user_id=person.id, token_hash="e" * 64, expires_at=utcnow() + timedelta(hours=1)),
        ]
    )
    db.session.commit()
    return {"theirs": theirs.id, "other": other.id}


def _assert_erased(db: Any, person_id: int, email: str, ids: dict[str, Any]) -> None:
    db.session.expire_all()
    person = db.session.get(User, person_id)
    assert person.email == f"erased-{person_id}@erased.invalid" and person.display_name == ""
    assert not person.active and person.roles == set() and person.organisation is None
    theirs = db.session.get(Proposal, ids["theirs"])
    # The published text stays; who sent it does not.
    assert theirs.title == "Loneliness in later life" and theirs.need == "Older people on their own"
    assert (theirs.proposer_name, theirs.proposer_email, theirs.proposer_id) == ("", "", None)
    # Their support still counts, against an account that no longer says who they were.
    assert db.session.get(Proposal, ids["other"]).support_count == 1
    assert db.session.scalar(select(func.count()).select_from(ProposalSupport)) == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyDraft)) == 0
    assert db.session.scalar(select(func.count()).select_from(EngagementOptIn)) == 0
    assert db.session.scalar(select(func.count()).select_from(PersonalDataExport)) == 0
    assert db.session.scalar(select(SurveyInvitation.email)) == person.email
    # Nothing anywhere still holds the address (audit details included).
    assert not db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    assert not db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.proposer_email == email))
    details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    assert email not in details and "Pat Example" not in details


def test_an_admin_erases_a_person_and_their_sessions_end(
    client_request: ClientRequest,
    client: FlaskClient,
    app: Any,
    make_user: Callable[..., User],
    login_as: Callable[..., User],
    db: Any,
) -> None:
    organisation = Organisation(name="Carers Support", sector="vcs")
    person = make_user(Role.STAKEHOLDER, email="pat@example.org", display_name="Pat", organisation=organisation)
    ids = _a_persons_traces(db, person)
    # The person is signed in elsewhere.
    their_browser = app.test_client()
    sign_in(their_browser, person.email)
    assert their_browser.get("/account").status_code == 200

    login_as(Role.ADMIN)
    client_request.post(f"/admin/users/{person.id}/erase", {})
    _assert_erased(db, person.id, "pat@example.org", ids)
    assert their_browser.get("/account").status_code in {302, 303}  # sent to sign in: the session ended
    # The erased person cannot sign in with their old details.
    response = ClientRequest(their_browser).post(
        "/sign-in", {"email": "pat@example.org", "password": TEST_PASSWORD}, 200
    )
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_a_person_erases_themselves_from_their_account_page(
    client_request: ClientRequest, login_as: Callable[..., User], db: Any
) -> None:
    person = login_as(Role.PUBLIC, email="sam@example.org")
    ids = _a_persons_traces(db, person)
    assert "Erase your account" in client_request.get("/account").get_text()
    page = client_request.post("/account/erase", {"password": "not my password"}, 200)
    assert "Your password is incorrect" in page.get_data(as_text=True)
    assert db.session.get(User, person.id).email == "sam@example.org"

    client_request.post("/account/erase", {"password": TEST_PASSWORD})
    _assert_erased(db, person.id, "sam@example.org", ids)
    assert client_request.client.get("/account").status_code in {302, 303}


def test_an_admin_cannot_erase_themselves_from_the_admin_page(
    client_request: ClientRequest, login_as: Callable[..., User], db: Any
) -> None:
    admin = login_as(Role.ADMIN)
    client_request.post(f"/admin/users/{admin.id}/erase", {})
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
