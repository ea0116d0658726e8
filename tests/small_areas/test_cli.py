"""``flask small-areas load|segment`` and the ``flask seed`` step."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import SegmentationRun, SmallAreaLoad


def test_load_then_segment_from_the_command_line(app, db) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["small-areas", "load"])
    assert first.exit_code == 0, first.output
    assert "Loaded: load 1, 161 LSOAs (2021) and 158 (2011) in 20 wards" in first.output
    again = runner.invoke(args=["small-areas", "load"])
    assert again.exit_code == 0 and again.output.startswith("Unchanged")

    segmented = runner.invoke(args=["small-areas", "segment", "--starts", "4", "--stability-seeds", "2"])
    assert segmented.exit_code == 0, segmented.output
    assert segmented.output.startswith("New run 1:") and "silhouette" in segmented.output
    unchanged = runner.invoke(args=["small-areas", "segment", "--starts", "4", "--stability-seeds", "2"])
    assert unchanged.output.startswith("Unchanged run 1:")
    forced = runner.invoke(args=["small-areas", "segment", "--starts", "4", "--stability-seeds", "2", "--force"])
    assert forced.output.startswith("New run 2:")
    assert db.session.scalar(select(func.count()).select_from(SegmentationRun)) == 2
    assert db.session.scalar(select(func.count()).select_from(SmallAreaLoad)) == 1


def test_segmenting_before_loading_says_what_to_do(app) -> None:
    result = app.test_cli_runner().invoke(args=["small-areas", "segment"])
    assert result.exit_code == 1 and "flask small-areas load" in result.output
