"""The shared form parts in portal/forms.py: the GOV.UK messages every feature's fields rely on."""

from __future__ import annotations

from enum import StrEnum

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from portal.forms import email_validators, labelled_radios, text_area, text_input, title_input


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class ExampleForm(Form):
    title = title_input()
    note = text_area("Note (optional)", optional=True, max_length=10, too_long="Note must be 10 characters or fewer")
    colour = labelled_radios("Colour", {Colour.RED: "Red", Colour.BLUE: "Blue"}, required="Select a colour")


def errors_for(data: dict[str, str]) -> dict[str, list[str]]:
    form = ExampleForm(MultiDict(data))
    form.validate()
    return {name: list(errors) for name, errors in form.errors.items()}


def test_a_complete_answer_has_no_errors() -> None:
    assert errors_for({"title": "Food insecurity", "note": "", "colour": "blue"}) == {}


def test_missing_answers_get_the_required_messages_and_an_empty_optional_field_none() -> None:
    assert errors_for({"title": "", "note": "", "colour": ""}) == {
        "title": ["Enter a title"],
        "colour": ["Select a colour"],
    }


def test_answers_over_the_limit_get_the_too_long_message() -> None:
    errors = errors_for({"title": "x" * 201, "note": "x" * 11, "colour": "red"})
    assert errors == {
        "title": ["Title must be 200 characters or fewer"],
        "note": ["Note must be 10 characters or fewer"],
    }
    assert errors_for({"title": "x" * 200, "note": "x" * 10, "colour": "red"}) == {}


def test_radios_offer_the_labels_under_their_text_values_and_refuse_anything_else() -> None:
    form = ExampleForm()
    assert [(choice.value, choice.label) for choice in form.colour.choices] == [("red", "Red"), ("blue", "Blue")]
    assert errors_for({"title": "T", "colour": "green"})["colour"] == ["Not a valid choice."]


@pytest.mark.parametrize(
    ("required", "value", "expected"),
    [
        (True, "", ["Enter your email address"]),
        (False, "", []),
        (True, "not-an-address", ["Enter an email address in the correct format, like name@example.com"]),
        (False, "someone@example.org", []),
    ],
)
def test_email_addresses_are_checked_in_gov_uk_wording(required: bool, value: str, expected: list[str]) -> None:
    class EmailForm(Form):
        email = text_input("Email address", validators=email_validators(required=required))

    form = EmailForm(MultiDict({"email": value}))
    form.validate()
    assert list(form.email.errors) == expected


def test_an_address_over_254_characters_is_refused_for_its_length_first() -> None:
    class EmailForm(Form):
        email = text_input("Email address", validators=email_validators(required=False))

    form = EmailForm(MultiDict({"email": "a" * 250 + "@example.org"}))
    assert not form.validate()
    assert form.email.errors[0] == "Email address must be 254 characters or fewer"


def test_a_length_limit_needs_its_message() -> None:
    with pytest.raises(ValueError, match="together"):
        text_input("Name", max_length=120)
