"""Demo content for ``flask seed``: one published "We asked, you said, we did" page for the closed example
prioritisation round, so a fresh install shows how the loop closes in public.

The page is drafted by the same functions staff use (from the round's published ranking and decisions) and links to
the round's published summary and, when the chapters seed made it, the example chapter. It is an example because its
round is one (``Outcome.is_example``); it tells nobody, as no one asked to hear about an example.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ActionKind,
    Chapter,
    Outcome,
    OutcomeAction,
    OutcomeKind,
    OutcomeTheme,
    PrioritisationRound,
    RoundStatus,
)
from portal.models.base import utcnow
from portal.outcomes import drafting

EXAMPLE_THEME = "Example theme: link the topic to services people already use"
# Made-up, checked quotes (no names or contact details), shown under the Example tag like every example.
EXAMPLE_QUOTES = [
    "Example quote: most of the families we see are already in touch with a health visitor.",
    "Example quote: the data by ward helped us see where need is highest.",
]


def _closed_example_round() -> PrioritisationRound | None:
    return db.session.scalar(
        select(PrioritisationRound)
        .where(
            PrioritisationRound.is_example.is_(True),
            PrioritisationRound.status == RoundStatus.CLOSED.value,
            PrioritisationRound.summary_published_at.is_not(None),
        )
        .order_by(PrioritisationRound.id)
        .limit(1)
    )


def _actions(round_: PrioritisationRound) -> list[OutcomeAction]:
    actions = [
        OutcomeAction(
            position=0,
            kind=ActionKind.DECISION.value,
            label="How the steering group scored and ranked the topics",
            url=f"/prioritisation/rounds/{round_.id}/summary",
            sentence="The published summary shows each topic's rank, how far the scorers agreed and what was decided.",
        )
    ]
    topic_ids = [entry.proposal_id for entry in round_.proposals]
    chapter = db.session.scalar(
        select(Chapter)
        .where(Chapter.is_example.is_(True), Chapter.proposal_id.in_(topic_ids))
        .order_by(Chapter.id)
        .limit(1)
    )
    if chapter is not None and chapter.is_published:
        actions.append(
            OutcomeAction(
                position=1,
                kind=ActionKind.CHAPTER.value,
                label=f"The JSNA chapter: {chapter.title}",
                url=f"/chapters/{chapter.slug}",
                sentence="The prioritised topic became a chapter, whose recommendations went to commissioners.",
            )
        )
    return actions


def seed() -> str:
    """Publish the example outcome page of the closed example round, unless it exists already."""
    round_ = _closed_example_round()
    if round_ is None:
        return "no example outcome (there is no closed example round with a published summary)"
    if db.session.scalar(select(Outcome.id).where(Outcome.round_id == round_.id)) is not None:
        return "example outcome already present"
    published = (round_.summary_published_at or utcnow()) + timedelta(days=7)
    outcome = Outcome(
        kind=OutcomeKind.ROUND.value,
        round_id=round_.id,
        title=round_.title,
        we_asked=drafting.draft_round_we_asked(round_),
        you_said=drafting.draft_round_you_said(round_),
        published_at=min(published, utcnow()),
        themes=[OutcomeTheme(position=0, title=EXAMPLE_THEME, answer_count=2, quotes=EXAMPLE_QUOTES)],
        actions=_actions(round_),
    )
    db.session.add(outcome)
    db.session.commit()
    return f"published the example outcome page for {round_.title!r}"
