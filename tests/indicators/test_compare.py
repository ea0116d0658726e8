"""The tartan rug (/indicators/compare): areas × indicators with each area's verdict against England in shape and
words, and a CSV of exactly the table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from portal.indicators.catalogue import TOPICS
from portal.indicators.compare import COMPARISON_SHAPES
from portal.stats.comparison import Comparison

DATA = Path(__file__).resolve().parents[2] / "data"
SUICIDE = DATA / "fingertips" / "fingertips_suicide_west_midlands_countyua.csv"


def _table(page) -> tuple[list[str], list[list[str]]]:
    """The header (every topic's table has the same) and the rows of all the page's tables, in order."""
    tables = page.select("table.portal-rug")
    header = [th.get_text(strip=True) for th in tables[0].select("thead th")]
    body = [
        [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for t in tables for tr in t.select("tbody tr")
    ]
    return header, body


def test_rug_of_the_west_midlands_authorities(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators/compare")
    header, body = _table(page)
    assert header[:4] == ["Indicator", "Period", "England", "Wolverhampton"]
    lead = page.select_one("p.govuk-body-l").get_text(" ", strip=True)
    assert "for Wolverhampton and the West Midlands authorities," in lead  # a name keeps its capitals
    neighbours = client_request.get("/indicators/compare?group=neighbours").select_one("p.govuk-body-l")
    assert "for Wolverhampton and the statistical neighbours," in neighbours.get_text(" ", strip=True)
    assert len(header) == 3 + 14  # the 14 West Midlands upper-tier authorities, Wolverhampton first
    assert "Sandwell" in header and "Walsall" in header
    # Suicide rate: the latest period of Wolverhampton's headline series, each value as the file has it.
    frame = pd.read_csv(SUICIDE)
    frame = frame[frame["Category_Type"].isna() & (frame["IndicatorID"] == 41001)]  # males aged 10+ only
    latest = frame[frame["Time_period_Sortable"] == frame["Time_period_Sortable"].max()]
    row = next(r for r in body if r[0].startswith("Suicide rate ("))
    assert "Male, 10+ yrs" in row[0]
    assert row[1] == latest["Timeperiod"].iloc[0]
    names = latest.set_index("AreaName")
    for index, area in enumerate(header[3:], start=3):
        if area in names.index:
            assert row[index].startswith(f"{names.loc[area, 'Value']:.1f}"), area


def test_every_verdict_has_a_shape_and_words(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators/compare")
    verdicts = page.select("table.portal-rug .portal-rug__verdict")
    assert verdicts
    words = {c.value: shape for c, shape in COMPARISON_SHAPES.items()}
    for verdict in verdicts:
        shape = verdict.find("span", attrs={"aria-hidden": "true"}).get_text(strip=True)
        word = verdict.get_text(" ", strip=True).removeprefix(shape).strip()
        assert word in words and words[word] == shape
    seen = {v.get_text(" ", strip=True)[2:] for v in verdicts}
    assert {Comparison.BETTER.value, Comparison.WORSE.value, Comparison.SIMILAR.value} & seen


def test_the_csv_is_exactly_the_table(seeded_indicators, client_request) -> None:
    # Each topic's list fits on one page here: its CSV is exactly its table; the CSV of every topic is theirs in turn.
    every_topic = []
    for topic, _ in TOPICS:
        page = client_request.get(f"/indicators/compare?group=neighbours&topic={topic}")
        if page.select_one("table.portal-rug") is None:
            continue
        assert not page.select("nav.govuk-pagination")
        header, body = _table(page)
        assert header[3] == "Wolverhampton" and header[4] == "Sandwell"  # closest neighbour first
        link = page.find("a", string="Download this table (CSV)")
        rows = list(csv.reader(io.StringIO(client_request.response(link["href"]).get_data(as_text=True))))
        assert len(rows) - 1 == len(body)
        areas = header[3:]
        assert rows[0][4::2] == areas and rows[0][5::2] == [f"{a} compared with England" for a in areas]
        for line, shown in zip(rows[1:], body, strict=True):
            assert shown[0].startswith(line[0])
            assert [line[1], line[3]] == [shown[1], shown[2]]
            for index, area_cell in enumerate(shown[3:]):
                value, verdict = line[4 + 2 * index], line[5 + 2 * index]
                assert area_cell.replace(",", "").startswith(value.replace(",", "")) and area_cell.endswith(verdict)
        every_topic += rows[1:]
    assert len(every_topic) > 1
    whole = client_request.response("/indicators/compare.csv?group=neighbours").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(whole)))[1:] == every_topic


def test_topic_filter_and_unknown_choices(seeded_indicators, client_request) -> None:
    page = client_request.get("/indicators/compare?topic=children")
    _, body = _table(page)
    assert body and all("Suicide" not in r[0] for r in body)
    fallback = client_request.get("/indicators/compare?group=nonsense&topic=nonsense")
    assert _table(fallback) == _table(client_request.get("/indicators/compare"))
