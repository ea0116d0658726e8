"""Topic proposal routes: thin wrappers around proposals.services."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.access import public, role_required, signed_in
from portal.extensions import limiter
from portal.htmx import is_htmx_request, render_page
from portal.models import SECTOR_LABELS, Proposal, ProposalStatus, Role
from portal.proposals import bp, wizard
from portal.proposals import services as proposals
from portal.proposals.forms import (
    ConfirmForm,
    EditForm,
    MergeForm,
    NotPublishForm,
    PublishForm,
    QuestionForm,
    StatusForm,
    SubmitProposalForm,
)
from portal.security import safe_next

MODERATORS = (Role.ANALYST, Role.ADMIN)


def _submit_limit() -> str:
    return current_app.config.get("PROPOSAL_SUBMIT_RATE_LIMIT", "5 per minute;30 per hour")


def _no_store(page: Response | str) -> Response:
    """Question pages must be fetched again on Back, so they show the saved answers."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def proposal_helpers() -> dict[str, Any]:
    """Labels the proposal templates share."""
    return {
        "status_label": proposals.status_label,
        "status_colour": proposals.status_colour,
        "proposed_by": proposals.proposed_by,
        "sector_label": proposals.sector_label,
        "population_labels": proposals.POPULATION_GROUPS,
        "age_labels": proposals.AGE_GROUPS,
        "not_published_reasons": proposals.NOT_PUBLISHED_REASONS,
        "editable_fields": proposals.EDITABLE_FIELDS,
    }


def _get_or_404(reference: str) -> Proposal:
    proposal = proposals.get_by_reference(reference)
    if proposal is None:
        abort(404)
    return proposal


def _visible_or_404(reference: str) -> Proposal:
    """A proposal this user may see; anything else is "not found", so nothing about it is revealed."""
    proposal = _get_or_404(reference)
    if not proposals.can_view(proposal, current_user):
        abort(404)
    return proposal


def _owned_or_404(reference: str) -> Proposal:
    proposal = _get_or_404(reference)
    if not proposals.is_owner(proposal, current_user):
        abort(404)
    return proposal


# ---------------------------------------------------------------------------------------------------------------------
# Public list and proposal pages
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("/topics")
@public
def index() -> Response:
    """Published proposals: active search, filters by status, ward and sector, sort, pagination."""
    args = request.args
    filters = {
        "q": args.get("q", "")[:200],
        "status": args.get("status", ""),
        "ward": args.get("ward", ""),
        "sector": args.get("sector", ""),
        "sort": "supported" if args.get("sort") == "supported" else "newest",
    }
    result = proposals.search_published(
        filters["q"],
        status=filters["status"],
        ward=filters["ward"],
        sector=filters["sector"],
        sort=filters["sort"],
        page=args.get("page", 1, type=int),
    )
    in_url = {key: value for key, value in filters.items() if value and not (key == "sort" and value == "newest")}
    return render_page(
        "proposals/index.html",
        "proposals/_results.html",
        result=result,
        filters=filters,
        statuses=[s for s in ProposalStatus if s in proposals.PUBLIC_STATUSES],
        ward_list=proposals.ward_choices(),
        sectors=[(str(key), label) for key, label in SECTOR_LABELS.items()],
        page_url=lambda number: url_for("proposals.index", page=number, **in_url),
    )


@bp.route("/topics/<reference>")
@public
def detail(reference: str) -> Response | str:
    """A proposal: its answers, supports, timeline, linked indicators and briefings. Merged ones redirect."""
    proposal = _get_or_404(reference)
    if proposal.status == ProposalStatus.MERGED:
        target = proposals.final_target(proposal)
        return redirect(url_for("proposals.detail", reference=target.reference, merged_from=proposal.reference), 301)
    if not proposals.can_view(proposal, current_user):
        abort(404)
    merged_from = proposals.get_by_reference(request.args.get("merged_from", ""))
    if merged_from is not None and merged_from.merged_into_id is None:
        merged_from = None
    return render_template(
        "proposals/detail.html",
        merged_from=merged_from,
        **_support_context(proposal),
        timeline=proposals.timeline(proposal),
        indicators=proposals.linked_indicators(proposal),
        briefings=proposals.linked_briefings(proposal),
        outcomes=proposals.outcomes(proposal),
        is_owner=proposals.is_owner(proposal, current_user),
        is_moderator=proposals.is_staff_moderator(current_user),
    )


