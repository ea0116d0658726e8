"""Who may do what in prioritisation, the rule-breaking exceptions, and the lookups every service starts from.

Services raise these exceptions and never answer HTTP themselves: the routes turn :class:`NotFound` into a 404 and
:class:`PermissionDenied` into a 403.
"""

from __future__ import annotations

from portal.extensions import db
from portal.models import CriteriaSet, PrioritisationRound, Role, RoundProposal, User


class PrioritisationError(Exception):
    """A rule the user broke, with a message to show them."""


class StaleCriteriaError(PrioritisationError):
    """Someone else made a new version of the criteria since this change was started."""


class PermissionDenied(Exception):
    """The user may not do this to this object (the route answers 403)."""


class NotFound(LookupError):
    """No such round, criteria version or topic in the round (the route answers 404)."""


def is_analyst(user: User) -> bool:
    """Analysts and admins manage criteria and rounds and see everything."""
    return user.has_role(Role.ANALYST, Role.ADMIN)


def is_member(round_: PrioritisationRound, user_id: int) -> bool:
    """True when the user scores this round."""
    return any(member.user_id == user_id for member in round_.members)


def is_chair(round_: PrioritisationRound, user_id: int) -> bool:
    """True when the user chairs this round."""
    return round_.chair_id is not None and round_.chair_id == user_id


def can_view_round(round_: PrioritisationRound, user: User) -> bool:
    """Members, the chair, analysts and admins see a round and its results."""
    return is_analyst(user) or is_chair(round_, user.id) or is_member(round_, user.id)


def can_see_individual_scores(round_: PrioritisationRound, user: User) -> bool:
    """While a round is open only the chair and analysts see who scored what; afterwards every member may."""
    if is_analyst(user) or is_chair(round_, user.id):
        return True
    return not round_.is_open and is_member(round_, user.id)


def can_see_results(round_: PrioritisationRound, user: User) -> bool:
    """While a round is open its results are for the chair (and the analysts who run it) only: per-criterion means
    from a few members would let one member work out another's scores. Once it closes, every member sees them."""
    return can_see_individual_scores(round_, user)


def can_close(round_: PrioritisationRound, user: User) -> bool:
    """The chair, analysts and admins close a round."""
    return is_analyst(user) or is_chair(round_, user.id)


def can_publish(round_: PrioritisationRound, user: User) -> bool:
    """The chair, analysts and admins publish a closed round's public summary."""
    return can_close(round_, user)


def can_record_board_decision(round_: PrioritisationRound, user: User) -> bool:
    """The chair, analysts and admins record the health and wellbeing board's decisions, from its minutes."""
    return can_close(round_, user)


def can_decide(round_: PrioritisationRound, user: User) -> bool:
    """Only the chair records decisions."""
    return is_chair(round_, user.id)


def active_user(user_id: int) -> User:
    """The signed-in user, refused when unknown or deactivated."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise PermissionDenied("unknown or inactive user")
    return user


def get_round(round_id: int) -> PrioritisationRound:
    """The round, or :class:`NotFound`."""
    round_ = db.session.get(PrioritisationRound, round_id)
    if round_ is None:
        raise NotFound(f"round {round_id}")
    return round_


def get_criteria_set(criteria_set_id: int) -> CriteriaSet:
    """One version of the criteria, or :class:`NotFound`."""
    criteria_set = db.session.get(CriteriaSet, criteria_set_id)
    if criteria_set is None:
        raise NotFound(f"criteria version {criteria_set_id}")
    return criteria_set


def round_for_viewer(round_id: int, viewer_id: int) -> PrioritisationRound:
    """The round, when this user may see it (:class:`PermissionDenied` otherwise)."""
    round_ = get_round(round_id)
    if not can_view_round(round_, active_user(viewer_id)):
        raise PermissionDenied("not a member of this round")
    return round_


def round_for_results(round_id: int, viewer_id: int) -> PrioritisationRound:
    """The round, when this user may see its results now (:class:`PermissionDenied` otherwise)."""
    round_ = round_for_viewer(round_id, viewer_id)
    if not can_see_results(round_, active_user(viewer_id)):
        raise PermissionDenied("results are for the chair only while the round is open")
    return round_


def round_proposal(round_: PrioritisationRound, proposal_id: int) -> RoundProposal:
    """The round's entry for a proposal; a proposal outside the round is as missing as an unknown id."""
    for entry in round_.proposals:
        if entry.proposal_id == proposal_id:
            return entry
    raise NotFound(f"proposal {proposal_id} in round {round_.id}")
