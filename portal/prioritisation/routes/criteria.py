"""Criteria pages (analysts): the current version, earlier versions, and changes that each make a new version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.access import role_required
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.models import Criterion
from portal.prioritisation import bp
from portal.prioritisation.criteria import (
    CriterionInput,
    add_criterion,
    change_criterion,
    create_default_criteria,
    criteria_versions,
    current_criteria_set,
    move_criterion,
    remove_criterion,
    rounds_using,
)
from portal.prioritisation.forms import CriterionForm, VersionForm
from portal.prioritisation.permissions import PrioritisationError, get_criteria_set
from portal.prioritisation.routes.common import ANALYSTS


@bp.route("/criteria")
@role_required(*ANALYSTS)
def criteria() -> str:
    """The current criteria with their weights and descriptors, and every earlier version."""
    current = current_criteria_set()
    return render_template(
        "prioritisation/criteria.html",
        current=current,
        versions=criteria_versions(),
        rounds=rounds_using(current.id) if current else [],
        version_form=VersionForm(based_on_version=current.version if current else ""),
    )


@bp.route("/criteria/defaults", methods=["POST"])
@role_required(*ANALYSTS)
def criteria_defaults() -> BaseResponse:
    """Create the first version of the criteria from the default JSNA set."""
    if ConfirmForm().validate_on_submit():
        criteria_set = create_default_criteria(current_user.id)
        flash(f"Default criteria created (version {criteria_set.version})", "success")
    return redirect(url_for("prioritisation.criteria"), 303)


@bp.route("/criteria/versions/<int:criteria_set_id>")
@role_required(*ANALYSTS)
def criteria_version(criteria_set_id: int) -> str:
    """One version of the criteria, read-only."""
    criteria_set = get_criteria_set(criteria_set_id)
    current = current_criteria_set()
    return render_template(
        "prioritisation/criteria_version.html",
        criteria_set=criteria_set,
        is_current=current is not None and current.id == criteria_set.id,
        rounds=rounds_using(criteria_set.id),
    )


def _criterion_input(form: CriterionForm) -> CriterionInput:
    return CriterionInput(
        name=(form.name.data or "").strip(),
        question=(form.question.data or "").strip(),
        descriptors=form.descriptors(),
        weight=float(form.weight.data or 0),
    )


def _based_on(form: CriterionForm | VersionForm) -> int | None:
    raw = (form.based_on_version.data or "").strip()
    return int(raw) if raw.isdigit() else None


@bp.route("/criteria/new", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def criterion_new() -> str | BaseResponse:
    """Add a criterion (saved as a new version)."""
    current = current_criteria_set()
    form = CriterionForm()
    if request.method == "GET":
        form.based_on_version.data = str(current.version) if current else ""
        form.weight.data = 1  # type: ignore[assignment]
    elif form.validate_on_submit():
        try:
            criteria_set = add_criterion(
                _criterion_input(form),
                current_user.id,
                based_on_version=_based_on(form),
                note=form.change_note.data or "",
            )
        except PrioritisationError as exc:
            form.name.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"Criterion added. The criteria are now version {criteria_set.version}", "success")
            return redirect(url_for("prioritisation.criteria"), 303)
    return render_template("prioritisation/criterion_form.html", form=form, criterion=None, current=current)


@bp.route("/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@role_required(*ANALYSTS)
def criterion_edit(criterion_id: int) -> str | BaseResponse:
    """Change a criterion of the current version (saved as a new version)."""
    criterion = db.get_or_404(Criterion, criterion_id)
    current = current_criteria_set()
    form = CriterionForm()
    if request.method == "GET":
        form.fill_from(criterion)
        form.based_on_version.data = str(criterion.criteria_set.version)
    elif form.validate_on_submit():
        try:
            criteria_set = change_criterion(
                criterion.id,
                _criterion_input(form),
                current_user.id,
                based_on_version=_based_on(form) or 0,
                note=form.change_note.data or "",
            )
        except PrioritisationError as exc:
            form.name.errors.append(str(exc))  # type: ignore[attr-defined]
        else:
            flash(f"Criterion changed. The criteria are now version {criteria_set.version}", "success")
            return redirect(url_for("prioritisation.criteria"), 303)
    return render_template("prioritisation/criterion_form.html", form=form, criterion=criterion, current=current)


@bp.route("/criteria/<int:criterion_id>/remove", methods=["POST"])
@role_required(*ANALYSTS)
def criterion_remove(criterion_id: int) -> BaseResponse:
    """Remove a criterion (saved as a new version)."""
    criterion = db.get_or_404(Criterion, criterion_id)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            criteria_set = remove_criterion(criterion.id, current_user.id, based_on_version=_based_on(form) or 0)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"‘{criterion.name}’ removed. The criteria are now version {criteria_set.version}", "success")
    return redirect(url_for("prioritisation.criteria"), 303)


@bp.route("/criteria/<int:criterion_id>/move", methods=["POST"])
@role_required(*ANALYSTS)
def criterion_move(criterion_id: int) -> BaseResponse:
    """Move a criterion up or down (saved as a new version)."""
    criterion = db.get_or_404(Criterion, criterion_id)
    form = VersionForm()
    if form.validate_on_submit():
        offset = -1 if request.form.get("direction") == "up" else 1
        try:
            move_criterion(criterion.id, offset, current_user.id, based_on_version=_based_on(form) or 0)
        except PrioritisationError as exc:
            flash(str(exc), "error")
        else:
            flash(f"‘{criterion.name}’ moved {'up' if offset < 0 else 'down'}", "success")
    return redirect(url_for("prioritisation.criteria"), 303)
