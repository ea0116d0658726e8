"""Form parts shared by every feature: choices, GOV.UK widgets whose question is never lost, the usual text,
radio and email fields with their GOV.UK messages, and the one-button confirm form."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from flask import Request
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as gov
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property
from wtforms import DateField, Field, Form, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates it
from wtforms.validators import Email, InputRequired, Length, Optional, StopValidation

# Characters nobody types on purpose, removed from every submitted value: NUL and the other C0 controls but tab,
# newline and carriage return (PostgreSQL refuses NUL in text), DEL, and the bidi embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069), which can make a title read differently from what is stored.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# Zero-width characters (space, non-joiner, joiner, word joiner, byte order mark), also removed from titles and
# names, where they make two different-looking entries the same or the same-looking ones different.
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def clean_text(value: str, *, name: bool = False) -> str:
    """``value`` without control characters and bidi overrides; for a title or ``name``, without zero-width ones."""
    value = _CONTROLS.sub("", value)
    return _ZERO_WIDTH.sub("", value) if name else value


def is_name_field(key: str) -> bool:
    """Titles and names: ``title``, ``name`` and fields ending ``_title`` or ``_name``."""
    return key in {"title", "name"} or key.endswith(("_title", "_name"))


def _clean_values(values: MultiDict[str, str]) -> MultiDict[str, str]:
    cleaned = []
    for key, value in values.items(multi=True):
        if "password" in key:
            cleaned.append((key, value))  # passwords are checked exactly as typed
        else:
            cleaned.append((clean_text(key), clean_text(value, name=is_name_field(key))))
    return type(values)(cleaned)


class NormalisedRequest(Request):
    """The request every view sees: query and form values already through ``clean_text``.

    Applied once here rather than field by field, so every form, search box and filter — including the ones that
    read ``request.args`` directly — gets it.
    """

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _clean_values(super().args)

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        self.__dict__["form"] = _clean_values(self.__dict__["form"])


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
    """A day, month and year date with GOV.UK error messages ("Publication date must be a real date").

    Only ASCII digits are read (up to 2 for the day and month, 4 for the year), and years before ``min_year``
    (1900 unless given) are refused, so neither a 20-digit day nor the year 0001 gets through.
    """

    def __init__(self, label: str, *, name_in_messages: str, min_year: int = 1900, **kwargs: Any) -> None:
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.name_in_messages = name_in_messages
        self.min_year = min_year

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            self.raw_data = None  # not sent: the widget shows the field's data (the widget cannot show zero boxes)
            return
        parts = [value.strip() for value in valuelist] + [""] * (3 - len(valuelist))
        day, month, year = parts[:3]
        # The widget re-shows exactly three boxes: a tampered form with one or four values must not crash it.
        self.raw_data = [day, month, year]
        self.data = None
        if not (day or month or year):
            return  # the required check says "Enter the …"
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValueError(f"{self.name_in_messages} must include a {' and a '.join(missing)}")
        if not all(part.isascii() and part.isdigit() for part in (day, month, year)):
            raise ValueError(f"{self.name_in_messages} must be a real date")
        if len(year) != 4:
            raise ValueError("Year must include 4 numbers")
        if len(day) > 2 or len(month) > 2:
            raise ValueError(f"{self.name_in_messages} must be a real date")
        try:
            parsed = date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValueError(f"{self.name_in_messages} must be a real date") from exc
        if parsed.year < self.min_year:
            raise ValueError(f"{self.name_in_messages} must be the same as or after 1 January {self.min_year}")
        self.data = parsed


class DateRequired:
    """Stops validation with ``message`` when no part of a GovDateField was given."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form: Form, field: GovDateField) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


def _text_validators(
    required: str, max_length: int | None, too_long: str, optional: bool, extra: Sequence[Any]
) -> list[Any]:
    if (max_length is None) != (not too_long):
        raise ValueError("give max_length and its too_long message together")
    validators: list[Any] = [Optional()] if optional else []
    if required:
        validators.append(InputRequired(message=required))
    if max_length is not None:
        validators.append(Length(max=max_length, message=too_long))
    return [*validators, *extra]


def text_input(
    label: str,
    *,
    required: str = "",
    max_length: int | None = None,
    too_long: str = "",
    optional: bool = False,
    validators: Sequence[Any] = (),
    **kwargs: Any,
) -> StringField:
    """A one-line GOV.UK text input.

    ``required`` is the error for an empty answer, ``too_long`` the one for more than ``max_length`` characters;
    ``optional`` skips every check on an empty answer. ``validators`` run after those.
    """
    return StringField(
        label,
        widget=gov.GovTextInput(),
        validators=_text_validators(required, max_length, too_long, optional, validators),
        **kwargs,
    )


def text_area(
    label: str,
    *,
    required: str = "",
    max_length: int | None = None,
    too_long: str = "",
    optional: bool = False,
    character_count: bool = False,
    validators: Sequence[Any] = (),
    **kwargs: Any,
) -> TextAreaField:
    """A GOV.UK textarea (with a character count if ``character_count``), checked as ``text_input`` is."""
    return TextAreaField(
        label,
        widget=gov.GovCharacterCount() if character_count else gov.GovTextArea(),
        validators=_text_validators(required, max_length, too_long, optional, validators),
        **kwargs,
    )


def title_input() -> StringField:
    """The required "Title" of a page, chapter, briefing or round: at most 200 characters."""
    return text_input(
        "Title", required="Enter a title", max_length=200, too_long="Title must be 200 characters or fewer"
    )


def labelled_radios(label: str, labels: Mapping[Any, str], *, required: str, **kwargs: Any) -> RadioField:
    """GOV.UK radios, one for each value and label of ``labels``, that must be answered (``required`` if not)."""
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices((str(value), text) for value, text in labels.items()),
        validators=[InputRequired(message=required)],
        **kwargs,
    )


def email_validators(*, required: bool) -> list[Any]:
    """An email address in GOV.UK wording: asked for if ``required``, at most 254 characters, well formed."""
    return [
        InputRequired(message="Enter your email address") if required else Optional(),
        Length(max=254, message="Email address must be 254 characters or fewer"),
        Email(
            message="Enter an email address in the correct format, like name@example.com",
            check_deliverability=False,
        ),
    ]


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField("Confirm", widget=gov.GovSubmitInput())
