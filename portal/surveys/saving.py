"""Saving a page of answers to the respondent's draft, checked, or kept as typed for "Save and come back later"."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Survey, SurveyDraft
from portal.surveys.answer_pages import SectionView, next_step, questions_by_id, section_view
from portal.surveys.conditions import question_numbers
from portal.surveys.drafts import TYPED, find_draft, purge_stale_drafts, typed_answers
from portal.surveys.eligibility import AnswerRefused, Refusal, Respondent, load_for_answering
from portal.surveys.inviting import token_hash
from portal.surveys.questions import FormData, is_visible, parse_answer, raw_form_state, visible_answers


@dataclass
class SaveResult:
    """What saving a page did: errors to show, or where to go next, and a new draft key for the session."""

    view: SectionView | None = None
    next_number: int | None = None
    new_key: str | None = None

    @property
    def ok(self) -> bool:
        return self.view is None


def _is_blank(state: Mapping[str, Any]) -> bool:
    """Nothing typed or chosen in any of a question's fields."""
    values = [v for value in state.values() for v in (value if isinstance(value, list) else [value])]
    return not any(str(v).strip() for v in values)


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
    by_id = questions_by_id(survey)
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
    by_id = questions_by_id(survey)
    question = by_id.get(int(key)) if key.isdigit() else None
    return question is not None and is_visible(question, answers, by_id)