def _support_context(proposal: Proposal, message: str = "", error: str = "") -> dict[str, Any]:
    """What the support panel needs."""
    user = current_user
    signed_in_user = bool(getattr(user, "is_authenticated", False))
    return {
        "proposal": proposal,
        "supportable": ProposalStatus(proposal.status) in proposals.SUPPORTABLE_STATUSES,
        "can_support": signed_in_user
        and user.has_role(Role.PUBLIC, Role.STAKEHOLDER)
        and not proposals.is_owner(proposal, user),
        "supported": signed_in_user and proposals.has_supported(proposal.id, user.id),
        "support_message": message,
        "support_error": error,
        "confirm_form": ConfirmForm(),
    }


def _support_response(proposal: Proposal, message: str, error: str) -> Response:
    if is_htmx_request():
        return render_page("proposals/_support.html", **_support_context(proposal, message, error))
    flash(error or message, "error" if error else "success")
    return redirect(url_for("proposals.detail", reference=proposal.reference), 303)


@bp.route("/topics/<reference>/support", methods=["POST"])
@role_required(Role.PUBLIC, Role.STAKEHOLDER)
@limiter.limit("30 per minute")
def support(reference: str) -> Response:
    """Support a published proposal (once per person)."""
    proposal = _visible_or_404(reference)
    try:
        added = proposals.add_support(proposal.id, current_user)
    except proposals.NotAllowed:
        abort(404)
    except proposals.ProposalError as exc:
        return _support_response(proposal, "", str(exc))
    message = "You support this proposal" if added else "You already support this proposal"
    return _support_response(proposal, message, "")


@bp.route("/topics/<reference>/support/remove", methods=["POST"])
@role_required(Role.PUBLIC, Role.STAKEHOLDER)
@limiter.limit("30 per minute")
def unsupport(reference: str) -> Response:
    """Take back your support."""
    proposal = _visible_or_404(reference)
    removed = proposals.remove_support(proposal.id, current_user)
    return _support_response(proposal, "You no longer support this proposal" if removed else "", "")


# ---------------------------------------------------------------------------------------------------------------------
# Proposing: start page, question pages, check your answers, confirmation
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("/topics/propose")
@public
def start() -> Response:
    """The start page for proposing a topic."""
    return _no_store(
        render_template("proposals/start.html", has_answers=bool(wizard.current_answers().get(wizard.COMPLETED)))
    )


def _question_form(step: wizard.Step, answers: dict[str, Any]) -> QuestionForm:
    extra: dict[str, Any] = {}
    if step.slug == "wards":
        extra["ward_list"] = proposals.ward_choices()
    if request.method == "POST":
        return step.form(**extra)
    typed = wizard.take_invalid(step)
    if typed is not None:  # the redirect after a page with errors: show what was typed, with the messages
        form = step.form(formdata=MultiDict(typed), meta={"csrf": False}, **extra)
        form.validate()
        return form
    form = step.form.from_answers(answers, **extra)
    if step.slug == "contact" and not answers.get("email") and current_user.is_authenticated:
        # A signed-in proposer's details are offered, never assumed: consent is still their choice.
        form.email.data = current_user.email  # type: ignore[attr-defined]
        form.name.data = answers.get("name") or current_user.display_name  # type: ignore[attr-defined]
    if step.slug == "organisation" and not answers.get("organisation") and current_user.is_authenticated:
        organisation = current_user.organisation
        if organisation is not None:
            form.organisation.data = organisation.name  # type: ignore[attr-defined]
            form.sector.data = organisation.sector  # type: ignore[attr-defined]
    return form


