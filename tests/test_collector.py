"""The garbage collector is paused for a bulk job and always switched back on (a long-running worker left without it
would keep every reference cycle it ever made)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.collector import collection_paused

FINGERTIPS = Path(__file__).resolve().parents[1] / "data" / "fingertips"
CAMPYLOBACTER = FINGERTIPS / "fingertips_campylobacter_93356_countyua_2015-2017.csv"


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_on_again_after() -> None:
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_the_job_fails() -> None:
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_nested_jobs_keep_it_paused_until_the_outermost_ends() -> None:
    with collection_paused():
        with collection_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_off_when_it_was_off_before() -> None:
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_an_import_runs_with_the_collector_paused_and_restores_it_when_it_fails(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.indicators import file_import

    seen: list[bool] = []

    def failing_load(*args: Any, **kwargs: Any) -> None:
        seen.append(gc.isenabled())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(file_import, "load_import_result", failing_load)
    with pytest.raises(RuntimeError):
        file_import.import_file(CAMPYLOBACTER, "fingertips")
    assert seen == [False]
    assert gc.isenabled()
