"""Outcome pages: started from a closed survey or round with drafted text, edited by staff, given themes and "We
did" links, then published (quotes checked first), which tells the people who asked and the topics' proposers."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.audit import record_audit
from portal.extensions import db
from portal.models import (
    ActionKind,
    Outcome,
    OutcomeAction,
    OutcomeKind,
    OutcomeSubscription,
    OutcomeTheme,
    PrioritisationRound,
    RoundStatus,
    Survey,
)
from portal.models.base import utcnow
from portal.outcomes import drafting
from portal.outcomes.quotes import quote_error
from portal.proposals.vocabulary import clean_text
from portal.surveys.state import SurveyState, survey_state

TITLE_MAX = 200
URL_MAX = 500
MAX_QUOTES = 5


class OutcomeError(Exception):
    """A change that cannot be made; the message is shown to the user."""


def get_outcome(outcome_id: int, *, published_only: bool = False) -> Outcome:
    """An outcome page (raises LookupError when missing, or unpublished for the public)."""
    outcome = db.session.get(Outcome, outcome_id)
    if outcome is None or (published_only and not outcome.is_published):
        raise LookupError(outcome_id)
    return outcome


def published_outcomes(limit: int | None = None) -> list[Outcome]:
    """Every published outcome, newest first, with its survey or round (``is_example`` reads them) in two queries."""
    query = (
        select(Outcome)
        .where(Outcome.published_at.is_not(None))
        .order_by(Outcome.published_at.desc(), Outcome.id)
        .options(selectinload(Outcome.survey), selectinload(Outcome.round))
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def all_outcomes() -> list[Outcome]:
    """Every outcome page, drafts first, for staff."""
    return list(db.session.scalars(select(Outcome).order_by(Outcome.published_at.is_not(None), Outcome.id.desc())))


def closed_surveys_without_outcome() -> list[Survey]:
    """Closed surveys that have no outcome page yet."""
    taken = select(Outcome.survey_id).where(Outcome.survey_id.is_not(None))
    surveys = db.session.scalars(select(Survey).where(Survey.id.not_in(taken)).order_by(Survey.id.desc()))
    return [s for s in surveys if survey_state(s) is SurveyState.CLOSED]


def closed_rounds_without_outcome() -> list[PrioritisationRound]:
    """Closed prioritisation rounds that have no outcome page yet."""
    taken = select(Outcome.round_id).where(Outcome.round_id.is_not(None))
    return list(
        db.session.scalars(
            select(PrioritisationRound)
            .where(PrioritisationRound.status == RoundStatus.CLOSED.value, PrioritisationRound.id.not_in(taken))
            .order_by(PrioritisationRound.id.desc())
        )
    )


def _create(outcome: Outcome, actor_id: int) -> Outcome:
    db.session.add(outcome)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise OutcomeError("There is already an outcome page for this") from exc
    record_audit(actor_id, "outcome_created", "outcome", outcome.id, outcome.kind)
    db.session.commit()
    return outcome


def start_survey_outcome(survey_id: int, actor_id: int) -> Outcome:
    """A draft outcome page for a closed survey, with "We asked" and "You said" drafted from it."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise OutcomeError("Select a survey")
    if survey_state(survey) is not SurveyState.CLOSED:
        raise OutcomeError("A survey's outcome can be published only after it closes")
    outcome = Outcome(
        kind=OutcomeKind.SURVEY.value,
        survey_id=survey.id,
        title=survey.title[:TITLE_MAX],
        we_asked=drafting.draft_survey_we_asked(survey),
        you_said=drafting.draft_survey_you_said(survey),
        created_by_id=actor_id,
    )
    return _create(outcome, actor_id)


def start_round_outcome(round_id: int, actor_id: int) -> Outcome:
    """A draft outcome page for a closed prioritisation round, drafted from its published ranking and decisions."""
    round_ = db.session.get(PrioritisationRound, round_id)
    if round_ is None:
        raise OutcomeError("Select a prioritisation round")
    if round_.status != RoundStatus.CLOSED.value:
        raise OutcomeError("A round's outcome can be published only after it closes")
    outcome = Outcome(
        kind=OutcomeKind.ROUND.value,
        round_id=round_.id,
        title=round_.title[:TITLE_MAX],
        we_asked=drafting.draft_round_we_asked(round_),
        you_said=drafting.draft_round_you_said(round_),
        created_by_id=actor_id,
    )
    return _create(outcome, actor_id)


def save_text(outcome_id: int, title: str, we_asked: str, you_said: str, actor_id: int) -> Outcome:
    """Save the page's title, "We asked" and "You said"."""
    outcome = get_outcome(outcome_id)
    title = clean_text(title, single_line=True)
    if not title:
        raise OutcomeError("Enter a title")
    if len(title) > TITLE_MAX:
        raise OutcomeError(f"The title must be {TITLE_MAX} characters or fewer")
    outcome.title, outcome.we_asked, outcome.you_said = title, clean_text(we_asked), clean_text(you_said)
    record_audit(actor_id, "outcome_edited", "outcome", outcome.id)
    db.session.commit()
    return outcome


def split_quotes(text: str) -> list[str]:
    """Quotes typed one a paragraph (separated by a blank line) or one a line."""
    cleaned = clean_text(text)
    blocks = [b for b in cleaned.split("\n\n") if b.strip()] if "\n\n" in cleaned else cleaned.splitlines()
    return [" ".join(block.split()) for block in blocks if block.strip()]


