"""Chapter sections: Markdown made safe by ``portal.markdown``, then embeddable blocks put in its place.

The block syntax
----------------
A paragraph that holds nothing but one or more block references, each written ``{{kind:reference}}``::

    The rate has risen for five years.

    {{indicator:41001}}

    {{survey:3}}
    {{briefing:suicide-prevention-what-works}}

- ``{{indicator:<id>}}``: the indicator's trend chart for the home area with its data table, CSV and verdict;
- ``{{survey:<id>}}``: a card for a survey whose results are published, linking to its results page;
- ``{{briefing:<slug>}}``: the card of a published evidence briefing.

Why this is safe: blocks are found only AFTER the Markdown has been rendered and sanitised, and only as a whole
``<p class="govuk-body">`` whose text is block references. nh3 has already escaped or removed any markup the author
typed, the reference must match ``[A-Za-z0-9._-]``, and the replacement HTML comes from our own autoescaped
templates. A reference to something that does not exist or is not public (a draft briefing, a survey whose results
are unpublished, an indicator with no data) renders a visible "not available" note for staff and nothing at all for
the public, so drafts of other features never leak through a chapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.routing import BuildError

from portal.extensions import db
from portal.indicators import services as indicators
from portal.markdown import render_markdown
from portal.models import EvidenceBriefing, Survey

BLOCK_KINDS: tuple[str, ...] = ("indicator", "survey", "briefing")
_REFERENCE = r"\{\{\s*([a-z]+)\s*:\s*([A-Za-z0-9._-]{1,120})\s*\}\}"
# A sanitised paragraph whose whole content is block references (one per line, or separated by spaces).
_BLOCK_PARAGRAPH = re.compile(r'<p class="govuk-body">\s*((?:' + _REFERENCE + r"\s*)+)</p>")
_REFERENCE_RE = re.compile(_REFERENCE)


@dataclass(frozen=True)
class BlockRef:
    """One block reference found in a section."""

    kind: str
    ref: str

    @property
    def text(self) -> str:
        return f"{{{{{self.kind}:{self.ref}}}}}"


@dataclass
class BlockContext:
    """What rendering blocks needs to know: whether the viewer is staff, and ids already used on the page."""

    staff: bool
    heading_level: int = 3
    counter: int = 0
    notes: list[str] = field(default_factory=list)

    def next_id(self, kind: str) -> str:
        """A page-unique element id for a block."""
        self.counter += 1
        return f"block-{kind}-{self.counter}"


def find_blocks(text: str) -> list[BlockRef]:
    """Every block reference a section's Markdown would render (for previews and checks before publishing)."""
    html = str(render_markdown(text))
    found: list[BlockRef] = []
    for paragraph in _BLOCK_PARAGRAPH.finditer(html):
        found.extend(BlockRef(kind, ref) for kind, ref in _REFERENCE_RE.findall(paragraph.group(1)))
    return found


def render_section(text: str, context: BlockContext) -> Markup:
    """The section's Markdown as sanitised HTML with each block reference replaced by its block."""
    html = str(render_markdown(text))

    def replace(paragraph: re.Match[str]) -> str:
        refs = [BlockRef(kind, ref) for kind, ref in _REFERENCE_RE.findall(paragraph.group(1))]
        return "".join(str(render_block(ref, context)) for ref in refs)

    return Markup(_BLOCK_PARAGRAPH.sub(replace, html))  # noqa: S704 - sanitised HTML plus our own templates


def render_block(ref: BlockRef, context: BlockContext) -> Markup:
    """One block's HTML, or the staff-only "not available" note, or nothing for the public."""
    renderer = _RENDERERS.get(ref.kind)
    problem = f"“{ref.kind}” is not a kind of block (use indicator, survey or briefing)"
    if renderer is not None:
        try:
            rendered, problem = renderer(ref.ref, context)
        except LookupError:
            rendered, problem = None, "it could not be found"
        if rendered is not None:
            return rendered
    if not context.staff:
        return Markup("")
    context.notes.append(f"{ref.text}: {problem}")
    html = render_template("chapters/blocks/_unavailable.html", ref=ref, problem=problem)
    return Markup(html)  # noqa: S704 - rendered by an autoescaped template


def _url(endpoint: str, **values: Any) -> str | None:
    """A URL when the endpoint is registered (features may be switched off), else None."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _indicator(ref: str, context: BlockContext) -> tuple[Markup | None, str]:
    summary = indicators.headline_summary(ref)
    if summary is None:
        return None, "there is no indicator with this id"
    chart = indicators.indicator_chart(ref, "trend")
    if summary.value is None and chart is None:
        return None, "the indicator has no data for the area"
    html = render_template(
        "chapters/blocks/_indicator.html",
        block_id=context.next_id("indicator"),
        heading_level=context.heading_level,
        summary=summary,
        chart=chart,
        chart_url=_url("indicators.chart_json", indicator_id=ref, chart="trend") if chart and chart.build else None,
        csv_url=_url("indicators.chart_csv", indicator_id=ref, chart="trend") if chart else None,
        detail_url=_url("indicators.detail", indicator_id=ref),
    )
    return Markup(html), ""  # noqa: S704 - rendered by an autoescaped template


def _survey(ref: str, context: BlockContext) -> tuple[Markup | None, str]:
    if not ref.isdigit():
        return None, "survey references are numbers"
    survey = db.session.get(Survey, int(ref))
    if survey is None:
        return None, "there is no survey with this number"
    from portal.surveys.results import results_public

    if not results_public(survey):
        return None, "its results are not published (or the survey is still open)"
    html = render_template(
        "chapters/blocks/_survey.html",
        survey=survey,
        heading_level=context.heading_level,
        results_url=_url("surveys.results", survey_id=survey.id) or _url("surveys.results_page", survey_id=survey.id),
    )
    return Markup(html), ""  # noqa: S704 - rendered by an autoescaped template


def _briefing(ref: str, context: BlockContext) -> tuple[Markup | None, str]:
    briefing = db.session.scalar(select(EvidenceBriefing).where(EvidenceBriefing.slug == ref))
    if briefing is None:
        return None, "there is no briefing with this slug"
    if not briefing.is_published:
        return None, "the briefing is a draft"
    html = render_template(
        "chapters/blocks/_briefing.html", briefing=briefing, card_heading_level=context.heading_level
    )
    return Markup(html), ""  # noqa: S704 - rendered by an autoescaped template


_RENDERERS = {"indicator": _indicator, "survey": _survey, "briefing": _briefing}
