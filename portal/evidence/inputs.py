"""What an analyst writes for a briefing, as plain values, and the parsers the form and the seed share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from portal import text as text_helpers
from portal.models import EvidenceBriefing

MAX_SLUG_LENGTH = 80
MAX_TAGS = 12
MAX_TAG_LENGTH = 40
MAX_SOURCES = 30


class BriefingError(ValueError):
    """Input a briefing cannot be saved with; ``field`` names the form field the message belongs to."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class BriefingInput:
    """Everything an analyst writes for a briefing, as plain values."""

    title: str
    summary: str
    key_findings: str
    body: str
    evidence_type: str
    grade: str
    published_on: date
    review_by: date
    topics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    indicator_ids: list[str] = field(default_factory=list)
    proposal_references: list[str] = field(default_factory=list)


def slugify(title: str) -> str:
    """A readable URL part from a briefing title."""
    return text_helpers.slugify(title, fallback="briefing", max_length=MAX_SLUG_LENGTH)


def split_list(text: str) -> list[str]:
    """Split comma-, semicolon- or newline-separated values, dropping blanks and repeats (order kept)."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]", text or ""):
        value = part.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def parse_tags(text: str) -> list[str]:
    """Tags as typed, lower-cased and de-duplicated; raises BriefingError when there are too many or too long."""
    tags = list(dict.fromkeys(tag.lower() for tag in split_list(text)))
    if len(tags) > MAX_TAGS:
        raise BriefingError("tags", f"Enter {MAX_TAGS} tags or fewer")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise BriefingError("tags", f"Each tag must be {MAX_TAG_LENGTH} characters or fewer")
    return tags


def source_url_problem(url: str) -> str | None:
    """Why a source's web address is refused (only complete http and https addresses are accepted), or None."""
    if not url:
        return "enter a web address"
    if len(url) > 2000:
        return "the web address must be 2,000 characters or fewer"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "the web address must not contain spaces"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "enter a web address starting with http:// or https://, like https://www.nice.org.uk"
    return None


def parse_sources(text: str) -> list[tuple[str, str]]:
    """Read sources written one per line as ``title | web address``; raises BriefingError naming the line."""
    sources: list[tuple[str, str]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if "|" not in line:
            raise BriefingError(
                "sources", f"Source on line {number}: write the title, then a vertical bar (|), then the web address"
            )
        title, url = (part.strip() for part in line.rsplit("|", 1))
        if not title:
            raise BriefingError("sources", f"Source on line {number}: enter a title before the vertical bar")
        if len(title) > 300:
            raise BriefingError("sources", f"Source on line {number}: the title must be 300 characters or fewer")
        problem = source_url_problem(url)
        if problem:
            raise BriefingError("sources", f"Source on line {number}: {problem}")
        sources.append((title, url))
    if len(sources) > MAX_SOURCES:
        raise BriefingError("sources", f"Enter {MAX_SOURCES} sources or fewer")
    return sources


def format_sources(briefing: EvidenceBriefing) -> str:
    """A briefing's sources in the one-per-line form the edit page uses."""
    return "\n".join(f"{source.title} | {source.url}" for source in briefing.sources)
