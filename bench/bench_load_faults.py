"""Load and faults on PostgreSQL (issue 13): 1,000 proposals and 1,000 anonymous survey responses sent through the
real forms by 50 concurrent clients to real gunicorn instances, while PostgreSQL is restarted 3 times.

The script starts everything it uses, so it never touches a shared server: a throwaway PostgreSQL 15 cluster
(initdb into a temporary directory, a free port; as the ``postgres`` user via ``su`` when run as root), the schema
from the migrations, one open anonymous survey, and 2 gunicorn instances (production settings, 2 sync workers each;
rate limits off, since every client comes from 127.0.0.1). Each client walks the question pages as a browser does;
a failed step (connection refused, 5xx) is retried after a pause with the same session, so a final "send" is retried
with the same submission token. A write is *acknowledged* when the server redirects to its confirmation page.

Every proposal's title and every survey answer carries a unique marker, so afterwards the script counts, in the
database: stored rows, acknowledged writes missing from it (lost: must be 0), markers stored twice (duplicates:
must be 0), and rows stored without an acknowledgement (the connection dropped after the commit: allowed). It prints
errors by kind and latency percentiles, and exits 1 if anything was lost or duplicated, or the run did not finish.

    .venv/bin/python bench/bench_load_faults.py [--proposals 1000] [--responses 1000] [--clients 50] [--restarts 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'([a-z_-]+)="([^"]*)"')
PROPOSAL_PAGES: list[tuple[str, dict[str, Any]]] = [
    ("need", {"need": "Many older people live alone and rarely see anyone."}),
    ("who", {"population_groups": ["carers"]}),
    ("ages", {"age_groups": ["65_plus"]}),
    ("wards", {"wards": ["whole_city"]}),
    ("evidence", {"evidence_of_need": "Befriending services have waiting lists."}),
    ("indicators", {}),
    ("decisions", {"decisions_informed": "Commissioning of befriending services."}),
    ("proposer", {"proposer_type": "public"}),
    ("contact", {}),
]
GIVE_UP_SECONDS = 120  # one step retried for longer than this counts as a failed write


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A throwaway PostgreSQL cluster of our own (never the shared server)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="portal-load-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["su", "postgres", "-c", " ".join(f"'{a}'" for a in command)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def start(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")  # fmt: skip
        self._pg_ctl("start")
        subprocess.run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc",
                        "CREATE DATABASE portal"], check=True)  # fmt: skip

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o", options, action, *extra)

    def restart(self) -> float:
        """Restart in fast mode (open connections are cut, as in a crash or failover); returns the seconds taken."""
        started = time.perf_counter()
        self._pg_ctl("restart", "-m", "fast")
        return time.perf_counter() - started

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/portal"


def prepare_database(url: str) -> int:
    """Build the schema from the migrations and one open anonymous survey with a free-text question; its id."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Survey, SurveyQuestion, SurveySection

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://"))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        survey = Survey(
            title="Load test survey", summary="Load test.", audience="public", anonymous=True, status="open"
        )
        section = SurveySection(title="Your view", position=0, description="")
        survey.sections = [section]
        db.session.add(survey)
        db.session.flush()
        section.questions.append(SurveyQuestion(survey_id=survey.id, position=0, kind="short_text", title="Say hello"))
        db.session.commit()
        survey_id = survey.id
        db.engine.dispose()
    return survey_id


def start_gunicorn(port: int, database_url: str, redis_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "load-test-secret-key-not-for-production",
        "RATELIMIT_STORAGE_URI": redis_url,
        "WEB_CONCURRENCY": "2",
        "PORT": str(port),
        "REQUEST_LOG": "0",
    }
    env.pop("REDIS_URL", None)  # background work in-process: no RQ worker runs here
    # Production settings, except what plain http on loopback and 50 clients from one address need.
    factory = (
        "portal:create_app('production', SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, "
        "PREFERRED_URL_SCHEME='http', RATELIMIT_ENABLED=False, PROPOSAL_MIN_FILL_SECONDS=0, MAIL_BACKEND='console')"
    )
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile", "/dev/null",
               factory]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/cookies", timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"gunicorn on port {port} did not start; see {log}")


