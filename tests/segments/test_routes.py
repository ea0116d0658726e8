"""The neighbourhood type pages: what they show, their tables and CSVs, old runs, and no JavaScript needed."""

from __future__ import annotations

import csv
import io
import json

from portal.models import SegmentationRun
from portal.small_areas.segmenting import run_segmentation
from tests.small_areas.conftest import QUICK


def _csv(client_request, url: str) -> list[list[str]]:
    response = client_request.response(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _table(page, table_id: str) -> list[list[str]]:
    table = page.find(id=table_id)
    assert table is not None, table_id
    header = [th.get_text(strip=True) for th in table.select("thead th")]
    rows = [[cell.get_text(strip=True) for cell in tr.find_all(["th", "td"])] for tr in table.select("tbody tr")]
    return [header, *rows]


def _every_page(client_request, page, table_id: str) -> list[list[str]]:
    """A table shown 50 rows at a time (portal/table_pages.py): its rows from every page, following the Next links."""
    rows = _table(page, table_id)
    while True:
        nav = page.find(id=table_id).find_next("nav", class_="govuk-pagination")
        following = nav.find("a", rel="next") if nav is not None else None
        if following is None:
            return rows
        page = client_request.get(following["href"].split("#")[0])
        rows += _table(page, table_id)[1:]


def _plain(rows: list[list[str]]) -> list[list[str]]:
    """Table cells as the CSV writes them (no thousands separators)."""
    return [
        [
            cell.replace(",", "") if cell.replace(",", "").replace(".", "").lstrip("-").isdigit() else cell
            for cell in row
        ]
        for row in rows
    ]


def test_before_any_run_the_page_says_so(client_request) -> None:
    page = client_request.get("/areas/segments")
    assert "have not been worked out yet" in page.get_text()
    client_request.get("/areas/segments/method")
    assert client_request.response("/areas/segments/charts/map.json").status_code == 404


def test_index_lists_every_type_with_its_size_map_and_profile(client_request, segmented: SegmentationRun) -> None:
    page = client_request.get("/areas/segments")
    text = page.get_text(" ")
    assert "areas, not people" in text
    for segment in segmented.segments:
        link = page.find("a", href=f"/areas/segments/{segment.id}")
        assert link is not None and segment.description in link.parent.get_text()
    sizes = _table(page, "table-sizes")
    assert len(sizes) == 1 + segmented.k
    assert _csv(client_request, "/areas/segments/charts/sizes.csv") == _plain(sizes)
    # Without JavaScript the map is its table: every small area with its ward and type.
    map_rows = _every_page(client_request, page, "chart-map-table")
    assert len(map_rows) == 1 + 161
    assert _csv(client_request, "/areas/segments/charts/map.csv") == map_rows
    profiles = _table(page, "chart-profiles-table")
    assert _csv(client_request, "/areas/segments/charts/profiles.csv") == _plain(profiles)
    for slug in ("map", "profiles"):
        response = client_request.response(f"/areas/segments/charts/{slug}.json")
        assert response.status_code == 200 and "doc" in json.loads(response.get_data(as_text=True))
    assert client_request.response("/areas/segments/charts/sizes.json").status_code == 404
    assert page.find(attrs={"data-bokeh-json": "/areas/segments/charts/map.json"}) is not None


def test_a_type_page_has_profile_map_wards_and_neighbourhoods_like_it(
    client_request, segmented: SegmentationRun
) -> None:
    segment = segmented.segments[0]
    url = f"/areas/segments/{segment.id}"
    page = client_request.get(url)
    assert page.h1.get_text(strip=True) == f"Type {segment.number}: {segment.description}"
    assert "earlier segmentation" not in page.get_text()
    profile = _table(page, "chart-profile-table")
    assert len(profile) == 1 + 14
    assert _csv(client_request, f"{url}/charts/profile.csv") == _plain(profile)
    places = _every_page(client_request, page, "chart-map-table")
    assert len(places) == 1 + segment.lsoa_count
    wards = _table(page, "table-wards")
    assert _csv(client_request, f"{url}/charts/wards.csv") == _plain(wards)
    assert sum(int(row[1]) for row in wards[1:]) == segment.lsoa_count
    typical = page.find("ol", class_="govuk-list--number").find_all("li")
    assert len(typical) == 5
    assert segment.members[0].lsoa_code in typical[0].get_text()
    other = page.find("p", string=lambda s: s and "most similar other type" in s) or page.find(
        string=lambda s: s and "most similar other type" in s
    )
    assert other is not None
    for slug in ("profile", "map"):
        assert client_request.response(f"{url}/charts/{slug}.json").status_code == 200
    assert client_request.response(f"{url}/charts/wards.json").status_code == 404


def test_an_earlier_runs_type_stays_readable_and_says_it_is_old(client_request, segmented) -> None:
    old = segmented.segments[0]
    newer, added = run_segmentation(**QUICK, force=True)
    assert added and newer.id != segmented.id
    page = client_request.get(f"/areas/segments/{old.id}")
    assert "earlier segmentation" in page.get_text()
    current = client_request.get("/areas/segments")
    assert current.find("a", href=f"/areas/segments/{newer.segments[0].id}") is not None
    method = client_request.get("/areas/segments/method")
    runs = _table(method, "table-runs")
    assert [row[0] for row in runs[1:]] == [str(newer.id), str(segmented.id)]
    assert _csv(client_request, "/areas/segments/method/runs.csv") == _plain(runs)


def test_method_page_states_the_method_limits_and_numbers(client_request, segmented) -> None:
    page = client_request.get("/areas/segments/method")
    text = page.get_text(" ")
    for words in ("silhouette", "adjusted Rand index", "Areas, not people", "k-means"):
        assert words in text
    candidates = _table(page, "table-candidates")
    assert [row[0] for row in candidates[1:]] == [
        f"{c['k']}{' (chosen)' if c['k'] == segmented.k else ''}" for c in segmented.candidates
    ]
    assert _csv(client_request, "/areas/segments/method/candidates.csv") == _plain(candidates)
    features = _table(page, "table-features")
    assert len(features) == 1 + 14
    assert client_request.response("/areas/segments/method/nothing.csv").status_code == 404


def test_unknown_types_are_not_found(client_request, segmented) -> None:
    client_request.get("/areas/segments/999999", expected_status=404)
    assert client_request.response("/areas/segments/999999/charts/map.json").status_code == 404
