"""The survey builder for analysts: surveys, sections, questions, opening and closing, publishing results and
sending invitations. Each function owns its transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.clock import london_today
from portal.extensions import db
from portal.mail import external_url, send_email
from portal.models import (
    Audience,
    EngagementOptIn,
    QuestionKind,
    Survey,
    SurveyDraft,
    SurveyInvitation,
    SurveyPendingResponse,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
    User,
)
from portal.models.base import utcnow
from portal.surveys.questions import CONDITION_KINDS
from portal.surveys.release import release_due
from portal.surveys.state import SurveyState, survey_state

MAX_INVITATIONS_PER_BATCH = 500
# Queued invitations older than this are offered for sending again (their job was lost, e.g. in a restart).
STALE_QUEUED_MINUTES = 15


class BuilderError(Exception):
    """A change the builder refuses, with a message for the analyst (and the form field it concerns)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _audit(actor_id: int | None, action: str, survey_id: int, detail: str = "") -> None:
    record_audit(actor_id, action, "survey", survey_id, detail)


def response_count(survey_id: int) -> int:
    """How many responses a survey has, counting anonymous ones not yet released into the results."""
    released = db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id)) or 0
    pending = db.session.scalar(select(func.count()).where(SurveyPendingResponse.survey_id == survey_id)) or 0
    return released + pending


def has_started(survey_id: int) -> bool:
    """True once anyone has saved or submitted answers: from then on anonymity is locked."""
    if response_count(survey_id):
        return True
    return bool(db.session.scalar(select(SurveyDraft.id).where(SurveyDraft.survey_id == survey_id).limit(1)))


def structure_locked(survey_id: int) -> bool:
    """True once a survey has responses: its questions can no longer change, or answers would lose meaning."""
    return response_count(survey_id) > 0


def _check_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise BuilderError("The closing date must be the same as or after the opening date", "closes_on")


def create_survey(
    *,
    title: str,
    summary: str,
    audience: Audience,
    anonymous: bool,
    opens_on: date | None,
    closes_on: date | None,
    proposal_id: int | None,
    actor_id: int | None,
) -> Survey:
    """Create a draft survey with one empty section."""
    _check_dates(opens_on, closes_on)
    survey = Survey(
        title=title.strip(),
        summary=summary.strip(),
        audience=str(audience),
        anonymous=anonymous,
        opens_on=opens_on,
        closes_on=closes_on,
        proposal_id=proposal_id,
        created_by_id=actor_id,
        status=SurveyStatus.DRAFT.value,
    )
    survey.sections = [SurveySection(title="Section 1", position=0, description="")]
    db.session.add(survey)
    db.session.flush()
    _audit(actor_id, "survey_created", survey.id, survey.title)
    db.session.commit()
    return survey


def update_settings(
    survey_id: int,
    *,
    title: str,
    summary: str,
    audience: Audience,
    anonymous: bool,
    opens_on: date | None,
    closes_on: date | None,
    proposal_id: int | None,
    actor_id: int | None,
) -> Survey:
    """Change a survey's settings. Whether it is anonymous cannot change once anyone has started answering."""
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    _check_dates(opens_on, closes_on)
    if anonymous != survey.anonymous and has_started(survey_id):
        db.session.rollback()
        raise BuilderError(
            "You cannot change whether the survey is anonymous after people have started answering it", "anonymous"
        )
    survey.title = title.strip()
    survey.summary = summary.strip()
    survey.audience = str(audience)
    survey.anonymous = anonymous
    survey.opens_on = opens_on
    survey.closes_on = closes_on
    survey.proposal_id = proposal_id
    _audit(actor_id, "survey_settings_changed", survey.id)
    db.session.commit()
    return survey


def _require_unlocked(survey_id: int) -> None:
    if structure_locked(survey_id):
        raise BuilderError("This survey has responses, so its sections and questions can no longer be changed")