@dataclass
class Tally:
    """What the clients saw, shared between threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    write_latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    # Server errors other than 503 (a 500 is a bug: an outage must answer 503), by "METHOD /path -> HTTP status",
    # and 503 answers without the Retry-After header they should carry.
    server_errors: Counter[str] = field(default_factory=Counter)
    no_retry_after: Counter[str] = field(default_factory=Counter)
    acknowledged: dict[str, set[str]] = field(default_factory=lambda: {"proposal": set(), "response": set()})
    failed: Counter[str] = field(default_factory=Counter)
    done: int = 0

    def request(self, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if problem:
                self.errors[problem] += 1

    def server_error(self, method: str, path: str, response: requests.Response) -> None:
        with self.lock:
            if response.status_code != 503:
                self.server_errors[f"{method} {path} -> HTTP {response.status_code}"] += 1
            elif "Retry-After" not in response.headers:
                self.no_retry_after[f"{method} {path}"] += 1


# Flask logs an unhandled exception as "Exception on /path [METHOD]" and its traceback; gunicorn logs one that escaped
# the app (a failing error handler or teardown: its bare 500) as "Error handling request /path" and its traceback.
LOGGED_ERROR = re.compile(r"Exception on (?P<path>\S+) \[(?P<method>[A-Z]+)\]|Error handling request (?P<bare>\S+)")
LOG_RECORD = re.compile(r"^\[\d{4}-\d\d-\d\d ")  # gunicorn's and Flask's records start with their time
EXCEPTION_LINE = re.compile(r"^(?P<name>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\w*)(?::|$)")


def logged_server_errors(logs: list[Path]) -> Counter[str]:
    """Each traceback the servers logged for an unhandled exception: "METHOD /path: Class (raised while handling: ...)".

    A traceback's last exception line is the one that escaped; the earlier ones ("During handling of the above
    exception ...") are what it was raised from, so a database error turned into something else shows both.
    """
    found: Counter[str] = Counter()
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        for number, line in enumerate(lines):
            match = LOGGED_ERROR.search(line)
            if match is None:
                continue
            where = f"{match['method']} {match['path']}" if match["path"] else f"(bare gunicorn 500) {match['bare']}"
            classes: list[str] = []
            for following in lines[number + 1 : number + 400]:
                if LOG_RECORD.match(following) or LOGGED_ERROR.search(following):
                    break  # the next log record
                exception = EXCEPTION_LINE.match(following)
                if exception is not None:
                    classes.append(exception["name"])
            what = classes[-1] if classes else "(no traceback)"
            if len(classes) > 1:
                what += f" (raised while handling: {', '.join(dict.fromkeys(classes[:-1]))})"
            found[f"{where}: {what}"] += 1
    return found


class Client:
    """One browser: a requests session that walks the forms, retrying a failed step."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base = base
        self.tally = tally
        self.http = requests.Session()

    def call(self, method: str, path: str, data: dict[str, Any] | None = None) -> requests.Response:
        """One request, retried (same data, same session) until it is answered without a 5xx."""
        give_up = time.time() + GIVE_UP_SECONDS
        while True:
            started = time.perf_counter()
            try:
                response = self.http.request(method, self.base + path, data=data, allow_redirects=False, timeout=30)
            except requests.RequestException as exc:
                self.tally.request(time.perf_counter() - started, f"connection: {type(exc).__name__}")
            else:
                status = response.status_code
                self.tally.request(time.perf_counter() - started, f"HTTP {status}" if status >= 500 else None)
                if status >= 500:
                    self.tally.server_error(method, path, response)
                if status < 500:
                    return response
            if time.time() > give_up:
                raise TimeoutError(f"{method} {path} kept failing")
            time.sleep(0.5)

    def form_fields(self, path: str) -> tuple[dict[str, str], str]:
        """The hidden fields (CSRF token, submission token, start time) of the page at ``path``, and its HTML."""
        html = self.call("GET", path).text
        fields = {}
        for tag in INPUT.findall(html):
            attributes = dict(ATTRIBUTE.findall(tag))
            if attributes.get("type") == "hidden" and "name" in attributes:
                fields[attributes["name"]] = attributes.get("value", "")
        if "csrf_token" not in fields:
            raise RuntimeError(f"{path} has no CSRF token")
        return fields, html

    def propose(self, marker: str) -> bool:
        started = time.perf_counter()
        fields, _ = self.form_fields("/topics/propose/title")
        self.call("POST", "/topics/propose/title", {**fields, "title": f"Load test topic {marker}"})
        for slug, data in PROPOSAL_PAGES:
            response = self.call("POST", f"/topics/propose/{slug}", {"csrf_token": fields["csrf_token"], **data})
            if response.status_code != 303 or f"/topics/propose/{slug}" in response.headers.get("Location", ""):
                raise RuntimeError(f"page {slug} refused the answers ({response.status_code})")
        final, _ = self.form_fields("/topics/propose/check")
        response = self.call("POST", "/topics/propose/check", final)
        acknowledged = response.status_code == 303 and response.headers["Location"].endswith("/confirmation")
        if acknowledged:
            with self.tally.lock:
                self.tally.acknowledged["proposal"].add(marker)
                self.tally.write_latencies.append(time.perf_counter() - started)
        return acknowledged

    def respond(self, survey_id: int, marker: str) -> bool:
        started = time.perf_counter()
        self.http.cookies.clear()  # a new respondent each time
        self.call("GET", f"/surveys/{survey_id}/start")
        fields, html = self.form_fields(f"/surveys/{survey_id}/answer/1")
        question = re.search(r'name="(q\d+)"', html)
        if question is None:
            raise RuntimeError("the survey page has no question")
        answered = self.call("POST", f"/surveys/{survey_id}/answer/1", {**fields, question.group(1): f"hello {marker}"})
        if answered.status_code != 303:
            raise RuntimeError(f"the answer was refused ({answered.status_code})")
        response = self.call("POST", f"/surveys/{survey_id}/submit", {"csrf_token": fields["csrf_token"]})
        acknowledged = response.status_code == 303 and response.headers["Location"].endswith("/submitted")
        if acknowledged:
            with self.tally.lock:
                self.tally.acknowledged["response"].add(marker)
                self.tally.write_latencies.append(time.perf_counter() - started)
        return acknowledged


