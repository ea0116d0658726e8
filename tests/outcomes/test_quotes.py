"""The quote check: nothing that identifies someone is published in an outcome page's quotes."""

from __future__ import annotations

import pytest

from portal.outcomes.quotes import quote_error, quote_problems


@pytest.mark.parametrize(
    ("quote", "problem"),
    [
        ("Email me at jo.bloggs+jsna@example.co.uk if you want to talk", "an email address"),
        ("write to jo dot bloggs (at) example (dot) org", "an email address"),
        ("Ring me on 07700 900123 any time", "a phone number"),
        ("call +44 (0)1902 551155 please", "a phone number"),
        ("my number is 01902-551-155", "a phone number"),
        ("Dr Patel at the surgery was brilliant", "a person's name"),
        ("My name is Sam and I care for my mum", "a person's name"),
        ("find me on twitter @wolvescarer", "a social media name"),
    ],
)
def test_a_quote_with_contact_details_or_a_name_is_refused(quote: str, problem: str) -> None:
    assert problem in quote_problems(quote)
    assert quote_error(quote).startswith("Remove ")


@pytest.mark.parametrize(
    "quote",
    [
        "The bus to the clinic only runs twice a day, so I missed appointments.",
        "Waiting 12 weeks for a first appointment is too long.",
        "We need more support in 2026 for carers aged 65 and over.",
    ],
)
def test_an_ordinary_quote_passes(quote: str) -> None:
    assert quote_problems(quote) == [] and quote_error(quote) == ""
