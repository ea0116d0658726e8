"""The question pages: their order, which apply, where Back and Continue go, saving a page to the draft, and the
signed start time that stops forms filled in faster than a person could.

Answers are kept in a server-side draft (long answers outgrow a session cookie); the routes keep only its id in the
session, under DRAFT_KEY.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.models import ProposalDraft
from portal.proposals import drafts, forms

# The session keys the routes use: the draft being answered, and the reference just sent.
DRAFT_KEY = "proposal_draft"
SUBMITTED_KEY = "proposal_submitted"
COMPLETED = "_completed"  # the slugs of the pages answered so far
SUSPECT = "_suspect"  # a honeypot was filled in on an earlier page
INVALID = "_invalid"  # what was typed on a page that had errors, shown again by the GET after the redirect


def _always(_answers: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """One question page."""

    slug: str
    form: type[forms.QuestionForm]
    heading: str  # the question, also used on "Check your answers"
    applies: Callable[[dict[str, Any]], bool] = field(default=_always)

    @property
    def template(self) -> str:
        return f"proposals/question_{self.slug}.html"


STEPS: list[Step] = [
    Step("title", forms.TitleForm, "Topic"),
    Step("need", forms.NeedForm, "The need or problem"),
    Step("who", forms.WhoForm, "Who is affected"),
    Step("ages", forms.AgesForm, "Age groups affected"),
    Step("wards", forms.WardsForm, "Parts of the city affected"),
    Step("evidence", forms.EvidenceForm, "Why now"),
    Step("indicators", forms.IndicatorsForm, "Indicators that show the need"),
    Step("decisions", forms.DecisionsForm, "Decisions it would inform"),
    Step("proposer", forms.ProposerForm, "Proposing as"),
    Step("organisation", forms.OrganisationForm, "Organisation", lambda a: a.get("proposer_type") == "stakeholder"),
    Step("contact", forms.ContactForm, "Contact details"),
]
STEPS_BY_SLUG: dict[str, Step] = {step.slug: step for step in STEPS}


def applicable(answers: dict[str, Any]) -> list[Step]:
    """The steps that apply given the answers so far."""
    return [step for step in STEPS if step.applies(answers)]


def first_incomplete(answers: dict[str, Any]) -> Step | None:
    """The first applicable step not yet answered, or None when every one is."""
    done = set(answers.get(COMPLETED, []))
    return next((step for step in applicable(answers) if step.slug not in done), None)


def may_visit(step: Step, answers: dict[str, Any]) -> bool:
    """A page is reachable once every applicable page before it has been answered."""
    if not step.applies(answers):
        return False
    missing = first_incomplete(answers)
    if missing is None:
        return True
    order = [s.slug for s in STEPS]
    return order.index(step.slug) <= order.index(missing.slug)


def next_step(step: Step, answers: dict[str, Any], changing: bool) -> Step | None:
    """Where Continue goes: the next applicable page, or None for "Check your answers".

    When changing an answer from "Check your answers", go back there unless the change opened a new page.
    """
    if changing:
        return first_incomplete(answers)
    steps = applicable(answers)
    slugs = [s.slug for s in steps]
    position = slugs.index(step.slug)
    return steps[position + 1] if position + 1 < len(steps) else None


def previous_step(step: Step, answers: dict[str, Any]) -> Step | None:
    """Where Back goes (None for the start page)."""
    steps = applicable(answers)
    slugs = [s.slug for s in steps]
    position = slugs.index(step.slug) if step.slug in slugs else 0
    return steps[position - 1] if position > 0 else None


def last_step(answers: dict[str, Any]) -> Step:
    """The final applicable page (Back from "Check your answers")."""
    return applicable(answers)[-1]


# ---------------------------------------------------------------------------------------------------------------------
# The draft (the routes keep its id in the browser's session under DRAFT_KEY)
# ---------------------------------------------------------------------------------------------------------------------


def answers_of(draft: ProposalDraft | None) -> dict[str, Any]:
    """A draft's answers so far (empty when there is no draft)."""
    return dict(draft.answers or {}) if draft else {}


def save(
    draft: ProposalDraft | None,
    step: Step,
    answers: dict[str, Any],
    started_token: str | None = None,
    complete: bool = True,
) -> ProposalDraft:
    """Save one page's answers to the draft, starting one if there is none; ``complete`` marks the page done."""
    if draft is None:
        draft = drafts.create_draft(started_at=read_started(started_token))
    merged = dict(draft.answers or {})
    merged.update(answers)
    done = list(merged.get(COMPLETED, []))
    if complete and step.slug not in done:
        done.append(step.slug)
    merged[COMPLETED] = done
    return drafts.save_answers(draft, merged)


def stash_invalid(
    draft: ProposalDraft | None, step: Step, formdata: dict[str, list[str]], started_token: str | None = None
) -> ProposalDraft:
    """Keep what was typed on a page with errors, so a GET can show it with the messages (post/redirect/get).

    Showing errors from a GET means the browser history never holds a POST, so Back never asks to resend a form.
    """
    if draft is None:
        draft = drafts.create_draft(started_at=read_started(started_token))
    typed = {key: values for key, values in formdata.items() if key != "csrf_token"}
    return drafts.save_answers(draft, {INVALID: {"step": step.slug, "data": typed}})


def take_invalid(draft: ProposalDraft | None, step: Step) -> dict[str, list[str]] | None:
    """What was typed on this page when it last had errors (once), or None."""
    pending = (draft.answers or {}).get(INVALID) if draft else None
    if draft is None or not pending:
        return None
    drafts.save_answers(draft, {INVALID: None})
    return pending["data"] if pending.get("step") == step.slug else None


# ---------------------------------------------------------------------------------------------------------------------
# The signed start time (minimum fill time)
# ---------------------------------------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="proposal-started")


def sign_started(started: datetime | None = None, draft_id: str = "") -> str:
    """A signed token holding the time the question pages were first shown (and the draft it belongs to)."""
    moment = started.timestamp() if started else time.time()
    return _serializer().dumps({"t": moment, "d": draft_id})


def read_started(token: str | None, draft_id: str | None = None) -> datetime | None:
    """The time inside a valid token (for the right draft, when one is given), else None."""
    if not token:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int | float):
        return None
    if draft_id is not None and payload.get("d") != draft_id:
        return None
    return datetime.fromtimestamp(payload["t"], UTC)


def filled_too_fast(token: str | None, draft: ProposalDraft) -> bool:
    """True when the signed start time is missing, forged, or less than the minimum fill time ago."""
    minimum = float(current_app.config.get("PROPOSAL_MIN_FILL_SECONDS", 3))
    started = read_started(token, draft.id)
    if started is None:
        return minimum > 0
    return (datetime.now(UTC) - started).total_seconds() < minimum
