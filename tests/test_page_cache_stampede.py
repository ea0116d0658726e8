"""No cache stampede: after a change of data, concurrent requests for a page build it once (issue 17).

Real threaded servers on loopback answer concurrent requests. The page's view is wrapped, in these apps only, so that
it counts its runs and takes a while (as ``/indicators`` does under load); the guard itself is not replaced. With the
simple cache one server (one process's lock); with Redis two instances sharing the Redis lock and cache.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from portal import create_app
from portal.data_version import current_data_version
from portal.evidence import services
from portal.extensions import cache
from portal.page_cache import page_key
from portal.page_cache_locks import BuildLocks, RedisBuildLocks, build_lock_name
from tests.evidence.conftest import briefing_input

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
PATH = "/evidence"
FORM_PATH = "/sign-in"  # public, but never stored: it carries the visitor's CSRF token
CONCURRENT = 8
BUILD_SECONDS = 0.6


@dataclass
class Builds:
    """How many times the wrapped view ran, and whether its next run fails."""

    count: int = 0
    fail_next: bool = False
    running: int = 0
    peak: int = 0  # the most runs at the same time
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Site:
    """Instances serving the same data and cache, their base URLs, and the view's counter."""

    apps: list[Flask]
    bases: list[str]
    builds: Builds

    def publish(self, title: str) -> None:
        """Publish a briefing (a change of data version) from the first instance, as an editor or import would."""
        with self.apps[0].app_context():
            briefing = services.create_briefing(briefing_input(title=title), author_id=None)
            services.set_published(briefing.id, True, None)

    def version(self) -> str:
        with self.apps[0].app_context():
            return current_data_version()


def _instrument(app: Flask, builds: Builds, path: str) -> None:
    """Wrap a page's real view: count its runs, make it slow, and fail once when asked."""
    endpoint, _ = app.url_map.bind("localhost").match(path)
    view = app.view_functions[endpoint]

    @functools.wraps(view)  # keeps its declared access rule
    def counted(*args: Any, **kwargs: Any) -> Any:
        with builds.lock:
            builds.count += 1
            builds.running += 1
            builds.peak = max(builds.peak, builds.running)
            fail, builds.fail_next = builds.fail_next, False
        try:
            time.sleep(BUILD_SECONDS)
            if fail:
                raise RuntimeError("the builder failed")
            return view(*args, **kwargs)
        finally:
            with builds.lock:
                builds.running -= 1

    app.view_functions[endpoint] = counted


def _serve(app: Flask) -> tuple[BaseWSGIServer, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _instance(app: Flask, **config: Any) -> Flask:
    return create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PAGE_CACHE_ENABLED=True,
        MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=app.config["MAIL_PORT"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        CHART_CACHE_DIR=app.config["CHART_CACHE_DIR"],
        REQUEST_LOG=False,
        **config,
    )


@pytest.fixture(params=["simple", "redis"])
def site(request: pytest.FixtureRequest, app: Flask) -> Iterator[Site]:
    """One instance on the simple cache, or two instances on one Redis; wait for a build at most 10 s."""
    config: dict[str, Any] = {"PAGE_CACHE_BUILD_WAIT_SECONDS": 10.0}
    count = 1
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL is not set: no Redis server")
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).flushdb()
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis server")
        config["REDIS_URL"] = REDIS_URL
        count = 2
    builds = Builds()
    apps = [_instance(app, **config) for _ in range(count)]
    for instance in apps:
        for path in (PATH, FORM_PATH):
            _instrument(instance, builds, path)
    servers = [_serve(instance) for instance in apps]
    try:
        yield Site(apps, [f"http://127.0.0.1:{server.server_port}" for server, _ in servers], builds)
    finally:
        for server, thread in servers:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
        for instance in apps:
            with instance.app_context():
                cache.clear()
                from portal.extensions import db

                db.session.remove()
                db.engine.dispose()
        if request.param == "redis":
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read().decode("utf-8", "replace")


