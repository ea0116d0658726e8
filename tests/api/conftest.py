"""The API is tested on the same real key dataset as the indicator pages."""

from tests.indicators.conftest import seeded_indicators  # noqa: F401 - re-exported as a fixture here