@bp.route("/topics/propose/<step>", methods=["GET", "POST"])
@public
def question(step: str) -> Response:
    """One question page. Answers are saved to this session's draft; Back shows them again."""
    current = wizard.STEPS_BY_SLUG.get(step)
    if current is None:
        abort(404)
    answers = wizard.current_answers()
    changing = request.values.get("change") == "1"
    if not wizard.may_visit(current, answers):
        missing = wizard.first_incomplete(answers)
        target = url_for("proposals.question", step=missing.slug) if missing else url_for("proposals.check")
        return redirect(target, 303)
    form = _question_form(current, answers)
    searching = current.slug == "indicators" and request.form.get("action") == "search"
    if request.method == "POST" and not form.validate():
        started = request.form.get("started") if current.slug == "title" else None
        wizard.stash_invalid(current, request.form.to_dict(flat=False), started_token=started)
        return redirect(
            url_for("proposals.question", step=current.slug, change="1" if changing else None, **_search_args()), 303
        )
    if request.method == "POST":
        page_answers = form.answers()
        if current.slug == "title" and form.website.data:  # type: ignore[attr-defined]
            page_answers[wizard.SUSPECT] = True
        started = form.started.data if current.slug == "title" else None  # type: ignore[attr-defined]
        wizard.save(current, page_answers, started_token=started, complete=not searching)
        if searching:
            query = form.q.data or None  # type: ignore[attr-defined]
            return redirect(
                url_for("proposals.question", step="indicators", q=query, change="1" if changing else None), 303
            )
        answers = wizard.current_answers()
        following = wizard.next_step(current, answers, changing)
        if following is None:
            return redirect(url_for("proposals.check"), 303)
        return redirect(url_for("proposals.question", step=following.slug, change="1" if changing else None), 303)
    return _no_store(_render_question(current, form, answers, changing))


def _search_args() -> dict[str, str]:
    query = request.form.get("q", "")
    return {"q": query} if query else {}


def _render_question(step: wizard.Step, form: QuestionForm, answers: dict[str, Any], changing: bool) -> Response:
    previous = wizard.previous_step(step, answers)
    if changing:
        back = url_for("proposals.check")
    elif previous is not None:
        back = url_for("proposals.question", step=previous.slug)
    else:
        back = url_for("proposals.start")
    context: dict[str, Any] = {"form": form, "step": step, "back_url": back, "changing": changing}
    if step.slug == "title":
        if not form.started.data:  # type: ignore[attr-defined]
            draft = wizard.current_draft()
            form.started.data = wizard.sign_started(draft.started_at if draft else None)  # type: ignore[attr-defined]
        context["similar"] = proposals.similar_proposals(form.title.data or "")  # type: ignore[attr-defined]
    elif step.slug == "need":
        context["similar"] = proposals.similar_proposals(answers.get("title", ""))
    elif step.slug == "indicators":
        query = request.args.get("q", "") if request.method == "GET" else (form.q.data or "")  # type: ignore[attr-defined]
        if request.method == "GET" and "indicators" in request.args:
            selected = request.args.getlist("indicators")
        elif request.method == "POST":
            selected = form.indicators.data or []  # type: ignore[attr-defined]
        else:
            selected = answers.get("indicators", [])
        form.q.data = query  # type: ignore[attr-defined]
        picked, others = proposals.indicator_options(query, selected)
        context.update(picked=picked, others=others, query=query, any_indicators=proposals.has_indicators())
        if is_htmx_request():
            return render_page(step.template, "proposals/_indicator_choices.html", **context)
    return render_page(step.template, **context)


@bp.route("/topics/propose/similar")
@public
@limiter.limit("120 per minute")
def similar() -> Response:
    """Published proposals with titles like the one being typed ("Has your topic already been proposed?")."""
    title = request.args.get("title", "")[:200]
    return render_page(
        "proposals/similar.html", "proposals/_similar.html", similar=proposals.similar_proposals(title), title=title
    )


