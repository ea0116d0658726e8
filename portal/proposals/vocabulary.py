"""The words of the proposal lifecycle: statuses and their labels, which changes are allowed, the choices on the
question pages, the errors services raise, and the text cleaning every service applies to what people type."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.models import SECTOR_LABELS, Proposal, ProposalStatus

S = ProposalStatus

STATUS_LABELS: dict[ProposalStatus, str] = {
    S.SUBMITTED: "Waiting for moderation",
    S.PUBLISHED: "Published",
    S.NOT_PUBLISHED: "Not published",
    S.SHORTLISTED: "Shortlisted",
    S.RECOMMENDED: "Recommended by the steering group",
    S.PRIORITISED: "Agreed by the health and wellbeing board",
    S.NOT_PRIORITISED: "Not prioritised",
    S.DEFERRED: "Deferred",
    S.CHAPTER_IN_PROGRESS: "Chapter in progress",
    S.CHAPTER_PUBLISHED: "Chapter published",
    S.WITHDRAWN: "Withdrawn",
    S.MERGED: "Merged",
}

STATUS_COLOURS: dict[ProposalStatus, str] = {
    S.SUBMITTED: "grey",
    S.PUBLISHED: "blue",
    S.NOT_PUBLISHED: "red",
    S.SHORTLISTED: "purple",
    S.RECOMMENDED: "light-blue",
    S.PRIORITISED: "green",
    S.NOT_PRIORITISED: "orange",
    S.DEFERRED: "yellow",
    S.CHAPTER_IN_PROGRESS: "turquoise",
    S.CHAPTER_PUBLISHED: "green",
    S.WITHDRAWN: "grey",
    S.MERGED: "grey",
}

# Shown on /topics and counted by published_proposals_query().
PUBLIC_STATUSES: frozenset[ProposalStatus] = frozenset(
    {
        S.PUBLISHED,
        S.SHORTLISTED,
        S.RECOMMENDED,
        S.PRIORITISED,
        S.NOT_PRIORITISED,
        S.DEFERRED,
        S.CHAPTER_IN_PROGRESS,
        S.CHAPTER_PUBLISHED,
    }
)
SUPPORTABLE_STATUSES: frozenset[ProposalStatus] = PUBLIC_STATUSES - {S.CHAPTER_PUBLISHED}
SHORTLISTABLE_STATUSES: frozenset[ProposalStatus] = frozenset({S.PUBLISHED, S.DEFERRED, S.NOT_PRIORITISED})
WITHDRAWABLE_STATUSES: frozenset[ProposalStatus] = frozenset(
    {S.SUBMITTED, S.PUBLISHED, S.SHORTLISTED, S.RECOMMENDED, S.DEFERRED, S.NOT_PRIORITISED}
)
MERGEABLE_STATUSES: frozenset[ProposalStatus] = frozenset(
    {S.SUBMITTED, S.PUBLISHED, S.NOT_PUBLISHED, S.SHORTLISTED, S.DEFERRED, S.NOT_PRIORITISED}
)
MERGE_TARGET_STATUSES: frozenset[ProposalStatus] = PUBLIC_STATUSES | {S.SUBMITTED}

# The lifecycle. MERGED is reached only through merge_proposals(), which needs a target.
TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    S.SUBMITTED: frozenset({S.PUBLISHED, S.NOT_PUBLISHED, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.SHORTLISTED, S.NOT_PUBLISHED, S.WITHDRAWN}),
    S.NOT_PUBLISHED: frozenset({S.PUBLISHED}),
    S.SHORTLISTED: frozenset({S.RECOMMENDED, S.PRIORITISED, S.NOT_PRIORITISED, S.DEFERRED, S.PUBLISHED, S.WITHDRAWN}),
    S.RECOMMENDED: frozenset({S.PRIORITISED, S.NOT_PRIORITISED, S.DEFERRED, S.WITHDRAWN}),
    S.PRIORITISED: frozenset({S.CHAPTER_IN_PROGRESS, S.DEFERRED}),
    S.NOT_PRIORITISED: frozenset({S.SHORTLISTED, S.WITHDRAWN}),
    S.DEFERRED: frozenset({S.SHORTLISTED, S.WITHDRAWN}),
    S.CHAPTER_IN_PROGRESS: frozenset({S.CHAPTER_PUBLISHED}),
    S.CHAPTER_PUBLISHED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.MERGED: frozenset(),
}

# The official answer used when a caller gives none.
DEFAULT_ANSWERS: dict[ProposalStatus, str] = {
    S.SUBMITTED: "We have received this proposal. The JSNA team will check it before publishing it.",
    S.PUBLISHED: "Thank you for this proposal. We have published it so that others can see and support it.",
    S.NOT_PUBLISHED: "We have not published this proposal.",
    S.SHORTLISTED: "The JSNA steering group will score this topic in its next prioritisation round.",
    S.RECOMMENDED: "The steering group has recommended this topic for a JSNA chapter. The health and wellbeing board "
    "will decide whether to agree the recommendation.",
    S.PRIORITISED: "The health and wellbeing board has agreed that this topic should have a JSNA chapter.",
    S.NOT_PRIORITISED: "The steering group did not prioritise this topic in this round.",
    S.DEFERRED: "The steering group has deferred this topic to a later round.",
    S.CHAPTER_IN_PROGRESS: "Work has started on a JSNA chapter on this topic.",
    S.CHAPTER_PUBLISHED: "The JSNA chapter on this topic has been published.",
    S.WITHDRAWN: "The person who proposed this topic has withdrawn it.",
    S.MERGED: "This proposal has been merged with another proposal on the same topic.",
}

NOT_PUBLISHED_REASONS: dict[str, str] = {
    "out_of_scope": "Out of scope for the JSNA",
    "duplicate": "A duplicate of another proposal",
    "personal_data": "Contains personal data",
}

POPULATION_GROUPS: dict[str, str] = {
    "everyone": "Everyone",
    "carers": "Carers",
    "disabled": "Disabled people",
    "learning_disability": "People with a learning disability or autistic people",
    "mental_health": "People living with mental health problems",
    "long_term_conditions": "People living with long-term health conditions",
    "ethnic_minorities": "People from Black, Asian and other minority ethnic groups",
    "lgbtq": "Lesbian, gay, bisexual, trans and queer (LGBTQ+) people",
    "low_income": "People on low incomes",
    "homeless": "People experiencing homelessness",
    "refugees": "Refugees and people seeking asylum",
    "veterans": "Armed forces veterans",
    "other": "Another group",
}

AGE_GROUPS: dict[str, str] = {
    "0_4": "Babies and young children (0 to 4)",
    "5_15": "Children (5 to 15)",
    "16_24": "Young people (16 to 24)",
    "25_64": "Adults (25 to 64)",
    "65_plus": "Older people (65 and over)",
    "all": "All ages",
}

PROPOSER_TYPES: dict[str, str] = {
    "public": "A member of the public",
    "stakeholder": "For an organisation",
}

WHOLE_CITY = "whole_city"
REFERENCE_PATTERN = re.compile(r"^JSNA-\d{4}-\d{4,}$")
PAGE_SIZE = 20
DRAFT_MAX_AGE = timedelta(days=3)

# Text fields a moderator may edit to take personal data out before publishing.
EDITABLE_FIELDS: dict[str, str] = {
    "title": "Title",
    "need": "The need or problem",
    "population_other": "Other groups affected",
    "evidence_of_need": "Why now",
    "decisions_informed": "Decisions it would inform",
    "proposer_organisation": "Organisation",
}


def status_label(status: str) -> str:
    """The public name of a status."""
    return STATUS_LABELS.get(ProposalStatus(status), status)


def status_colour(status: str) -> str:
    """The GOV.UK tag colour of a status."""
    return STATUS_COLOURS.get(ProposalStatus(status), "grey")


def sector_label(code: str) -> str:
    """The label of a stakeholder sector code (blank for unknown codes)."""
    for sector, label in SECTOR_LABELS.items():
        if str(sector) == code:
            return label
    return ""


def proposed_by(proposal: Proposal) -> str:
    """Who proposed it, as shown publicly (never the person's name)."""
    if proposal.proposer_type == "stakeholder":
        label = sector_label(proposal.proposer_sector)
        return f"A stakeholder organisation ({label})" if label else "A stakeholder organisation"
    return "A member of the public"


def clean_text(value: str | None, *, single_line: bool = False) -> str:
    """Strip control characters (PostgreSQL refuses NUL), normalise newlines, trim; single lines lose newlines."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32)
    if single_line:
        text = " ".join(text.split())
    return text.strip()


# ---------------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------------


class ProposalError(Exception):
    """A change that cannot be made; the message is shown to the user."""


class InvalidTransition(ProposalError):
    """The lifecycle does not allow this status change."""


class NotAllowed(ProposalError):
    """The user may not do this to this proposal (routes answer 404 so nothing is revealed)."""
