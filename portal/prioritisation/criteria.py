"""Prioritisation criteria: every change makes a new version, so a round keeps the set it was opened with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_audit
from portal.extensions import db
from portal.models import SCORE_LEVELS, CriteriaSet, Criterion, PrioritisationRound
from portal.prioritisation.defaults import DEFAULT_CRITERIA
from portal.prioritisation.permissions import PrioritisationError, StaleCriteriaError

WEIGHT_MAX = 100.0


@dataclass(frozen=True)
class CriterionInput:
    """A criterion as the analyst typed it."""

    name: str
    question: str
    descriptors: tuple[str, ...]
    weight: float

    @classmethod
    def from_criterion(cls, criterion: Criterion) -> CriterionInput:
        """The values of an existing criterion."""
        return cls(criterion.name, criterion.question, tuple(criterion.descriptors), criterion.weight)


def current_criteria_set() -> CriteriaSet | None:
    """The newest version of the criteria, if any exists."""
    return db.session.scalar(select(CriteriaSet).order_by(CriteriaSet.version.desc()).limit(1))


def criteria_versions() -> list[CriteriaSet]:
    """Every version of the criteria, newest first."""
    return list(db.session.scalars(select(CriteriaSet).order_by(CriteriaSet.version.desc())))


def rounds_using(criteria_set_id: int) -> list[PrioritisationRound]:
    """Rounds scored against this version."""
    return list(
        db.session.scalars(
            select(PrioritisationRound)
            .where(PrioritisationRound.criteria_set_id == criteria_set_id)
            .order_by(PrioritisationRound.created_at.desc())
        )
    )


def _check_criteria(criteria: list[CriterionInput]) -> None:
    if not criteria:
        raise PrioritisationError("There must be at least one criterion")
    names = [c.name.strip().lower() for c in criteria]
    if len(set(names)) != len(names):
        raise PrioritisationError("Each criterion must have a different name")
    for criterion in criteria:
        if not criterion.name.strip() or not criterion.question.strip():
            raise PrioritisationError("Each criterion needs a name and a question")
        if len(criterion.descriptors) != len(SCORE_LEVELS) or not all(d.strip() for d in criterion.descriptors):
            raise PrioritisationError(f"Each criterion needs a descriptor for every score from 1 to {SCORE_LEVELS[-1]}")
        if not (0 <= criterion.weight <= WEIGHT_MAX) or criterion.weight != criterion.weight:
            raise PrioritisationError(f"Weights must be between 0 and {WEIGHT_MAX:g}")
    if not any(c.weight > 0 for c in criteria):
        raise PrioritisationError("At least one criterion must have a weight greater than 0")


def _new_version(criteria: list[CriterionInput], note: str, actor_id: int | None, based_on: int | None) -> CriteriaSet:
    """Write the next version. ``based_on`` is the version the change started from (None for the first)."""
    _check_criteria(criteria)
    current = current_criteria_set()
    current_version = current.version if current else None
    if current_version != based_on:
        raise StaleCriteriaError(
            "Someone else changed the criteria while you were editing. Check the current criteria and make your "
            "change again."
        )
    criteria_set = CriteriaSet(
        version=(current_version or 0) + 1, change_note=note.strip()[:300], created_by_id=actor_id
    )
    for position, item in enumerate(criteria, start=1):
        criterion = Criterion(
            position=position, name=item.name.strip(), question=item.question.strip(), weight=float(item.weight)
        )
        for level, text in zip(SCORE_LEVELS, item.descriptors, strict=True):
            setattr(criterion, f"descriptor_{level}", text.strip())
        criteria_set.criteria.append(criterion)
    db.session.add(criteria_set)
    try:
        db.session.flush()
    except IntegrityError as exc:  # two analysts saving at the same moment: the version number is unique
        db.session.rollback()
        raise StaleCriteriaError(
            "Someone else changed the criteria at the same moment. Check the current criteria and make your change "
            "again."
        ) from exc
    record_audit(
        actor_id, "criteria_version_created", "criteria_set", criteria_set.id, f"version {criteria_set.version}"
    )
    db.session.commit()
    return criteria_set


def create_default_criteria(actor_id: int | None) -> CriteriaSet:
    """Create version 1 from the default JSNA criteria (only when no criteria exist yet)."""
    existing = current_criteria_set()
    if existing is not None:
        return existing
    defaults = [CriterionInput(c["name"], c["question"], c["descriptors"], c["weight"]) for c in DEFAULT_CRITERIA]
    return _new_version(defaults, "Default JSNA criteria", actor_id, None)


def _current_inputs(based_on_version: int) -> tuple[CriteriaSet, list[CriterionInput]]:
    current = current_criteria_set()
    if current is None or current.version != based_on_version:
        raise StaleCriteriaError(
            "Someone else changed the criteria while you were editing. Check the current criteria and make your "
            "change again."
        )
    return current, [CriterionInput.from_criterion(c) for c in current.criteria]


def _position_in(criteria_set: CriteriaSet, criterion_id: int) -> int:
    for index, criterion in enumerate(criteria_set.criteria):
        if criterion.id == criterion_id:
            return index
    raise StaleCriteriaError("That criterion is not in the current version. Check the current criteria.")


def add_criterion(item: CriterionInput, actor_id: int, *, based_on_version: int | None, note: str = "") -> CriteriaSet:
    """Add a criterion, making a new version."""
    if based_on_version is None:
        if current_criteria_set() is not None:
            raise StaleCriteriaError("Someone else created the criteria while you were editing. Check them first.")
        return _new_version([item], note or f"Added ‘{item.name.strip()}’", actor_id, None)
    _, inputs = _current_inputs(based_on_version)
    return _new_version([*inputs, item], note or f"Added ‘{item.name.strip()}’", actor_id, based_on_version)


def change_criterion(
    criterion_id: int, item: CriterionInput, actor_id: int, *, based_on_version: int, note: str = ""
) -> CriteriaSet:
    """Change a criterion of the current version, making a new version."""
    current, inputs = _current_inputs(based_on_version)
    index = _position_in(current, criterion_id)
    old = inputs[index]
    if old == item:
        raise PrioritisationError("You have not changed anything")
    inputs[index] = item
    return _new_version(inputs, note or f"Changed ‘{old.name}’", actor_id, based_on_version)


def remove_criterion(criterion_id: int, actor_id: int, *, based_on_version: int) -> CriteriaSet:
    """Remove a criterion from the current version, making a new version."""
    current, inputs = _current_inputs(based_on_version)
    index = _position_in(current, criterion_id)
    removed = inputs.pop(index)
    return _new_version(inputs, f"Removed ‘{removed.name}’", actor_id, based_on_version)


def move_criterion(criterion_id: int, offset: int, actor_id: int, *, based_on_version: int) -> CriteriaSet:
    """Move a criterion up (-1) or down (+1) in the order members see, making a new version."""
    current, inputs = _current_inputs(based_on_version)
    index = _position_in(current, criterion_id)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(inputs):
        raise PrioritisationError("That criterion cannot move further")
    inputs[index], inputs[target] = inputs[target], inputs[index]
    return _new_version(inputs, f"Moved ‘{inputs[target].name}’", actor_id, based_on_version)
