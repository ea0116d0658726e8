"""The small-area fixtures, shared with the segment page tests."""

from tests.small_areas.conftest import home_data, loaded, segmented  # noqa: F401
