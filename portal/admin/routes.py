"""Admin routes: list and search users, change roles and organisation, deactivate accounts."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.access import role_required
from portal.admin import bp, services
from portal.admin.forms import OrganisationForm, RolesForm
from portal.extensions import db
from portal.forms import ConfirmForm, add_field_error, choices
from portal.htmx import render_page
from portal.models import Role, User


@bp.route("/users")
@role_required(Role.ADMIN)
def users() -> Response:
    """List users, with an HTMX active search."""
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int)
    result = services.search_users(query, page)
    return render_page(
        "admin/users.html",
        "admin/_user_results.html",
        result=result,
        query=query,
        page_url=lambda number: url_for("admin.users", q=query or None, page=number),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_detail(user_id: int) -> Response | str:
    """Show a user and change their roles."""
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
    elif form.validate_on_submit():
        try:
            services.set_roles(user.id, {Role(r) for r in form.roles.data or []}, current_user)
        except services.AdminRuleError as exc:
            add_field_error(form.roles, str(exc))
        else:
            flash(f"Roles saved for {user.email}", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id), 303)
    return _user_page(user, form, _organisation_form(user))


def _organisation_form(user: User, form: OrganisationForm | None = None) -> OrganisationForm:
    form = form or OrganisationForm()
    form.organisation_id.choices = choices(
        [("", "None"), *((str(org.id), f"{org.name} ({org.sector_label})") for org in services.organisations())]
    )
    if request.method == "GET":
        form.organisation_id.data = str(user.organisation_id or "")
    return form


def _user_page(user: User, form: RolesForm, organisation_form: OrganisationForm) -> str:
    return render_template(
        "admin/user_detail.html",
        user=user,
        form=form,
        organisation_form=organisation_form,
        confirm_form=ConfirmForm(),
        audit=services.audit_trail(user.id),
    )


@bp.route("/users/<int:user_id>/organisation", methods=["POST"])
@role_required(Role.ADMIN)
def set_organisation(user_id: int) -> Response | str:
    """Set the organisation a user belongs to (commissioners respond for it)."""
    user = db.get_or_404(User, user_id)
    form = _organisation_form(user)
    if form.validate_on_submit():
        chosen = form.organisation_id.data or ""
        try:
            services.set_organisation(
                user.id,
                int(chosen) if chosen.isdigit() else None,
                current_user,
                new_name=form.new_organisation.data or "",
                new_sector=form.new_sector.data or "",
            )
        except services.AdminRuleError as exc:
            form.organisation_id.errors = [*form.organisation_id.errors, str(exc)]
        else:
            flash(f"Organisation saved for {user.email}", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id), 303)
    roles_form = RolesForm()
    roles_form.roles.data = sorted(user.roles)
    return _user_page(user, roles_form, form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def set_active(user_id: int) -> Response:
    """Deactivate or reactivate an account."""
    form = ConfirmForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            user = services.set_active(user_id, active, current_user)
        except services.AdminRuleError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{user.email} is {'active' if active else 'deactivated'}", "success")
    return redirect(url_for("admin.user_detail", user_id=user_id), 303)
