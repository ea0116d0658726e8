"""Public pages against a bare Flask hello-world, both under gunicorn (2 sync workers), driven by wrk (issue 17).

Prints, per public page: requests per second and its ratio to hello-world, p99 latency at 16 connections, and the
compressed first-load page weight (the HTML and every stylesheet, script, icon and chart JSON it loads, fetched as a
browser would with ``Accept-Encoding: br, gzip``), each beside the issue's goal. Exits non-zero when a goal is missed.

    python bench/bench_pages.py [--duration 10] [--database sqlite:///path | --large] [--redis redis://...]

Without ``--database`` it builds (once) a seeded SQLite database in instance/bench/ with ``flask db upgrade`` and
``flask seed``; with ``--large`` the same plus make_fingertips_bench_file.py's 1,000,000 rows (``make bench-large``),
so the figures show whether page cost grows with the data. The portal runs with PORTAL_ENV=production; production
refuses memory:// rate-limit storage with more than one worker, so REDIS_URL and RATELIMIT_STORAGE_URI point at
``--redis``, which also holds the page cache.
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
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PAGES = ["/", "/indicators", "/indicators/93356", "/topics", "/surveys", "/evidence", "/chapters", "/prioritisation/"]
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
    return url


def large_database() -> str:
    """The seeded database plus the 1,000,000 rows of make_fingertips_bench_file.py (built once, in instance/)."""
    folder = ROOT / "instance" / "bench-large"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "portal.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        seeded = Path(seeded_database().removeprefix("sqlite:///"))
        rows = folder / "fingertips-1m.csv"
        if not rows.exists():
            print(f"Building {rows}...", flush=True)
            subprocess.run([PYTHON, str(ROOT / "bench" / "make_fingertips_bench_file.py"), str(rows)], check=True)
        building = folder / "building.sqlite3"
        shutil.copyfile(seeded, building)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{building}",
            "PORTAL_ENV": "development",
            "PYTHONPATH": str(ROOT),
        }
        print(f"Importing {rows.name} into {path}...", flush=True)
        command = [PYTHON, "-m", "flask", "--app", "wsgi", "indicators", "import", str(rows), "--source-key", "bench"]
        subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
        building.rename(path)
    return url


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page (default 10)")
    parser.add_argument("--database", help="DATABASE_URL of a seeded database (default: build instance/bench/)")
    parser.add_argument(
        "--large", action="store_true", help="use the seeded database plus 1,000,000 indicator values (built once)"
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/10"))
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    database = args.database or (large_database() if args.large else seeded_database())
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "DATABASE_URL": database,
        "REDIS_URL": args.redis,
        "RATELIMIT_STORAGE_URI": args.redis,
        "PYTHONPATH": str(ROOT),
        "WEB_CONCURRENCY": "2",
    }
    with tempfile.TemporaryDirectory(prefix="hello-") as folder:
        Path(folder, "hello.py").write_text(HELLO)
        hello, hello_base = start_gunicorn("hello:app", Path(folder), env)
        try:
            hello_rate, hello_p99, _ = run_wrk(hello_base + "/", args.duration, BROWSER_HEADERS)
        finally:
            stop(hello)
    portal, base = start_gunicorn("wsgi:app", ROOT, env)
    rows = []
    try:
        for path in args.pages:
            try:
                fetch(base + path)
            except OSError as error:
                print(f"{path}: skipped ({error})", file=sys.stderr)
                continue
            rate, p99, bad = run_wrk(base + path, args.duration, BROWSER_HEADERS)
            weight, charts = page_weight(base, path)
            rows.append((path, rate, rate / hello_rate, p99, weight, charts, bad))
    finally:
        stop(portal)
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}")
    print(f"database {database}; wrk -t2 -c16 -d{args.duration}s, gunicorn -w 2 sync, Accept-Encoding: br, gzip")
    print(f"hello-world: {hello_rate:,.0f} req/s, p99 {hello_p99:.1f} ms\n")
    print("| page | req/s | ratio (goal ≥ 0.10) | p99 ms (goal < 100) | first load KB (goal) | errors |")
    print("|---|---|---|---|---|---|")
    failures = []
    for path, rate, ratio, p99, weight, charts, bad in rows:
        weight_goal = GOAL_CHART_WEIGHT_KB if charts else GOAL_WEIGHT_KB
        marks = []
        if ratio < GOAL_WORST_RATIO:
            marks.append("ratio")
        if p99 >= GOAL_P99_MS:
            marks.append("p99")
        if weight > weight_goal:
            marks.append("weight")
        if bad:
            marks.append("errors")
        failures += [f"{path}: {mark}" for mark in marks]
        print(
            f"| `{path}` | {rate:,.0f} | {ratio:.2f}×{' ✗' if 'ratio' in marks else ''} | "
            f"{p99:.1f}{' ✗' if 'p99' in marks else ''} | {weight:,.0f} (≤ {weight_goal:.0f}"
            f"{', charts' if charts else ''}){' ✗' if 'weight' in marks else ''} | {bad} |"
        )
    if rows:
        median = statistics.median(row[2] for row in rows)
        ok = median >= GOAL_MEDIAN_RATIO
        print(f"| median | | {median:.2f}× (goal ≥ {GOAL_MEDIAN_RATIO}){'' if ok else ' ✗'} | | | |")
        if not ok:
            failures.append("median ratio")
    print("\nPASS" if not failures else "\nFAIL: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
