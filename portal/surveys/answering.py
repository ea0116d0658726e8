"""Answering a survey: who may answer, saving each page to a draft, resuming, invitations and submitting.

A respondent is identified, in this order, by an invitation they opened, their account, or a random draft key
kept in their session (or emailed to them in a resume link). Submitting deletes the draft and writes the
response; an anonymous response keeps no user, no invitation and only the date, and is written apart from the
record of who answered (see ``submit`` and ``release``).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app, url_for
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import MultiDict

from portal.auth.tokens import TokenError, TokenPurpose, make_token, read_token
from portal.clock import london_today
from portal.database import rows_changed
from portal.extensions import db
from portal.mail import send_email
from portal.models import (
    Audience,
    QuestionKind,
    Survey,
    SurveyDraft,
    SurveyInvitation,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
    User,
)
from portal.models.base import utcnow
from portal.surveys import release
from portal.surveys.conditions import question_numbers
from portal.surveys.inviting import token_hash
from portal.surveys.questions import (
    Display,
    FormData,
    describe_answer,
    display_on_page,
    field_name,
    form_state,
    hint_text,
    is_visible,
    parse_answer,
    raw_form_state,
    visible_answers,
)
from portal.surveys.state import SurveyState, survey_state

RESUME_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True)
class Respondent:
    """Who is answering, as the route knows it (services never read the request)."""

    user_id: int | None = None
    is_stakeholder: bool = False
    invitation_id: int | None = None
    draft_key: str | None = None


class Refusal(StrEnum):
    """Why someone cannot answer a survey now."""

    NOT_FOUND = "not_found"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    SIGN_IN = "sign_in"
    STAKEHOLDERS_ONLY = "stakeholders_only"
    INVITE_ONLY = "invite_only"
    ALREADY_ANSWERED = "already_answered"
    NOTHING_TO_SUBMIT = "nothing_to_submit"


class AnswerRefused(Exception):
    """The respondent may not answer (or submit) this survey now."""

    def __init__(self, refusal: Refusal, survey: Survey | None = None) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal
        self.survey = survey


def _invitation_for(survey: Survey, respondent: Respondent) -> SurveyInvitation | None:
    if respondent.invitation_id is None:
        return None
    invitation = db.session.get(SurveyInvitation, respondent.invitation_id)
    return invitation if invitation is not None and invitation.survey_id == survey.id else None


def has_participated(survey_id: int, user_id: int) -> bool:
    """True when this account has already answered this survey."""
    found = db.session.scalar(
        select(SurveyParticipation.id).where(
            SurveyParticipation.survey_id == survey_id, SurveyParticipation.user_id == user_id
        )
    )
    return found is not None


def refusal_for(survey: Survey | None, respondent: Respondent, today: date | None = None) -> Refusal | None:
    """Why this respondent cannot answer this survey now, or None when they can."""
    if survey is None or survey.status == SurveyStatus.DRAFT:
        return Refusal.NOT_FOUND
    state = survey_state(survey, today)
    if state is SurveyState.SCHEDULED:
        return Refusal.NOT_OPEN_YET
    if state is SurveyState.CLOSED:
        return Refusal.CLOSED
    if respondent.user_id is not None and has_participated(survey.id, respondent.user_id):
        return Refusal.ALREADY_ANSWERED
    invitation = _invitation_for(survey, respondent)
    if invitation is not None:
        return Refusal.ALREADY_ANSWERED if invitation.used_on is not None else None
    if survey.audience == Audience.INVITE:
        return Refusal.INVITE_ONLY
    if survey.audience == Audience.STAKEHOLDERS:
        if respondent.user_id is None:
            return Refusal.SIGN_IN
        if not respondent.is_stakeholder:
            return Refusal.STAKEHOLDERS_ONLY
    if not survey.anonymous and respondent.user_id is None:
        # Identified answers need an identity: an account (or an invitation, handled above).
        return Refusal.SIGN_IN
    return None


def load_for_answering(
    survey_id: int, respondent: Respondent, today: date | None = None, *, finishing: bool = False
) -> Survey:
    """The survey, if this respondent may answer it now; otherwise raise AnswerRefused.

    ``finishing`` (an interrupted send being completed) lets through a respondent already marked as having answered.
    """
    survey = db.session.get(Survey, survey_id)
    refusal = refusal_for(survey, respondent, today)
    if finishing and refusal is Refusal.ALREADY_ANSWERED:
        refusal = None
    if refusal is not None:
        raise AnswerRefused(refusal, survey)
    assert survey is not None
    return survey


# In a draft's answers: what was typed for questions whose answer could not be read yet, saved as typed ("Save and
# come back later" never checks answers). Field name -> value, as the page's form sent it. Never part of a response.
TYPED = "_typed"


def typed_answers(answers: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Question id -> the form fields typed for it, for answers saved as typed because they could not be read."""
    typed = answers.get(TYPED)
    return dict(typed) if isinstance(typed, dict) else {}


