"""The check every quote passes before an outcome page can be published: no email addresses, phone numbers or
names. It errs on the side of blocking: staff can shorten or reword a quote, never publish one it doubts."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+", re.IGNORECASE)
# A UK number (landline or mobile, with or without +44, spaces, dashes or brackets) or any long run of digits.
PHONE = re.compile(r"(?:\+\s*44|\b0)[\s\-()]*(?:\d[\s\-()]*){9,10}\b|\b(?:\d[\s\-]?){10,}\b")
TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Cllr|Councillor|Nurse|Sister)\.?\s+[A-Z][a-z'\-]+")
SELF_NAMED = re.compile(r"\b(?:my name is|i am called|i'm called|called me|named)\s+[A-Z][a-z'\-]+", re.IGNORECASE)
SOCIAL_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,}")


def quote_problems(quote: str) -> list[str]:
    """What in a quote may identify someone, in words for the error message (empty when it may be published)."""
    problems = []
    if EMAIL.search(quote):
        problems.append("an email address")
    if PHONE.search(quote):
        problems.append("a phone number")
    if TITLED_NAME.search(quote) or SELF_NAMED.search(quote):
        problems.append("a person's name")
    if SOCIAL_HANDLE.search(quote):
        problems.append("a social media name")
    return problems


def quote_error(quote: str) -> str:
    """The error message for a quote that cannot be published, or "" when it can."""
    problems = quote_problems(quote)
    if not problems:
        return ""
    return f"Remove {' and '.join(problems)} from the quote “{quote[:60]}{'…' if len(quote) > 60 else ''}”"