def _renumber(items: Sequence[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _move_and_check(items: Sequence[Any], item: Any, offset: int, survey: Survey) -> bool:
    """Swap ``item`` with its neighbour ``offset`` away and renumber, keeping display conditions valid.

    Returns False (changing nothing) when the item is already at that end; rolls back and re-raises when the
    move would put a question before the question its display condition depends on.
    """
    ordered = sorted(items, key=lambda i: i.position)
    index = ordered.index(item)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    try:
        _check_conditions(survey)
    except BuilderError:
        db.session.rollback()
        raise
    return True


def _ordered_questions(survey: Survey) -> list[SurveyQuestion]:
    sections = sorted(survey.sections, key=lambda s: s.position)
    return [q for s in sections for q in sorted(s.questions, key=lambda q: q.position)]


def _check_conditions(survey: Survey) -> None:
    """Every display condition must point at an earlier choice question and at answers it offers."""
    seen: dict[int, SurveyQuestion] = {}
    for number, question in enumerate(_ordered_questions(survey), start=1):
        if question.condition_question_id is not None:
            target = seen.get(question.condition_question_id)
            if target is None:
                raise BuilderError(
                    f"Question {number} depends on a question that would no longer come before it. "
                    "Change or remove its display condition first"
                )
            allowed = target.scale if target.kind == QuestionKind.LIKERT else target.options
            if not set(question.condition_values or []) <= set(allowed):
                raise BuilderError(f"Question {number} depends on an answer that question no longer offers")
        seen[question.id] = question


def add_section(survey_id: int, title: str, description: str, actor_id: int | None) -> SurveySection:
    """Add a section (a page) at the end of a survey."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    _require_unlocked(survey_id)
    section = SurveySection(survey_id=survey.id, title=title.strip(), description=description.strip())
    section.position = len(survey.sections)
    db.session.add(section)
    _audit(actor_id, "survey_section_added", survey.id, section.title)
    db.session.commit()
    return section


def update_section(section_id: int, title: str, description: str, actor_id: int | None) -> SurveySection:
    """Rename a section or change its introduction."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    section.title = title.strip()
    section.description = description.strip()
    _audit(actor_id, "survey_section_changed", section.survey_id, section.title)
    db.session.commit()
    return section


def delete_section(section_id: int, actor_id: int | None) -> None:
    """Delete a section and its questions (refused when later questions depend on them)."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    survey = section.survey
    _require_unlocked(survey.id)
    if len(survey.sections) == 1:
        raise BuilderError("A survey needs at least one section")
    ids = {q.id for q in section.questions}
    dependants = [q for q in survey.questions if q.condition_question_id in ids and q.id not in ids]
    if dependants:
        raise BuilderError("Questions in other sections depend on this section’s questions. Change them first")
    survey.sections.remove(section)
    _renumber(survey.sections)
    _audit(actor_id, "survey_section_deleted", survey.id, section.title)
    db.session.commit()


def move_section(section_id: int, offset: int, actor_id: int | None) -> None:
    """Move a section up (-1) or down (+1)."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    survey = section.survey
    _require_unlocked(survey.id)
    if not _move_and_check(survey.sections, section, offset, survey):
        return
    _audit(actor_id, "survey_section_moved", survey.id, section.title)
    db.session.commit()


@dataclass
class QuestionSpec:
    """Everything the builder form collects about a question."""

    kind: QuestionKind
    title: str
    help_text: str = ""
    required: bool = True
    options: list[str] = field(default_factory=list)
    scale: list[str] = field(default_factory=list)
    min_value: float | None = None
    max_value: float | None = None
    whole_number: bool = False
    condition_question_id: int | None = None
    condition_values: list[str] = field(default_factory=list)


def save_question(section_id: int, question_id: int | None, spec: QuestionSpec, actor_id: int | None) -> SurveyQuestion:
    """Add a question at the end of a section, or change one."""
    section = db.session.get(SurveySection, section_id)
    if section is None:
        raise LookupError(section_id)
    survey = section.survey
    _require_unlocked(survey.id)
    if question_id is None:
        question = SurveyQuestion(survey_id=survey.id, kind=str(spec.kind), position=len(section.questions))
        section.questions.append(question)
    else:
        found = db.session.get(SurveyQuestion, question_id)
        if found is None or found.section_id != section.id:
            raise LookupError(question_id)
        question = found
    question.title = spec.title.strip()
    question.help_text = spec.help_text.strip()
    question.required = spec.required
    question.options = list(spec.options)
    question.scale = list(spec.scale)
    question.min_value = spec.min_value
    question.max_value = spec.max_value
    question.whole_number = spec.whole_number
    question.condition_question_id = spec.condition_question_id
    question.condition_values = list(spec.condition_values) if spec.condition_question_id else []
    try:
        _check_conditions(survey)
    except BuilderError:
        db.session.rollback()
        raise
    _audit(actor_id, "survey_question_saved", survey.id, question.title[:200])
    db.session.commit()
    return question


def delete_question(question_id: int, actor_id: int | None) -> None:
    """Delete a question (refused when another question's display condition depends on it)."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None:
        raise LookupError(question_id)
    section = question.section
    _require_unlocked(section.survey_id)
    if db.session.scalar(select(SurveyQuestion.id).where(SurveyQuestion.condition_question_id == question.id)):
        raise BuilderError("Another question’s display condition depends on this question. Change that first")
    section.questions.remove(question)
    _renumber(section.questions)
    _audit(actor_id, "survey_question_deleted", section.survey_id, question.title[:200])
    db.session.commit()


def move_question(question_id: int, offset: int, actor_id: int | None) -> None:
    """Move a question up (-1) or down (+1) within its section."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None:
        raise LookupError(question_id)
    section = question.section
    _require_unlocked(section.survey_id)
    if not _move_and_check(section.questions, question, offset, section.survey):
        return
    _audit(actor_id, "survey_question_moved", section.survey_id, question.title[:200])
    db.session.commit()


def question_numbers(survey: Survey) -> dict[int, int]:
    """Question id -> the number respondents see (1, 2, 3… through the whole survey)."""
    return {q.id: n for n, q in enumerate(_ordered_questions(survey), start=1)}


def condition_choices(survey: Survey, question: SurveyQuestion | None, section: SurveySection) -> list[tuple[str, str]]:
    """The (value, label) pairs a new or changed question may depend on: answers of earlier choice questions.

    Values are "<question id>:<index of the answer>" so any text in an answer is safe in a form.
    """
    ordered = _ordered_questions(survey)
    if question is not None and question in ordered:
        earlier = ordered[: ordered.index(question)]
    else:
        # A new question goes at the end of its section.
        earlier = [q for q in ordered if q.section.position <= section.position]
    numbers = question_numbers(survey)
    pairs = []
    for candidate in earlier:
        if candidate.kind not in {k.value for k in CONDITION_KINDS}:
            continue
        answers = candidate.scale if candidate.kind == QuestionKind.LIKERT else candidate.options
        short = candidate.title if len(candidate.title) <= 60 else candidate.title[:57].rstrip() + "…"
        for index, answer in enumerate(answers):
            pairs.append((f"{candidate.id}:{index}", f"Question {numbers[candidate.id]} ({short}) is ‘{answer}’"))
    return pairs


def decode_condition(survey: Survey, values: Sequence[str]) -> tuple[int | None, list[str]]:
    """Turn chosen "<question id>:<index>" values into (question id, answers); all must be one question's."""
    if not values:
        return None, []
    by_id = {q.id: q for q in survey.questions}
    question_ids: set[int] = set()
    answers: list[str] = []
    for value in values:
        raw_id, _, raw_index = value.partition(":")
        if not (raw_id.isdigit() and raw_index.isdigit()) or int(raw_id) not in by_id:
            raise BuilderError("Select answers from the list", "condition")
        target = by_id[int(raw_id)]
        offered = target.scale if target.kind == QuestionKind.LIKERT else target.options
        if int(raw_index) >= len(offered):
            raise BuilderError("Select answers from the list", "condition")
        question_ids.add(target.id)
        answers.append(offered[int(raw_index)])
    if len(question_ids) > 1:
        raise BuilderError("Select answers from one question only", "condition")
    return question_ids.pop(), answers


def encode_condition(question: SurveyQuestion) -> list[str]:
    """The form values for a question's current display condition."""
    target = question.condition_question
    if target is None:
        return []
    offered = target.scale if target.kind == QuestionKind.LIKERT else target.options
    return [f"{target.id}:{offered.index(v)}" for v in question.condition_values if v in offered]


def open_survey(survey_id: int, actor_id: int | None, today: date | None = None) -> Survey:
    """Open a draft or closed survey for answers (from its open date, if that is later)."""
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    today = today or london_today()
    if not survey.questions:
        db.session.rollback()
        raise BuilderError("Add at least one question before you open the survey")
    if survey.closes_on is not None and survey.closes_on < today:
        db.session.rollback()
        raise BuilderError("The closing date has passed. Change the closing date first")
    survey.status = SurveyStatus.OPEN.value
    _audit(actor_id, "survey_opened", survey.id)
    db.session.commit()
    return survey


def close_survey(survey_id: int, actor_id: int | None) -> Survey:
    """Stop taking answers now, whatever the closing date says."""
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    survey.status = SurveyStatus.CLOSED.value
    _audit(actor_id, "survey_closed", survey.id)
    db.session.commit()
    release_due(survey.id)  # the anonymous answers still waiting go into the results as a last batch
    return survey


def delete_survey(survey_id: int, actor_id: int | None) -> None:
    """Delete a survey that nobody has started answering."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    if has_started(survey_id):
        raise BuilderError("People have started answering this survey, so it cannot be deleted. Close it instead")
    _audit(actor_id, "survey_deleted", survey.id, survey.title)
    db.session.delete(survey)
    db.session.commit()


DEFAULT_MIN_RESPONSES_TO_PUBLISH = 10


def min_responses_to_publish() -> int:
    """The fewest responses a survey needs before its results can be published (SURVEY_MIN_RESPONSES_TO_PUBLISH)."""
    return max(1, int(current_app.config.get("SURVEY_MIN_RESPONSES_TO_PUBLISH", DEFAULT_MIN_RESPONSES_TO_PUBLISH)))


class PublishRefused(Exception):
    """Results cannot be published yet (too few responses)."""


def publish_results(
    survey_id: int, question_ids: Sequence[int], actor_id: int | None, *, while_open: bool = False
) -> int:
    """Publish the chosen questions' charts on the public survey page; an empty choice unpublishes.

    Publishing needs :func:`min_responses_to_publish` responses in the results (anonymous answers still waiting to
    be released do not count). ``while_open`` lets the public see them before the survey closes (see
    ``results.results_public``); it is off unless chosen each time.
    """
    survey = db.session.get(Survey, survey_id, with_for_update=True)
    if survey is None:
        raise LookupError(survey_id)
    chosen = set(question_ids)
    released = db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0
    if chosen and released < min_responses_to_publish():
        db.session.rollback()
        raise PublishRefused(
            f"Results can be published once {min_responses_to_publish()} people have answered. "
            f"{released} {'has' if released == 1 else 'have'} so far"
        )
    survey.results_while_open = bool(chosen) and while_open
    publishable = {k.value for k in CONDITION_KINDS | {QuestionKind.NUMBER, QuestionKind.RANKING, QuestionKind.MATRIX}}
    count = 0
    for question in survey.questions:
        question.result_public = question.id in chosen and question.kind in publishable
        count += question.result_public
    survey.results_published = count > 0
    _audit(actor_id, "survey_results_published" if count else "survey_results_unpublished", survey.id, str(count))
    db.session.commit()
    return count


def parse_email_list(text: str) -> tuple[list[str], list[str]]:
    """Read one email address per line: (addresses, line-numbered problems). Blank lines and repeats are skipped."""
    emails: list[str] = []
    problems: list[str] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        candidate = line.strip().strip(",;")
        if not candidate:
            continue
        try:
            normalised = validate_email(candidate, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            problems.append(f"Line {line_number}: ‘{candidate[:80]}’ is not an email address")
            continue
        if normalised not in emails:
            emails.append(normalised)
    if len(emails) > MAX_INVITATIONS_PER_BATCH:
        problems.append(f"Send {MAX_INVITATIONS_PER_BATCH} invitations or fewer at a time")
    return emails, problems


def token_hash(token: str) -> str:
    """The stored form of an invitation or draft key: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _sector_for_email(email: str) -> str:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and user.verified_organisation is not None:
        return user.verified_organisation.sector
    return ""


@dataclass(frozen=True)
class InvitationReport:
    """What a batch of invitations did: emailed now, queued for the background, skipped or not delivered."""

    sent: list[str]
    already_invited: list[str]
    failed: list[str]
    queued: int = 0


def send_invitations(survey_id: int, emails: Sequence[str], actor_id: int | None) -> InvitationReport:
    """Create single-use invitations (addresses already invited are skipped) and email each link: within the request
    for up to INVITATIONS_INLINE_MAX people, otherwise on the background "email" queue."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    if survey_state(survey) is SurveyState.CLOSED:
        raise BuilderError("This survey is closed. Reopen it before you send invitations")
    existing = set(db.session.scalars(select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey_id)))
    fresh = [e for e in emails if e not in existing]
    invitations = []
    for email in fresh:
        # A placeholder token that is never sent: the real one is made when the email goes (see deliver_invitations),
        # so no secret waits in a queue.
        placeholder = token_hash(secrets.token_urlsafe(32))
        invitation = SurveyInvitation(survey_id=survey_id, email=email, token_hash=placeholder, email_status="queued")
        invitation.sector = _sector_for_email(email)
        db.session.add(invitation)
        invitations.append(invitation)
    _audit(actor_id, "survey_invitations_sent", survey_id, str(len(fresh)))
    try:
        db.session.commit()
    except IntegrityError:
        # Another analyst invited some of the same people at the same moment: nothing was saved; try again.
        db.session.rollback()
        raise BuilderError("Some of these people were invited at the same time by someone else. Try again") from None
    already = [e for e in emails if e in existing]
    return _deliver_now_or_later(survey_id, [i.id for i in invitations], already)


def resend_invitations(survey_id: int, actor_id: int | None) -> InvitationReport:
    """Send again the invitations whose email could not be delivered, and any stuck in the queue (e.g. the server
    restarted while they waited) for longer than STALE_QUEUED_MINUTES."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise LookupError(survey_id)
    if survey_state(survey) is SurveyState.CLOSED:
        raise BuilderError("This survey is closed. Reopen it before you send invitations")
    retry = list(db.session.scalars(_needs_resending(survey_id).order_by(SurveyInvitation.id)))
    for invitation in retry:
        invitation.email_status = "queued"
    _audit(actor_id, "survey_invitations_resent", survey_id, str(len(retry)))
    db.session.commit()
    return _deliver_now_or_later(survey_id, [i.id for i in retry], [])


def _needs_resending(survey_id: int) -> Select[SurveyInvitation]:
    """Invitations of a survey that failed, or have waited in the queue too long."""
    stale = utcnow() - timedelta(minutes=STALE_QUEUED_MINUTES)
    return select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey_id,
        SurveyInvitation.used_on.is_(None),
        (SurveyInvitation.email_status == "failed")
        | ((SurveyInvitation.email_status == "queued") & (SurveyInvitation.sent_at < stale)),
    )


def resendable_count(survey_id: int) -> int:
    """How many invitations the "send again" button would send."""
    return db.session.scalar(select(func.count()).select_from(_needs_resending(survey_id).subquery())) or 0


def _deliver_now_or_later(survey_id: int, invitation_ids: list[int], already: list[str]) -> InvitationReport:
    """Email a small batch now; queue a large one so the request returns at once."""
    if len(invitation_ids) > current_app.config["INVITATIONS_INLINE_MAX"]:
        from portal import background

        background.submit("email", deliver_invitations, invitation_ids)
        return InvitationReport(sent=[], already_invited=already, failed=[], queued=len(invitation_ids))
    sent, failed = deliver_invitations(invitation_ids)
    return InvitationReport(sent=sent, already_invited=already, failed=failed)


def deliver_invitations(invitation_ids: Sequence[int]) -> tuple[list[str], list[str]]:
    """Email each queued invitation its link, one at a time; returns (sent, failed) email addresses.

    Each invitation gets a fresh token just before its email goes, and its status (sent or failed) is committed
    straight after, so an interrupted batch leaves the rest visibly queued and nothing is sent twice. Invitations of
    a survey closed in the meantime are left queued.
    """
    sent: list[str] = []
    failed: list[str] = []
    for invitation_id in invitation_ids:
        invitation = db.session.get(SurveyInvitation, invitation_id)
        if invitation is None or invitation.email_status != "queued" or invitation.used_on is not None:
            continue
        survey = db.session.get(Survey, invitation.survey_id)
        if survey is None or survey_state(survey) is SurveyState.CLOSED:
            continue
        token = secrets.token_urlsafe(32)
        invitation.token_hash = token_hash(token)
        try:
            send_email(
                invitation.email,
                f"You are invited to take part in a survey: {survey.title}",
                "survey_invitation.txt",
                survey=survey,
                link=external_url("surveys.accept_invitation", token=token),
            )
        except OSError:
            current_app.logger.warning("Survey invitation %s could not be emailed", invitation_id, exc_info=True)
            invitation.email_status = "failed"
            failed.append(invitation.email)
        else:
            invitation.email_status, invitation.emailed_at = "sent", utcnow()
            sent.append(invitation.email)
        db.session.commit()
    return sent, failed


def delivery_counts(survey_id: int) -> dict[str, int]:
    """Invitations per email status (queued, sent, failed) for a survey."""
    rows = db.session.execute(
        select(SurveyInvitation.email_status, func.count())
        .where(SurveyInvitation.survey_id == survey_id)
        .group_by(SurveyInvitation.email_status)
    )
    return {"queued": 0, "sent": 0, "failed": 0, **{status: count for status, count in rows}}


def opted_in_emails(survey: Survey) -> list[str]:
    """Email addresses of people who joined engagement on this survey or its topic and are not yet invited."""
    conditions = [EngagementOptIn.survey_id == survey.id]
    if survey.proposal_id is not None:
        conditions.append(EngagementOptIn.proposal_id == survey.proposal_id)
    invited = select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey.id)
    query = (
        select(User.email)
        .join(EngagementOptIn, EngagementOptIn.user_id == User.id)
        .where(or_(*conditions), User.active.is_(True), User.confirmed_at.is_not(None))
        .where(User.email.not_in(invited))
        .distinct()
        .order_by(User.email)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ResponseRate:
    """Invitations sent and used."""

    invited: int
    responded: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.responded / self.invited if self.invited else None


def response_rate(survey_id: int) -> ResponseRate:
    """How many invitations were sent and how many were used to respond."""
    delivered = SurveyInvitation.email_status == "sent"
    invited = db.session.scalar(select(func.count()).where(SurveyInvitation.survey_id == survey_id, delivered)) or 0
    responded = (
        db.session.scalar(
            select(func.count()).where(SurveyInvitation.survey_id == survey_id, SurveyInvitation.used_on.is_not(None))
        )
        or 0
    )
    return ResponseRate(invited, responded)


def invitations(survey_id: int) -> list[SurveyInvitation]:
    """A survey's invitations, newest first."""
    return list(
        db.session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.survey_id == survey_id)
            .order_by(SurveyInvitation.sent_at.desc(), SurveyInvitation.email)
        )
    )


def all_surveys() -> list[Survey]:
    """Every survey, newest first, for the builder list."""
    return list(db.session.scalars(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())))


def response_counts() -> dict[int, int]:
    """Survey id -> number of responses (anonymous ones not yet released included)."""
    counts: dict[int, int] = {}
    for model in (SurveyResponse, SurveyPendingResponse):
        for survey_id, count in db.session.execute(select(model.survey_id, func.count()).group_by(model.survey_id)):
            counts[survey_id] = counts.get(survey_id, 0) + count
    return counts
