"""The signed-in proposer's own proposals: the list, withdrawing one, and removing their personal data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.access import signed_in
from portal.forms import ConfirmForm
from portal.proposals import bp, finding, lifecycle, personal_data, vocabulary
from portal.proposals.routes.common import owned_or_404


@bp.route("/topics/mine")
@signed_in
def mine() -> str:
    """The signed-in user's own proposals, with withdraw and remove-my-data actions."""
    return render_template(
        "proposals/mine.html",
        mine=finding.proposals_for_user(current_user),
        withdrawable={str(s) for s in vocabulary.WITHDRAWABLE_STATUSES},
    )


@bp.route("/topics/<reference>/withdraw", methods=["GET", "POST"])
@signed_in
def withdraw(reference: str) -> Response | str:
    """Withdraw your own proposal."""
    proposal = owned_or_404(reference)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            lifecycle.withdraw(proposal.id, current_user)
        except vocabulary.NotAllowed:
            abort(404)
        except vocabulary.ProposalError as exc:
            flash(str(exc), "error")
        else:
            flash(f"You have withdrawn {proposal.reference}", "success")
        return redirect(url_for("proposals.mine"), 303)
    return render_template(
        "proposals/withdraw.html",
        proposal=proposal,
        form=form,
        action_url=url_for("proposals.withdraw", reference=proposal.reference),
        back_url=url_for("proposals.mine"),
    )


@bp.route("/topics/<reference>/remove-personal-data", methods=["GET", "POST"])
@signed_in
def remove_personal_data(reference: str) -> Response | str:
    """Remove your name, email and account link from a proposal; the proposal stays, de-personalised."""
    proposal = owned_or_404(reference)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            personal_data.remove_personal_data(proposal.id, current_user)
        except vocabulary.NotAllowed:
            abort(404)
        flash(f"Your personal data has been removed from {proposal.reference}", "success")
        return redirect(url_for("proposals.mine"), 303)
    return render_template(
        "proposals/remove_personal_data.html",
        proposal=proposal,
        form=form,
        via_link=False,
        action_url=url_for("proposals.remove_personal_data", reference=proposal.reference),
        back_url=url_for("proposals.mine"),
    )
