"""Responses staff enter on someone's behalf: from a paper form, a phone call or an event.

The response is marked with its channel and nothing else: no staff account, no respondent, no invitation. On an
anonymous survey it goes through the same shuffled-batch pool as every online answer (``release``), so neither
the row nor its transaction ties it to the member of staff who typed it. The audit log says that a member of staff
entered a response to the survey on a day, never which response.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from portal.access import role_required
from portal.audit import record_audit
from portal.clock import london_today
from portal.extensions import db
from portal.models import CHANNEL_LABELS, ResponseChannel, Role, Sector, Survey, SurveyResponse, channel_label
from portal.surveys import bp, release
from portal.surveys.answer_pages import SectionView, section_view
from portal.surveys.conditions import question_numbers
from portal.surveys.questions import FormData, is_visible, parse_answer, visible_answers
from portal.surveys.release import release_if_closed
from portal.surveys.state import SurveyState, survey_state

ANALYSTS = (Role.ANALYST, Role.ADMIN)
ONLINE = channel_label("")


@dataclass
class EntryResult:
    """The reference of the stored response, or the errors (question id → (anchor, message))."""

    reference: str = ""
    errors: dict[int, tuple[str, str]] = field(default_factory=dict)


def parse_all(survey: Survey, form: FormData) -> tuple[dict[str, Any], dict]:
    """Read every question's answer from one form, judging conditions on the answers above each question."""
    by_id = {q.id: q for q in survey.questions}
    numbers = question_numbers(survey)
    answers: dict[str, Any] = {}
    errors: dict[int, tuple[str, str]] = {}
    for question in survey.questions:
        if not is_visible(question, answers, by_id):
            continue
        parsed = parse_answer(question, form, numbers[question.id])
        if parsed.error:
            errors[question.id] = (parsed.anchor, parsed.error)
        elif parsed.value is not None:
            answers[str(question.id)] = parsed.value
    return visible_answers(survey.questions, answers), errors


def enter_response(
    survey_id: int,
    channel: ResponseChannel,
    sector: str,
    form: FormData,
    actor_id: int,
    today: date | None = None,
) -> EntryResult:
    """Store a response a member of staff entered from paper, a phone call or an event, marked with its channel."""
    today = today or london_today()
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey_state(survey, today) is SurveyState.DRAFT:
        raise LookupError(survey_id)
    if sector and sector not in {str(s) for s in Sector}:
        raise ValueError("unknown sector")
    answers, errors = parse_all(survey, form)
    if errors:
        db.session.rollback()
        return EntryResult(errors=errors)
    response_id = uuid.uuid4().hex
    if release.pools_answers(survey):
        release.add_pending(survey.id, response_id, sector, today, answers, channel.value)
    else:
        db.session.add(
            SurveyResponse(
                id=response_id,
                survey_id=survey.id,
                sector=sector,
                submitted_on=today,
                answers=answers,
                channel=channel.value,
            )
        )
    db.session.commit()
    # A separate transaction, naming the survey only: the audit row never points at the response.
    record_audit(actor_id, "survey_response_entered", "survey", survey.id, f"channel {channel.value}")
    db.session.commit()
    if release.pools_answers(survey):
        release.release_due(survey.id, today)
    return EntryResult(reference=response_id[:8].upper())


def channel_counts(survey_id: int) -> list[tuple[str, int]]:
    """Released responses by how they reached us: online first, then each staff-entered channel that has any."""
    release_if_closed(survey_id)
    rows = dict(
        db.session.execute(
            select(SurveyResponse.channel, func.count())
            .where(SurveyResponse.survey_id == survey_id)
            .group_by(SurveyResponse.channel)
        ).all()
    )
    counts = [(ONLINE, rows.get("", 0))]
    counts += [(CHANNEL_LABELS[c], rows[c.value]) for c in ResponseChannel if rows.get(c.value)]
    return counts


@bp.route("/surveys/manage/<int:survey_id>/enter", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def enter(survey_id: int) -> ResponseReturnValue:
    """Enter a response on someone's behalf, from a paper form, a phone call or an event."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey_state(survey) is SurveyState.DRAFT:
        abort(404)
    errors: dict[int, tuple[str, str]] = {}
    channel_error = ""
    if request.method == "POST":
        try:
            channel = ResponseChannel(request.form.get("channel", ""))
        except ValueError:
            channel_error = "Select how the response reached you"
        else:
            try:
                result = enter_response(
                    survey.id, channel, request.form.get("sector", ""), request.form, current_user.id
                )
            except (LookupError, ValueError):
                abort(400)
            if result.reference:
                flash(f"Response entered ({CHANNEL_LABELS[channel].lower()}). Reference {result.reference}", "success")
                return redirect(url_for("surveys.enter", survey_id=survey.id), 303)
            errors = result.errors
    submitted = request.form if request.method == "POST" else None
    return render_template(
        "surveys/enter.html",
        survey=survey,
        sections=_sections(survey, submitted, errors),
        error_list=[{"text": message, "href": f"#{anchor}"} for anchor, message in errors.values()],
        channel_error=channel_error,
        channels=CHANNEL_LABELS,
        sectors=[(str(s), s.label) for s in Sector],
        counts=channel_counts(survey.id),
        chosen_channel=request.form.get("channel", ""),
        chosen_sector=request.form.get("sector", ""),
    )


@bp.route("/surveys/<int:survey_id>/paper-form")
@role_required(*ANALYSTS)
def paper_form(survey_id: int) -> Response | str:
    """The survey as a paper form to print: every question, numbered as online, with space to answer."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return render_template("surveys/paper_form.html", survey=survey, sections=_sections(survey, None, {}))


def _sections(survey: Survey, submitted: Any, errors: dict[int, tuple[str, str]]) -> list[SectionView]:
    """Every section with every question (conditions written under them), as the builder's preview shows them."""
    return [
        section_view(survey, n, {}, submitted=submitted, errors=errors, preview=True)
        for n in range(1, len(survey.sections) + 1)
    ]
