"""Draft indicators: what an import inferred about an indicator the portal did not know, reviewed by an analyst before
the public sees it. Publishing needs the publisher, source and licence, and a chosen polarity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.audit import record_audit
from portal.extensions import db
from portal.importers.base import POLARITIES, VALUE_TYPES
from portal.indicators.catalogue import DRAFT, PUBLISHED
from portal.indicators.stored_summaries import refresh_summaries
from portal.models import Indicator

# Fields an analyst confirms or corrects before publishing, and those that must not be blank.
REVIEWED_FIELDS = ("value_type", "unit", "polarity", "source", "publisher", "licence")
REQUIRED_TO_PUBLISH = {
    "publisher": "Enter the publisher",
    "source": "Enter the source",
    "licence": "Enter the licence",
    "polarity": "Choose whether a higher or a lower value is better",
    "value_type": "Choose the type of value",
}


class PublishRefused(Exception):
    """The indicator cannot be published yet; ``errors`` maps each field to what is missing."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Review:
    """The metadata an analyst confirms: each field's value."""

    value_type: str
    unit: str
    polarity: str
    source: str
    publisher: str
    licence: str


def draft_indicators(data_import_id: int | None = None) -> list[Indicator]:
    """Draft indicators (optionally only those an import created), by name."""
    query = select(Indicator).where(Indicator.status == DRAFT)
    if data_import_id is not None:
        query = query.where(Indicator.data_import_id == data_import_id)
    return sorted(db.session.scalars(query), key=lambda i: i.name.lower())


def publication_problems(review: Review) -> dict[str, str]:
    """What stops these metadata from being published (empty when nothing does)."""
    problems = {name: message for name, message in REQUIRED_TO_PUBLISH.items() if not getattr(review, name).strip()}
    if review.polarity and review.polarity not in POLARITIES:
        problems["polarity"] = REQUIRED_TO_PUBLISH["polarity"]
    if review.value_type and review.value_type not in VALUE_TYPES:
        problems["value_type"] = REQUIRED_TO_PUBLISH["value_type"]
    return problems


def publish_indicator(indicator_id: str, review: Review, *, actor_id: int | None = None) -> Indicator:
    """Save the reviewed metadata and publish the indicator; raises PublishRefused (nothing saved) when something
    required is missing, LookupError for an unknown indicator. Publishing a published indicator updates its
    metadata."""
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        raise LookupError(indicator_id)
    problems = publication_problems(review)
    if problems:
        raise PublishRefused(problems)
    was = indicator.status
    for name in REVIEWED_FIELDS:
        setattr(indicator, name, getattr(review, name).strip())
    indicator.status = PUBLISHED
    action = "indicator.published" if was != PUBLISHED else "indicator.metadata_updated"
    record_audit(actor_id, action, "indicator", indicator.id, f"{indicator.name}: {review}")
    refresh_summaries([indicator.id])  # polarity, value type and unit change its verdicts and sentence
    db.session.commit()
    return indicator


def review_of(indicator: Indicator) -> Review:
    """The indicator's current metadata as a Review (the form's starting values)."""
    return Review(*(str(getattr(indicator, name) or "") for name in REVIEWED_FIELDS))