def _is_blank(state: Mapping[str, Any]) -> bool:
    """Nothing typed or chosen in any of a question's fields."""
    values = [v for value in state.values() for v in (value if isinstance(value, list) else [value])]
    return not any(str(v).strip() for v in values)


def find_draft(survey_id: int, respondent: Respondent) -> SurveyDraft | None:
    """The respondent's saved answers for this survey, if any."""
    if respondent.invitation_id is not None:
        draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.invitation_id == respondent.invitation_id))
        if draft is not None and draft.survey_id == survey_id:
            return draft
    if respondent.user_id is not None and respondent.invitation_id is None:
        draft = db.session.scalar(
            select(SurveyDraft).where(SurveyDraft.survey_id == survey_id, SurveyDraft.user_id == respondent.user_id)
        )
        if draft is not None:
            return draft
    if respondent.draft_key:
        draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(respondent.draft_key)))
        # A draft begun before signing in becomes the account's; one owned by another account is never shown.
        owner_ok = draft is not None and (draft.user_id is None or draft.user_id == respondent.user_id)
        if draft is not None and owner_ok and draft.survey_id == survey_id and draft.invitation_id is None:
            return draft
    return None


def draft_answers(survey_id: int, respondent: Respondent) -> dict[str, Any]:
    """The answers saved so far (empty when none)."""
    draft = find_draft(survey_id, respondent)
    return dict(draft.answers or {}) if draft else {}


@dataclass
class QuestionView:
    """A question as its page shows it."""

    question: SurveyQuestion
    number: int
    display: Display
    values: dict[str, Any]
    error: str | None = None
    condition_text: str = ""
    # For a condition on the same page: the field to watch and the values that show this question (for the JS).
    condition_field: str = ""
    condition_form_values: list[str] = field(default_factory=list)
    hint: str = ""


@dataclass
class SectionView:
    """One page of a survey for a respondent."""

    survey: Survey
    section: SurveySection
    number: int
    step: int
    steps: int
    questions: list[QuestionView]
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def error_list(self) -> list[dict[str, str]]:
        return [{"text": message, "href": f"#{anchor}"} for anchor, message in self.errors]


def _by_id(survey: Survey) -> dict[int, SurveyQuestion]:
    return {q.id: q for q in survey.questions}


def section_shown(section: SurveySection, answers: Mapping[str, Any], by_id: Mapping[int, SurveyQuestion]) -> bool:
    """A page is skipped when every question on it is hidden by its display conditions."""
    return any(display_on_page(q, answers, by_id) is not Display.HIDDEN for q in section.questions)


def shown_sections(survey: Survey, answers: Mapping[str, Any]) -> list[int]:
    """The 1-based numbers of the pages this respondent will see, given their answers so far."""
    by_id = _by_id(survey)
    return [n for n, s in enumerate(survey.sections, start=1) if s.questions and section_shown(s, answers, by_id)]


def progress_sections(survey: Survey, answers: Mapping[str, Any], current: int) -> list[int]:
    """The pages counted in "Section x of y": those shown, plus later pages whose conditions hang on questions not
    answered yet (still on this page or later), so the count does not jump up as people answer.
    """
    by_id = _by_id(survey)
    section_number = {s.id: n for n, s in enumerate(survey.sections, start=1)}
    counted = []
    for number, section in enumerate(survey.sections, start=1):
        if not section.questions:
            continue
        undecided = number > current and any(
            q.condition_question_id in by_id
            and str(q.condition_question_id) not in answers
            and section_number[by_id[q.condition_question_id].section_id] >= current
            for q in section.questions
        )
        if undecided or section_shown(section, answers, by_id):
            counted.append(number)
    return counted


