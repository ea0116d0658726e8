"""What each public page and its downloads cost to build when no cache can answer, at 1/10 and full size (issue 17).

``bench_pages.py`` measures pages as visitors get them, mostly from the page cache. This measures what the cache
hides: the work done for a cache miss (the first visitor after an import, a survey's release of answers or the
cache's expiry), so that a page whose cost grows with the data shows here even when the cache serves it.

For each page of bench_pages.py's list (and its dataset pages: a synthetic indicator's chart page, the largest
survey's results, the latest round's summary), and for every CSV and chart JSON the page links to, it renders the
URL in process with the page cache off and an empty chart cache: once as the first request (charts built from
the data), then ``--repeats`` more times (each still a cache miss for the page; the chart cache then holds the
figure). It prints the first and the median of the rest at each size, side by side, with the goals:

- every page, at either size: median ≤ 100 ms (the page benchmark's p99 goal, without a cache);
- every download (CSV, chart JSON), at either size: median ≤ 250 ms. A download of every indicator has ten times
  the rows at full size, so its cost grows with the data by design.

Beside them it prints each URL's size at both sizes and how its cost grew from the smallest to the largest, and
marks "grows" where the full-size median is more than 2 × the smallest-size one and more than 10 ms above it: the
pages whose cost still follows the data, for a cache miss. Exits non-zero when a goal is missed.

    python bench/bench_cold_pages.py [--repeats 3] [--scales 0.1 1]

Uses the same cached datasets as bench_pages.py (instance/bench-0.1/, instance/bench-1/), built on first use.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import PAGES, dataset_pages, machine, scaled_database  # noqa: E402

GOAL_MEDIAN_MS = 100.0
GOAL_DOWNLOAD_MS = 250.0
GROWTH = 2.0
GROWTH_SLACK_MS = 10.0
# Same-origin downloads a page links to: CSVs and chart JSON (a chart page fetches its JSON as a chart nears the
# screen). Anything under /static is a file, not built.
DOWNLOAD = re.compile(r'(?:href|src|data-[a-z-]+)="(/(?!static/|bokeh/)[^"#]*?(?:\.csv|\.json)(?:\?[^"]*)?)"')


@dataclass
class Timing:
    status: int
    first_ms: float
    median_ms: float
    kilobytes: float


@dataclass
class Scale:
    name: str
    timings: dict[str, Timing] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)


def generic(url: str, questions: dict[str, int] | None = None) -> str:
    """The URL with ids and version stamps made generic, so the two sizes' rows line up (a survey's questions by
    their order on its results page)."""
    url = re.sub(r"\?v=[0-9a-f]+$", "", url)
    if questions:
        url = re.sub(r"/results/(\d+)/", lambda m: f"/results/<question {questions[m.group(1)]}>/", url)
    url = re.sub(r"/indicators/99\d+", "/indicators/<synthetic>", url)
    url = re.sub(r"/surveys/\d+/", "/surveys/<largest>/", url)
    return re.sub(r"/rounds/\d+/", "/rounds/<latest>/", url)


def timed(client: FlaskClient, url: str) -> tuple[int, float, str]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    return response.status_code, elapsed, response.get_data(as_text=True)


def measure(scale: float, repeats: int) -> Scale:
    from portal import create_app

    database = scaled_database(scale)
    pages = [*PAGES, *dataset_pages(database)]
    result = Scale(f"{scale:g}", pages=[generic(page) for page in pages])
    with tempfile.TemporaryDirectory(prefix="cold-charts-") as charts:
        app = create_app(
            "development",
            SQLALCHEMY_DATABASE_URI=database,
            PAGE_CACHE_ENABLED=False,
            CHART_CACHE_DIR=Path(charts),
        )
        client = app.test_client()
        # The process's own warming (templates compiled, data frames loaded once per worker) is not a page's cost.
        for warm in ("/", "/about-the-data"):
            client.get(warm)
        for page in pages:
            status, first, body = timed(client, page)
            downloads = sorted({url.replace("&amp;", "&") for url in DOWNLOAD.findall(body)})
            questions = re.findall(r"/results/(\d+)/", " ".join(downloads))
            numbered = {question: n for n, question in enumerate(dict.fromkeys(questions), start=1)}
            for url in [page, *downloads]:
                if url != page:
                    status, first, body = timed(client, url)
                times = [timed(client, url)[1] for _ in range(repeats)]
                timing = Timing(status, first, statistics.median(times), len(body.encode()) / 1024)
                result.timings[generic(url, numbered)] = timing
    return result


def report(scales: list[Scale]) -> list[str]:
    """Print the table; return the goals missed."""
    misses: list[str] = []
    urls = list(dict.fromkeys(url for scale in scales for url in scale.timings))
    pages = {page for scale in scales for page in scale.pages}
    header = " | ".join(f"{s.name}: first / median (size)" for s in scales)
    print(
        f"\nCold renders, page cache off ({machine()}). Goals: median ≤ {GOAL_MEDIAN_MS:.0f} ms for a page and "
        f"≤ {GOAL_DOWNLOAD_MS:.0f} ms for a download, at each size"
    )
    print(f"| URL | {header} | cost, smallest to largest |")
    print("|---|" + "---|" * len(scales) + "---|")
    for url in urls:
        goal = GOAL_MEDIAN_MS if url in pages else GOAL_DOWNLOAD_MS
        cells, medians = [], []
        for scale in scales:
            timing = scale.timings.get(url)
            if timing is None:
                cells.append("—")
                continue
            mark = ""
            if timing.status != 200:
                mark = f" ✗ ({timing.status})"
                misses.append(f"{url} at {scale.name}: status {timing.status}")
            elif timing.median_ms > goal:
                mark = " ✗"
                misses.append(f"{url} at {scale.name}: median {timing.median_ms:.0f} ms > {goal:.0f} ms")
            cells.append(f"{timing.first_ms:.0f} / {timing.median_ms:.0f} ms ({timing.kilobytes:.0f} KB){mark}")
            medians.append(timing.median_ms)
        growth = ""
        if len(medians) == len(scales) > 1 and medians[0] > 0:
            ratio = medians[-1] / medians[0]
            growth = f"{ratio:.1f}×"
            if ratio > GROWTH and medians[-1] - medians[0] > GROWTH_SLACK_MS:
                growth += " grows"
        print(f"| {url} | {' | '.join(cells)} | {growth} |")
    return misses


def measured_in_own_process(scale: float, repeats: int) -> Scale:
    """``measure`` in a process of its own, so that nothing one size built (chart figures, data frames) is still in
    memory for the other."""
    command = [sys.executable, __file__, "--measure", str(scale), "--repeats", str(repeats)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return Scale(data["name"], {url: Timing(**t) for url, t in data["timings"].items()}, data["pages"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="timed requests per URL after the first (default 3)")
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--measure", type=float, help=argparse.SUPPRESS)  # one size, as JSON (the child process)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    if args.measure is not None:
        print(json.dumps(dataclasses.asdict(measure(args.measure, args.repeats))))
        return 0
    scales = [measured_in_own_process(scale, args.repeats) for scale in args.scales]
    misses = report(scales)
    if misses:
        print("\nGoals missed:\n  " + "\n  ".join(misses))
        return 1
    print("\nEvery goal met.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
