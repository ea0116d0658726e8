"""Answering a survey, as code outside these modules has used it: a thin face.

A respondent is identified, in this order, by an invitation they opened, their account, or a random draft key
kept in their session (or emailed to them in a resume link). Submitting deletes the draft and writes the
response; an anonymous response keeps no user, no invitation and only the date, and is written apart from the
record of who answered (see ``submitting`` and ``release``).

Inside this feature, import from the module that owns the name: ``eligibility`` (who may answer now),
``drafts`` (saved answers), ``answer_pages`` (the pages, their order and check your answers), ``saving``
(saving a page), ``submitting`` (sending, exactly once) and ``links`` (resume and invitation links).
"""

from __future__ import annotations

from portal.surveys.answer_pages import (
    AnswerLine,
    QuestionView,
    SectionView,
    check_answers,
    first_missing,
    first_step,
    next_step,
    previous_step,
    progress_sections,
    section_shown,
    section_view,
    shown_sections,
    stored_errors,
)
from portal.surveys.conditions import condition_text
from portal.surveys.drafts import RESUME_MAX_AGE, TYPED, draft_answers, find_draft, purge_stale_drafts, typed_answers
from portal.surveys.eligibility import (
    AnswerRefused,
    Refusal,
    Respondent,
    has_participated,
    load_for_answering,
    refusal_for,
)
from portal.surveys.links import LinkProblem, read_invitation_link, read_resume_link, send_resume_link
from portal.surveys.saving import SaveResult, save_section
from portal.surveys.submitting import MissingAnswers, submit

__all__ = [
    "RESUME_MAX_AGE",
    "TYPED",
    "AnswerLine",
    "AnswerRefused",
    "LinkProblem",
    "MissingAnswers",
    "QuestionView",
    "Refusal",
    "Respondent",
    "SaveResult",
    "SectionView",
    "check_answers",
    "condition_text",
    "draft_answers",
    "find_draft",
    "first_missing",
    "first_step",
    "has_participated",
    "load_for_answering",
    "next_step",
    "previous_step",
    "progress_sections",
    "purge_stale_drafts",
    "read_invitation_link",
    "read_resume_link",
    "refusal_for",
    "save_section",
    "section_shown",
    "section_view",
    "send_resume_link",
    "shown_sections",
    "stored_errors",
    "submit",
    "typed_answers",
]