def condition_text(question: SurveyQuestion, numbers: Mapping[int, int]) -> str:
    """A display condition in words, for respondents and the builder."""
    target = question.condition_question
    if target is None:
        return ""
    values = " or ".join(f"‘{v}’" for v in question.condition_values)
    return f"Answer this if your answer to question {numbers.get(target.id, '?')} was {values}"


def _condition_watch(question: SurveyQuestion) -> tuple[str, list[str]]:
    target = question.condition_question
    if target is None:
        return "", []
    if target.kind == QuestionKind.LIKERT:
        scale = list(target.scale)
        return field_name(target), [str(scale.index(v) + 1) for v in question.condition_values if v in scale]
    return field_name(target), list(question.condition_values)


def stored_errors(
    survey: Survey, number: int, answers: Mapping[str, Any], *, typed_only: bool = False
) -> dict[int, tuple[str, str]]:
    """Check the saved answers on page ``number`` as if they were just sent (finds required ones left blank, and
    answers saved as typed that cannot be read). With ``typed_only``, only the latter.
    """
    section = survey.sections[number - 1]
    by_id = _by_id(survey)
    numbers = question_numbers(survey)
    typed = typed_answers(answers)
    errors = {}
    for question in section.questions:
        if not is_visible(question, answers, by_id):
            continue
        if typed_only and str(question.id) not in typed:
            continue
        form: MultiDict[str, str] = MultiDict()
        state = typed.get(str(question.id)) or form_state(question, answers.get(str(question.id)))
        for key, value in state.items():
            form.setlist(key, value if isinstance(value, list) else [value])
        parsed = parse_answer(question, form, numbers[question.id])
        if parsed.error:
            errors[question.id] = (parsed.anchor, parsed.error)
    return errors


def section_view(
    survey: Survey,
    number: int,
    answers: Mapping[str, Any],
    *,
    submitted: FormData | None = None,
    errors: Mapping[int, tuple[str, str]] | None = None,
    preview: bool = False,
) -> SectionView:
    """Build page ``number`` (1-based) showing ``answers``, or what was ``submitted`` with its errors."""
    if not 1 <= number <= len(survey.sections):
        raise AnswerRefused(Refusal.NOT_FOUND, survey)
    section = survey.sections[number - 1]
    by_id = _by_id(survey)
    numbers = question_numbers(survey)
    errors = errors or {}
    typed = typed_answers(answers)
    views = []
    for question in section.questions:
        if preview:
            # A preview shows every question, with its condition in words.
            display = Display.CONDITIONAL if question.condition_question_id else Display.SHOWN
        else:
            display = display_on_page(question, answers, by_id)
        if display is Display.HIDDEN:
            continue
        values = (
            raw_form_state(question, submitted)
            if submitted is not None
            else typed.get(str(question.id)) or form_state(question, answers.get(str(question.id)))
        )
        error = errors.get(question.id)
        watch, watch_values = _condition_watch(question)
        views.append(
            QuestionView(
                question=question,
                number=numbers[question.id],
                display=display,
                values=values,
                error=error[1] if error else None,
                condition_text=condition_text(question, numbers),
                condition_field=watch,
                condition_form_values=watch_values,
                hint=hint_text(
                    question,
                    question.help_text,
                    condition_text(question, numbers) if display is Display.CONDITIONAL else "",
                ),
            )
        )
    steps = progress_sections(survey, answers, number) if not preview else list(range(1, len(survey.sections) + 1))
    step = steps.index(number) + 1 if number in steps else 1
    return SectionView(
        survey=survey,
        section=section,
        number=number,
        step=step,
        steps=max(len(steps), 1),
        questions=views,
        errors=list(errors.values()),
    )


def first_step(survey: Survey, respondent: Respondent) -> int | None:
    """Where to start or resume: the first page with an unanswered required question, or None (check answers)."""
    answers = draft_answers(survey.id, respondent)
    if not answers:
        shown = shown_sections(survey, answers)
        return shown[0] if shown else None
    missing = first_missing(survey, answers)
    return missing


