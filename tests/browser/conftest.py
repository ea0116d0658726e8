"""Browser tests: the app served on loopback, driven by real headless Chromium, checked with axe.

They run when Chromium is installed at /usr/bin/chromium and are skipped, with that reason, otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every browser test, and skip them with the reason when Chromium is absent."""
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM}")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(_session_app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread, sharing the test database. Yields its base URL."""
    server = make_server("127.0.0.1", 0, _session_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(app: Flask, browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab (own cookies) per test; fails the test on any CSP violation or page error."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    tab.problems = problems
    try:
        yield tab
    finally:
        context.close()
    assert not problems, f"the browser reported problems: {problems}"


@pytest.fixture
def no_minimum_fill_time(app: Flask) -> Iterator[None]:
    """The live server shares the app: a browser (or a keyboard) fills the proposal pages faster than the
    production minimum, and one test may send several proposals."""
    saved = app.config["PROPOSAL_MIN_FILL_SECONDS"], app.config["PROPOSAL_SUBMIT_RATE_LIMIT"]
    app.config["PROPOSAL_MIN_FILL_SECONDS"] = 0
    app.config["PROPOSAL_SUBMIT_RATE_LIMIT"] = "1000 per minute"
    yield
    app.config["PROPOSAL_MIN_FILL_SECONDS"], app.config["PROPOSAL_SUBMIT_RATE_LIMIT"] = saved


@pytest.fixture
def assert_accessible() -> Callable[[Any], None]:
    """Run axe (WCAG 2.0 A/AA, 2.1 AA, 2.2 AA) on the page and fail on any violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(tab: Any) -> None:
        results = axe.run(tab, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
        violations = results.response.get("violations", [])
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in violations
        ]
        assert results.violations_count == 0, f"axe found violations on {tab.url}:\n" + "\n".join(summary)

    return check
