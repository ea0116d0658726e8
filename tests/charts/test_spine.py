"""The spine chart builder: short row labels that stay distinct, one bar set and one marker per indicator."""

from __future__ import annotations

from bokeh.models import GlyphRenderer, HBar, Scatter

from portal.charts.spine import LABEL_LENGTH, SpineBar, row_labels, spine_chart

EARLY_YEARS = [
    "5 year olds achieving 'expected level' on communication early learning goals",
    "5 year olds achieving 'expected level' on literacy early learning goals",
    "5 year olds achieving 'expected level' on maths early learning goals",
]


def test_long_labels_that_start_alike_keep_what_tells_them_apart() -> None:
    labels = row_labels([*EARLY_YEARS, "Suicide rate", "Suicide rate"])
    assert labels[:3] == [
        "5 year olds…communication early learnin…",
        "5 year olds…literacy early learning goa…",
        "5 year olds…maths early learning goals",
    ]
    assert labels[3:] == ["Suicide rate", "Suicide rate"]  # short names are never cut
    assert all(len(label) <= LABEL_LENGTH for label in labels)


def test_a_long_label_alone_is_cut_at_the_end() -> None:
    name = "Estimated prevalence of conduct disorders: % of population aged 5-16"
    assert row_labels([name]) == [name[: LABEL_LENGTH - 1] + "…"]


def bar(label: str, verdict: str, area: float) -> SpineBar:
    return SpineBar(label, 0.1, 0.3, 0.7, 0.9, area, verdict, "1", "2", "0 to 3")


def test_spine_chart_draws_each_row_and_a_marker_per_verdict() -> None:
    fig = spine_chart("Spine", [bar("A", "Better", 0.8), bar("B", "Worse", 0.2), bar("C", "Better", 0.6)], "Town")
    renderers = [r for r in fig.renderers if isinstance(r, GlyphRenderer)]
    bars = [r for r in renderers if isinstance(r.glyph, HBar)]
    markers = [r for r in renderers if isinstance(r.glyph, Scatter)]
    assert len(bars) == 3  # worst to 25th percentile, the middle half, 75th percentile to best
    assert all(len(r.data_source.data["y"]) == 3 for r in bars)
    drawn = {r.glyph.marker: list(r.data_source.data["area"]) for r in markers}
    assert drawn == {"circle": [0.8, 0.6], "square": [0.2]}  # Better circles, Worse squares: shape, not colour alone
    labels = [item.label["value"] for item in fig.legend[0].items]
    assert labels == ["Town: better than England", "Town: worse than England"]
