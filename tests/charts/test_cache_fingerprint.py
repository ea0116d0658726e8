"""Every feature's cached charts are keyed by the code and Bokeh version that drew them, in one place.

After a Bokeh upgrade the new BokehJS may not read JSON the old Bokeh wrote, so no cached chart of any feature may
be served: this upgrades the "Bokeh version" under the running app and checks that every chart is drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import bokeh
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.charts import cache as chart_cache
from portal.deployment import home_area_code
from portal.extensions import db
from portal.models import Area, Chapter, IndicatorValue, PrioritisationRound, Role, Survey, User
from tests.conftest import sign_in
from tests.helpers import ClientRequest


def _feature_pages() -> dict[str, list[str]]:
    """The pages of the demo content that show charts, by feature."""
    indicator_id = db.session.scalar(
        select(IndicatorValue.indicator_id).where(IndicatorValue.area_code == home_area_code()).limit(1)
    )
    ward = db.session.scalar(select(Area.code).where(Area.area_type == "ward").order_by(Area.code).limit(1))
    closed_rounds = db.session.scalars(select(PrioritisationRound.id).where(PrioritisationRound.status == "closed"))
    return {
        "indicators": [f"/indicators/{indicator_id}", f"/areas/wards/{ward}"],
        "chapters": [f"/chapters/{slug}" for slug in db.session.scalars(select(Chapter.slug))],
        "surveys": [f"/surveys/manage/{survey_id}/results" for survey_id in db.session.scalars(select(Survey.id))],
        "prioritisation": [f"/prioritisation/rounds/{round_id}/results" for round_id in closed_rounds],
    }


@pytest.mark.slow
def test_a_bokeh_upgrade_misses_every_features_cached_charts(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    sign_in(client, make_user(Role.ADMIN, Role.ANALYST, Role.STEERING).email)
    pages = ClientRequest(client)
    charts: dict[str, list[str]] = {}
    for feature, urls in _feature_pages().items():
        for url in urls:
            charts.setdefault(feature, []).extend(
                e["data-bokeh-json"] for e in pages.get(url).select("[data-bokeh-json]")
            )
    assert all(charts.get(f) for f in ("indicators", "chapters", "surveys", "prioritisation")), charts

    monkeypatch.setitem(app.config, "CHART_CACHE_DIR", tmp_path)
    chart_cache.clear_memory_cache()
    drawn: list[object] = []
    draw = chart_cache.chart_json
    monkeypatch.setattr(chart_cache, "chart_json", lambda fig: drawn.append(fig) or draw(fig))

    def fetch_all() -> dict[str, int]:
        """Fetch every chart; return how many each feature had to draw."""
        counts = {}
        for feature, urls in charts.items():
            before = len(drawn)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200 and response.mimetype == "application/json", url
            counts[feature] = len(drawn) - before
        return counts

    every_chart = {feature: len(urls) for feature, urls in charts.items()}
    assert fetch_all() == every_chart
    assert fetch_all() == dict.fromkeys(charts, 0), "a warm chart must not be drawn again"
    chart_cache.clear_memory_cache()
    assert fetch_all() == dict.fromkeys(charts, 0), "a new worker process reads the charts from the cache files"

    monkeypatch.setattr(bokeh, "__version__", bokeh.__version__ + ".post1")
    assert fetch_all() == every_chart, "after a Bokeh upgrade every feature's charts must be drawn again"
    assert fetch_all() == dict.fromkeys(charts, 0)
