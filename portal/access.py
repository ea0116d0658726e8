"""Declared access rules for every route, enforced centrally (deny by default).

Each view declares who may reach it with ``@public``, ``@signed_in`` or ``@role_required(...)``.
A ``before_request`` hook reads the declaration; a view without one is refused with 403, and the
access-matrix test fails, so a forgotten decorator can never expose a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from flask import Flask, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.models.users import Role

F = TypeVar("F", bound=Callable[..., object])

RuleKind = Literal["anonymous", "signed_in", "roles"]


@dataclass(frozen=True)
class AccessRule:
    """Who may reach a view: anyone, any signed-in user, or holders of any of the roles."""

    kind: RuleKind
    roles: frozenset[Role] = field(default_factory=frozenset)

    def allows(self, user: object) -> bool:
        """True when ``user`` (a User or Flask-Login's anonymous user) may reach the view."""
        if self.kind == "anonymous":
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if self.kind == "signed_in":
            return True
        return user.has_role(*self.roles)  # type: ignore[attr-defined]


def _declare(view: F, rule: AccessRule) -> F:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Anyone, signed in or not, may use this view."""
    return _declare(view, AccessRule("anonymous"))


def signed_in(view: F) -> F:
    """Any signed-in user may use this view."""
    return _declare(view, AccessRule("signed_in"))


def role_required(*roles: Role) -> Callable[[F], F]:
    """Only users holding at least one of ``roles`` may use this view."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorate(view: F) -> F:
        return _declare(view, AccessRule("roles", frozenset(roles)))

    return decorate


# Flask's own static route cannot carry a decorator; static files are public by nature.
BUILT_IN_PUBLIC_ENDPOINTS = frozenset({"static"})


def access_rule_for(app: Flask, endpoint: str) -> AccessRule | None:
    """Return the declared rule of an endpoint, or None when it has none."""
    if endpoint in BUILT_IN_PUBLIC_ENDPOINTS:
        return AccessRule("anonymous")
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access() -> ResponseReturnValue | None:
    """``before_request`` hook: apply the endpoint's declared rule."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 handlers take over
        return None
    rule = access_rule_for(current_app, endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s has no declared access rule; refusing", endpoint)
        abort(403)
    if rule.allows(current_user):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    abort(403)
    return None
