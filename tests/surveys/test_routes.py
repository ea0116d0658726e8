"""Respondents' pages through HTTP: the list, start page, answering, errors, saving, resuming, invitations,
closed surveys, replays, and people's own engagement pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.models import EngagementOptIn, Organisation, Proposal, Role, SurveyInvitation, SurveyResponse, User
from portal.surveys import engagement
from portal.surveys.builder import token_hash
from tests.helpers import ClientRequest, error_summary_texts, links_in
from tests.surveys.conftest import answer_form, q

PAGE_1 = {1: "Yes", 2: "Penn Manor", 3: "52"}
PAGE_2 = {4: "4"}
PAGE_3 = {5: ["GP", "Dentist"], 6: {"o0": "2", "o1": "3", "o2": "1"}, 7: {"r0": "Easy", "r1": "Difficult"}, 8: "=1+1"}


def answer_all(client_request: ClientRequest, survey: Any) -> None:
    base = f"/surveys/{survey.id}/answer"
    response = client_request.post(f"{base}/1", answer_form(survey, PAGE_1))
    assert response.location.endswith(f"{base}/2")
    response = client_request.post(f"{base}/2", answer_form(survey, PAGE_2))
    assert response.location.endswith(f"{base}/3")
    response = client_request.post(f"{base}/3", answer_form(survey, PAGE_3))
    assert response.location.endswith(f"/surveys/{survey.id}/check-answers")


def response_count(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_list_shows_open_surveys_but_not_drafts(client_request: ClientRequest, make_survey: Callable[..., Any]) -> None:
    make_survey(title="Open survey")
    make_survey(title="Draft survey", status="draft")
    make_survey(title="Closed survey", status="closed")
    page = client_request.get("/surveys")
    text = page.get_text(" ", strip=True)
    assert "Open survey" in text
    assert "Draft survey" not in text
    assert "Closed survey" not in text


def test_start_page_states_whether_answers_are_anonymous(
    client_request: ClientRequest, make_survey: Callable[..., Any]
) -> None:
    anonymous = make_survey(anonymous=True)
    identified = make_survey(anonymous=False, title="Named survey")
    page = client_request.get(f"/surveys/{anonymous.id}")
    assert "This survey is anonymous" in page.get_text(" ", strip=True)
    assert page.select_one("a.govuk-button--start")["href"] == f"/surveys/{anonymous.id}/start"
    page = client_request.get(f"/surveys/{identified.id}")
    text = page.get_text(" ", strip=True)
    assert "This survey is not anonymous" in text
    assert "Sign in" in text  # identified answers need an account
    client_request.get(f"/surveys/{make_survey(status='draft').id}", expected_status=404)


def test_complete_a_survey_from_start_to_confirmation(
    client_request: ClientRequest, make_survey: Callable[..., Any], db: Any
) -> None:
    survey = make_survey()
    response = client_request.response(f"/surveys/{survey.id}/start")
    assert response.status_code == 303 and response.location.endswith(f"/surveys/{survey.id}/answer/1")

    page = client_request.get(f"/surveys/{survey.id}/answer/1")
    assert page.select_one("#survey-progress").get_text(strip=True) == "Section 1 of 3"
    assert page.select_one("h1").get_text(strip=True) == "About you"
    assert page.find("input", attrs={"name": f"q{q(survey, 1).id}", "value": "Yes"})

    answer_all(client_request, survey)
    page = client_request.get(f"/surveys/{survey.id}/check-answers")
    text = page.get_text(" ", strip=True)
    for expected in ("Penn Manor", "Agree", "1. Health", "GP: Easy", "=1+1"):
        assert expected in text
    response = client_request.post(f"/surveys/{survey.id}/submit", {})
    assert response.location.endswith(f"/surveys/{survey.id}/submitted")
    page = client_request.get(f"/surveys/{survey.id}/submitted")
    assert page.select_one(".govuk-panel__title").get_text(strip=True) == "Answers sent"
    panel_body = page.select_one(".govuk-panel__body")
    assert "<br>" not in panel_body.get_text(), "the reference is shown as text, not as escaped markup"
    assert panel_body.strong is not None and len(panel_body.strong.get_text(strip=True)) == 8
    assert response_count(db) == 1
    stored = db.session.scalar(select(SurveyResponse)).answers
    assert stored[str(q(survey, 6).id)] == ["Health", "Housing", "Jobs"]


def test_replaying_the_final_form_is_refused(
    client_request: ClientRequest, make_survey: Callable[..., Any], db: Any
) -> None:
    survey = make_survey()
    answer_all(client_request, survey)
    client_request.post(f"/surveys/{survey.id}/submit", {})
    page = BeautifulSoup(
        client_request.post(f"/surveys/{survey.id}/submit", {}, expected_status=409).data, "html.parser"
    )
    assert page.h1.get_text(strip=True) == "There are no answers to send"
    # Replaying a page of answers does not start a second response either: it only makes a new draft.
    client_request.post(f"/surveys/{survey.id}/answer/3", answer_form(survey, PAGE_3))
    client_request.post(f"/surveys/{survey.id}/submit", {}, expected_status=303)  # incomplete: back to page 1
    assert response_count(db) == 1


def test_signed_in_replay_is_refused_as_already_answered(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User], db: Any
) -> None:
    survey = make_survey()
    login_as(Role.PUBLIC)
    answer_all(client_request, survey)
    client_request.post(f"/surveys/{survey.id}/submit", {})
    response = client_request.post(f"/surveys/{survey.id}/submit", {}, expected_status=409)
    assert "You have already answered this survey" in response.get_data(as_text=True)
    client_request.post(f"/surveys/{survey.id}/answer/1", answer_form(survey, PAGE_1), expected_status=409)
    assert response_count(db) == 1


def test_errors_are_summarised_and_typed_answers_kept(
    client_request: ClientRequest, make_survey: Callable[..., Any]
) -> None:
    survey = make_survey()
    response = client_request.post(
        f"/surveys/{survey.id}/answer/1", answer_form(survey, {2: "Penn Manor", 3: "200"}), expected_status=200
    )
    page = BeautifulSoup(response.data, "html.parser")
    assert page.title.get_text().startswith("Error: ")
    assert error_summary_texts(page) == ["Select an answer to question 1", "Question 3 must be between 16 and 120"]
    assert page.select_one(".govuk-error-summary a")["href"] == f"#q{q(survey, 1).id}"
    assert page.find(id=f"q{q(survey, 1).id}")  # the link's target exists
    assert page.find("input", attrs={"name": f"q{q(survey, 2).id}"})["value"] == "Penn Manor"
    assert page.find("input", attrs={"name": f"q{q(survey, 3).id}"})["value"] == "200"


def test_condition_skips_a_section(client_request: ClientRequest, make_survey: Callable[..., Any]) -> None:
    """Question 4 is shown only if question 1 is Yes; it is alone on page 2, so No skips that page."""
    survey = make_survey()
    response = client_request.post(f"/surveys/{survey.id}/answer/1", answer_form(survey, {1: "No", 3: "30"}))
    assert response.location.endswith(f"/surveys/{survey.id}/answer/3")
    page = client_request.get(f"/surveys/{survey.id}/answer/3")
    assert page.select_one("#survey-progress").get_text(strip=True) == "Section 2 of 2"
    assert page.select_one(".govuk-back-link")["href"] == f"/surveys/{survey.id}/answer/1"
    # Going to the skipped page directly moves on.
    assert client_request.response(f"/surveys/{survey.id}/answer/2").location.endswith("/answer/3")


def test_condition_on_the_same_page_works_without_javascript(
    client_request: ClientRequest, make_survey: Callable[..., Any]
) -> None:
    survey = make_survey(
        [
            (
                "Only page",
                [
                    {"kind": "single", "title": "Do you care for someone?", "options": ["Yes", "No"]},
                    {"kind": "short_text", "title": "Who do you care for?", "condition": (0, ["Yes"])},
                ],
            )
        ]
    )
    page = client_request.get(f"/surveys/{survey.id}/answer/1")
    block = page.find(id=f"question-{q(survey, 2).id}")
    assert block["data-condition-field"] == f"q{q(survey, 1).id}"
    assert "Answer this if your answer to question 1 was ‘Yes’" in block.get_text()
    # Answering No: the conditional question is not required and anything typed in it is ignored.
    client_request.post(f"/surveys/{survey.id}/answer/1", answer_form(survey, {1: "No", 2: "ignored"}))
    page = client_request.get(f"/surveys/{survey.id}/check-answers")
    assert "ignored" not in page.get_text()
    # Answering Yes makes it required.
    response = client_request.post(
        f"/surveys/{survey.id}/answer/1", answer_form(survey, {1: "Yes"}), expected_status=200
    )
    assert error_summary_texts(BeautifulSoup(response.data, "html.parser")) == ["Enter an answer to question 2"]


def test_closed_survey_refuses_answers_with_a_clear_page(
    client_request: ClientRequest, make_survey: Callable[..., Any], db: Any
) -> None:
    survey = make_survey(closes_on=date.today() - timedelta(days=3))
    page = client_request.get(f"/surveys/{survey.id}/answer/1", expected_status=410)
    assert page.h1.get_text(strip=True) == "This survey has closed"
    assert "no longer taking answers" in page.get_text()
    response = client_request.post(f"/surveys/{survey.id}/answer/1", answer_form(survey, PAGE_1), expected_status=410)
    assert "This survey has closed" in response.get_data(as_text=True)
    client_request.post(f"/surveys/{survey.id}/submit", {}, expected_status=410)
    assert "This survey has closed" in client_request.get(f"/surveys/{survey.id}").get_text()
    assert response_count(db) == 0


def test_save_and_come_back_later_with_an_emailed_link(
    app: Any, client_request: ClientRequest, make_survey: Callable[..., Any], mailbox: Any
) -> None:
    survey = make_survey()
    data = answer_form(survey, {1: "Yes", 2: "Penn Manor", 3: "52"}) | {"action": "save"}
    response = client_request.post(f"/surveys/{survey.id}/answer/1", data)
    assert response.location.endswith(f"/surveys/{survey.id}/save")
    client_request.get(f"/surveys/{survey.id}/save")
    response = client_request.post(f"/surveys/{survey.id}/save", {"email": "not-an-email"}, expected_status=200)
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)
    response = client_request.post(f"/surveys/{survey.id}/save", {"email": "resident@example.org"}, expected_status=200)
    assert "Check your email" in response.get_data(as_text=True)
    link = links_in(mailbox.last_to("resident@example.org"))[0]
    path = link.replace("http://localhost", "")

    other_device = ClientRequest(app.test_client())
    response = other_device.response(path)
    assert response.status_code == 303
    assert other_device.response(response.location).location.endswith(f"/surveys/{survey.id}/answer/2")
    page = other_device.get(f"/surveys/{survey.id}/answer/1")
    assert page.find("input", attrs={"name": f"q{q(survey, 2).id}"})["value"] == "Penn Manor"
    assert page.find("input", attrs={"name": f"q{q(survey, 1).id}", "value": "Yes"}).has_attr("checked")
    page = other_device.get("/surveys/resume/not-a-real-token", expected_status=400)
    assert page.h1.get_text(strip=True) == "This link does not work"


def test_save_and_come_back_later_when_signed_in(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User]
) -> None:
    survey = make_survey(title="Carers survey")
    login_as(Role.PUBLIC)
    response = client_request.post(
        f"/surveys/{survey.id}/answer/1", answer_form(survey, {1: "No", 3: "44"}) | {"action": "save"}
    )
    assert response.location.endswith("/surveys/mine")
    page = client_request.get("/surveys/mine")
    link = page.find("a", string="Continue ‘Carers survey’")
    assert link["href"] == f"/surveys/{survey.id}/start"
    assert client_request.response(link["href"]).location.endswith(f"/surveys/{survey.id}/answer/3")


def _invite(db: Any, survey: Any, email: str) -> str:
    token = "invitation-token-for-" + email
    db.session.add(SurveyInvitation(survey_id=survey.id, email=email, token_hash=token_hash(token)))
    db.session.commit()
    return token


def test_invite_only_survey_with_a_single_use_link(
    client_request: ClientRequest, make_survey: Callable[..., Any], db: Any, app: Any
) -> None:
    survey = make_survey(audience="invite")
    token = _invite(db, survey, "invitee@example.org")
    page = client_request.get(f"/surveys/{survey.id}/answer/1", expected_status=403)
    assert page.h1.get_text(strip=True) == "This survey is by invitation only"

    response = client_request.response(f"/surveys/invitation/{token}")
    assert response.location.endswith(f"/surveys/{survey.id}")
    answer_all(client_request, survey)
    client_request.post(f"/surveys/{survey.id}/submit", {})

    # The same link, in another browser, is refused: it has been used.
    elsewhere = ClientRequest(app.test_client())
    page = elsewhere.get(f"/surveys/invitation/{token}", expected_status=410)
    assert page.h1.get_text(strip=True) == "This invitation has already been used"
    elsewhere.get(f"/surveys/{survey.id}/answer/1", expected_status=403)
    # And in the browser that used it.
    client_request.post(f"/surveys/{survey.id}/answer/1", answer_form(survey, PAGE_1), expected_status=409)
    client_request.get("/surveys/invitation/made-up", expected_status=404)
    assert response_count(db) == 1


def test_stakeholder_only_survey(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User]
) -> None:
    survey = make_survey(audience="stakeholders")
    response = client_request.response(f"/surveys/{survey.id}/answer/1")
    assert response.status_code == 303 and "/sign-in?next=" in response.location
    login_as(Role.PUBLIC)
    page = client_request.get(f"/surveys/{survey.id}/answer/1", expected_status=403)
    assert page.h1.get_text(strip=True) == "This survey is for stakeholder organisations"


def test_stakeholder_answers_identified_survey_and_sees_only_their_own_answers(
    app: Any, client_request: ClientRequest, make_survey: Callable[..., Any], make_user: Callable[..., User], db: Any
) -> None:
    """A stakeholder cannot see another person's identified answers."""
    survey = make_survey(audience="stakeholders", anonymous=False)
    first = make_user(Role.STAKEHOLDER, email="first@example.org")
    from tests.conftest import sign_in

    sign_in(client_request.client, first.email)
    answer_all(client_request, survey)
    client_request.post(f"/surveys/{survey.id}/submit", {})
    response = db.session.scalar(select(SurveyResponse))
    assert response.respondent_id == first.id
    page = client_request.get("/surveys/mine")
    link = page.find("a", href=f"/surveys/responses/{response.id}")
    page = client_request.get(link["href"])
    assert "Penn Manor" in page.get_text()

    second = make_user(Role.STAKEHOLDER, email="second@example.org")
    other = ClientRequest(app.test_client())
    sign_in(other.client, second.email)
    other.get(f"/surveys/responses/{response.id}", expected_status=404)
    other.get(f"/surveys/manage/{survey.id}/results", expected_status=403)
    other.get(f"/surveys/manage/{survey.id}/export.csv", expected_status=403)


