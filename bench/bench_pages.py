"""Public pages against a bare Flask hello-world, both under gunicorn (2 sync workers), driven by wrk (issue 17).

Prints, per public page and per dataset size side by side: requests per second and its ratio to hello-world, p99
latency at 16 connections, and the compressed first-load page weight (the HTML and every stylesheet, script, icon and
chart JSON it loads, fetched as a browser would with ``Accept-Encoding: br, gzip``), with the issue's goals in the
header and ✗ beside every miss. Exits non-zero when a goal is missed.

    python bench/bench_pages.py [--duration 5] [--scales 0.1 1 | --large | --database URL] [--redis redis://...]

By default it runs make_large_dataset.py's dataset at 1/10 size and at full size (each built once, on a copy of the
seeded database, in instance/bench-0.1/ and instance/bench-1/); ``--large`` runs the full size only and
``--database`` one given database. Besides the fixed pages it measures a synthetic indicator's chart page, the
largest published survey's results and the latest published round's summary. Every page is fetched three times
before wrk (the first builds it and its charts), so the figures are for warm pages. hello-world stays up beside the
portal and is measured again right before each page; each ratio is to that neighbouring figure. The page cache in
Redis is emptied before each database's run (both runs would otherwise share its keys). The portal runs with
PORTAL_ENV=production; production refuses memory:// rate-limit storage with more than one worker, so REDIS_URL and
RATELIMIT_STORAGE_URI point at ``--redis``, which also holds the page cache.
Needs wrk (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PAGES = [
    "/",
    "/indicators",
    "/indicators?view=spine",
    "/indicators/compare",
    "/indicators/93356",
    "/topics",
    "/surveys",
    "/evidence",
    "/chapters",
    "/prioritisation/",
    "/outcomes",
]
GOAL_MEDIAN_RATIO = 0.25
GOAL_WORST_RATIO = 0.10
GOAL_P99_MS = 100.0
GOAL_WEIGHT_KB = 100.0
GOAL_CHART_WEIGHT_KB = 600.0
BROWSER_HEADERS = {"Accept-Encoding": "br, gzip", "Accept": "text/html,application/json;q=0.9,*/*;q=0.8"}
HELLO = 'from flask import Flask\napp = Flask(__name__)\n\n@app.get("/")\ndef hello():\n    return "Hello, World!"\n'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}) before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def start_gunicorn(app: str, chdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with the project's gunicorn.conf.py (2 sync workers), access log off, on a free loopback port."""
    port = free_port()
    command = [
        GUNICORN,
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "-w",
        "2",
        "-k",
        "sync",
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        "--error-logfile",
        "-",
        "--chdir",
        str(chdir),
        app,
    ]
    # The log goes to a file: a pipe nobody reads fills up (64 KB of request log lines) and blocks every worker.
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/", process)
    except RuntimeError:
        print(Path(log.name).read_text()[-4000:], file=sys.stderr)
        raise
    return process, base


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def parse_duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, duration: int, headers: dict[str, str]) -> tuple[float, float, int]:
    """requests/s, p99 in ms, and the count of non-2xx/3xx responses, from wrk -t2 -c16 --latency."""
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = parse_duration_ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, p99, int(bad.group(1)) if bad else 0


class AssetFinder(HTMLParser):
    """Stylesheets, scripts, icons and chart JSON a browser fetches on first load."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.charts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") in ("stylesheet", "icon") and found.get("href"):
            self.urls.append(found["href"] or "")
        elif (tag == "script" and found.get("src")) or (tag == "img" and found.get("src")):
            self.urls.append(found["src"] or "")
        if found.get("data-bokeh-json"):
            self.charts += 1
            self.urls.append(found["data-bokeh-json"] or "")


def fetch(url: str) -> tuple[bytes, bytes]:
    """(bytes on the wire, decoded body) for a browser-like request."""
    request = urllib.request.Request(url, headers=BROWSER_HEADERS)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        raw = response.read()
        encoding = response.headers.get("Content-Encoding", "")
    if encoding == "br":
        import brotli

        return raw, brotli.decompress(raw)
    if encoding == "gzip":
        import gzip

        return raw, gzip.decompress(raw)
    return raw, raw


def page_weight(base: str, path: str) -> tuple[float, int]:
    """Compressed first-load weight in KB (page + its assets, each counted once), and the number of charts."""
    raw, body = fetch(base + path)
    finder = AssetFinder()
    finder.feed(body.decode("utf-8", "replace"))
    total = len(raw)
    for url in dict.fromkeys(finder.urls):
        total += len(fetch(base + url if url.startswith("/") else url)[0])
        if url.endswith(".mjs") or "init.mjs" in url:
            # The module imports govuk-frontend.min.js.
            total += len(fetch(base + "/static/govuk/govuk-frontend.min.js")[0])
    return total / 1024, finder.charts


def seeded_database() -> str:
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "portal.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        env = {**os.environ, "DATABASE_URL": url, "PORTAL_ENV": "development", "PYTHONPATH": str(ROOT)}
        flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
        print(f"Building {path} (flask db upgrade, flask seed)...", flush=True)
        subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*flask, "seed"], env=env, cwd=ROOT, check=True, capture_output=True)
    else:
        upgrade_database(url)
    return url


def upgrade_database(url: str) -> None:
    """Bring a database built by an earlier run up to the current migrations (nothing to do when it is)."""
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_ENV": "development", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
    )


def scaled_database(scale: float) -> str:
    """The seeded database plus make_large_dataset.py's dataset at ``scale`` (built once, instance/bench-<scale>/)."""
    from make_large_dataset import cached_database

    return cached_database(scale)


