"""The analysts' survey builder: access, settings, sections, questions of every type, conditions, preview,
opening, locks, invitations, and verifying organisations."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.models import (
    AuditEvent,
    EngagementOptIn,
    Organisation,
    OrganisationWard,
    Proposal,
    Role,
    Survey,
    SurveyDraft,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from portal.surveys import builder
from tests.helpers import ClientRequest, email_body, error_summary_texts, links_in, run_rq_worker
from tests.surveys.conftest import q

ANALYST_PAGES = [
    "/surveys/manage",
    "/surveys/manage/new",
    "/surveys/manage/{id}",
    "/surveys/manage/{id}/settings",
    "/surveys/manage/{id}/preview/1",
    "/surveys/manage/{id}/invitations",
    "/surveys/manage/{id}/results",
    "/surveys/manage/{id}/export.csv",
    "/surveys/manage/{id}/publish",
    "/surveys/organisations",
]


@pytest.mark.parametrize("path", ANALYST_PAGES)
def test_only_analysts_reach_the_builder(
    path: str, app: Any, client_request: ClientRequest, make_survey: Callable[..., Any], login_as: Callable[..., User]
) -> None:
    survey = make_survey()
    url = path.format(id=survey.id)
    assert client_request.response(url).status_code == 302  # sign in first
    login_as(Role.STAKEHOLDER)
    assert client_request.response(url).status_code == 403
    analyst = ClientRequest(app.test_client())
    from tests.conftest import sign_in

    user = User.query.filter_by(email="analyst@example.org").first()
    if user is None:
        from portal.auth.services import create_user
        from portal.extensions import db

        create_user("analyst@example.org", "correct horse battery staple", [Role.ANALYST], confirmed=True)
        db.session.commit()
    sign_in(analyst.client, "analyst@example.org")
    assert analyst.response(url).status_code == 200


def new_survey(client_request: ClientRequest, **overrides: Any) -> int:
    data = {
        "title": "Views on loneliness",
        "summary": "Tell us about loneliness.",
        "audience": "public",
        "anonymous": "yes",
        "opens_on": ["", "", ""],
        "closes_on": ["", "", ""],
        "proposal_id": "",
    } | overrides
    response = client_request.post("/surveys/manage/new", data)
    return int(response.location.rstrip("/").split("/")[-1])


def add_question(client_request: ClientRequest, survey_id: int, section_id: int, kind: str, **fields: Any) -> Any:
    response = client_request.post(f"/surveys/manage/{survey_id}/sections/{section_id}/questions/new", {"kind": kind})
    assert response.location.endswith(f"/questions/new/{kind}")
    data = {"title": f"A {kind} question", "help_text": "", "required": "yes"} | fields
    return client_request.post(response.location, data, expected_status=fields.pop("_status", 303))


def test_build_a_survey_with_every_question_type_and_a_condition(
    client_request: ClientRequest, login_as: Callable[..., User], db: Any
) -> None:
    login_as(Role.ANALYST)
    survey_id = new_survey(client_request)
    survey = db.session.get(Survey, survey_id)
    first = survey.sections[0].id
    add_question(client_request, survey_id, first, "single", title="Do you live alone?", options="Yes\nNo\n\nYes")
    add_question(client_request, survey_id, first, "short_text")
    add_question(client_request, survey_id, first, "long_text", required="no")
    add_question(client_request, survey_id, first, "multiple", options="Clubs\nFaith groups\nNeighbours")
    add_question(
        client_request,
        survey_id,
        first,
        "likert",
        likert_1="Never",
        likert_2="Rarely",
        likert_3="Sometimes",
        likert_4="Often",
        likert_5="Always",
    )
    add_question(client_request, survey_id, first, "number", min_value="0", max_value="24", whole_number="yes")
    add_question(client_request, survey_id, first, "ranking", options="Cost\nTransport\nConfidence")
    add_question(client_request, survey_id, first, "matrix", options="Day\nEvening", scale="Bad\nOK\nGood")
    client_request.post(f"/surveys/manage/{survey_id}/sections/new", {"title": "If you live alone", "description": ""})
    db.session.expire_all()
    survey = db.session.get(Survey, survey_id)
    second = survey.sections[1].id
    single = q(survey, 1)
    page = client_request.get(f"/surveys/manage/{survey_id}/sections/{second}/questions/new/short_text")
    labels = [label.get_text(strip=True) for label in page.select(".govuk-checkboxes__label")]
    assert "Question 1 (Do you live alone?) is ‘Yes’" in labels
    assert "Question 5 (A likert question) is ‘Always’" in labels
    add_question(
        client_request, survey_id, second, "short_text", title="Who checks on you?", condition=[f"{single.id}:0"]
    )

    db.session.expire_all()
    survey = db.session.get(Survey, survey_id)
    kinds = [x.kind for x in survey.questions]
    assert kinds == [
        "single",
        "short_text",
        "long_text",
        "multiple",
        "likert",
        "number",
        "ranking",
        "matrix",
        "short_text",
    ]
    assert q(survey, 1).options == ["Yes", "No"]
    assert q(survey, 3).required is False
    assert q(survey, 5).scale == ["Never", "Rarely", "Sometimes", "Often", "Always"]
    assert (q(survey, 6).min_value, q(survey, 6).max_value, q(survey, 6).whole_number) == (0, 24, True)
    assert (q(survey, 8).options, q(survey, 8).scale) == (["Day", "Evening"], ["Bad", "OK", "Good"])
    assert (q(survey, 9).condition_question_id, q(survey, 9).condition_values) == (single.id, ["Yes"])

    page = client_request.get(f"/surveys/manage/{survey_id}")
    assert "Shown only when: the answer to question 1 was ‘Yes’" in page.get_text(" ", strip=True)
    # Preview shows every page, with conditions written out; nothing is saved.
    page = client_request.get(f"/surveys/manage/{survey_id}/preview/2")
    assert "Answer this if your answer to question 1 was ‘Yes’" in page.get_text()
    assert not page.select("form[method=post] button[value=continue]")
    assert db.session.scalar(select(SurveyDraft)) is None

    client_request.post(f"/surveys/manage/{survey_id}/open", {})
    db.session.expire_all()
    assert db.session.get(Survey, survey_id).status == "open"
    assert client_request.get(f"/surveys/{survey_id}").select_one(".govuk-button--start")


def test_question_form_errors(client_request: ClientRequest, login_as: Callable[..., User], db: Any) -> None:
    login_as(Role.ANALYST)
    survey_id = new_survey(client_request)
    section = db.session.get(Survey, survey_id).sections[0].id
    response = add_question(client_request, survey_id, section, "single", title="", options="Only one", _status=200)
    assert error_summary_texts(BeautifulSoup(response.data, "html.parser")) == [
        "Enter the question",
        "Enter at least 2 answers, each on a new line",
    ]
    response = add_question(client_request, survey_id, section, "likert", likert_3="  ", _status=200)
    assert "Enter a label for point 3" in response.get_data(as_text=True)
    response = add_question(client_request, survey_id, section, "number", min_value="10", max_value="5", _status=200)
    assert "Highest number must be more than the lowest number" in response.get_data(as_text=True)
    response = add_question(client_request, survey_id, section, "number", min_value="ten", _status=200)
    assert "Lowest number must be a number, like 10" in response.get_data(as_text=True)
    response = add_question(client_request, survey_id, section, "matrix", options="A\nB", scale="Only", _status=200)
    assert "Enter between 2 and 7 points for the scale" in response.get_data(as_text=True)
    client_request.get(f"/surveys/manage/{survey_id}/sections/{section}/questions/new/essay", expected_status=404)


def test_a_condition_must_name_one_earlier_question(
    client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey()
    section = survey.sections[2].id
    data = {"title": "Why?", "required": "no", "condition": [f"{q(survey, 1).id}:0", f"{q(survey, 5).id}:0"]}
    response = client_request.post(
        f"/surveys/manage/{survey.id}/sections/{section}/questions/new/short_text", data, expected_status=200
    )
    assert "Select answers from one question only" in response.get_data(as_text=True)
    # Moving a question above the one it depends on is refused.
    dependent = q(survey, 4)
    client_request.post(f"/surveys/manage/{survey.id}/sections/{dependent.section_id}/move", {"direction": "up"})
    assert (
        "depends on a question that would no longer come before it"
        in client_request.get(f"/surveys/manage/{survey.id}").get_text()
    )
    assert [s.id for s in builder.all_surveys()[0].sections][1] == dependent.section_id
    # Deleting a question another depends on is refused.
    client_request.post(f"/surveys/manage/{survey.id}/questions/{q(survey, 1).id}/delete", {})
    assert "depends on this question" in client_request.get(f"/surveys/manage/{survey.id}").get_text()


def test_settings_validation_and_dates(client_request: ClientRequest, login_as: Callable[..., User]) -> None:
    login_as(Role.ANALYST)
    data = {
        "title": "",
        "audience": "public",
        "anonymous": "yes",
        "opens_on": ["10", "5", "2027"],
        "closes_on": ["1", "5", "2027"],
        "proposal_id": "",
    }
    response = client_request.post("/surveys/manage/new", data, expected_status=200)
    assert error_summary_texts(BeautifulSoup(response.data, "html.parser")) == [
        "Enter a title",
        "Closing date must be the same as or after the opening date",
    ]
    data |= {"title": "Dates", "closes_on": ["31", "2", "2027"]}
    response = client_request.post("/surveys/manage/new", data, expected_status=200)
    assert "Closing date must be a real date" in response.get_data(as_text=True)
    data |= {"closes_on": ["", "6", "2027"]}
    response = client_request.post("/surveys/manage/new", data, expected_status=200)
    assert "Closing date must include a day" in response.get_data(as_text=True)


def test_anonymity_is_locked_once_anyone_starts_answering(
    client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any], db: Any
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey(anonymous=True)
    data = {
        "title": survey.title,
        "summary": "",
        "audience": "public",
        "anonymous": "no",
        "opens_on": ["", "", ""],
        "closes_on": ["", "", ""],
        "proposal_id": "",
    }
    db.session.add(SurveyDraft(survey_id=survey.id, key_hash="x" * 64, answers={}))
    db.session.commit()
    page = client_request.get(f"/surveys/manage/{survey.id}/settings")
    assert "This cannot be changed because people have started answering" in page.get_text()
    response = client_request.post(f"/surveys/manage/{survey.id}/settings", data, expected_status=200)
    assert "cannot change whether the survey is anonymous" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).anonymous is True
    # Other settings still change.
    client_request.post(f"/surveys/manage/{survey.id}/settings", data | {"anonymous": "yes", "title": "New title"})
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).title == "New title"


def test_questions_are_locked_once_there_are_responses(
    client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any], db: Any
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey()
    db.session.add(SurveyResponse(id="a" * 32, survey_id=survey.id, submitted_on=survey.created_at.date(), answers={}))
    db.session.commit()
    page = client_request.get(f"/surveys/manage/{survey.id}")
    assert "can no longer be changed" in page.get_text()
    assert not page.find("a", string="Add a section")
    client_request.post(f"/surveys/manage/{survey.id}/questions/{q(survey, 2).id}/delete", {})
    db.session.expire_all()
    assert len(db.session.get(Survey, survey.id).questions) == 8
    response = client_request.response(f"/surveys/manage/{survey.id}/questions/{q(survey, 2).id}/edit")
    assert response.status_code == 303
    client_request.post(f"/surveys/manage/{survey.id}/delete", {})
    assert db.session.get(Survey, survey.id) is not None


def test_objects_of_another_survey_are_not_found(
    client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    login_as(Role.ANALYST)
    one, two = make_survey(), make_survey(title="Second")
    client_request.get(f"/surveys/manage/{one.id}/questions/{q(two, 1).id}/edit", expected_status=404)
    client_request.post(f"/surveys/manage/{one.id}/sections/{two.sections[0].id}/delete", {}, expected_status=404)


def test_opening_needs_a_question(client_request: ClientRequest, login_as: Callable[..., User], db: Any) -> None:
    login_as(Role.ANALYST)
    survey_id = new_survey(client_request)
    client_request.post(f"/surveys/manage/{survey_id}/open", {})
    assert "Add at least one question" in client_request.get(f"/surveys/manage/{survey_id}").get_text()
    client_request.post(f"/surveys/manage/{survey_id}/delete", {})
    assert db.session.get(Survey, survey_id) is None


def test_send_invitations_and_see_the_response_rate(
    client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any], mailbox: Any, db: Any
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey(audience="invite")
    url = f"/surveys/manage/{survey.id}/invitations"
    response = client_request.post(url, {"emails": "good@example.org\nnot an email\n\nalso bad@"}, expected_status=200)
    page = BeautifulSoup(response.data, "html.parser")
    assert error_summary_texts(page) == ["2 lines have problems: fix them and try again"]
    assert [li.get_text(strip=True) for li in page.select("#email-problems li")] == [
        "Line 2: ‘not an email’ is not an email address",
        "Line 4: ‘also bad@’ is not an email address",
    ]
    assert db.session.scalar(select(SurveyInvitation)) is None, "a bad list commits nothing"

    client_request.post(url, {"emails": "one@example.org\nTwo@Example.org\none@example.org"})
    assert len(mailbox.messages) == 2
    message = mailbox.last_to("two@example.org")
    assert survey.title in email_body(message)
    link = links_in(message)[0]
    assert "/surveys/invitation/" in link
    # The token is not stored, only its hash.
    token = link.rsplit("/", 1)[1]
    stored = {i.token_hash for i in db.session.scalars(select(SurveyInvitation))}
    assert token not in str(stored) and builder.token_hash(token) in stored

    client_request.post(url, {"emails": "one@example.org"})
    assert len(mailbox.messages) == 2, "already-invited people are skipped"
    page = client_request.get(url)
    assert page.select_one("#response-rate").get_text(strip=True).startswith("Response rate: 0 of 2")


def test_invite_people_who_joined_engagement(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    make_user: Callable[..., User],
    mailbox: Any,
    db: Any,
) -> None:
    topic = Proposal(reference="JSNA-2026-0009", title="Falls", need="Need", status="published")
    db.session.add(topic)
    db.session.commit()
    survey = make_survey(audience="invite")
    survey.proposal_id = topic.id
    follower = make_user(Role.STAKEHOLDER, email="follower@example.org")
    joiner = make_user(Role.STAKEHOLDER, email="joiner@example.org")
    db.session.add_all(
        [
            EngagementOptIn(user_id=follower.id, proposal_id=topic.id),
            EngagementOptIn(user_id=joiner.id, survey_id=survey.id),
        ]
    )
    db.session.commit()
    login_as(Role.ANALYST)
    page = client_request.get(f"/surveys/manage/{survey.id}/invitations")
    assert "2 people have joined engagement" in page.get_text()
    client_request.post(f"/surveys/manage/{survey.id}/invitations/opted-in", {})
    assert {str(m["To"]) for m in mailbox.messages} == {"follower@example.org", "joiner@example.org"}
    assert "2 people have joined" not in client_request.get(f"/surveys/manage/{survey.id}/invitations").get_text()


def test_verify_an_organisation(
    client_request: ClientRequest, login_as: Callable[..., User], make_user: Callable[..., User], wards: Any, db: Any
) -> None:
    organisation = Organisation(name="Wolverhampton Foodbank", sector="vcs")
    make_user(Role.STAKEHOLDER, organisation=organisation)
    db.session.add(OrganisationWard(organisation_id=organisation.id, ward_code="E05001325"))
    db.session.commit()
    analyst = login_as(Role.ANALYST)
    page = client_request.get("/surveys/organisations")
    row = page.select_one("tbody tr").get_text(" ", strip=True)
    assert "Wolverhampton Foodbank" in row and "Bilston East" in row and "Voluntary and community sector" in row
    client_request.post(f"/surveys/organisations/{organisation.id}/verify", {"verified": "1"})
    db.session.refresh(organisation)
    assert organisation.verified
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation_verified"))
    assert event.actor_id == analyst.id and event.object_id == str(organisation.id)
    assert not client_request.get("/surveys/organisations").select("tbody tr")
    assert (
        "Wolverhampton Foodbank"
        in client_request.get("/surveys/organisations?show=verified").select_one("tbody").get_text()
    )
    client_request.post("/surveys/organisations/9999/verify", {"verified": "1"}, expected_status=404)


def every_fieldset_has_a_legend(page: BeautifulSoup) -> bool:
    return all(fs.find("legend") and fs.find("legend").get_text(strip=True) for fs in page.select("fieldset"))


@pytest.mark.parametrize(
    "kind", ["short_text", "long_text", "single", "multiple", "likert", "number", "ranking", "matrix"]
)
def test_builder_forms_label_every_group(
    kind: str, client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any]
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey(status="draft")
    section = survey.sections[2].id
    page = client_request.get(f"/surveys/manage/{survey.id}/sections/{section}/questions/new/{kind}")
    assert every_fieldset_has_a_legend(page)
    legends = [legend.get_text(strip=True) for legend in page.select("legend")]
    assert "Must people answer this question?" in legends
    assert "Only show this question if (optional)" in legends
    for url in (
        f"/surveys/manage/{survey.id}/settings",
        "/surveys/manage/new",
        f"/surveys/manage/{survey.id}/sections/{section}/questions/new",
    ):
        assert every_fieldset_has_a_legend(client_request.get(url))
    for number in (1, 2, 3):
        assert every_fieldset_has_a_legend(client_request.get(f"/surveys/manage/{survey.id}/preview/{number}"))


def _wait_for_delivery(db: Any, survey_id: int, seconds: float = 20.0) -> dict[str, int]:
    """Poll the invitations' email statuses until none is queued (the background job has finished)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        db.session.expire_all()
        counts = builder.delivery_counts(survey_id)
        if not counts["queued"] or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


