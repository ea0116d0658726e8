"""The helpers every feature shares: slugs, UK dates and download headers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.clock import london_date
from portal.downloads import attachment_headers
from portal.text import first_free_slug, slugify


def test_slugs_are_ascii_words_joined_by_hyphens() -> None:
    assert slugify("Food insecurity: families") == "food-insecurity-families"
    assert slugify("Café & bar — Wolverhampton") == "cafe-bar-wolverhampton"


def test_a_title_with_no_letters_gets_the_fallback_and_long_titles_are_cut_cleanly() -> None:
    assert slugify("!!!", fallback="chapter") == "chapter"
    assert slugify("a " * 80, max_length=10) == "a-a-a-a-a", "cut on a word boundary, with no trailing hyphen"


def test_a_taken_slug_gets_the_first_free_number() -> None:
    assert first_free_slug("smoking", set()) == "smoking"
    assert first_free_slug("smoking", {"smoking", "smoking-2", "smoking-4"}) == "smoking-3"
    assert first_free_slug("smoking", {"smoking-2"}) == "smoking", "a numbered slug does not take the plain one"


def test_a_late_evening_in_british_summer_time_is_already_the_next_day() -> None:
    assert london_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert london_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)


def test_download_names_that_could_break_the_header_are_made_safe() -> None:
    assert attachment_headers("indicator-41001.csv") == {
        "Content-Disposition": 'attachment; filename="indicator-41001.csv"'
    }
    header = attachment_headers('evil"\r\nSet-Cookie: x.csv')["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and header.count('"') == 2
    assert "filename*=UTF-8''evil%22%0D%0ASet-Cookie%3A%20x.csv" in header