def dataset_pages(database: str) -> list[str]:
    """The public pages the issue names besides the fixed list: a chart page of a synthetic indicator (when the
    database has the bench dataset), the largest published survey's results and the latest published round's
    summary."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            synthetic = connection.execute(text("SELECT min(id) FROM indicators WHERE id LIKE '99%'")).scalar()
            survey = connection.execute(
                text(
                    "SELECT s.id FROM surveys s JOIN survey_responses r ON r.survey_id = s.id "
                    "WHERE s.results_published GROUP BY s.id ORDER BY count(*) DESC, s.id DESC LIMIT 1"
                )
            ).scalar()
            round_id = connection.execute(
                text(
                    "SELECT id FROM prioritisation_rounds WHERE summary_published_at IS NOT NULL "
                    "ORDER BY summary_published_at DESC, id DESC LIMIT 1"
                )
            ).scalar()
    finally:
        engine.dispose()
    pages = [f"/indicators/{synthetic}"] if synthetic else []
    if survey:
        pages.append(f"/surveys/{survey}/results")
    if round_id:
        pages.append(f"/prioritisation/rounds/{round_id}/summary")
    return pages


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


@dataclass
class Figures:
    """One page's figures in one run."""

    rate: float
    ratio: float
    p99: float
    weight: float
    charts: int
    errors: int

    def misses(self) -> list[str]:
        """The goals this page misses."""
        marks = []
        if self.ratio < GOAL_WORST_RATIO:
            marks.append("ratio")
        if self.p99 >= GOAL_P99_MS:
            marks.append("p99")
        if self.weight > (GOAL_CHART_WEIGHT_KB if self.charts else GOAL_WEIGHT_KB):
            marks.append("weight")
        if self.errors:
            marks.append("errors")
        return marks


@dataclass
class Run:
    """One database's run: hello-world's figures then each page's."""

    label: str
    database: str
    hello_rate: float = 0.0
    hello_p99: float = 0.0
    load: str = ""
    pages: dict[str, Figures] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(f.ratio for f in self.pages.values()) if self.pages else 0.0


def forget_cached_pages(redis_url: str) -> None:
    """Drop the page cache and its data version from Redis: runs on different databases share both keys."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="portal:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


def measure(run: Run, pages: list[str], duration: int, env: dict[str, str]) -> None:
    """hello-world and the portal on ``run.database``, both under gunicorn and both up for the whole run; every page
    warmed before wrk. hello-world is measured again right before each page and the page's ratio is to that figure:
    on a shared machine the load swings over tens of seconds, so one hello-world figure at the start made the later
    pages' ratios depend on what else ran meanwhile."""
    env = {**env, "DATABASE_URL": run.database}
    forget_cached_pages(env["REDIS_URL"])
    hello_rates: list[float] = []
    hello_p99s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hello-") as folder:
        Path(folder, "hello.py").write_text(HELLO)
        hello, hello_base = start_gunicorn("hello:app", Path(folder), env)
        portal = None
        try:
            portal, base = start_gunicorn("wsgi:app", ROOT, env)
            for path in [*pages, *dataset_pages(run.database)]:
                try:
                    # Warm: the first request builds the page (and its charts); later ones are page-cache hits.
                    for _ in range(3):
                        fetch(base + path)
                except OSError as error:
                    print(f"{run.label} {path}: skipped ({error})", file=sys.stderr)
                    continue
                hello_rate, hello_p99, _ = run_wrk(hello_base + "/", duration, BROWSER_HEADERS)
                hello_rates.append(hello_rate)
                hello_p99s.append(hello_p99)
                rate, p99, bad = run_wrk(base + path, duration, BROWSER_HEADERS)
                weight, charts = page_weight(base, path)
                run.pages[path] = Figures(rate, rate / hello_rate, p99, weight, charts, bad)
                print(
                    f"  {run.label} {path}: {rate:,.0f} req/s, {rate / hello_rate:.2f}× "
                    f"(hello-world {hello_rate:,.0f}), p99 {p99:.0f} ms",
                    flush=True,
                )
        finally:
            if portal is not None:
                stop(portal)
            stop(hello)
    run.hello_rate = statistics.median(hello_rates) if hello_rates else 0.0
    run.hello_p99 = statistics.median(hello_p99s) if hello_p99s else 0.0
    run.load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def generic_path(path: str) -> str:
    """A page's row name: dataset-specific ids (a survey, a round, a synthetic indicator) become placeholders."""
    path = re.sub(r"^/surveys/\d+/results$", "/surveys/<largest>/results", path)
    path = re.sub(r"^/prioritisation/rounds/\d+/summary$", "/prioritisation/rounds/<latest>/summary", path)
    return re.sub(r"^/indicators/99\d{4}$", "/indicators/<synthetic>", path)