def test_a_large_batch_of_invitations_is_emailed_in_the_background(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    mailbox: Any,
    db: Any,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "INVITATIONS_INLINE_MAX", 2)
    login_as(Role.ANALYST)
    survey = make_survey(audience="invite")
    url = f"/surveys/manage/{survey.id}/invitations"
    emails = [f"person{n}@example.org" for n in range(5)]

    page = client_request.get(client_request.post(url, {"emails": "\n".join(emails)}).headers["Location"])

    assert "5 invitations are being sent" in page.get_text()
    assert _wait_for_delivery(db, survey.id) == {"queued": 0, "sent": 5, "failed": 0}
    assert sorted(str(m["To"]) for m in mailbox.messages) == emails
    # Each emailed link is the one whose hash is stored: it opens the survey.
    for email in emails:
        link = links_in(mailbox.last_to(email))[0]
        response = client_request.response(urlsplit(link).path)
        assert response.status_code == 303 and response.headers["Location"].endswith(f"/surveys/{survey.id}")
    page = client_request.get(url)
    assert page.select_one("#response-rate").get_text(strip=True).startswith("Response rate: 0 of 5")
    assert page.select("#invitations-progress") == [], "nothing is waiting, so the page stops polling"


def test_undelivered_invitations_are_kept_and_can_be_sent_again(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    mailbox: Any,
    db: Any,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey(audience="invite")
    url = f"/surveys/manage/{survey.id}/invitations"
    with monkeypatch.context() as smtp_down:
        smtp_down.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
        page = client_request.get(
            client_request.post(url, {"emails": "a@example.org\nb@example.org"}).headers["Location"]
        )

    assert "2 could not be sent" in page.get_text()
    assert mailbox.messages == []
    assert builder.delivery_counts(survey.id) == {"queued": 0, "sent": 0, "failed": 2}
    assert "2 invitations were not delivered" in page.select_one("#invitations-not-delivered").get_text()
    assert page.select_one("#response-rate") is None, "undelivered invitations do not count as invited"

    page = client_request.get(client_request.post(f"{url}/resend", {}).headers["Location"])

    assert "2 invitations sent" in page.get_text()
    assert builder.delivery_counts(survey.id) == {"queued": 0, "sent": 2, "failed": 0}
    assert {str(m["To"]) for m in mailbox.messages} == {"a@example.org", "b@example.org"}
    link = links_in(mailbox.last_to("a@example.org"))[0]
    assert client_request.response(urlsplit(link).path).status_code == 303
    assert page.select_one("#invitations-not-delivered") is None


def test_while_invitations_wait_the_list_refreshes_itself(
    client_request: ClientRequest, login_as: Callable[..., User], make_survey: Callable[..., Any], db: Any
) -> None:
    login_as(Role.ANALYST)
    survey = make_survey(audience="invite")
    db.session.add_all(
        [
            SurveyInvitation(survey_id=survey.id, email="q@example.org", token_hash="1" * 64, email_status="queued"),
            SurveyInvitation(survey_id=survey.id, email="s@example.org", token_hash="2" * 64, email_status="sent"),
        ]
    )
    db.session.commit()
    url = f"/surveys/manage/{survey.id}/invitations"

    page = client_request.get(url)
    fragment = client_request.get(url, htmx=True)

    assert "1 sent, 1 waiting" in page.select_one("#invitations-progress").get_text(" ", strip=True)
    refresh = page.select_one("#invitations-progress a")
    assert refresh["href"] == refresh["hx-get"] == url and refresh["hx-target"] == "#invitations-sent"
    assert fragment.find("h1") is None and fragment.select_one("#invitations-progress a[hx-trigger]") is not None
    statuses = [td.get_text(strip=True) for td in page.select("#invitations-sent tbody td:nth-of-type(3)")]
    assert sorted(statuses) == ["Sent", "Waiting"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set: no Redis server for RQ")
def test_with_redis_configured_invitations_wait_for_an_rq_worker_on_the_email_queue(
    client_request: ClientRequest,
    login_as: Callable[..., User],
    make_survey: Callable[..., Any],
    mailbox: Any,
    db: Any,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from redis import Redis
    from rq import Queue

    redis_url = os.environ["TEST_REDIS_URL"]
    Redis.from_url(redis_url).flushdb()
    monkeypatch.setitem(app.config, "INVITATIONS_INLINE_MAX", 0)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    login_as(Role.ANALYST)
    survey = make_survey(audience="invite")
    client_request.post(f"/surveys/manage/{survey.id}/invitations", {"emails": "w@example.org"})

    # The request only queued the job: nothing is emailed until a worker takes it.
    assert Queue("email", connection=Redis.from_url(redis_url)).count == 1
    assert mailbox.messages == [] and builder.delivery_counts(survey.id)["queued"] == 1

    # A real worker.py process builds its own app from the environment, with no request to build links from.
    run_rq_worker(
        redis_url,
        "email",
        app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_BACKEND="smtp",
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=str(app.config["MAIL_PORT"]),
        SERVER_BASE_URL="https://jsna.example.gov.uk",
    )

    assert _wait_for_delivery(db, survey.id) == {"queued": 0, "sent": 1, "failed": 0}
    link = links_in(mailbox.last_to("w@example.org"))[0]
    assert link.startswith("https://jsna.example.gov.uk/surveys/invitation/")
    assert client_request.response(urlsplit(link).path).status_code == 303