def _check_rows(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of "Check your answers", each with its Change link."""
    wards = proposals.ward_names(answers.get("wards", []))
    indicators = proposals.indicator_names(answers.get("indicators", []))
    population = [proposals.POPULATION_GROUPS.get(code, "") for code in answers.get("population_groups", [])]
    if "other" in answers.get("population_groups", []) and answers.get("population_other"):
        population[-1] = f"Another group: {answers['population_other']}"

    def row(key: str, slug: str, lines: list[str], hidden: str) -> dict[str, Any]:
        return {
            "key": key,
            "lines": [line for line in lines if line] or ["Not given"],
            "href": url_for("proposals.question", step=slug, change="1"),
            "hidden": hidden,
        }

    rows = [
        row("Topic", "title", [answers.get("title", "")], "topic"),
        row("The need or problem", "need", [answers.get("need", "")], "the need or problem"),
        row("Who is affected", "who", population, "who is affected"),
        row(
            "Age groups", "ages", [proposals.AGE_GROUPS.get(c, "") for c in answers.get("age_groups", [])], "age groups"
        ),
        row(
            "Parts of the city",
            "wards",
            ["The whole city"]
            if proposals.WHOLE_CITY in answers.get("wards", [])
            else [wards.get(c, "") for c in answers.get("wards", [])],
            "parts of the city",
        ),
        row("Why now", "evidence", [answers.get("evidence_of_need", "")], "why now"),
        row(
            "Indicators",
            "indicators",
            [indicators.get(i, "") for i in answers.get("indicators", [])] or ["None chosen"],
            "indicators",
        ),
        row(
            "Decisions it would inform",
            "decisions",
            [answers.get("decisions_informed", "")],
            "decisions it would inform",
        ),
        row(
            "Proposing as",
            "proposer",
            [proposals.PROPOSER_TYPES.get(answers.get("proposer_type", ""), "")],
            "who you are proposing as",
        ),
    ]
    if answers.get("proposer_type") == "stakeholder":
        rows.append(
            row(
                "Organisation",
                "organisation",
                [answers.get("organisation", ""), proposals.sector_label(answers.get("sector", ""))],
                "organisation",
            )
        )
    contact = [answers.get("name", ""), answers.get("email", "")]
    if answers.get("email"):
        contact.append("You agree to emails about this proposal" if answers.get("consent") else "")
    rows.append(row("Contact details", "contact", contact if any(contact) else ["None given"], "contact details"))
    return rows


def _confirmed(proposal: Proposal) -> Response:
    wizard.forget_draft()
    session[wizard.SUBMITTED_KEY] = proposal.reference
    return redirect(url_for("proposals.confirmation"), 303)


@bp.route("/topics/propose/check", methods=["GET", "POST"])
@public
@limiter.limit(_submit_limit, methods=["POST"])
def check() -> Response:
    """Check your answers, then send: exactly one proposal per submission token, however often it is sent."""
    draft = wizard.current_draft()
    form = SubmitProposalForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        key = form.idempotency_key.data or ""
        existing = proposals.get_by_idempotency_key(key)
        if existing is not None:  # a double click, a resubmit after Back, or a retry
            return _confirmed(existing)
        if draft is None:
            flash("Your answers were not saved for long enough. Start again", "info")
            return redirect(url_for("proposals.start"), 303)
        if key != draft.idempotency_key:
            return redirect(url_for("proposals.check"), 303)
        if form.website.data or draft.answers.get(wizard.SUSPECT):
            abort(400)
        if wizard.filled_too_fast(form.started.data, draft):
            flash("We could not send your proposal. Check your answers, then send it again", "error")
            return redirect(url_for("proposals.check"), 303)
        missing = wizard.first_incomplete(draft.answers)
        if missing is not None:
            return redirect(url_for("proposals.question", step=missing.slug), 303)
        result = proposals.submit_proposal(
            dict(draft.answers),
            idempotency_key=key,
            proposer_id=current_user.id if current_user.is_authenticated else None,
            draft_id=draft.id,
        )
        return _confirmed(result.proposal)
    if draft is None:
        return redirect(url_for("proposals.start"), 303)
    missing = wizard.first_incomplete(draft.answers)
    if missing is not None:
        return redirect(url_for("proposals.question", step=missing.slug), 303)
    form.idempotency_key.data = draft.idempotency_key
    form.started.data = wizard.sign_started(draft.started_at, draft.id)
    last = wizard.last_step(draft.answers)
    return _no_store(
        render_page(
            "proposals/check.html",
            submit_form=form,
            rows=_check_rows(draft.answers),
            back_url=url_for("proposals.question", step=last.slug),
        )
    )


@bp.route("/topics/propose/confirmation")
@public
def confirmation() -> Response:
    """The reference number of the proposal this session just sent."""
    proposal = proposals.get_by_reference(session.get(wizard.SUBMITTED_KEY, ""))
    if proposal is None:
        return redirect(url_for("proposals.start"), 303)
    return _no_store(render_page("proposals/confirmation.html", proposal=proposal))


# ---------------------------------------------------------------------------------------------------------------------
# The proposer's own proposals
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("/topics/mine")
@signed_in
def mine() -> str:
    """The signed-in user's own proposals, with withdraw and remove-my-data actions."""
    return render_template(
        "proposals/mine.html",
        mine=proposals.proposals_for_user(current_user),
        withdrawable={str(s) for s in proposals.WITHDRAWABLE_STATUSES},
    )


@bp.route("/topics/<reference>/withdraw", methods=["GET", "POST"])
@signed_in
def withdraw(reference: str) -> Response | str:
    """Withdraw your own proposal."""
    proposal = _owned_or_404(reference)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            proposals.withdraw(proposal.id, current_user)
        except proposals.NotAllowed:
            abort(404)
        except proposals.ProposalError as exc:
            flash(str(exc), "error")
        else:
            flash(f"You have withdrawn {proposal.reference}", "success")
        return redirect(url_for("proposals.mine"), 303)
    return render_template("proposals/withdraw.html", proposal=proposal, form=form)


@bp.route("/topics/<reference>/remove-personal-data", methods=["GET", "POST"])
@signed_in
def remove_personal_data(reference: str) -> Response | str:
    """Remove your name, email and account link from a proposal; the proposal stays, de-personalised."""
    proposal = _owned_or_404(reference)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            proposals.remove_personal_data(proposal.id, current_user)
        except proposals.NotAllowed:
            abort(404)
        flash(f"Your personal data has been removed from {proposal.reference}", "success")
        return redirect(url_for("proposals.mine"), 303)
    return render_template("proposals/remove_personal_data.html", proposal=proposal, form=form)


# ---------------------------------------------------------------------------------------------------------------------
# Moderation (analysts and administrators)
# ---------------------------------------------------------------------------------------------------------------------


@bp.route("/staff/moderation")
@role_required(*MODERATORS)
def moderation() -> Response:
    """The moderation queue (oldest first), or every proposal, with an HTMX search and quick publish."""
    view = "all" if request.args.get("view") == "all" else "waiting"
    query = request.args.get("q", "")[:200]
    result = proposals.moderation_queue(view, query, request.args.get("page", 1, type=int))
    return render_page(
        "proposals/moderation.html",
        "proposals/_queue.html",
        result=result,
        view=view,
        query=query,
        waiting=proposals.waiting_count(),
        confirm_form=ConfirmForm(),
        page_url=lambda number: url_for(
            "proposals.moderation", page=number, q=query or None, view=view if view == "all" else None
        ),
    )


def _render_review(proposal: Proposal, failed: Any = None, **forms: Any) -> str:
    """The review page with every action form; ``failed`` is the form whose errors the summary shows."""
    allowed = [s for s in proposals.allowed_next_statuses(proposal) if s is not ProposalStatus.MERGED]
    defaults: dict[str, Any] = {
        "publish_form": PublishForm(formdata=None, public_answer=proposals.DEFAULT_ANSWERS[ProposalStatus.PUBLISHED]),
        "not_publish_form": NotPublishForm(formdata=None),
        "merge_form": MergeForm(formdata=None),
        "status_form": StatusForm(formdata=None, allowed=allowed),
    }
    defaults.update(forms)
    return render_template(
        "proposals/review.html",
        proposal=proposal,
        form=failed,
        timeline=proposals.timeline(proposal),
        merged=proposals.merged_in(proposal),
        can_moderate=proposal.status == ProposalStatus.SUBMITTED,
        can_merge=ProposalStatus(proposal.status) in proposals.MERGEABLE_STATUSES,
        allowed=allowed,
        default_answers={str(k): v for k, v in proposals.DEFAULT_ANSWERS.items()},
        **defaults,
    )


@bp.route("/staff/moderation/<reference>")
@role_required(*MODERATORS)
def moderation_review(reference: str) -> str:
    """Everything about a proposal, including personal data and moderators' originals, with the actions."""
    return _render_review(_get_or_404(reference))


def _after_action(proposal: Proposal, message: str, error: str = "") -> Response:
    """HTMX (from the queue): the updated row. Otherwise back to where the action came from."""
    if is_htmx_request():
        return render_page(
            "proposals/_queue_row.html",
            proposal=proposal,
            row_message=message,
            row_error=error,
            confirm_form=ConfirmForm(),
        )
    flash(error or message, "error" if error else "success")
    fallback = url_for("proposals.moderation_review", reference=proposal.reference)
    return redirect(safe_next(request.form.get("next"), fallback), 303)


@bp.route("/staff/moderation/<reference>/publish", methods=["POST"])
@role_required(*MODERATORS)
def moderation_publish(reference: str) -> Response | str:
    """Publish a proposal with a public answer."""
    proposal = _get_or_404(reference)
    form = PublishForm()
    if not form.validate_on_submit():
        return _render_review(proposal, form, publish_form=form)
    try:
        proposals.change_status(proposal.id, ProposalStatus.PUBLISHED, form.public_answer.data or "", current_user.id)
    except proposals.ProposalError as exc:
        return _after_action(proposal, "", str(exc))
    return _after_action(proposal, f"{proposal.reference} is published")


@bp.route("/staff/moderation/<reference>/not-publish", methods=["POST"])
@role_required(*MODERATORS)
def moderation_not_publish(reference: str) -> Response | str:
    """Decline to publish, with a reason: out of scope, a duplicate of JSNA-…, or personal data."""
    proposal = _get_or_404(reference)
    form = NotPublishForm()
    if form.validate_on_submit():
        try:
            proposals.not_publish(
                proposal.id,
                form.reason.data or "",
                form.public_answer.data or "",
                current_user.id,
                duplicate_of=form.duplicate_of.data or "",
            )
        except proposals.InvalidTransition as exc:
            return _after_action(proposal, "", str(exc))
        except proposals.ProposalError as exc:
            form.duplicate_of.errors.append(str(exc))
        else:
            return _after_action(proposal, f"{proposal.reference} will not be published")
    return _render_review(proposal, form, not_publish_form=form)


@bp.route("/staff/moderation/<reference>/merge", methods=["POST"])
@role_required(*MODERATORS)
def moderation_merge(reference: str) -> Response | str:
    """Merge a duplicate into another proposal; supports and proposers carry over."""
    proposal = _get_or_404(reference)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = proposals.merge_proposals(
                proposal.id, form.target.data or "", form.public_answer.data or "", current_user.id
            )
        except proposals.ProposalError as exc:
            form.target.errors.append(str(exc))
        else:
            flash(f"{proposal.reference} is merged into {target.reference}", "success")
            return redirect(url_for("proposals.moderation_review", reference=target.reference), 303)
    return _render_review(proposal, form, merge_form=form)


@bp.route("/staff/moderation/<reference>/status", methods=["POST"])
@role_required(*MODERATORS)
def moderation_status(reference: str) -> Response | str:
    """Move a proposal along its lifecycle (shortlist it, for example) with a public answer."""
    proposal = _get_or_404(reference)
    allowed = [s for s in proposals.allowed_next_statuses(proposal) if s is not ProposalStatus.MERGED]
    form = StatusForm(allowed=allowed)
    if form.validate_on_submit():
        try:
            proposals.change_status(
                proposal.id, ProposalStatus(form.status.data), form.public_answer.data or "", current_user.id
            )
        except proposals.ProposalError as exc:
            form.status.errors.append(str(exc))
        else:
            return _after_action(
                proposal, f"{proposal.reference} is now {proposals.status_label(proposal.status).lower()}"
            )
    return _render_review(proposal, form, status_form=form)


@bp.route("/staff/moderation/<reference>/edit", methods=["GET", "POST"])
@role_required(*MODERATORS)
def moderation_edit(reference: str) -> Response | str:
    """Edit personal data out of a proposal before publishing; the original stays visible to staff only."""
    proposal = _get_or_404(reference)
    if proposal.status == ProposalStatus.MERGED:
        abort(404)
    form = EditForm(obj=proposal) if request.method == "GET" else EditForm()
    if form.validate_on_submit():
        changes = {name: form[name].data or "" for name in proposals.EDITABLE_FIELDS}
        try:
            made = proposals.edit_text(proposal.id, changes, form.reason.data or "", current_user.id)
        except proposals.ProposalError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash(f"{len(made)} {'change' if len(made) == 1 else 'changes'} saved to {proposal.reference}", "success")
            return redirect(url_for("proposals.moderation_review", reference=proposal.reference), 303)
    return render_template("proposals/edit.html", proposal=proposal, form=form)