def add_theme(outcome_id: int, title: str, answer_count: int, quotes: list[str], actor_id: int) -> OutcomeTheme:
    """Add a theme with the number of answers coded to it and the quotes chosen; every quote is checked."""
    outcome = get_outcome(outcome_id)
    title = clean_text(title, single_line=True)
    if not title:
        raise OutcomeError("Enter the theme")
    if len(title) > TITLE_MAX:
        raise OutcomeError(f"The theme must be {TITLE_MAX} characters or fewer")
    if answer_count < 0:
        raise OutcomeError("The number of answers must be 0 or more")
    if len(quotes) > MAX_QUOTES:
        raise OutcomeError(f"Choose {MAX_QUOTES} quotes or fewer")
    for quote in quotes:
        if error := quote_error(quote):
            raise OutcomeError(error)
    theme = OutcomeTheme(
        outcome_id=outcome.id, position=len(outcome.themes), title=title, answer_count=answer_count, quotes=quotes
    )
    db.session.add(theme)
    record_audit(actor_id, "outcome_theme_added", "outcome", outcome.id, title)
    db.session.commit()
    return theme


def add_action(outcome_id: int, kind: ActionKind, label: str, url: str, sentence: str, actor_id: int) -> OutcomeAction:
    """Add a "We did" link: a decision, chapter or recommendation the input informed, with a sentence."""
    outcome = get_outcome(outcome_id)
    label, url, sentence = clean_text(label, single_line=True), url.strip(), clean_text(sentence)
    if not label:
        raise OutcomeError("Enter what the link is to")
    parts = urlsplit(url)
    local = url.startswith("/") and not url.startswith("//")
    if not (local or (parts.scheme in ("http", "https") and parts.netloc)) or len(url) > URL_MAX:
        raise OutcomeError("Enter a link starting with / or https://")
    if not sentence:
        raise OutcomeError("Enter a sentence saying what the input changed")
    action = OutcomeAction(
        outcome_id=outcome.id,
        position=len(outcome.actions),
        kind=kind.value,
        label=label[:TITLE_MAX],
        url=url,
        sentence=sentence,
    )
    db.session.add(action)
    record_audit(actor_id, "outcome_action_added", "outcome", outcome.id, label)
    db.session.commit()
    return action


def remove_theme(outcome_id: int, theme_id: int, actor_id: int) -> None:
    """Remove a theme (and its quotes) from an outcome page."""
    theme = db.session.get(OutcomeTheme, theme_id)
    if theme is None or theme.outcome_id != outcome_id:
        raise LookupError(theme_id)
    db.session.delete(theme)
    record_audit(actor_id, "outcome_theme_removed", "outcome", outcome_id, theme.title)
    db.session.commit()


def publish_problems(outcome: Outcome) -> list[str]:
    """Why the page cannot be published yet (empty when it can)."""
    problems = []
    if not outcome.we_asked.strip():
        problems.append("Enter what we asked")
    if not outcome.you_said.strip():
        problems.append("Enter what people said")
    if not outcome.actions:
        problems.append("Add at least one thing we did")
    for theme in outcome.themes:
        problems.extend(error for quote in theme.quotes if (error := quote_error(quote)))
    return problems


def publish(outcome_id: int, actor_id: int) -> Outcome:
    """Publish the page (newest first on /outcomes and in the feed); the caller then tells people."""
    outcome = get_outcome(outcome_id)
    if outcome.is_published:
        raise OutcomeError("This outcome is already published")
    if problems := publish_problems(outcome):
        raise OutcomeError(problems[0])
    outcome.published_at = utcnow()
    outcome.published_by_id = actor_id
    record_audit(actor_id, "outcome_published", "outcome", outcome.id)
    db.session.commit()
    return outcome


def subscribe(email: str, *, survey_id: int | None = None, round_id: int | None = None) -> None:
    """Ask to be emailed when the outcome of a survey or round is published (once per address)."""
    address = clean_text(email, single_line=True).lower()
    if "@" not in address or len(address) > 254:
        raise OutcomeError("Enter an email address in the correct format, like name@example.com")
    if (survey_id is None) == (round_id is None):
        raise OutcomeError("Choose what to hear about")
    if survey_id is not None and db.session.get(Survey, survey_id) is None:
        raise LookupError(survey_id)
    if round_id is not None and db.session.get(PrioritisationRound, round_id) is None:
        raise LookupError(round_id)
    query = select(OutcomeSubscription.id).where(OutcomeSubscription.email == address)
    query = query.where(
        OutcomeSubscription.survey_id == survey_id if survey_id else OutcomeSubscription.round_id == round_id
    )
    if db.session.scalar(query) is not None:
        return
    db.session.add(OutcomeSubscription(email=address, survey_id=survey_id, round_id=round_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # asked twice at once: once is enough


def text_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Plain text as blocks for display: ("list", items) for lines starting "- ", ("paragraph", [text]) otherwise."""
    blocks: list[tuple[str, list[str]]] = []
    for chunk in clean_text(text).split("\n\n"):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        items = [line[2:].strip() for line in lines if line.startswith("- ")]
        prose = [line for line in lines if not line.startswith("- ")]
        if prose:
            blocks.append(("paragraph", [" ".join(prose)]))
        if items:
            blocks.append(("list", items))
    return blocks