def first_missing(survey: Survey, answers: Mapping[str, Any]) -> int | None:
    """The first page with a shown question that needs attention, or None when all are answered: a required one
    with no answer, or one whose answer was saved as typed and cannot be read yet.
    """
    by_id = _by_id(survey)
    typed = typed_answers(answers)
    for number, section in enumerate(survey.sections, start=1):
        for question in section.questions:
            if not is_visible(question, answers, by_id):
                continue
            if str(question.id) in typed or (question.required and answers.get(str(question.id)) is None):
                return number
    return None


def next_step(survey: Survey, number: int, answers: Mapping[str, Any]) -> int | None:
    """The next page to show after page ``number``, or None for the check-your-answers page."""
    for candidate in shown_sections(survey, answers):
        if candidate > number:
            return candidate
    return None


def previous_step(survey: Survey, number: int, answers: Mapping[str, Any]) -> int | None:
    """The page before page ``number`` that the respondent saw, or None for the survey's start page."""
    earlier = [n for n in shown_sections(survey, answers) if n < number]
    return earlier[-1] if earlier else None


@dataclass
class SaveResult:
    """What saving a page did: errors to show, or where to go next, and a new draft key for the session."""

    view: SectionView | None = None
    next_number: int | None = None
    new_key: str | None = None

    @property
    def ok(self) -> bool:
        return self.view is None


def purge_stale_drafts() -> int:
    """Delete saved answers untouched for longer than a resume link lasts (they may identify the respondent).

    Runs in the caller's transaction; returns how many drafts were deleted.
    """
    cutoff = utcnow() - timedelta(seconds=RESUME_MAX_AGE)
    return rows_changed(delete(SurveyDraft).where(SurveyDraft.updated_at < cutoff)) or 0


def _new_draft(survey_id: int, respondent: Respondent) -> tuple[SurveyDraft, str]:
    purge_stale_drafts()
    key = secrets.token_urlsafe(32)
    draft = SurveyDraft(
        survey_id=survey_id,
        key_hash=token_hash(key),
        user_id=respondent.user_id if respondent.invitation_id is None else None,
        invitation_id=respondent.invitation_id,
        answers={},
    )
    return draft, key


def save_section(
    survey_id: int,
    respondent: Respondent,
    number: int,
    form: FormData,
    today: date | None = None,
    *,
    for_later: bool = False,
) -> SaveResult:
    """Check a page's answers; when they are all valid, save them to the draft (creating it on first save).

    ``for_later`` ("Save and come back later") never checks: required questions may be left empty, and an answer
    that cannot be read (a number typed as words, say) is kept exactly as typed, to be shown again, and checked, when
    the respondent comes back. Such answers hold back sending until they are corrected.
    """
    survey = load_for_answering(survey_id, respondent, today)
    if not 1 <= number <= len(survey.sections):
        raise AnswerRefused(Refusal.NOT_FOUND, survey)
    section = survey.sections[number - 1]
    by_id = _by_id(survey)
    numbers = question_numbers(survey)
    draft = find_draft(survey.id, respondent)
    if draft is not None:
        # Lock the draft while merging, so two tabs saving different pages at once both keep their answers.
        db.session.refresh(draft, with_for_update=True)
    working = dict(draft.answers or {}) if draft else {}
    typed = typed_answers(working)
    working.pop(TYPED, None)
    errors: dict[int, tuple[str, str]] = {}
    for question in section.questions:
        key = str(question.id)
        typed.pop(key, None)
        # Conditions on this same page are judged on what was just entered above the question.
        if not is_visible(question, working, by_id):
            working.pop(key, None)
            continue
        parsed = parse_answer(question, form, numbers[question.id])
        if parsed.error and for_later:
            working.pop(key, None)
            state = raw_form_state(question, form)
            if not _is_blank(state):
                typed[key] = state
        elif parsed.error:
            errors[question.id] = (parsed.anchor, parsed.error)
            working.pop(key, None)
        elif parsed.value is None:
            working.pop(key, None)
        else:
            working[key] = parsed.value
    if errors:
        shown_answers = dict(draft.answers or {}) if draft else {}
        view = section_view(survey, number, shown_answers, submitted=form, errors=errors)
        db.session.rollback()
        return SaveResult(view=view)
    # Answers further on that no longer apply are dropped, so a changed answer never leaves stale ones behind.
    working = visible_answers(survey.questions, working)
    typed = {key: state for key, state in typed.items() if _shown(survey, key, working)}
    if typed:
        working[TYPED] = typed
    new_key = None
    if draft is None:
        draft, new_key = _new_draft(survey.id, respondent)
        db.session.add(draft)
    elif draft.user_id is None and respondent.user_id is not None and draft.invitation_id is None:
        draft.user_id = respondent.user_id
    draft.answers = working
    try:
        db.session.commit()
    except IntegrityError:
        # The same account saved the first page twice at once: keep the other save and apply this one to it.
        db.session.rollback()
        draft = find_draft(survey.id, respondent)
        if draft is None:
            raise
        draft.answers = {**(draft.answers or {}), **working}
        db.session.commit()
        new_key = None
    return SaveResult(next_number=next_step(survey, number, working), new_key=new_key)


