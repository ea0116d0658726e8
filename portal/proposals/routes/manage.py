"""Following and managing a proposal without an account, through the signed link in the proposer's emails and on the
confirmation page: the status trail, withdrawing, erasing personal data, and asking for a fresh link."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from portal import background
from portal.access import public
from portal.extensions import limiter
from portal.forms import ConfirmForm
from portal.models import Proposal
from portal.proposals import bp, finding, lifecycle, notifications, personal_data, proposer_links, related, vocabulary
from portal.proposals.forms import NewManageLinkForm
from portal.proposals.proposer_links import LinkProblem
from portal.proposals.routes.common import no_store

ERASED_KEY = "proposal_erased"  # the reference whose personal data this browser has just erased


def _link_problem(token: str, problem: LinkProblem) -> Response:
    """Why the link cannot be used, with the form to ask for a fresh one (the reference filled in when known)."""
    reference = proposer_links.reference_of_expired(token) if problem is LinkProblem.EXPIRED else ""
    form = NewManageLinkForm(formdata=None, reference=reference)
    page = render_template(
        "proposals/manage_link_problem.html",
        problem=str(problem),
        new_link_form=form,
        link_days=proposer_links.link_days(),
    )
    return no_store((page, 410 if problem is LinkProblem.EXPIRED else 400))


def _proposal_or_problem(token: str) -> Proposal | Response:
    found = proposer_links.proposal_for_token(token)
    return _link_problem(token, found) if isinstance(found, LinkProblem) else found


@bp.route("/topics/manage/<token>")
@public
def manage(token: str) -> Response:
    """The proposer's view of their proposal: its status, its history, and what they can do."""
    proposal = _proposal_or_problem(token)
    if isinstance(proposal, Response):
        return proposal
    target = finding.final_target(proposal)
    return no_store(
        render_template(
            "proposals/manage.html",
            proposal=proposal,
            token=token,
            target=target,
            target_is_public=finding.is_publicly_visible(target),
            timeline=finding.timeline(proposal),
            is_public=finding.is_publicly_visible(proposal),
            withdrawable=vocabulary.ProposalStatus(proposal.status) in vocabulary.WITHDRAWABLE_STATUSES,
            link_days=proposer_links.link_days(),
            outcome_pages=related.outcome_pages(target),
        )
    )


@bp.route("/topics/manage/<token>/withdraw", methods=["GET", "POST"])
@public
def manage_withdraw(token: str) -> Response:
    """Withdraw the proposal through the manage link, after a confirmation step."""
    proposal = _proposal_or_problem(token)
    if isinstance(proposal, Response):
        return proposal
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            lifecycle.withdraw_by_link(token)
        except vocabulary.NotAllowed:
            return _link_problem(token, LinkProblem.INVALID)
        except vocabulary.ProposalError as exc:
            flash(str(exc), "error")
        else:
            flash(f"You have withdrawn {proposal.reference}", "success")
        return redirect(url_for("proposals.manage", token=token), 303)
    return no_store(
        render_template(
            "proposals/withdraw.html",
            proposal=proposal,
            form=form,
            action_url=url_for("proposals.manage_withdraw", token=token),
            back_url=url_for("proposals.manage", token=token),
        )
    )


@bp.route("/topics/manage/<token>/remove-personal-data", methods=["GET", "POST"])
@public
def manage_remove_personal_data(token: str) -> Response:
    """Erase the proposer's personal data through the manage link, after a confirmation step; the link then ends."""
    proposal = _proposal_or_problem(token)
    if isinstance(proposal, Response):
        return proposal
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            personal_data.remove_personal_data_by_link(token)
        except vocabulary.NotAllowed:
            return _link_problem(token, LinkProblem.INVALID)
        session[ERASED_KEY] = proposal.reference
        return redirect(url_for("proposals.manage_removed"), 303)
    return no_store(
        render_template(
            "proposals/remove_personal_data.html",
            proposal=proposal,
            form=form,
            via_link=True,
            action_url=url_for("proposals.manage_remove_personal_data", token=token),
            back_url=url_for("proposals.manage", token=token),
        )
    )


@bp.route("/topics/manage/removed")
@public
def manage_removed() -> Response:
    """Confirmation that this browser's proposer erased their personal data."""
    proposal = finding.get_by_reference(session.get(ERASED_KEY, ""))
    if proposal is None:
        return redirect(url_for("proposals.index"), 303)
    return no_store(
        render_template(
            "proposals/manage_removed.html", proposal=proposal, is_public=finding.is_publicly_visible(proposal)
        )
    )


@bp.route("/topics/manage/new-link", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
def manage_new_link() -> Response | str:
    """Ask for a fresh manage link. The answer is the same whether or not the details match a proposal."""
    form = NewManageLinkForm()
    if form.validate_on_submit():
        # Looked up and sent in the background, so the response time says nothing about a match either.
        background.submit("email", notifications.send_manage_link, form.reference.data or "", form.email.data or "")
        return redirect(url_for("proposals.manage_link_sent"), 303)
    return render_template("proposals/manage_new_link.html", form=form, link_days=proposer_links.link_days())


@bp.route("/topics/manage/link-sent")
@public
def manage_link_sent() -> str:
    """Check your email: what happens after asking for a fresh link."""
    return render_template("proposals/manage_link_sent.html")
