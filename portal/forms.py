"""Form helpers shared by every feature: choices, and GOV.UK widgets whose question is never lost."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Build WTForms choices from (value, label) pairs (WTForms 3.3 deprecates tuple choices)."""
    return [SelectChoice(value, label) for value, label in pairs]


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
