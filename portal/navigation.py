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
    # Other endpoints' prefixes under which this item is shown as the current section.
    section: str = ""
    exclude: frozenset[str] = field(default_factory=frozenset)


MAIN_NAV: list[NavItem] = [
    NavItem("Overview", "indicators.overview", section="indicators."),
    NavItem("Topics", "proposals.index", section="proposals."),
    NavItem("Surveys", "surveys.index", section="surveys."),
    NavItem("Evidence", "evidence.index", section="evidence."),
    NavItem("Chapters", "chapters.index", section="chapters.", exclude=frozenset({"chapters.my_recommendations"})),
    NavItem("My recommendations", "chapters.my_recommendations", frozenset({Role.COMMISSIONER})),
]

_STAFF = frozenset({Role.STEERING, Role.ANALYST, Role.ADMIN})
_ANALYST = frozenset({Role.ANALYST, Role.ADMIN})

STAFF_NAV: list[NavItem] = [
    NavItem("Staff dashboard", "staff.dashboard", _STAFF),
    NavItem("Import indicator data", "indicators.upload", _ANALYST, section="indicators.upload"),
    NavItem("Moderation queue", "proposals.moderation", _ANALYST, section="proposals.moderation"),
    NavItem("Prioritisation rounds", "prioritisation.rounds", _STAFF, section="prioritisation."),
    NavItem("Criteria", "prioritisation.criteria", _ANALYST, section="prioritisation.criteria"),
    NavItem("Surveys", "surveys.manage", _ANALYST, section="surveys.manage"),
    NavItem("Stakeholder organisations", "surveys.organisations", _ANALYST, section="surveys.organisations"),
    NavItem("Evidence briefings", "evidence.manage", _ANALYST, section="evidence.manage"),
    NavItem("Chapters", "chapters.manage", _ANALYST, section="chapters.manage"),
    NavItem("Overdue responses", "chapters.overdue", _ANALYST, section="chapters.overdue"),
    NavItem("Users", "admin.users", frozenset({Role.ADMIN}), section="admin."),
]


def visible_items(items: list[NavItem], user: object) -> list[dict[str, object]]:
    """The items this user may see, as dicts with href and whether each is the current page."""
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
    return shown
