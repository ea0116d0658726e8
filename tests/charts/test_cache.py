"""The rendered-chart cache: a warm chart does no Bokeh work, and new data never shows an old chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bokeh.plotting import figure

from portal.charts import cache as chart_cache
from portal.charts.cache import cached_chart_json, clear_memory_cache
from portal.charts.embed import chart_json


def _figure(title: str = "Test chart") -> figure:
    fig = figure(title=title)
    fig.line([1, 2, 3], [4, 5, 6])
    return fig


class Builder:
    """Counts how often the cache asked for the figure to be built."""

    def __init__(self, title: str = "Test chart") -> None:
        self.calls = 0
        self.title = title

    def __call__(self) -> figure:
        self.calls += 1
        return _figure(self.title)


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    clear_memory_cache()


def test_chart_json_is_a_bokeh_json_item() -> None:
    item = json.loads(chart_json(_figure()))
    assert set(item) >= {"doc", "root_id"}
    assert item["doc"]["roots"][0]["id"] == item["root_id"]


def test_warm_call_does_not_build(tmp_path: Path) -> None:
    build = Builder()
    first = cached_chart_json("indicator:1:E08000031", "import-7", build, cache_dir=tmp_path)
    second = cached_chart_json("indicator:1:E08000031", "import-7", build, cache_dir=tmp_path)
    assert build.calls == 1
    assert first == second
    assert json.loads(first)["root_id"]


def test_file_cache_survives_a_new_process(tmp_path: Path) -> None:
    build = Builder()
    first = cached_chart_json("k", "v1", build, cache_dir=tmp_path)
    clear_memory_cache()  # as a freshly started worker process would be
    second = cached_chart_json("k", "v1", build, cache_dir=tmp_path)
    assert build.calls == 1
    assert second == first
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_new_data_version_rebuilds(tmp_path: Path) -> None:
    old, new = Builder("Old data"), Builder("New data")
    cached_chart_json("k", "v1", old, cache_dir=tmp_path)
    body = cached_chart_json("k", "v2", new, cache_dir=tmp_path)
    assert (old.calls, new.calls) == (1, 1)
    assert "New data" in body and "Old data" not in body


def test_new_code_redraws_what_older_code_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = Builder("Drawn by the old code"), Builder("Drawn by the new code")
    cached_chart_json("k", "v1", old, cache_dir=tmp_path)
    monkeypatch.setattr(chart_cache, "CODE_FINGERPRINT", "a-later-deployment")
    clear_memory_cache()  # the new code runs in new processes; only the cache files are shared
    body = cached_chart_json("k", "v1", new, cache_dir=tmp_path)
    assert (old.calls, new.calls) == (1, 1)
    assert "Drawn by the new code" in body


def test_the_code_fingerprint_follows_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "portal"
    (package / "charts").mkdir(parents=True)
    module = package / "charts" / "cache.py"
    module.write_text("x = 1\n")
    monkeypatch.setattr(chart_cache, "__file__", str(module))
    before = chart_cache._code_fingerprint()
    (package / "feature.py").write_text("def shape_chart_data(): ...\n")
    assert chart_cache._code_fingerprint() != before


def test_different_keys_do_not_collide(tmp_path: Path) -> None:
    first, second = Builder("First"), Builder("Second")
    assert "First" in cached_chart_json("a", "v", first, cache_dir=tmp_path)
    assert "Second" in cached_chart_json("b", "v", second, cache_dir=tmp_path)


def test_works_without_a_directory() -> None:
    build = Builder()
    cached_chart_json("memory-only", "v", build)
    cached_chart_json("memory-only", "v", build)
    assert build.calls == 1


def test_unwritable_directory_still_returns_the_chart(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    body = cached_chart_json("k", "v", Builder(), cache_dir=blocker / "cache")
    assert json.loads(body)["root_id"]
