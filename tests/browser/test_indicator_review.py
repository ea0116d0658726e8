"""A new indicator in real Chromium: draft, preview with its charts, review, publish; axe finds nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portal.indicators import file_import
from portal.indicators.file_import import import_file
from portal.indicators.reference_data import seed_comparator_groups, seed_reference_areas
from portal.models import Role
from tests.browser.test_indicators import wait_for_charts
from tests.conftest import TEST_PASSWORD

FINGERTIPS = Path(__file__).resolve().parents[2] / "data" / "fingertips"
CHD = FINGERTIPS / "fingertips_ui_compare_areas_chd_admissions_90988.csv"


def _sign_in(page: Any, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def test_draft_preview_review_and_publish_pass_axe(
    app: Any, db: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch, page: Any,
    assert_accessible: Callable[[Any], None],
) -> None:  # fmt: skip
    seed_reference_areas()
    seed_comparator_groups()
    real = file_import.indicator_metadata
    monkeypatch.setattr(file_import, "indicator_metadata", lambda: real().query("indicator_id != '90988'"))
    assert import_file(CHD).ok  # the portal does not know 90988: a draft
    analyst = make_user(Role.ANALYST)
    _sign_in(page, analyst.email)

    page.goto("/indicators/90988")
    page.get_by_role("heading", name="Draft: preview").wait_for()
    assert wait_for_charts(page) >= 1
    assert_accessible(page)

    page.get_by_role("link", name="Review and publish this indicator").click()
    page.get_by_role("heading", name="Review Hospital admissions due to coronary heart disease").wait_for()
    assert_accessible(page)
    page.get_by_label("Publisher").fill("")
    page.get_by_role("button", name="Publish").click()
    page.locator(".govuk-error-summary").get_by_text("Enter the publisher").wait_for()
    assert_accessible(page)

    page.get_by_label("Publisher").fill("Office for Health Improvement and Disparities")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/indicators/90988")
    page.get_by_text("is published").wait_for()
    assert page.get_by_role("heading", name="Draft: preview").count() == 0
    assert_accessible(page)
