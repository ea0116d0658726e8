"""gunicorn settings for production: ``gunicorn wsgi:app`` reads this file from the working directory.

Every setting can be overridden from the environment (WEB_CONCURRENCY, PORT, GUNICORN_TIMEOUT). Instances are
stateless: sessions are signed cookies, and the cache, rate-limit counters and queues live in Redis (REDIS_URL,
RATELIMIT_STORAGE_URI), so run as many instances as you like behind the load balancer.
"""

import gc
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in any library can never take an instance down. The app is loaded
# once in the master (preload) and every worker is forked from it: a recycled worker answers within milliseconds.
# Without preload each new worker imported the app itself (seconds of CPU, tens of seconds on a busy machine), and
# with 2,000 requests per worker both workers of an instance restarted within seconds of each other under load, so
# it stopped answering while they booted (issue 17's p99).
preload_app = True
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def pre_fork(server: object, worker: object) -> None:
    """Move everything the master loaded out of the garbage collector's sight: the workers' collections then walk only
    what a request creates (shorter pauses, so a better p99), and they share more memory with the master."""
    gc.freeze()


def post_fork(server: object, worker: object) -> None:
    """A forked worker opens its own database connections: none made while the master loaded the app are shared."""
    app = server.app.wsgi()  # type: ignore[attr-defined]
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not the portal (e.g. the benchmarks' hello-world)
    from portal.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