def report(runs: list[Run], duration: int) -> list[str]:
    """Print the side-by-side table; return the goals missed."""
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}")
    print(f"wrk -t2 -c16 -d{duration}s --latency, gunicorn -w 2 sync, Accept-Encoding: br, gzip")
    for run in runs:
        print(
            f"{run.label}: {run.database}; hello-world (median of its run before each page) {run.hello_rate:,.0f} "
            f"req/s, p99 {run.hello_p99:.1f} ms; "
            f"load average after the run {run.load}"
        )
    goals = (
        f"goals: ratio ≥ {GOAL_WORST_RATIO} every page, median ≥ {GOAL_MEDIAN_RATIO}; p99 < {GOAL_P99_MS:.0f} ms; "
        f"first load ≤ {GOAL_WEIGHT_KB:.0f} KB (≤ {GOAL_CHART_WEIGHT_KB:.0f} KB with charts)"
    )
    print(goals + "\n")
    header = "| page | goal KB |"
    rule = "|---|---|"
    for run in runs:
        header += f" {run.label} req/s | ratio (≥ {GOAL_WORST_RATIO}) | p99 ms (< {GOAL_P99_MS:.0f}) | KB |"
        rule += "---|---|---|---|"
    print(header)
    print(rule)
    names = list(dict.fromkeys(generic_path(path) for run in runs for path in run.pages))
    failures = []
    for name in names:
        cells = []
        charts = 0
        for run in runs:
            figures = next((f for p, f in run.pages.items() if generic_path(p) == name), None)
            if figures is None:
                cells.append(" — | — | — | — |")
                continue
            charts = charts or figures.charts
            marks = figures.misses()
            failures += [f"{run.label} {name}: {mark}" for mark in marks]
            cross = {mark: " ✗" if mark in marks else "" for mark in ("ratio", "p99", "weight")}
            cells.append(
                f" {figures.rate:,.0f}{' (errors)' if figures.errors else ''} | {figures.ratio:.2f}×{cross['ratio']} | "
                f"{figures.p99:.0f}{cross['p99']} | {figures.weight:,.0f}{cross['weight']} |"
            )
        goal = f"≤ {GOAL_CHART_WEIGHT_KB:.0f} (charts)" if charts else f"≤ {GOAL_WEIGHT_KB:.0f}"
        print(f"| `{name}` | {goal} |" + "".join(cells))
    medians = ""
    for run in runs:
        ok = run.median >= GOAL_MEDIAN_RATIO
        medians += f" | {run.median:.2f}× (≥ {GOAL_MEDIAN_RATIO}){'' if ok else ' ✗'} | | |"
        if not ok:
            failures.append(f"{run.label} median ratio")
    print(f"| median | |{medians}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per page (default 5)")
    parser.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=[0.1, 1.0],
        help="sizes of make_large_dataset.py's dataset to run side by side (default: 0.1 1)",
    )
    parser.add_argument("--large", action="store_true", help="the full-size dataset only (same as --scales 1)")
    parser.add_argument("--database", help="DATABASE_URL of one seeded database to run instead of the scales")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/10"))
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    if args.database:
        runs = [Run("given", args.database)]
    else:
        scales = [1.0] if args.large else args.scales
        runs = [Run("1/10" if scale == 0.1 else "full" if scale == 1 else f"×{scale:g}", scaled_database(scale))
                for scale in scales]  # fmt: skip
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "REDIS_URL": args.redis,
        "RATELIMIT_STORAGE_URI": args.redis,
        "PYTHONPATH": str(ROOT),
        "WEB_CONCURRENCY": "2",
    }
    for run in runs:
        print(f"Measuring {run.label} ({run.database})...", flush=True)
        measure(run, args.pages, args.duration, env)
    failures = report(runs, args.duration)
    print("\nPASS" if not failures else "\nFAIL: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