def test_anonymous_answers_cannot_be_found_again(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User], db: Any
) -> None:
    survey = make_survey(anonymous=True)
    login_as(Role.PUBLIC)
    answer_all(client_request, survey)
    client_request.post(f"/surveys/{survey.id}/submit", {})
    response = db.session.scalar(select(SurveyResponse))
    page = client_request.get("/surveys/mine")
    assert "Your answers are anonymous, so they cannot be shown" in page.get_text()
    client_request.get(f"/surveys/responses/{response.id}", expected_status=404)


def test_unpublished_results_are_not_public(client_request: ClientRequest, make_survey: Callable[..., Any]) -> None:
    survey = make_survey()
    client_request.get(f"/surveys/{survey.id}/results", expected_status=404)
    client_request.get(f"/surveys/{survey.id}/results/{q(survey, 1).id}/chart.json", expected_status=404)
    client_request.get(f"/surveys/{survey.id}/results/{q(survey, 1).id}/data.csv", expected_status=404)
    response = client_request.response(f"/surveys/manage/{survey.id}/results")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_join_engagement_on_an_invite_only_survey(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User], db: Any
) -> None:
    survey = make_survey(audience="invite", title="Invite-only survey")
    user = login_as(Role.STAKEHOLDER)
    page = client_request.get(f"/surveys/{survey.id}")
    form = page.find("form", action=f"/surveys/{survey.id}/join")
    assert form.find("button").get_text(strip=True) == "Ask to be invited"
    client_request.post(f"/surveys/{survey.id}/join", {})
    client_request.post(f"/surveys/{survey.id}/join", {})  # twice is the same as once
    assert (
        db.session.scalar(select(func.count()).select_from(EngagementOptIn).where(EngagementOptIn.user_id == user.id))
        == 1
    )
    page = client_request.get("/surveys/mine")
    assert "Invite-only survey" in page.get_text()
    client_request.post(f"/surveys/{survey.id}/leave", {})
    assert db.session.scalar(select(func.count()).select_from(EngagementOptIn)) == 0


