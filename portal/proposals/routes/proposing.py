"""Proposing a topic: the start page, one page per question, check your answers, and the confirmation.

The draft's id lives in the browser's session (here, not in the services); the answers live in the draft.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.access import public
from portal.extensions import limiter
from portal.htmx import is_htmx_request, render_page
from portal.models import Proposal, ProposalDraft
from portal.proposals import bp, choices, drafts, finding, proposer_links, search, submission, vocabulary, wizard
from portal.proposals.forms import QuestionForm, SubmitProposalForm
from portal.proposals.routes.common import no_store


def _submit_limit() -> str:
    return str(current_app.config.get("PROPOSAL_SUBMIT_RATE_LIMIT", "5 per minute;30 per hour"))


def _draft() -> ProposalDraft | None:
    """This browser session's draft, if any."""
    return drafts.get_draft(session.get(wizard.DRAFT_KEY))


def _keep(draft: ProposalDraft) -> None:
    """Remember the draft for this browser session."""
    session[wizard.DRAFT_KEY] = draft.id


@bp.route("/topics/propose")
@public
def start() -> Response:
    """The start page for proposing a topic."""
    return no_store(
        render_template("proposals/start.html", has_answers=bool(wizard.answers_of(_draft()).get(wizard.COMPLETED)))
    )


def _question_form(step: wizard.Step, draft: ProposalDraft | None, answers: dict[str, Any]) -> QuestionForm:
    extra: dict[str, Any] = {}
    if step.slug == "wards":
        extra["ward_list"] = choices.ward_choices()
    if request.method == "POST":
        return step.form(**extra)
    typed = wizard.take_invalid(draft, step)
    if typed is not None:  # the redirect after a page with errors: show what was typed, with the messages
        form = step.form(formdata=MultiDict(typed), meta={"csrf": False}, **extra)
        form.validate()
        return form
    form = step.form.from_answers(answers, **extra)
    if step.slug == "contact" and not answers.get("email") and current_user.is_authenticated:
        # A signed-in proposer's details are offered, never assumed: consent is still their choice.
        form.email.data = current_user.email
        form.name.data = answers.get("name") or current_user.display_name
    if step.slug == "organisation" and not answers.get("organisation") and current_user.is_authenticated:
        organisation = current_user.organisation
        if organisation is not None:
            form.organisation.data = organisation.name
            form.sector.data = organisation.sector
    return form


@bp.route("/topics/propose/<step>", methods=["GET", "POST"])
@public
def question(step: str) -> Response:
    """One question page. Answers are saved to this session's draft; Back shows them again."""
    current = wizard.STEPS_BY_SLUG.get(step)
    if current is None:
        abort(404)
    draft = _draft()
    answers = wizard.answers_of(draft)
    changing = request.values.get("change") == "1"
    if not wizard.may_visit(current, answers):
        missing = wizard.first_incomplete(answers)
        target = url_for("proposals.question", step=missing.slug) if missing else url_for("proposals.check")
        return redirect(target, 303)
    form = _question_form(current, draft, answers)
    searching = current.slug == "indicators" and request.form.get("action") == "search"
    if request.method == "POST" and not form.validate():
        started = request.form.get("started") if current.slug == "title" else None
        _keep(wizard.stash_invalid(draft, current, request.form.to_dict(flat=False), started_token=started))
        return redirect(
            url_for("proposals.question", step=current.slug, change="1" if changing else None, **_search_args()), 303
        )
    if request.method == "POST":
        page_answers = form.answers()
        if current.slug == "title" and form.website.data:
            page_answers[wizard.SUSPECT] = True
        started = form.started.data if current.slug == "title" else None
        draft = wizard.save(draft, current, page_answers, started_token=started, complete=not searching)
        _keep(draft)
        if searching:
            query = form.q.data or None
            return redirect(
                url_for("proposals.question", step="indicators", q=query, change="1" if changing else None), 303
            )
        answers = wizard.answers_of(draft)
        following = wizard.next_step(current, answers, changing)
        if following is None:
            return redirect(url_for("proposals.check"), 303)
        return redirect(url_for("proposals.question", step=following.slug, change="1" if changing else None), 303)
    return no_store(_render_question(current, form, draft, answers, changing))


