"""Form helpers shared by every feature."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Build WTForms choices from (value, label) pairs (WTForms 3.3 deprecates tuple choices)."""
    return [SelectChoice(value, label) for value, label in pairs]
