"""Answering services: anonymity in the stored rows, drafts, resume links, invitations, closing, replays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from werkzeug.datastructures import MultiDict

from portal.clock import london_today
from portal.models import Organisation, Role, SurveyDraft, SurveyInvitation, SurveyParticipation, SurveyResponse, User
from portal.surveys import answering
from portal.surveys.answering import AnswerRefused, MissingAnswers, Refusal, Respondent
from portal.surveys.builder import token_hash
from tests.helpers import email_body, links_in
from tests.surveys.conftest import answer_form, build_survey, q

ALL_ANSWERS = {
    1: "Yes",
    2: "Penn Manor Medical Centre",
    3: "52",
    4: "4",
    5: ["GP", "Dentist"],
    6: {"o0": "2", "o1": "3", "o2": "1"},
    7: {"r0": "Easy", "r1": "Difficult"},
    8: "More evening appointments",
}


def save(survey: Any, who: Respondent, number: int, answers: dict[int, Any]) -> answering.SaveResult:
    data: MultiDict = MultiDict()
    for key, value in answer_form(survey, answers).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return answering.save_section(survey.id, who, number, data)


def complete(survey: Any, who: Respondent, answers: dict[int, Any] = ALL_ANSWERS) -> Respondent:
    """Answer every page; returns the respondent with the draft key the first save handed out."""
    first = save(survey, who, 1, {k: v for k, v in answers.items() if k in (1, 2, 3)})
    assert first.ok, first.view.errors if first.view else None
    if first.new_key:
        who = Respondent(who.user_id, who.is_stakeholder, who.invitation_id, first.new_key)
    for number, keys in ((2, (4,)), (3, (5, 6, 7, 8))):
        result = save(survey, who, number, {k: v for k, v in answers.items() if k in keys})
        assert result.ok, result.view.errors if result.view else None
    return who


def test_anonymous_response_rows_hold_no_identity_and_only_the_date(
    db: Any, make_survey: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    """The database rows of an anonymous response: no user id, no invitation, no IP address, no time of day."""
    survey = make_survey(anonymous=True)
    organisation = Organisation(name="Wolverhampton Homes", sector="housing", verified=True)
    user = make_user(Role.STAKEHOLDER, organisation=organisation)
    who = complete(survey, Respondent(user_id=user.id, is_stakeholder=True))
    answering.submit(survey.id, who)

    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_responses")}
    assert columns == {
        "id",
        "survey_id",
        "respondent_id",
        "invitation_id",
        "sector",
        "submitted_on",
        "answers",
        "is_example",
        "channel",  # how staff received an answer they entered (paper, phone, event): never who entered it
    }
    assert not any("ip" in c.split("_") or c.endswith("_at") or "time" in c for c in columns)
    rows = db.session.execute(text("SELECT * FROM survey_responses")).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["respondent_id"] is None
    assert row["invitation_id"] is None
    assert row["sector"] == "housing"  # the verified organisation's sector, for segmenting results
    stored_date = row["submitted_on"]
    assert str(stored_date) == london_today().isoformat(), "only the date, with no time of day"
    assert "Penn Manor" in str(row["answers"])

    # Who took part is recorded (so nobody answers twice) with no link to the response and no time.
    participation = db.session.execute(text("SELECT * FROM survey_participations")).mappings().one()
    assert participation["user_id"] == user.id
    assert set(participation.keys()) == {"id", "survey_id", "user_id", "invitation_id", "completed_on"}
    assert participation["id"] != row["id"]
    # And the draft, which did hold the account, is gone.
    assert db.session.scalar(select(SurveyDraft)) is None


def test_identified_response_is_linked_to_the_account(
    db: Any, make_survey: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    survey = make_survey(anonymous=False)
    user = make_user(Role.PUBLIC)
    answering.submit(survey.id, complete(survey, Respondent(user_id=user.id)))
    response = db.session.scalar(select(SurveyResponse))
    assert response.respondent_id == user.id


def test_identified_survey_needs_an_account_or_invitation(make_survey: Callable[..., Any]) -> None:
    survey = make_survey(anonymous=False)
    assert answering.refusal_for(survey, Respondent()) is Refusal.SIGN_IN


def test_hidden_section_is_skipped_and_its_answers_dropped(db: Any, make_survey: Callable[..., Any]) -> None:
    """Show question 4 only if question 1 is Yes: answering No skips section 2, and a changed answer drops Q4."""
    survey = make_survey()
    result = save(survey, Respondent(), 1, {1: "No", 3: "40"})
    assert result.next_number == 3
    who = Respondent(draft_key=result.new_key)
    assert answering.previous_step(survey, 3, answering.draft_answers(survey.id, who)) == 1

    result = save(survey, who, 1, {1: "Yes", 3: "40"})
    assert result.next_number == 2
    assert save(survey, who, 2, {4: "5"}).ok
    assert answering.draft_answers(survey.id, who)[str(q(survey, 4).id)] == 5

    save(survey, who, 1, {1: "No", 3: "40"})
    answers = answering.draft_answers(survey.id, who)
    assert str(q(survey, 4).id) not in answers, "the answer to a now-hidden question is dropped"
    assert answers[str(q(survey, 3).id)] == 40
    assert answering.shown_sections(survey, answers) == [1, 3]


def test_invalid_page_saves_nothing_and_keeps_what_was_typed(db: Any, make_survey: Callable[..., Any]) -> None:
    survey = make_survey()
    result = save(survey, Respondent(), 1, {2: "My GP", 3: "twelve"})
    assert not result.ok
    assert result.view.errors == [
        (f"q{q(survey, 1).id}", "Select an answer to question 1"),
        (f"q{q(survey, 3).id}", "Question 3 must be a number, like 12"),
    ]
    typed = next(v for v in result.view.questions if v.question.id == q(survey, 2).id)
    assert typed.values[f"q{q(survey, 2).id}"] == "My GP"
    assert db.session.scalar(select(SurveyDraft)) is None


def test_submit_with_a_required_question_unanswered_points_to_its_page(make_survey: Callable[..., Any]) -> None:
    survey = make_survey()
    who = Respondent(draft_key=save(survey, Respondent(), 1, {1: "No", 3: "30"}).new_key)
    with pytest.raises(MissingAnswers) as missing:
        answering.submit(survey.id, who)
    assert missing.value.number == 3


def test_save_and_resume_through_an_emailed_link(
    db: Any, make_survey: Callable[..., Any], mailbox: Any, request_ctx: None
) -> None:
    survey = make_survey()
    key = save(survey, Respondent(), 1, {1: "Yes", 2: "Penn", 3: "30"}).new_key
    assert key and db.session.scalar(select(SurveyDraft)).key_hash == token_hash(key)

    assert answering.send_resume_link(survey.id, key, "resident@example.org")
    message = mailbox.last_to("resident@example.org")
    assert survey.title in email_body(message)
    token = links_in(message)[0].rsplit("/", 1)[1]
    assert answering.read_resume_link(token) == (survey.id, key)
    assert answering.draft_answers(survey.id, Respondent(draft_key=key))[str(q(survey, 2).id)] == "Penn"
    # The email address was not stored anywhere.
    dump = " ".join(str(r) for r in db.session.execute(text("SELECT * FROM survey_drafts")).all())
    assert "resident@example.org" not in dump

    assert answering.read_resume_link(token + "x") is answering.LinkProblem.INVALID


def test_resume_link_stops_working_once_the_answers_are_sent(
    make_survey: Callable[..., Any], mailbox: Any, request_ctx: None
) -> None:
    survey = make_survey()
    who = complete(survey, Respondent())
    answering.send_resume_link(survey.id, who.draft_key, "r@example.org")
    token = links_in(mailbox.last_to("r@example.org"))[0].rsplit("/", 1)[1]
    answering.submit(survey.id, who)
    assert answering.read_resume_link(token) is answering.LinkProblem.USED


def test_a_draft_started_without_an_account_is_kept_when_signing_in(
    make_survey: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    survey = make_survey()
    key = save(survey, Respondent(), 1, {1: "Yes", 3: "30"}).new_key
    user = make_user(Role.PUBLIC)
    assert answering.draft_answers(survey.id, Respondent(user_id=user.id, draft_key=key))
    # Another account holding the same key (say, a shared computer) cannot see a draft that became someone's.
    assert save(survey, Respondent(user_id=user.id, draft_key=key), 1, {1: "No", 3: "30"}).ok
    other = make_user(Role.PUBLIC)
    assert answering.find_draft(survey.id, Respondent(user_id=other.id, draft_key=key)) is None


def _invite(db: Any, survey: Any, email: str = "invitee@example.org") -> tuple[SurveyInvitation, str]:
    token = "test-token-" + email
    invitation = SurveyInvitation(survey_id=survey.id, email=email, token_hash=token_hash(token))
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def test_a_used_invitation_is_rejected(db: Any, make_survey: Callable[..., Any]) -> None:
    survey = make_survey(audience="invite", anonymous=True)
    invitation, token = _invite(db, survey)
    assert answering.refusal_for(survey, Respondent()) is Refusal.INVITE_ONLY
    assert answering.read_invitation_link(token) == invitation

    who = complete(survey, Respondent(invitation_id=invitation.id))
    answering.submit(survey.id, who)
    db.session.refresh(invitation)
    assert invitation.used_on == london_today()
    assert answering.read_invitation_link(token) is answering.LinkProblem.USED
    with pytest.raises(AnswerRefused) as refused:
        save(survey, Respondent(invitation_id=invitation.id), 1, {1: "No"})
    assert refused.value.refusal is Refusal.ALREADY_ANSWERED
    # Anonymous: the response is not linked to the invitation.
    assert db.session.scalar(select(SurveyResponse)).invitation_id is None
    assert db.session.scalar(select(SurveyParticipation)).invitation_id == invitation.id


def test_invitations_only_work_for_their_own_survey(db: Any, make_survey: Callable[..., Any]) -> None:
    survey = make_survey(audience="invite")
    other = make_survey(audience="invite", title="Another survey")
    invitation, _ = _invite(db, survey)
    assert answering.refusal_for(other, Respondent(invitation_id=invitation.id)) is Refusal.INVITE_ONLY


def test_replaying_the_submit_stores_nothing_more(db: Any, make_survey: Callable[..., Any]) -> None:
    survey = make_survey()
    who = complete(survey, Respondent())
    reference = answering.submit(survey.id, who)
    assert len(reference) == 8
    with pytest.raises(AnswerRefused) as replay:
        answering.submit(survey.id, who)
    assert replay.value.refusal is Refusal.NOTHING_TO_SUBMIT
    assert db.session.scalar(select(text("count(*)")).select_from(SurveyResponse)) == 1


def test_an_account_answers_once(db: Any, make_survey: Callable[..., Any], make_user: Callable[..., User]) -> None:
    survey = make_survey()
    user = make_user(Role.PUBLIC)
    answering.submit(survey.id, complete(survey, Respondent(user_id=user.id)))
    assert answering.refusal_for(survey, Respondent(user_id=user.id)) is Refusal.ALREADY_ANSWERED
    with pytest.raises(AnswerRefused):
        save(survey, Respondent(user_id=user.id), 1, {1: "No"})


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"closes_on": date.today() - timedelta(days=2)}, Refusal.CLOSED),
        ({"status": "closed"}, Refusal.CLOSED),
        ({"opens_on": date.today() + timedelta(days=2)}, Refusal.NOT_OPEN_YET),
        ({"status": "draft"}, Refusal.NOT_FOUND),
    ],
)
def test_a_survey_not_open_refuses_answers(
    make_survey: Callable[..., Any], fields: dict[str, Any], refusal: Refusal
) -> None:
    survey = make_survey(**fields)
    with pytest.raises(AnswerRefused) as refused:
        save(survey, Respondent(), 1, {1: "Yes"})
    assert refused.value.refusal is refusal


def test_a_survey_closing_between_saving_and_sending_refuses_the_answers(
    db: Any, make_survey: Callable[..., Any]
) -> None:
    survey = make_survey()
    who = complete(survey, Respondent())
    survey.status = "closed"
    db.session.commit()
    with pytest.raises(AnswerRefused) as refused:
        answering.submit(survey.id, who)
    assert refused.value.refusal is Refusal.CLOSED
    assert db.session.scalar(select(SurveyResponse)) is None


def test_stakeholder_surveys(make_survey: Callable[..., Any]) -> None:
    survey = make_survey(audience="stakeholders")
    assert answering.refusal_for(survey, Respondent()) is Refusal.SIGN_IN
    assert answering.refusal_for(survey, Respondent(user_id=1)) is Refusal.STAKEHOLDERS_ONLY
    assert answering.refusal_for(survey, Respondent(user_id=1, is_stakeholder=True)) is None


def test_unverified_organisations_give_no_sector(
    db: Any, make_survey: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    survey = make_survey()
    user = make_user(Role.STAKEHOLDER, organisation=Organisation(name="Unchecked Ltd", sector="police"))
    answering.submit(survey.id, complete(survey, Respondent(user_id=user.id, is_stakeholder=True)))
    assert db.session.scalar(select(SurveyResponse)).sector == ""


def test_build_survey_helper_orders_questions(make_survey: Callable[..., Any]) -> None:
    survey = build_survey()
    assert [x.title for x in survey.questions][:2] == ["Do you smoke?", "Which GP practice are you registered with?"]
    assert q(survey, 4).condition_question_id == q(survey, 1).id


def test_answers_saved_and_abandoned_for_longer_than_a_resume_link_lasts_are_deleted(
    db: Any, make_survey: Callable[..., Any]
) -> None:
    from portal.models.base import utcnow

    survey = make_survey()
    old_key = save(survey, Respondent(), 1, {1: "Yes", 2: "Penn", 3: "30"}).new_key
    recent_key = save(survey, Respondent(), 1, {1: "No", 3: "40"}).new_key
    old_draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(old_key)))
    # Set the clock back directly: the ORM's onupdate would otherwise stamp the row with the current time.
    db.session.execute(
        SurveyDraft.__table__.update()
        .where(SurveyDraft.id == old_draft.id)
        .values(updated_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()

    save(survey, Respondent(), 1, {1: "Yes", 3: "50"})  # starting any new draft purges abandoned ones

    remaining = {d.key_hash for d in db.session.scalars(select(SurveyDraft))}
    assert token_hash(old_key) not in remaining
    assert token_hash(recent_key) in remaining
