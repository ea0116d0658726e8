"""Header and staff-area navigation. Items whose endpoint is not registered are left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request, url_for

from portal.models.users import Role


@dataclass(frozen=True)
class NavItem:
    """A link in a navigation menu, shown to holders of any of ``roles`` (everyone when empty)."""

    label: str
    endpoint: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    # Other endpoints' prefixes under which this item is shown as the current section (for pages whose URLs are not
    # under the item's own URL). Pages under the item's URL are found by path: see visible_items.
    section: str = ""
    exclude: frozenset[str] = field(default_factory=frozenset)


MAIN_NAV: list[NavItem] = [
    NavItem("Overview", "indicators.overview", section="indicators."),
    NavItem("Topics", "proposals.index", section="proposals."),
    NavItem("Surveys", "surveys.index", section="surveys."),
    NavItem("Evidence", "evidence.index", section="evidence."),
    NavItem("Chapters", "chapters.index", section="chapters.", exclude=frozenset({"chapters.my_recommendations"})),
    NavItem("Outcomes", "outcomes.index"),
    NavItem("My recommendations", "chapters.my_recommendations", frozenset({Role.COMMISSIONER})),
]

_STAFF = frozenset({Role.STEERING, Role.ANALYST, Role.ADMIN})
_ANALYST = frozenset({Role.ANALYST, Role.ADMIN})

STAFF_NAV: list[NavItem] = [
    NavItem("Staff dashboard", "staff.dashboard", _STAFF),
    NavItem("Import indicator data", "indicators.upload", _ANALYST, section="indicators.upload"),
    NavItem("Moderation queue", "proposals.moderation", _ANALYST, section="proposals.moderation"),
    NavItem("Prioritisation rounds", "prioritisation.rounds", _STAFF),
    NavItem("Criteria", "prioritisation.criteria", _ANALYST),
    NavItem("Surveys", "surveys.manage", _ANALYST),
    NavItem("Stakeholder organisations", "surveys.organisations", _ANALYST),
    NavItem("Evidence briefings", "evidence.manage", _ANALYST),
    NavItem("Chapters", "chapters.manage", _ANALYST),
    NavItem("Overdue responses", "chapters.overdue", _ANALYST),
    NavItem("Outcome pages", "outcomes.manage", _ANALYST),
    NavItem("Users", "admin.users", frozenset({Role.ADMIN})),
]


def visible_items(items: list[NavItem], user: object) -> list[dict[str, object]]:
    """The items this user may see, as dicts with href and whether each is the current page.

    An item is current on its own page, on pages under its URL (/chapters/manage/3/details is under "Chapters" at
    /chapters/manage) and on pages its ``section`` names. Where several items' URLs hold the page, only the longest
    counts, so /staff/moderation/X marks "Moderation queue", not also "Staff dashboard" at /staff/.
    """
    endpoint = request.endpoint or ""
    shown: list[dict[str, object]] = []
    for item in items:
        if item.endpoint not in current_app.view_functions:
            continue
        if item.roles and not (getattr(user, "is_authenticated", False) and user.has_role(*item.roles)):  # type: ignore[attr-defined]
            continue
        in_section = bool(item.section and endpoint.startswith(item.section) and endpoint not in item.exclude)
        active = endpoint == item.endpoint or in_section
        shown.append({"text": item.label, "href": url_for(item.endpoint), "active": active})
    holding = [entry for entry in shown if _path_is_under(request.path, str(entry["href"]))]
    if holding and not any(entry["active"] for entry in shown):
        max(holding, key=lambda entry: len(str(entry["href"])))["active"] = True
    return shown


def _path_is_under(path: str, href: str) -> bool:
    """Whether a request path is the link's page or a page below it."""
    base = href.rstrip("/")
    return path == href or path.startswith(base + "/")
