"""Site-wide search: grouped results across indicators, topics, briefings, chapters and recommendations; only what
the public may see; the same page without JavaScript.

The suite runs on SQLite by default, which exercises the fallback matcher; with PORTAL_TEST_DB=postgres the same
tests exercise PostgreSQL full text."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Indicator
from portal.search import matching
from tests.helpers import ClientRequest
from tests.search.conftest import Corpus, result_titles


def test_smoking_finds_the_indicators_briefings_and_topics_about_it(
    client_request: ClientRequest, corpus: Corpus
) -> None:
    page = client_request.get("/search?q=smoking")
    assert result_titles(page, "indicators") == [
        "Smoking prevalence in adults (18+): current smokers (APS)",
        "Smoking status at time of delivery",
        "Lung cancer registrations",  # "tobacco smoke" in its definition: found, ranked after name matches
    ]
    assert sorted(result_titles(page, "briefings")) == [
        "Stop smoking support in pregnancy",
        "Tobacco control: what works",
    ]
    assert result_titles(page, "topics") == ["Smoking in the most deprived neighbourhoods"]
    assert result_titles(page, "chapters") == ["Tobacco and health"]
    assert result_titles(page, "recommendations") == ["Expand stop smoking services in Bilston"]
    assert page.select_one("#search-status").get_text(strip=True) == "8 results for ‘smoking’"

    text = page.get_text(" ", strip=True)
    for hidden in ("Smoking near the bus station", "Smoking cessation draft", "Smoking draft chapter", "Suicide rate"):
        assert hidden not in text, f"{hidden} must not be found"


def test_each_result_links_to_its_page(client_request: ClientRequest, corpus: Corpus) -> None:
    page = client_request.get("/search?q=smoking")
    links = {a.get_text(" ", strip=True): a["href"] for a in page.select("section h3 a")}
    chapter = corpus.chapters["published"]
    assert links["Smoking status at time of delivery"] == "/indicators/93085"
    assert links["Smoking in the most deprived neighbourhoods"] == f"/topics/{corpus.topics['smoking'].reference}"
    assert links["Stop smoking support in pregnancy"] == f"/evidence/{corpus.briefings['pregnancy'].slug}"
    assert links["Tobacco and health"] == f"/chapters/{chapter.slug}"
    recommendation = chapter.recommendations[0]
    assert links["Expand stop smoking services in Bilston"] == (
        f"/chapters/{chapter.slug}/recommendations#recommendation-{recommendation.id}"
    )
    for href in links.values():
        if not href.startswith("/indicators/"):  # indicator pages need the key dataset's values, not stored here
            client_request.get(href.split("#")[0])


@pytest.mark.parametrize("query", ["smokers", "Smoke", "SMOKING   prevalence"])
def test_other_forms_of_a_word_are_found(client_request: ClientRequest, corpus: Corpus, query: str) -> None:
    page = client_request.get("/search", query_string={"q": query})
    assert "Smoking prevalence in adults (18+): current smokers (APS)" in result_titles(page, "indicators")


def test_every_word_must_match(client_request: ClientRequest, corpus: Corpus) -> None:
    page = client_request.get("/search?q=smoking+delivery")
    assert result_titles(page, "indicators") == ["Smoking status at time of delivery"]
    assert result_titles(page, "topics") == []


def test_groups_show_the_best_few_and_link_to_all_of_one_kind(
    client_request: ClientRequest, corpus: Corpus, app: Flask
) -> None:
    db.session.add_all(
        Indicator(id=f"smoke-{n:02d}", name=f"Smoking indicator {n:02d}", topic="health") for n in range(25)
    )
    db.session.commit()
    page = client_request.get("/search?q=smoking")
    assert len(result_titles(page, "indicators")) == 5
    assert page.find("a", href="#results-indicators").get_text(strip=True) == "Indicators (28)"
    see_all = page.find("a", href="/search?q=smoking&type=indicators")
    assert see_all.get_text(" ", strip=True).startswith("See all 28 indicators")

    first = client_request.get("/search?q=smoking&type=indicators")
    assert len(result_titles(first, "indicators")) == 20
    assert result_titles(first, "topics") == [], "one kind only"
    assert first.select_one("#search-status").get_text(strip=True) == "28 indicators for ‘smoking’"
    assert first.find("a", href="/search?q=smoking&type=indicators&page=2")
    second = client_request.get("/search?q=smoking&type=indicators&page=2")
    assert len(result_titles(second, "indicators")) == 8
    assert not set(result_titles(first, "indicators")) & set(result_titles(second, "indicators"))


def test_nothing_found_says_what_to_try(client_request: ClientRequest, corpus: Corpus) -> None:
    page = client_request.get("/search?q=zebra+crossings")
    assert page.select_one("#search-status").get_text(strip=True) == "0 results for ‘zebra crossings’"
    assert page.find("h2", string="No results")


def test_before_searching_and_with_only_common_words(client_request: ClientRequest, corpus: Corpus) -> None:
    empty = client_request.get("/search")
    assert empty.select_one("#search-status").get_text(strip=True) == ""
    assert empty.find("input", attrs={"name": "q", "type": "search"})
    common = client_request.get("/search?q=the+and+of")
    assert common.select_one("#search-status").get_text(strip=True) == "Enter a word to search for"


@pytest.mark.parametrize("query", ["smoking & | ! ( :*", 'smoking" * "', "smoking\\%_", "smoking\x00", "smoking " * 50])
def test_query_syntax_is_only_punctuation(client_request: ClientRequest, corpus: Corpus, query: str) -> None:
    page = client_request.get("/search", query_string={"q": query})
    assert "Smoking status at time of delivery" in result_titles(page, "indicators")


@pytest.mark.parametrize("query", ["smoking' OR 1=1 --", 'smoking" OR "a', "smoking NEAR/2 delivery", "smok*"])
def test_injected_syntax_is_searched_for_as_words(client_request: ClientRequest, corpus: Corpus, query: str) -> None:
    page = client_request.get("/search", query_string={"q": query})
    assert page.select_one("#search-status").get_text(strip=True).endswith(f"for ‘{query.strip()}’")
    assert "Smoking near the bus station" not in page.get_text()


def test_the_page_works_without_javascript_and_htmx_gets_the_results_with_the_status(
    client_request: ClientRequest, corpus: Corpus
) -> None:
    page = client_request.get("/search?q=smoking")
    form = page.find("form", attrs={"role": "search"})
    assert (form["method"], form["action"]) == ("get", "/search")
    assert form.find("input", attrs={"name": "q"})["value"] == "smoking"
    status = page.select_one("#search-status")
    assert (status["role"], status["aria-live"]) == ("status", "polite")
    assert not page.select_one("#search-results #search-status"), "the live region stays outside what HTMX swaps"

    response = client_request.response("/search?q=smoking", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "Smoking status at time of delivery" in fragment
    assert 'id="search-status"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_the_header_links_to_search(client_request: ClientRequest) -> None:
    page = client_request.get("/topics")
    assert page.select_one(".govuk-service-navigation").find("a", href="/search")


def test_light_stem_reduces_word_forms_to_one_prefix() -> None:
    assert {matching.light_stem(w) for w in ["smoking", "smokers", "smoked", "smoke", "smokes"]} == {"smok"}
    assert matching.light_stem("families") == "famil" and matching.light_stem("services") == "servic"
    assert matching.light_stem("gas") == "gas" and matching.light_stem("obesity") == "obesity"


def test_search_words_drop_syntax_and_common_words() -> None:
    assert matching.search_words("The SMOKING & drinking, of: 'adults'!") == ["smoking", "drinking", "adults"]
    assert matching.search_words("a the of") == []


def test_search_is_rate_limited(client_request: ClientRequest) -> None:
    for _ in range(120):
        client_request.response("/search?q=a")
    assert client_request.response("/search?q=a").status_code == 429