def test_choose_topics_and_wards(
    client_request: ClientRequest, login_as: Callable[..., User], wards: list[Any], db: Any
) -> None:
    topic = Proposal(reference="JSNA-2026-0001", title="Loneliness in later life", need="Need", status="published")
    hidden = Proposal(reference="JSNA-2026-0002", title="Not yet published", need="Need", status="submitted")
    db.session.add_all([topic, hidden])
    db.session.commit()
    organisation = Organisation(name="Age UK Wolverhampton", sector="vcs")
    user = login_as(Role.STAKEHOLDER, organisation=organisation)

    page = client_request.get("/surveys/engagement")
    assert [legend.get_text(strip=True) for legend in page.select("legend")] == [
        "Which topics do you want to be invited to take part in?",
        "Which wards does your organisation serve?",
    ]
    labels = [label.get_text(strip=True) for label in page.select(".govuk-checkboxes__label")]
    assert "Loneliness in later life (JSNA-2026-0001)" in labels
    assert not any("Not yet published" in label for label in labels)
    assert "Bilston East" in labels

    client_request.post("/surveys/engagement", {"topics": [str(topic.id)], "wards": ["E05001325", "E05001337"]})
    page = client_request.get("/surveys/mine")
    text = page.get_text(" ", strip=True)
    assert "Loneliness in later life" in text
    assert "Bilston East, St Peter's" in text
    assert (
        db.session.scalar(select(func.count()).select_from(EngagementOptIn).where(EngagementOptIn.user_id == user.id))
        == 1
    )

    # Topics not published and wards that do not exist cannot be chosen; nothing changes.
    for data in ({"topics": [str(hidden.id)]}, {"wards": ["E99999999"]}):
        response = client_request.post("/surveys/engagement", data, expected_status=200)
        assert BeautifulSoup(response.data, "html.parser").select(".govuk-error-summary")
    assert len(engagement.topics_of_interest(user.id)) == 1


