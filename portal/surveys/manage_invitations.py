"""Analysts' pages for invitations: sending single-use links by email, sending again, inviting people who asked,
and who has been invited with the response rate.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import role_required
from portal.forms import add_field_error
from portal.htmx import render_page
from portal.models import Survey
from portal.surveys import bp, inviting
from portal.surveys.forms import InvitationsForm
from portal.surveys.lifecycle import BuilderError
from portal.surveys.manage import ANALYSTS, survey_or_404


@bp.route("/surveys/manage/<int:survey_id>/invitations", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def invitations(survey_id: int) -> WerkzeugResponse | str:
    """Send single-use invitation links by email, and see who has been invited and the response rate."""
    survey = survey_or_404(survey_id)
    form = InvitationsForm()
    problems: list[str] = []
    if form.validate_on_submit():
        emails, problems = inviting.parse_email_list(form.emails.data or "")
        if len(problems) == 1:
            add_field_error(form.emails, problems[0])
        elif problems:
            add_field_error(form.emails, f"{len(problems)} lines have problems: fix them and try again")
        elif not emails:
            add_field_error(form.emails, "Enter at least one email address")
        else:
            return _send(survey, emails)
    return render_page(
        "surveys/manage/invitations.html",
        "surveys/manage/_invitations_sent.html",
        form=form,
        survey=survey,
        invitations=inviting.invitations(survey.id),
        delivery=inviting.delivery_counts(survey.id),
        resendable=inviting.resendable_count(survey.id),
        rate=inviting.response_rate(survey.id),
        opted_in=inviting.opted_in_emails(survey),
        problems=problems if len(problems) > 1 else [],
    )


def _send(survey: Survey, emails: list[str]) -> WerkzeugResponse:
    try:
        report = inviting.send_invitations(survey.id, emails, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
        return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)
    _flash_report(report)
    return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)


def _flash_report(report: inviting.InvitationReport) -> None:
    """Say what a batch did: sent, being sent in the background, skipped, or not delivered."""
    parts = []
    if report.queued:
        parts.append(f"{report.queued} invitation{'s are' if report.queued != 1 else ' is'} being sent")
    if report.sent or not report.queued:
        parts.append(f"{len(report.sent)} invitation{'s' if len(report.sent) != 1 else ''} sent")
    if report.already_invited:
        parts.append(f"{len(report.already_invited)} already invited")
    if report.failed:
        parts.append(f"{len(report.failed)} could not be sent – send them again later")
    flash("; ".join(parts), "error" if report.failed else "success")


@bp.route("/surveys/manage/<int:survey_id>/invitations/resend", methods=["POST"])
@role_required(*ANALYSTS)
def resend_invitations(survey_id: int) -> WerkzeugResponse:
    """Send again the invitations whose email could not be delivered."""
    survey = survey_or_404(survey_id)
    try:
        report = inviting.resend_invitations(survey.id, current_user.id)
    except BuilderError as error:
        flash(str(error), "error")
    else:
        if report.sent or report.failed or report.queued:
            _flash_report(report)
        else:
            flash("There are no invitations to send again", "info")
    return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)


@bp.route("/surveys/manage/<int:survey_id>/invitations/opted-in", methods=["POST"])
@role_required(*ANALYSTS)
def invite_opted_in(survey_id: int) -> WerkzeugResponse:
    """Invite everyone who joined engagement on this survey or its topic."""
    survey = survey_or_404(survey_id)
    emails = inviting.opted_in_emails(survey)
    if not emails:
        flash("Nobody is waiting for an invitation", "info")
        return redirect(url_for("surveys.invitations", survey_id=survey.id), 303)
    return _send(survey, emails)
