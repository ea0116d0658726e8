"""Submitting: turning a respondent's draft into a response, exactly once, keeping anonymous answers apart from
the record of who answered (see ``submit`` and ``release``).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import current_app
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.clock import london_today
from portal.database import rows_changed
from portal.extensions import db
from portal.models import Survey, SurveyDraft, SurveyInvitation, SurveyParticipation, SurveyResponse, User
from portal.surveys import release
from portal.surveys.answer_pages import first_missing
from portal.surveys.drafts import TYPED, find_draft, typed_answers
from portal.surveys.eligibility import AnswerRefused, Refusal, Respondent, invitation_for, load_for_answering
from portal.surveys.questions import visible_answers


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
    invitation = invitation_for(survey, respondent)
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