def _concurrently(bases: list[str], count: int, path: str = PATH) -> list[tuple[int, dict[str, str], str]]:
    """``count`` requests for the page at once, spread over the instances."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def fetch(index: int) -> None:
        start.wait()
        results[index] = _get(bases[index % len(bases)] + path)

    threads = [threading.Thread(target=fetch, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_requests_after_a_data_change_build_the_page_once(site: Site) -> None:
    assert _get(site.bases[0] + PATH)[0] == 200  # the page is stored under the old data version
    site.publish("Loneliness among older carers")
    site.builds.count = 0
    results = _concurrently(site.bases, CONCURRENT)
    assert site.builds.count == 1
    assert [status for status, _, _ in results] == [200] * CONCURRENT
    assert all("Loneliness among older carers" in body for _, _, body in results)
    assert sorted(headers.get("X-Page-Cache") for _, headers, _ in results) == ["hit"] * (CONCURRENT - 1) + ["miss"]
    # Stored once, for everyone: the next request on every instance is a hit without building.
    for base in site.bases:
        assert _get(base + PATH)[1].get("X-Page-Cache") == "hit"
    assert site.builds.count == 1


def test_when_the_builder_fails_the_others_still_get_the_page(site: Site) -> None:
    site.publish("Winter pressures on GP surgeries")
    site.builds.fail_next = True
    results = _concurrently(site.bases, CONCURRENT)
    statuses = [status for status, _, _ in results]
    assert statuses.count(500) == 1  # only the failing builder's own visitor sees its error
    assert statuses.count(200) == CONCURRENT - 1
    assert all("Winter pressures on GP surgeries" in body for status, _, body in results if status == 200)
    # The page was stored by a request that built it after the failure.
    assert _get(site.bases[-1] + PATH)[1].get("X-Page-Cache") == "hit"


def test_a_page_that_is_never_stored_is_not_held_up_by_the_guard(site: Site) -> None:
    for instance in site.apps:
        instance.config["PAGE_CACHE_BUILD_WAIT_SECONDS"] = 1.5  # longer than a build
    assert _get(site.bases[0] + FORM_PATH)[0] == 200  # built once, not stored
    time.sleep(1.7)  # longer than a build lock or a failed build's word lasts
    site.builds.count = site.builds.peak = 0
    results = _concurrently(site.bases, CONCURRENT, FORM_PATH)
    assert [status for status, _, _ in results] == [200] * CONCURRENT
    # Every request built its own page at the same time: none waited for another's build that would never be stored.
    assert site.builds.count == CONCURRENT and site.builds.peak == CONCURRENT


def test_a_lock_left_by_a_dead_builder_delays_the_page_at_most_the_wait_and_expires(site: Site) -> None:
    wait = 1.0
    for instance in site.apps:
        instance.config["PAGE_CACHE_BUILD_WAIT_SECONDS"] = wait
    site.publish("Childhood immunisation uptake")
    key = page_key({"wsgi.url_scheme": "http", "PATH_INFO": PATH, "QUERY_STRING": ""})
    name = build_lock_name(key, site.version())
    locks = site.apps[0].extensions["page_cache_build_locks"]
    assert locks.acquire(name, "dead-builder", wait) == (True, None)  # a builder that then died
    started = time.monotonic()
    status, headers, body = _get(site.bases[-1] + PATH)
    # Never an error because of the lock: the request waited for the dead builder, then built the page itself.
    assert status == 200 and "Childhood immunisation uptake" in body and headers.get("X-Page-Cache") == "miss"
    assert time.monotonic() - started >= wait * 0.9
    time.sleep(0.2)
    # The lock has expired: anyone can take it now.
    assert locks.acquire(name, "next-builder", wait) == (True, None)


@pytest.mark.parametrize("kind", ["simple", "redis"])
def test_only_the_owner_releases_a_build_lock(kind: str) -> None:
    locks: BuildLocks | RedisBuildLocks
    if kind == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL is not set: no Redis server")
        app = create_app("test", REDIS_URL=REDIS_URL)
        locks = app.extensions["page_cache_build_locks"]
        assert isinstance(locks, RedisBuildLocks)
        locks.client.delete(locks.prefix + "owner-test")
    else:
        locks = BuildLocks()
    assert locks.acquire("owner-test", "mine", 5) == (True, None)
    locks.release("owner-test", "someone-else", True, 5)
    assert locks.acquire("owner-test", "theirs", 5) == (False, "mine")
    locks.release("owner-test", "mine", True, 5)
    assert locks.acquire("owner-test", "theirs", 5) == (True, None)
    # A builder that stored nothing leaves word for the waiters to build their own, instead of the lock.
    locks.release("owner-test", "theirs", False, 5)
    assert locks.acquire("owner-test", "later", 5) == (False, "not-stored")
    if isinstance(locks, RedisBuildLocks):
        assert 0 < locks.client.pttl(locks.prefix + "owner-test") <= 5000
        locks.client.delete(locks.prefix + "owner-test")
