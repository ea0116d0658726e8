"""Lighthouse basics (issue 17): a meta description on every page, BokehJS only where charts are."""

from __future__ import annotations

import contextvars

from bs4 import BeautifulSoup
from flask import Flask, render_template_string
from flask.testing import FlaskClient

PUBLIC_PAGES = ["/", "/indicators", "/topics", "/surveys", "/evidence", "/chapters", "/prioritisation/", "/cookies"]


def _descriptions(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    return [tag.get("content", "") for tag in page.select('head meta[name="description"]')]


def test_every_public_page_has_one_meaningful_meta_description(client: FlaskClient) -> None:
    seen = {}
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        descriptions = _descriptions(response.get_data(as_text=True))
        assert len(descriptions) == 1, url
        description = descriptions[0]
        assert 50 <= len(description) <= 320, (url, description)
        assert "{" not in description and "<" not in description, description
        seen[url] = description
    # Pages describe themselves: no two pages share one description.
    assert len(set(seen.values())) == len(seen), seen


def test_the_default_description_names_the_page(client: FlaskClient) -> None:
    html = client.get("/cookies").get_data(as_text=True)
    assert _descriptions(html)[0].startswith("The cookies")
    title = BeautifulSoup(html, "html.parser").title.get_text()
    # /indicators has no description of its own: the default starts with the page's title.
    page_title = title.split(" – ")[0].strip()
    indicators = client.get("/indicators").get_data(as_text=True)
    indicators_title = BeautifulSoup(indicators, "html.parser").title.get_text().split(" – ")[0].strip()
    assert _descriptions(indicators)[0].startswith(indicators_title)
    assert page_title == "Cookies"


def test_pages_without_charts_do_not_load_bokehjs(client: FlaskClient) -> None:
    for url in PUBLIC_PAGES:
        html = client.get(url).get_data(as_text=True)
        assert "bokeh.min.js" not in html, url


CHART_PAGE = """
{% from "components/charts.html" import chart, chart_table, chart_with_table, chart_scripts %}
{% if with_chart %}{{ chart("c1", "/x.json", "A chart") }}{% endif %}
{{ chart_table("c1", "A chart", ["Year", "Value"], rows, "/x.csv") }}
{{ chart_with_table("c2", None, "One value", "", ["Year", "Value"], [["2024", "1"]], "/y.csv") }}
{{ chart_scripts() }}
"""


def _render(app: Flask, with_chart: bool, path: str = "/") -> BeautifulSoup:
    # A context of its own, as each request has in production (the test holds an app context open).
    def render() -> str:
        with app.app_context(), app.test_request_context(path):
            rows = [[str(year), str(year)] for year in range(1900, 2020)]
            return render_template_string(CHART_PAGE, with_chart=with_chart, rows=rows)

    return BeautifulSoup(contextvars.Context().run(render), "html.parser")


def test_chart_scripts_never_put_bokehjs_in_the_page(app: Flask) -> None:
    for with_chart in (True, False):
        page = _render(app, with_chart=with_chart)
        # Only the small charts.js, deferred; it loads BokehJS itself when a chart nears the screen.
        scripts = page.select("script[src]")
        assert ["/static/js/charts.js" in script["src"] for script in scripts] == [True]
        assert scripts[0].has_attr("defer")
        assert "/bokeh/static/js/bokeh.min.js" in scripts[0]["data-bokeh-src"]


def test_only_the_table_of_a_chart_to_be_drawn_is_folded_from_the_first_paint(app: Flask) -> None:
    def folded(page: BeautifulSoup) -> dict[str, bool]:
        return {d["data-chart-table"]: d.has_attr("data-chart-fold") for d in page.select("details[data-chart-table]")}

    # Every table is open in the HTML (the no-JavaScript fallback); data-chart-fold lets the stylesheet fold it.
    assert all(d.has_attr("open") for d in _render(app, with_chart=True).select("details[data-chart-table]"))
    assert folded(_render(app, with_chart=True)) == {"c1": True, "c2": False}
    # No chart drawn above it: the table stands in for the chart and stays open.
    assert folded(_render(app, with_chart=False)) == {"c1": False, "c2": False}
    # A reader paging through the table keeps it open.
    assert folded(_render(app, with_chart=True, path="/?c1-page=2")) == {"c1": False, "c2": False}
