"""Analysts' pages for verifying stakeholder organisations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.access import role_required
from portal.surveys import bp
from portal.surveys.manage import ANALYSTS
from portal.surveys.organisations import list_organisations, set_verified


@bp.route("/surveys/organisations")
@role_required(*ANALYSTS)
def organisations() -> str:
    """Stakeholder organisations to verify."""
    show = request.args.get("show", "unverified")
    if show not in {"unverified", "verified", "all"}:
        show = "unverified"
    page = request.args.get("page", 1, type=int)
    return render_template(
        "surveys/manage/organisations.html",
        result=list_organisations(show, page),
        show=show,
        page_url=lambda number: url_for("surveys.organisations", show=show, page=number),
    )


@bp.route("/surveys/organisations/<int:organisation_id>/verify", methods=["POST"])
@role_required(*ANALYSTS)
def verify_organisation(organisation_id: int) -> WerkzeugResponse:
    """Verify an organisation, or remove its verification."""
    verified = request.form.get("verified") == "1"
    try:
        organisation = set_verified(organisation_id, verified, current_user.id)
    except LookupError:
        abort(404)
    flash(f"{organisation.name} is {'verified' if verified else 'no longer verified'}", "success")
    show = request.form.get("show", "unverified")
    return redirect(url_for("surveys.organisations", show=show if show in {"verified", "all"} else None), 303)