def test_public_pages_need_no_account(client: FlaskClient, make_survey: Callable[..., Any]) -> None:
    survey = make_survey()
    assert client.get("/surveys").status_code == 200
    assert client.get(f"/surveys/{survey.id}").status_code == 200
    assert client.get("/surveys/mine").status_code == 302  # sign in first


def test_save_and_come_back_later_never_validates_and_keeps_what_was_typed(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User], db: Any
) -> None:
    survey = make_survey(title="Carers survey")
    login_as(Role.PUBLIC)
    base = f"/surveys/{survey.id}/answer/1"
    # Question 1 is required and left empty; question 3 holds a number that cannot be read (yet).
    typed = answer_form(survey, {2: "Penn Manor", 3: "fifty-two"})
    response = client_request.post(base, typed | {"action": "save"})
    assert response.location.endswith("/surveys/mine")
    page = client_request.get(base)
    assert page.find("input", attrs={"name": f"q{q(survey, 2).id}"})["value"] == "Penn Manor"
    assert page.find("input", attrs={"name": f"q{q(survey, 3).id}"})["value"] == "fifty-two"
    assert not page.find("input", attrs={"name": f"q{q(survey, 1).id}", "checked": True})
    # Coming back shows the typed number's problem (only that: saving is not a check of what is missing).
    assert error_summary_texts(page) == ["Question 3 must be a number, like 12"]
    # Saving to continue still checks every answer.
    response = client_request.post(base, typed | {"action": "continue"}, expected_status=200)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Select an answer to question 1" in " ".join(error_summary_texts(page))
    # Correcting the number replaces what was typed.
    client_request.post(base, answer_form(survey, {1: "No", 3: "52"}) | {"action": "save"})
    page = client_request.get(base)
    assert page.find("input", attrs={"name": f"q{q(survey, 3).id}"})["value"] == "52"
    assert error_summary_texts(page) == []


def test_a_number_saved_as_typed_cannot_be_sent_until_corrected(
    client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User], db: Any
) -> None:
    from tests.surveys.conftest import AGE, SMOKING

    survey = make_survey([("Only page", [SMOKING, {**AGE, "required": False}])])
    login_as(Role.PUBLIC)
    base = f"/surveys/{survey.id}/answer/1"
    client_request.post(base, answer_form(survey, {1: "No", 2: "about 40"}) | {"action": "save"})
    response = client_request.post(f"/surveys/{survey.id}/submit", {})
    assert response.location.endswith(f"{base}?check=1")
    assert response_count(db) == 0
    page = client_request.get(f"{base}?check=1")
    assert page.find("input", attrs={"name": f"q{q(survey, 2).id}"})["value"] == "about 40"
    assert error_summary_texts(page) == ["Question 2 must be a number, like 12"]
