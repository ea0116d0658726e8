"""Lighthouse 12 (mobile defaults, headless Chromium) on every public page, against the issue 17 goals.

Prints, per page: performance, Largest Contentful Paint, total blocking time, Cumulative Layout Shift, accessibility,
best practices and SEO, each beside its goal (performance ≥ 90, LCP < 2.5 s, CLS < 0.1, the other three 100), and
exits non-zero when a goal is missed. The pages are the plain pages of bench_pages.py and one page of every public
kind that draws charts: indicator pages, a ward profile, the neighbourhood types (segmentation) and one type, and the
overview's spine chart. ``--charts`` runs only the chart pages (Lighthouse is slow: use it while iterating).

    python bench/bench_lighthouse.py [--database sqlite:///path] [--redis redis://127.0.0.1:56379/10]
                                     [--charts | --pages PATH ...]

Lighthouse is installed on first use into bench/node_modules (not committed) with ``npm i -E lighthouse@12.2.3``;
Chromium is /usr/bin/chromium (or CHROME_PATH). The portal runs under gunicorn as in bench_pages.py. Each page is
loaded once first, so the page cache and the chart cache are warm, as for most visitors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pages import PAGES, ROOT, fetch, seeded_database, start_gunicorn, stop

LIGHTHOUSE_VERSION = "12.2.3"
BENCH = ROOT / "bench"
CLI = BENCH / "node_modules" / "lighthouse" / "cli" / "index.js"
# Every public kind of page that draws charts. "{ward}" and "{segment}" are the first links on /areas/wards and
# /areas/segments, as the codes depend on the deployment.
CHART_PAGES = [
    "/indicators/93356",
    "/indicators/90366",
    "/indicators/41001",
    "/areas/wards/{ward}",
    "/areas/segments",
    "/areas/segments/{segment}",
    "/indicators?view=spine",
]
GOALS = {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100}
GOAL_LCP_S = 2.5
GOAL_CLS = 0.1


def ensure_lighthouse() -> None:
    if CLI.exists():
        return
    if not shutil.which("npm"):
        raise SystemExit("npm is needed to install Lighthouse (Node 18+)")
    print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into bench/node_modules...", flush=True)
    subprocess.run(
        ["npm", "i", "-E", "--no-audit", "--no-fund", "--prefix", str(BENCH), f"lighthouse@{LIGHTHOUSE_VERSION}"],
        check=True,
        capture_output=True,
    )


def first_link(base: str, listing: str, pattern: str) -> str | None:
    """The first link on ``listing`` matching ``pattern`` (a regular expression with one group), or None."""
    try:
        html = fetch(base + listing)[1].decode("utf-8", "replace")
    except OSError:
        return None
    found = re.search(pattern, html)
    return found.group(1) if found else None


def resolve(base: str, paths: list[str]) -> list[str]:
    """Fill in the ward and neighbourhood type of CHART_PAGES from the running portal; drop what it lacks."""
    links = {
        "ward": first_link(base, "/areas/wards", r'href="/areas/wards/(E\d+)"'),
        "segment": first_link(base, "/areas/segments", r'href="/areas/segments/(\d+)"'),
    }
    resolved = []
    for path in paths:
        names = re.findall(r"\{(\w+)\}", path)
        if any(not links.get(name) for name in names):
            print(f"{path}: skipped (no such page in this database)", file=sys.stderr)
            continue
        resolved.append(path.format(**links))
    return resolved


def lighthouse(url: str, chrome: str) -> dict[str, float]:
    """Scores (0–100) and metrics of one run with Lighthouse's defaults (mobile, simulated throttling)."""
    command = [
        "node",
        str(CLI),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--chrome-path={chrome}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"lighthouse failed on {url}: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    scores = {name: round((category["score"] or 0) * 100) for name, category in report["categories"].items()}
    audits = report["audits"]
    scores["lcp_s"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    scores["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    scores["tbt_ms"] = audits["total-blocking-time"]["numericValue"]
    failed = [
        audit_id
        for category in ("accessibility", "best-practices", "seo")
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"]
        and (audits[(audit_id := ref["id"])].get("score") is not None)
        and audits[audit_id]["score"] < 1
    ]
    scores["failed"] = failed  # type: ignore[assignment]
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="DATABASE_URL of a seeded database (default: build instance/bench/)")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/10"))
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pages", nargs="*", default=list(dict.fromkeys([*PAGES, *CHART_PAGES])))
    which.add_argument("--charts", action="store_true", help="only the pages with charts")
    args = parser.parse_args()
    if args.charts:
        args.pages = CHART_PAGES
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        print(f"Chromium not found at {chrome} (set CHROME_PATH)", file=sys.stderr)
        return 2
    ensure_lighthouse()
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "DATABASE_URL": args.database or seeded_database(),
        "REDIS_URL": args.redis,
        "RATELIMIT_STORAGE_URI": args.redis,
        "PYTHONPATH": str(ROOT),
        "WEB_CONCURRENCY": "2",
    }
    portal, base = start_gunicorn("wsgi:app", ROOT, env)
    failures: list[str] = []
    print(f"Load average before the run: {', '.join(f'{load:.2f}' for load in os.getloadavg())}", flush=True)
    print("| page | performance (≥ 90) | LCP s (< 2.5) | TBT ms | CLS (< 0.1) | accessibility | best practices | SEO |")
    print("|---|---|---|---|---|---|---|---|")
    try:
        for path in resolve(base, args.pages):
            try:
                fetch(base + path)
            except OSError as error:
                print(f"{path}: skipped ({error})", file=sys.stderr)
                continue
            s = lighthouse(base + path, chrome)
            marks = [name for name, goal in GOALS.items() if s[name] < goal]
            if s["lcp_s"] >= GOAL_LCP_S:
                marks.append("lcp")
            if s["cls"] >= GOAL_CLS:
                marks.append("cls")
            failures += [f"{path}: {mark}" for mark in marks]

            def cell(name: str, text: str, marks: list[str] = marks) -> str:
                return f"{text} ✗" if name in marks else text

            lcp, cls = f"{s['lcp_s']:.1f}", f"{s['cls']:.3f}"
            cells = [
                cell("performance", str(s["performance"])),
                cell("lcp", lcp),
                f"{s['tbt_ms']:.0f}",
                cell("cls", cls),
                cell("accessibility", str(s["accessibility"])),
                cell("best-practices", str(s["best-practices"])),
                cell("seo", str(s["seo"])),
            ]
            print(f"| `{path}` | " + " | ".join(cells) + " |", flush=True)
            if s["failed"]:
                print(f"    audits not passed: {', '.join(s['failed'])}", flush=True)  # type: ignore[arg-type]
    finally:
        stop(portal)
    print(f"Load average after the run: {', '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print("\nPASS" if not failures else "\nFAIL: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
