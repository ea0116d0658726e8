"""Work outside a request (issue 17): feature code never builds an app; ``worker.py`` builds one for all its jobs."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from flask import Flask, current_app

from tests.helpers import run_rq_worker

PORTAL = Path(__file__).resolve().parents[1] / "portal"
FACTORY_MODULE = PORTAL / "__init__.py"


def factory_uses(source: str, package: str) -> list[int]:
    """Line numbers where ``source``, a module of the (dotted) ``package``, imports or reaches the app factory."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from this module's package
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            names = {alias.name for alias in node.names}
            if (base == "portal" and names & {"create_app", "*"}) or base == "portal.__init__":
                lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "create_app":
            lines.append(node.lineno)
        elif isinstance(node, ast.Constant) and node.value in ("create_app", "portal:create_app"):
            lines.append(node.lineno)  # getattr(portal, "create_app"), import strings
    return lines


@pytest.mark.parametrize(
    ("source", "package", "found"),
    [
        ("from portal import create_app\n", "portal.indicators", [1]),
        ("import portal\napp = portal.create_app()\n", "portal.surveys", [2]),
        ("from .. import create_app\n", "portal.indicators", [1]),
        ("from . import create_app\n", "portal", [1]),
        ("from portal import *\n", "portal", [1]),
        ("x = getattr(__import__('portal'), 'create_app')\n", "portal", [1]),
        ("from portal import background\nfrom flask import current_app\n", "portal.indicators", []),
        ("from . import create_app\n", "portal.indicators", []),
    ],
)
def test_the_check_recognises_every_way_of_reaching_the_factory(source: str, package: str, found: list[int]) -> None:
    assert factory_uses(source, package) == found


def test_no_module_in_portal_but_its_init_imports_the_app_factory() -> None:
    offenders = []
    for path in sorted(PORTAL.rglob("*.py")):
        if path == FACTORY_MODULE:
            continue
        package = ".".join(path.parent.relative_to(PORTAL.parent).parts)
        offenders += [f"{path.relative_to(PORTAL.parent)}:{line}" for line in factory_uses(path.read_text(), package)]
    assert offenders == [], "queue plain functions and let worker.py build the app (see portal/background.py)"


MARK = "tests.test_worker: a job has run in this app"


def describe_app() -> tuple[int, int, bool]:
    """A job: (process id, the app's identity, whether an earlier job already ran in this very app object)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    seen_before = bool(app.extensions.get(MARK))
    app.extensions[MARK] = True
    return os.getpid(), id(app), seen_before


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set: no Redis server for RQ")
def test_worker_py_runs_many_jobs_in_the_one_app_it_built(app: Flask) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    from portal.background import submit

    redis_url = os.environ["TEST_REDIS_URL"]
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    app.config.update(REDIS_URL=redis_url)
    try:
        job_ids = [submit("worker-test", describe_app), submit("worker-test", describe_app)]
    finally:
        app.config.update(REDIS_URL=None)
    assert Queue("worker-test", connection=connection).count == 2

    run_rq_worker(redis_url, "worker-test", app.config["SQLALCHEMY_DATABASE_URI"])

    first, second = (Job.fetch(str(job_id), connection=connection).return_value() for job_id in job_ids)
    connection.flushdb()
    assert first[0] == second[0] != os.getpid(), "both jobs ran in the worker's own process"
    assert first[1] == second[1], "in the same app object"
    assert (first[2], second[2]) == (False, True), "the second job found the mark the first left on that app"