def _search_args() -> dict[str, Any]:
    query = request.form.get("q", "")
    return {"q": query} if query else {}


def _render_question(
    step: wizard.Step, form: QuestionForm, draft: ProposalDraft | None, answers: dict[str, Any], changing: bool
) -> Response:
    previous = wizard.previous_step(step, answers)
    if changing:
        back = url_for("proposals.check")
    elif previous is not None:
        back = url_for("proposals.question", step=previous.slug)
    else:
        back = url_for("proposals.start")
    context: dict[str, Any] = {"form": form, "step": step, "back_url": back, "changing": changing}
    if step.slug == "title":
        if not form.started.data:
            form.started.data = wizard.sign_started(draft.started_at if draft else None)
        context["similar"] = search.similar_proposals(form.title.data or "")
    elif step.slug == "need":
        context["similar"] = search.similar_proposals(answers.get("title", ""))
    elif step.slug == "indicators":
        query = request.args.get("q", "") if request.method == "GET" else (form.q.data or "")
        if request.method == "GET" and "indicators" in request.args:
            selected = request.args.getlist("indicators")
        elif request.method == "POST":
            selected = form.indicators.data or []
        else:
            selected = answers.get("indicators", [])
        form.q.data = query
        picked, others = choices.indicator_options(query, selected)
        context.update(picked=picked, others=others, query=query, any_indicators=choices.has_indicators())
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
        "proposals/similar.html", "proposals/_similar.html", similar=search.similar_proposals(title), title=title
    )


def _check_rows(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of "Check your answers", each with its Change link."""
    wards = choices.ward_names(answers.get("wards", []))
    indicators = choices.indicator_names(answers.get("indicators", []))
    population = [vocabulary.POPULATION_GROUPS.get(code, "") for code in answers.get("population_groups", [])]
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
            "Age groups",
            "ages",
            [vocabulary.AGE_GROUPS.get(c, "") for c in answers.get("age_groups", [])],
            "age groups",
        ),
        row(
            "Parts of the city",
            "wards",
            ["The whole city"]
            if vocabulary.WHOLE_CITY in answers.get("wards", [])
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
            [vocabulary.PROPOSER_TYPES.get(answers.get("proposer_type", ""), "")],
            "who you are proposing as",
        ),
    ]
    if answers.get("proposer_type") == "stakeholder":
        rows.append(
            row(
                "Organisation",
                "organisation",
                [answers.get("organisation", ""), vocabulary.sector_label(answers.get("sector", ""))],
                "organisation",
            )
        )
    contact = [answers.get("name", ""), answers.get("email", "")]
    if answers.get("email"):
        contact.append("You agree to emails about this proposal" if answers.get("consent") else "")
    rows.append(row("Contact details", "contact", contact if any(contact) else ["None given"], "contact details"))
    return rows


def _confirmed(proposal: Proposal) -> Response:
    session.pop(wizard.DRAFT_KEY, None)
    session[wizard.SUBMITTED_KEY] = proposal.reference
    return redirect(url_for("proposals.confirmation"), 303)


@bp.route("/topics/propose/check", methods=["GET", "POST"])
@public
@limiter.limit(_submit_limit, methods=["POST"])
def check() -> Response:
    """Check your answers, then send: exactly one proposal per submission token, however often it is sent."""
    draft = _draft()
    form = SubmitProposalForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        key = form.idempotency_key.data or ""
        existing = finding.get_by_idempotency_key(key)
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
        result = submission.submit_proposal(
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
    return no_store(
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
    proposal = finding.get_by_reference(session.get(wizard.SUBMITTED_KEY, ""))
    if proposal is None:
        return redirect(url_for("proposals.start"), 303)
    return no_store(
        render_page(
            "proposals/confirmation.html",
            proposal=proposal,
            manage_url=url_for("proposals.manage", token=proposer_links.make_manage_token(proposal)),
            link_days=proposer_links.link_days(),
        )
    )
