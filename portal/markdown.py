"""Markdown written by staff, rendered to HTML that is safe to put in a page.

markdown-it-py turns Markdown (with raw HTML allowed, so analysts can paste simple markup) into HTML; nh3 then
keeps only a small set of tags and attributes. Everything else — ``<script>`` and ``<style>`` with their content,
``on*`` event handlers, ``style``, ``hx-*`` and ``id`` attributes, ``javascript:`` and other non-web URLs — is
removed, and GOV.UK classes are set on what remains. Headings move down one level, because the page owns the
only ``<h1>``.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "abbr", "sub", "sup", "table", "thead", "tbody", "tr", "th", "td", "caption",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Removed together with everything inside them, not just unwrapped.
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math", "textarea", "select"}
)
# Set on every such tag after cleaning, so a user-supplied class can never survive.
GOVUK_CLASSES: dict[str, dict[str, str]] = {
    "p": {"class": "govuk-body"},
    "h2": {"class": "govuk-heading-m"},
    "h3": {"class": "govuk-heading-s"},
    "h4": {"class": "govuk-heading-s"},
    "h5": {"class": "govuk-heading-s"},
    "h6": {"class": "govuk-heading-s"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "a": {"class": "govuk-link"},
    "blockquote": {"class": "govuk-inset-text"},
    "hr": {"class": "govuk-section-break govuk-section-break--m govuk-section-break--visible"},
    "table": {"class": "govuk-table"},
    "caption": {"class": "govuk-table__caption govuk-table__caption--s"},
    "thead": {"class": "govuk-table__head"},
    "tbody": {"class": "govuk-table__body"},
    "tr": {"class": "govuk-table__row"},
    "th": {"class": "govuk-table__header"},
    "td": {"class": "govuk-table__cell"},
}
LINK_REL = "noopener noreferrer"


def _demote_headings(state: StateCore) -> None:
    """Markdown ``#`` becomes ``<h2>`` and so on (``######`` stays ``<h6>``)."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(level + 1, 6)}"


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
    parser.core.ruler.push("demote_headings", _demote_headings)
    return parser


_PARSER = _build_parser()


def sanitise_html(html: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes, and set GOV.UK classes and rel on links."""
    import nh3  # imported here so a missing wheel fails loudly at first use, not at app start

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        set_tag_attribute_values={tag: dict(values) for tag, values in GOVUK_CLASSES.items()},
    )


def render_markdown(text: str) -> Markup:
    """Render staff-written Markdown to sanitised HTML, marked safe for Jinja."""
    if not text or not text.strip():
        return Markup("")
    return Markup(sanitise_html(_PARSER.render(text)))  # noqa: S704 - nh3 has just sanitised it
