"""The overview's summaries are kept per data version and filtered exactly as computing them afresh (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import cache, db
from portal.indicators import summaries, summary_cache
from portal.indicators.catalogue import TOPIC_LABELS
from portal.models import Indicator
from portal.stats.comparison import Comparison
from tests.indicators.conftest import SeededIndicators


@pytest.fixture
def stored(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENABLED", True)
    cache.clear()
    yield app
    cache.clear()


def test_every_filter_gives_what_computing_afresh_gives(stored: Flask, seeded_indicators: SeededIndicators) -> None:
    assert summary_cache.overview() == summaries.overview() != []
    for topic in [None, *TOPIC_LABELS]:
        for significance in [None, *(c.value for c in Comparison)]:
            assert summary_cache.overview(topic, significance) == summaries.overview(topic, significance)


def test_a_change_of_data_is_shown_at_once(
    stored: Flask, client: FlaskClient, seeded_indicators: SeededIndicators
) -> None:
    before = client.get("/indicators").get_data(as_text=True)
    indicator = db.session.get(Indicator, "41001")
    assert indicator is not None and indicator.name in before
    indicator.name = "Deaths from suicide, renamed"
    db.session.commit()
    names = [s.name for _, items in summary_cache.overview() for s in items]
    assert "Deaths from suicide, renamed" in names
    assert "Deaths from suicide, renamed" in client.get("/indicators").get_data(as_text=True)
