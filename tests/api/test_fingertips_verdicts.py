"""Done-when check for issue 12: through the service the API serves its rows from, the portal's England and region
verdicts and recent trends agree with every verdict and trend Fingertips published in the shipped files (100 %).

Each file is imported as ``flask indicators import`` does; the expected words are read from the file itself. Rows the
portal compares itself (``computed``) test our statistics against Fingertips'; rows it cannot compute (no interval,
no count) must show the publisher's own word. Run with ``-s`` to see the agreement figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from portal.importers import FORMATS, detect_format
from portal.indicators import reference_data
from portal.indicators.file_import import import_file
from portal.indicators.value_rows import value_rows_with_comparisons

FINGERTIPS = Path(__file__).resolve().parents[2] / "data" / "fingertips"
SHIPPED = sorted(FINGERTIPS.rglob("*.csv"))
KEY = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
# (file column, API verdict field, API source field)
VERDICTS = [
    ("source_compared_to_england", "compared_to_england", "compared_to_england_source"),
    ("source_compared_to_region", "compared_to_region", "compared_to_region_source"),
]


def published(path: Path) -> pd.DataFrame:
    """The file's rows with the words Fingertips published, read by the portal's own reader for the format."""
    fmt = detect_format(path)
    assert fmt is not None
    values = FORMATS[fmt](path).values
    for column in ("source_compared_to_england", "source_compared_to_region", "source_recent_trend"):
        if column not in values.columns:
            values[column] = ""
    return values[[*KEY, "source_compared_to_england", "source_compared_to_region", "source_recent_trend"]]


def served(indicator_ids: list[str]) -> pd.DataFrame:
    """What the API serves for the indicators: every row with its verdicts, their sources and the recent trend."""
    rows = [row for indicator_id in indicator_ids for row in value_rows_with_comparisons(indicator_id)]
    return pd.DataFrame(rows)


def test_every_shipped_fingertips_file_is_checked() -> None:
    assert len(SHIPPED) == 8  # 5 exports and 3 files processed by Trafford Data Lab


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_verdicts_and_trends_agree_with_fingertips(
    app, path: Path, record_property: Callable[[str, object], None]
) -> None:
    reference_data.seed_reference_areas()
    outcome = import_file(path)
    assert outcome.ok, outcome.errors[:5]
    expected = published(path)
    ours = served(sorted(expected["indicator_id"].unique()))
    both = expected.merge(ours, on=KEY, how="left", validate="one_to_one")
    assert both["compared_to_england"].notna().all(), "every published row is served"

    figures: list[str] = []
    disagreements: list[str] = []
    for file_column, field, source_field in VERDICTS:
        said = both[both[file_column] != ""]
        by_source = Counter(said[source_field])
        wrong = said[said[field] != said[file_column]]
        computed = said[said[source_field] == "computed"]
        figures.append(
            f"{field}: {len(said) - len(wrong)}/{len(said)} agree "
            f"(computed {int((computed[field] == computed[file_column]).sum())}/{len(computed)}, "
            f"publisher's shown {by_source['publisher']})"
        )
        disagreements += [
            f"{r.area_code} {r.period} {r.sex} {r.age} {r.category}: ours {r[field]!r}, Fingertips {r[file_column]!r}"
            for _, r in wrong.head(5).iterrows()
        ]
    trends = both[both["source_recent_trend"] != ""]
    wrong_trends = trends[trends["recent_trend"] != trends["source_recent_trend"]]
    figures.append(f"recent_trend: {len(trends) - len(wrong_trends)}/{len(trends)} agree")
    disagreements += [
        f"{r.area_code} {r.period} {r.sex} {r.age}: trend ours {r.recent_trend!r}, Fingertips {r.source_recent_trend!r}"
        for _, r in wrong_trends.head(5).iterrows()
    ]
    print(f"\n{path.name}: " + "; ".join(figures))
    record_property("fingertips_agreement", "; ".join(figures))
    assert not disagreements, "\n".join(disagreements)


def test_the_verdict_source_is_documented_and_served(app, client) -> None:
    reference_data.seed_reference_areas()
    assert import_file(FINGERTIPS / "processed_trafford_datalab" / "life_expectancy.csv").ok
    document = client.get("/api/v1/openapi.json").get_json()
    properties = document["components"]["schemas"]["ValueRow"]["properties"]
    assert properties["compared_to_england_source"]["enum"] == ["computed", "publisher", ""]
    rows = client.get("/api/v1/indicators/90366/data?area=E08000031&sex=Male").get_json()
    assert rows and {r["compared_to_england"] for r in rows} == {"Worse"}
    assert {r["compared_to_england_source"] for r in rows} == {"publisher"}