def run_client(number: int, bases: list[str], jobs: list[tuple[str, str]], survey_id: int, tally: Tally) -> None:
    client = Client(bases[number % len(bases)], tally)
    for kind, marker in jobs:
        try:
            ok = client.propose(marker) if kind == "proposal" else client.respond(survey_id, marker)
        except Exception as exc:  # a write that never got through is counted, not fatal to the run
            ok = False
            with tally.lock:
                tally.errors[f"gave up: {type(exc).__name__}"] += 1
        with tally.lock:
            tally.done += 1
            if not ok:
                tally.failed[kind] += 1


def stored_markers(url: str) -> tuple[Counter[str], Counter[str]]:
    """Markers found in stored proposals, and in survey answers (released or still pending release)."""
    import psycopg

    proposals: Counter[str] = Counter()
    responses: Counter[str] = Counter()
    with psycopg.connect(url) as connection:
        for (title,) in connection.execute("SELECT title FROM proposals WHERE title LIKE 'Load test topic %'"):
            proposals[title.removeprefix("Load test topic ")] += 1
        for table in ("survey_responses", "survey_pending_responses"):
            for (answers,) in connection.execute(f"SELECT answers FROM {table}"):  # noqa: S608 - fixed names
                for value in answers.values():
                    if isinstance(value, str) and value.startswith("hello "):
                        responses[value.removeprefix("hello ")] += 1
    return proposals, responses


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--responses", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:56379/5"))
    args = parser.parse_args()

    cluster = Cluster()
    cluster.start()
    logs = Path(tempfile.mkdtemp(prefix="portal-load-logs-"))
    servers: list[subprocess.Popen[bytes]] = []
    server_logs: list[Path] = []
    try:
        survey_id = prepare_database(cluster.url)
        ports = [free_port() for _ in range(args.instances)]
        server_logs = [logs / f"gunicorn-{p}.log" for p in ports]
        servers = [start_gunicorn(p, cluster.url, args.redis, log) for p, log in zip(ports, server_logs, strict=True)]
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        jobs = [("proposal", f"p{n:05d}") for n in range(args.proposals)]
        jobs += [("response", f"r{n:05d}") for n in range(args.responses)]
        jobs.sort(key=lambda job: int(job[1][1:]))  # proposals and responses interleaved
        per_client = [jobs[n :: args.clients] for n in range(args.clients)]
        tally = Tally()
        threads = [threading.Thread(target=run_client, args=(n, bases, per_client[n], survey_id, tally), daemon=True)
                   for n in range(args.clients)]  # fmt: skip
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        restarts: list[float] = []
        for n in range(1, args.restarts + 1):  # at a quarter, a half and three quarters of the writes
            while tally.done < len(jobs) * n / (args.restarts + 1) and any(t.is_alive() for t in threads):
                time.sleep(0.2)
            restarts.append(cluster.restart())
            print(f"  PostgreSQL restarted ({restarts[-1]:.1f} s) after {tally.done} of {len(jobs)} writes", flush=True)
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        # Pending anonymous answers stay pending until a batch fills: they are stored, and counted from that table.
        proposals, responses = stored_markers(cluster.url)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        cluster.stop()

    took = ", ".join(f"{seconds:.1f} s" for seconds in restarts)
    print(f"\nLoad and faults on PostgreSQL: {args.clients} clients, {args.instances} gunicorn instances x 2 workers, "
          f"{len(restarts)} PostgreSQL restarts ({took}), {elapsed:.0f} s")  # fmt: skip
    print("| writes | sent | acknowledged | stored rows | lost | duplicates | stored, not acknowledged | failed |")
    print("|---|---|---|---|---|---|---|---|")
    lost_total = duplicates_total = 0
    for kind, sent, stored in (
        ("proposals", args.proposals, proposals),
        ("survey responses", args.responses, responses),
    ):
        acked = tally.acknowledged["proposal" if kind == "proposals" else "response"]
        lost = len(acked - set(stored))
        duplicates = sum(count - 1 for count in stored.values() if count > 1)
        unacked = len(set(stored) - acked)
        failed = tally.failed["proposal" if kind == "proposals" else "response"]
        lost_total += lost
        duplicates_total += duplicates
        print(f"| {kind} | {sent} | {len(acked)} | {sum(stored.values())} | {lost} | {duplicates} | {unacked} | "
              f"{failed} |")  # fmt: skip
    print(
        f"\nRequests: {len(tally.latencies)}; latency p50 {percentile(tally.latencies, 0.5):.0f} ms, "
        f"p99 {percentile(tally.latencies, 0.99):.0f} ms; whole write (all its pages) p50 "
        f"{percentile(tally.write_latencies, 0.5):.0f} ms, p99 {percentile(tally.write_latencies, 0.99):.0f} ms"
    )
    if tally.latencies:
        print(f"Mean request {statistics.mean(tally.latencies) * 1000:.0f} ms")
    print("Errors by kind (each retried):", dict(tally.errors.most_common()) or "none")
    if tally.no_retry_after:
        print("503 answers without Retry-After:", dict(tally.no_retry_after.most_common()))
    logged = logged_server_errors(server_logs)
    if tally.server_errors or logged:
        # While PostgreSQL is down the portal must answer 503: any other 5xx is a bug, reported with its route.
        print(f"\nSERVER ERRORS other than 503 ({sum(tally.server_errors.values())} answers):")
        for what, count in tally.server_errors.most_common():
            print(f"  {count} x {what}")
        print(f"Unhandled exceptions in the server logs ({logs}):")
        for what, count in logged.most_common():
            print(f"  {count} x {what}")
        if not logged:
            print("  none logged")
    complete = sum(tally.failed.values()) == 0
    verdict = lost_total == 0 and duplicates_total == 0 and complete
    print(
        f"\n{'PASS' if verdict else 'FAIL'}: lost {lost_total}, duplicates {duplicates_total}, "
        f"writes that never got through {sum(tally.failed.values())}"
    )
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
