"""Sign in, search users with HTMX, and check every page visited with axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from portal.models import Role, User
from tests.conftest import TEST_PASSWORD


def test_admin_signs_in_and_searches_users_with_htmx(
    page: Any, make_user: Callable[..., User], assert_accessible: Callable[[Any], None]
) -> None:
    admin = make_user(Role.ADMIN, email="chief.admin@example.org")
    make_user(Role.STAKEHOLDER, email="amrit.sandhu@example.org")
    make_user(Role.PUBLIC, email="jo.bloggs@example.org")

    page.goto("/")
    assert_accessible(page)

    page.get_by_role("link", name="Sign in").first.click()
    assert_accessible(page)
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    page.get_by_text("You are signed in").wait_for()
    assert_accessible(page)

    page.goto("/admin/users")
    expect(page.locator("#user-results").get_by_text("3 users")).to_be_visible()
    assert_accessible(page)

    # Typing in the search box swaps in results via HTMX without a full page load.
    page.evaluate("window.__notReloaded = true")
    with page.expect_response(lambda r: "/admin/users?q=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search by email address or name").fill("amrit")
    page.locator("#user-results").get_by_text("1 user matching").wait_for()
    assert page.evaluate("window.__notReloaded") is True, "the search should not reload the page"
    assert page.locator("#user-results a").all_inner_texts() == ["amrit.sandhu@example.org"]
    assert "q=amrit" in page.url  # hx-push-url keeps the search in the address bar
    assert_accessible(page)

    page.locator("#user-results a", has_text="amrit.sandhu@example.org").click()
    page.get_by_role("heading", name="amrit.sandhu@example.org").wait_for()
    assert_accessible(page)
    page.get_by_label("Steering group member").check()
    page.get_by_role("button", name="Save roles").click()
    page.get_by_text("Roles saved for amrit.sandhu@example.org").wait_for()
    expect(page.get_by_label("Steering group member")).to_be_checked()
    assert_accessible(page)


def test_pages_work_without_javascript(browser: Any, live_server: str, make_user: Callable[..., User]) -> None:
    admin = make_user(Role.ADMIN, email="nojs.admin@example.org")
    make_user(Role.PUBLIC, email="findme@example.org")
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/sign-in")
        tab.get_by_label("Email address").fill(admin.email)
        tab.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.goto("/admin/users")
        tab.get_by_label("Search by email address or name").fill("findme")
        tab.get_by_role("button", name="Search").click()
        assert tab.locator("#user-results a").all_inner_texts() == ["findme@example.org"]
    finally:
        context.close()
