"""Which navigation item is marked as the current page, in the staff side navigation and the header."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal.chapters import services
from portal.extensions import db
from portal.models import Chapter, Organisation, Proposal, ProposalStatus, Recommendation, Role, User
from portal.navigation import MAIN_NAV, STAFF_NAV, visible_items
from tests.helpers import ClientRequest

CHAPTERS_MANAGE = "/chapters/manage"
OVERDUE = "/chapters/overdue"


@pytest.fixture
def draft_chapter(make_user: Callable[..., User]) -> tuple[Chapter, Recommendation]:
    """A draft chapter with one recommendation, started from a prioritised topic."""
    proposal = Proposal(
        reference="JSNA-2026-0001", title="Food insecurity", need="A need", status=ProposalStatus.PRIORITISED.value
    )
    db.session.add(proposal)
    db.session.commit()
    chapter = services.create_chapter(proposal.id, "", None)
    icb = Organisation(name="Black Country ICB", sector="commissioner", verified=True)
    db.session.add(icb)
    db.session.commit()
    recommendation = services.add_recommendation(
        chapter.id, services.RecommendationInput("Do the thing.", "high", organisation_ids=[icb.id]), None
    )
    return chapter, recommendation


def current_staff_links(page: BeautifulSoup) -> list[str]:
    """The hrefs of the staff side navigation's links marked as the current page."""
    nav = page.select_one("nav.portal-side-nav")
    assert nav is not None, "the page has no staff side navigation"
    return [link["href"] for link in nav.select('a[aria-current="page"]')]


def test_staff_chapters_is_current_on_every_chapter_writing_page(
    login_as: Callable[..., User],
    client_request: ClientRequest,
    draft_chapter: tuple[Chapter, Recommendation],
) -> None:
    chapter, recommendation = draft_chapter
    login_as(Role.ANALYST)
    for url in [
        CHAPTERS_MANAGE,
        f"{CHAPTERS_MANAGE}/new",
        f"{CHAPTERS_MANAGE}/{chapter.id}",
        f"{CHAPTERS_MANAGE}/{chapter.id}/details",
        f"{CHAPTERS_MANAGE}/{chapter.id}/sections/summary",
        f"{CHAPTERS_MANAGE}/{chapter.id}/recommendations/new",
        f"{CHAPTERS_MANAGE}/{chapter.id}/recommendations/{recommendation.id}",
        f"{CHAPTERS_MANAGE}/{chapter.id}/history",
    ]:
        assert current_staff_links(client_request.get(url)) == [CHAPTERS_MANAGE], url


def test_overdue_responses_is_current_only_on_its_own_page(
    login_as: Callable[..., User], client_request: ClientRequest
) -> None:
    login_as(Role.ANALYST)
    assert current_staff_links(client_request.get(OVERDUE)) == [OVERDUE]


@pytest.mark.parametrize(
    ("path", "staff_current"),
    [
        ("/staff/", "Staff dashboard"),
        ("/staff/moderation/JSNA-2026-0001", "Moderation queue"),
        ("/indicators/imports/3", "Import indicator data"),
        ("/prioritisation/rounds/4/score", "Prioritisation rounds"),
        ("/prioritisation/criteria/2/edit", "Criteria"),
        ("/surveys/manage/5/invitations", "Surveys"),
        ("/evidence/manage/new", "Evidence briefings"),
        ("/evidence/manage/7", "Evidence briefings"),
        ("/chapters/manage/3/recommendations/new", "Chapters"),
        ("/chapters/overdue", "Overdue responses"),
        ("/admin/users/9", "Users"),
    ],
)
def test_exactly_one_staff_item_is_current_on_pages_below_it(
    app: Flask, make_user: Callable[..., User], path: str, staff_current: str
) -> None:
    user = make_user(Role.ADMIN)
    with app.test_request_context(path):
        staff = [item["text"] for item in visible_items(STAFF_NAV, user) if item["active"]]
    assert staff == [staff_current]


@pytest.mark.parametrize(
    ("path", "header_current"),
    [
        ("/chapters", "Chapters"),
        ("/chapters/food-insecurity", "Chapters"),
        ("/chapters/my-recommendations", "My recommendations"),
        (f"{CHAPTERS_MANAGE}/1", "Chapters"),
    ],
)
def test_chapter_pages_mark_the_expected_header_and_staff_items(
    app: Flask, make_user: Callable[..., User], path: str, header_current: str
) -> None:
    user = make_user(Role.ANALYST, Role.COMMISSIONER)
    with app.test_request_context(path):
        header = [item["text"] for item in visible_items(MAIN_NAV, user) if item["active"]]
        staff = [item["text"] for item in visible_items(STAFF_NAV, user) if item["active"]]
    assert header == [header_current]
    assert staff == (["Chapters"] if path.startswith(CHAPTERS_MANAGE) else [])