def _shown(survey: Survey, key: str, answers: Mapping[str, Any]) -> bool:
    by_id = _by_id(survey)
    question = by_id.get(int(key)) if key.isdigit() else None
    return question is not None and is_visible(question, answers, by_id)


@dataclass(frozen=True)
class AnswerLine:
    """A question and its answer on the check-your-answers page."""

    number: int
    title: str
    lines: list[str]


def check_answers(survey: Survey, respondent: Respondent) -> list[tuple[int, SurveySection, list[AnswerLine]]]:
    """The shown pages with their questions and answers in words, for checking before submitting."""
    answers = draft_answers(survey.id, respondent)
    visible = visible_answers(survey.questions, answers)
    by_id = _by_id(survey)
    numbers = question_numbers(survey)
    pages = []
    for number in shown_sections(survey, answers):
        section = survey.sections[number - 1]
        lines = [
            AnswerLine(numbers[q.id], q.title, describe_answer(q, visible.get(str(q.id))))
            for q in section.questions
            if is_visible(q, answers, by_id)
        ]
        pages.append((number, section, lines))
    return pages


class MissingAnswers(Exception):
    """Submitting found a required question unanswered, on page ``number``."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def _response_sector(respondent: Respondent, invitation: SurveyInvitation | None) -> str:
    if respondent.user_id is not None:
        user = db.session.get(User, respondent.user_id)
        if user is not None and user.verified_organisation is not None:
            return user.verified_organisation.sector
    if invitation is not None:
        return invitation.sector
    return ""


def _half_sent(survey_id: int, respondent: Respondent) -> bool:
    """True when this respondent's participation mark was written but their answers were not (an interrupted send)."""
    draft = find_draft(survey_id, respondent)
    return draft is not None and draft.submitting


