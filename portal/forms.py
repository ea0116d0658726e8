"""Form helpers shared by every feature: choices, and GOV.UK widgets whose question is never lost."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import DateField, Field, Form
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates it
from wtforms.validators import StopValidation

T = TypeVar("T")


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Build WTForms choices from (value, label) pairs (WTForms 3.3 deprecates tuple choices)."""
    return [SelectChoice(value, label) for value, label in pairs]


def validated(value: T | None) -> T:
    """A required field's data after the form validated: its validator already refused a missing value."""
    if value is None:
        raise ValueError("a required field has no data: validate the form first")
    return value


def add_field_error(field: Field, message: str) -> None:
    """Show ``message`` against ``field`` when a service refuses what the validated form held."""
    field.errors = [*field.errors, message]


class _LegendFromLabel:
    """Make the field's label the fieldset legend unless the template gives its own text.

    govuk-frontend-wtf's grouped widgets drop the legend when a template passes only legend classes, which
    leaves radios and checkboxes without their question (a WCAG failure axe does not catch).
    """

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        if not legend.get("text") and not legend.get("html"):
            legend["text"] = field.label.text
        return params


class GovRadioInput(_LegendFromLabel, gov.GovRadioInput):
    """Radios with the question as the legend."""


class GovCheckboxesInput(_LegendFromLabel, gov.GovCheckboxesInput):
    """Checkboxes with the question as the legend."""


class GovDateInput(_LegendFromLabel, gov.GovDateInput):
    """A date (day, month, year) with the question as the legend."""


class GovDateField(DateField):
    """A day, month and year date with GOV.UK error messages ("Publication date must be a real date")."""

    def __init__(self, label: str, *, name_in_messages: str, **kwargs: Any) -> None:
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.name_in_messages = name_in_messages

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        parts = [value.strip() for value in valuelist] + [""] * (3 - len(valuelist))
        day, month, year = parts[:3]
        self.data = None
        if not (day or month or year):
            return  # the required check says "Enter the …"
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValueError(f"{self.name_in_messages} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValueError(f"{self.name_in_messages} must be a real date")
        if len(year) != 4:
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValueError(f"{self.name_in_messages} must be a real date") from exc


class DateRequired:
    """Stops validation with ``message`` when no part of a GovDateField was given."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Form, field: GovDateField) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)