def _mark_participation(
    survey: Survey, draft: SurveyDraft, respondent: Respondent, invitation: SurveyInvitation | None, today: date
) -> None:
    """First transaction: record that this person (or invitation) has answered, by day only, and nothing else."""
    claimed = rows_changed(
        update(SurveyDraft)
        .where(SurveyDraft.id == draft.id, SurveyDraft.submitting.is_(False))
        .values(submitting=True)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        # Marked already: by an earlier send that was interrupted, or by a double click now storing the answers.
        db.session.rollback()
        return
    if invitation is not None:
        used = rows_changed(
            update(SurveyInvitation)
            .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_on.is_(None))
            .values(used_on=today)
            .execution_options(synchronize_session=False)
        )
        if used != 1:
            db.session.rollback()
            raise AnswerRefused(Refusal.ALREADY_ANSWERED, survey)
    db.session.add(
        SurveyParticipation(
            id=uuid.uuid4().hex,
            survey_id=survey.id,
            user_id=respondent.user_id,
            invitation_id=invitation.id if invitation is not None else None,
            completed_on=today,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AnswerRefused(Refusal.ALREADY_ANSWERED, survey) from None


def submit(survey_id: int, respondent: Respondent, today: date | None = None) -> str:
    """Turn the respondent's draft into a response, exactly once. Returns the response's reference.

    Three transactions, so that nothing in the database (not even PostgreSQL's ``xmin``) ties an anonymous answer
    to a person: (1) the participation mark (who answered, by day) for accounts and invitations; (2) the answers,
    deleting the draft — committed before returning, so an acknowledged response is always stored; (3) releasing a
    batch of anonymous answers when one is due (see ``release``). If the send is interrupted between (1) and (2),
    sending again finishes it.
    """
    today = today or london_today()
    finishing = _half_sent(survey_id, respondent)
    survey = load_for_answering(survey_id, respondent, today, finishing=finishing)
    draft = find_draft(survey.id, respondent)
    if draft is None:
        raise AnswerRefused(Refusal.NOTHING_TO_SUBMIT, survey)
    answers = visible_answers(survey.questions, draft.answers or {})
    missing = first_missing(survey, {**answers, TYPED: typed_answers(draft.answers or {})})
    if missing is not None:
        db.session.rollback()
        raise MissingAnswers(missing)
    invitation = _invitation_for(survey, respondent)
    sector = _response_sector(respondent, invitation)
    draft_id, anonymous, pooled = draft.id, survey.anonymous, release.pools_answers(survey)
    if respondent.user_id is not None or invitation is not None:
        _mark_participation(survey, draft, respondent, invitation, today)

    # Deleting the draft makes this happen once: only one transaction can delete it (a double click waits for the
    # row lock, then deletes nothing).
    deleted = rows_changed(
        delete(SurveyDraft).where(SurveyDraft.id == draft_id).execution_options(synchronize_session=False)
    )
    if deleted != 1:
        db.session.rollback()
        raise AnswerRefused(Refusal.ALREADY_ANSWERED, survey)
    db.session.expunge(draft)
    response_id = uuid.uuid4().hex
    if pooled:
        release.add_pending(survey.id, response_id, sector, today, answers)
    else:
        db.session.add(
            SurveyResponse(
                id=response_id,
                survey_id=survey.id,
                respondent_id=None if anonymous else respondent.user_id,
                invitation_id=invitation.id if not anonymous and invitation is not None else None,
                sector=sector,
                submitted_on=today,
                answers=answers,
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AnswerRefused(Refusal.ALREADY_ANSWERED, survey) from None
    reference = response_id[:8].upper()
    if pooled:
        try:
            release.release_due(survey_id, today)
        except SQLAlchemyError:
            # The answers are stored either way; the batch goes out with the next send or reading of the results.
            db.session.rollback()
            current_app.logger.exception("Releasing survey %s's pending answers failed; will retry", survey_id)
    return reference


def send_resume_link(survey_id: int, draft_key: str, email: str) -> bool:
    """Email a link that brings back a draft saved without an account. The address is not stored."""
    draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(draft_key)))
    if draft is None or draft.survey_id != survey_id:
        return False
    token = make_token(TokenPurpose.RESUME, {"s": survey_id, "k": draft_key})
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    send_email(
        email,
        f"Continue your survey: {draft.survey.title}",
        "survey_resume.txt",
        survey=draft.survey,
        link=base + url_for("surveys.resume", token=token),
        days=RESUME_MAX_AGE // (24 * 3600),
    )
    return True


class LinkProblem(StrEnum):
    """Why an emailed survey link cannot be used."""

    EXPIRED = "expired"
    INVALID = "invalid"
    USED = "used"


def read_resume_link(token: str) -> tuple[int, str] | LinkProblem:
    """The (survey id, draft key) a resume link brings back, or why it cannot."""
    try:
        payload = read_token(TokenPurpose.RESUME, token, RESUME_MAX_AGE)
    except TokenError as exc:
        return LinkProblem.EXPIRED if exc.expired else LinkProblem.INVALID
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str) or not isinstance(payload.get("s"), int):
        return LinkProblem.INVALID
    draft = db.session.scalar(select(SurveyDraft).where(SurveyDraft.key_hash == token_hash(payload["k"])))
    if draft is None or draft.survey_id != payload["s"]:
        # Submitted already (the draft is gone) or never existed.
        return LinkProblem.USED
    return payload["s"], payload["k"]


def read_invitation_link(token: str) -> SurveyInvitation | LinkProblem:
    """The invitation a link is for, or why it cannot be used (a used invitation is refused)."""
    if not token or len(token) > 200:
        return LinkProblem.INVALID
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token)))
    if invitation is None:
        return LinkProblem.INVALID
    if invitation.used_on is not None:
        return LinkProblem.USED
    return invitation
