"""Configuration classes. Secrets and the database URL come from the environment."""

from __future__ import annotations

import os
import runpy
import secrets
import shlex
import sys
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def _database_url(default_sqlite: Path) -> str:
    """Return DATABASE_URL (PostgreSQL via psycopg 3) or the default SQLite file in instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{default_sqlite}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named explicitly.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _ratelimit_storage() -> str:
    """RATELIMIT_STORAGE_URI, else Redis when REDIS_URL is set (shared by every worker), else memory://."""
    return os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"


def configured_workers(argv: list[str] | None = None) -> int:
    """How many worker processes gunicorn is set to run: ``-w``/``--workers`` on its command line or in
    GUNICORN_CMD_ARGS, else ``workers`` in its config file (``-c``/``--config``, or ./gunicorn.conf.py), else
    WEB_CONCURRENCY, else 1."""
    argv = sys.argv if argv is None else argv
    under_gunicorn = bool(argv) and Path(argv[0]).name.startswith("gunicorn")
    words = (argv[1:] if under_gunicorn else []) + shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))
    config_file = "gunicorn.conf.py"
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        value = None
        if word in ("-w", "--workers"):
            value = following
        elif word.startswith("--workers="):
            value = word.split("=", 1)[1]
        elif word.startswith("-w") and word[2:].isdigit():
            value = word[2:]
        elif word in ("-c", "--config"):
            config_file = following
        elif word.startswith("--config="):
            config_file = word.split("=", 1)[1]
        if value and value.isdigit():
            return int(value)
    if under_gunicorn and Path(config_file).is_file():
        # gunicorn runs this file to read its settings; reading it the same way gives the same answer.
        workers = runpy.run_path(config_file).get("workers")
        if isinstance(workers, int):
            return workers
    concurrency = os.environ.get("WEB_CONCURRENCY", "")
    return int(concurrency) if concurrency.isdigit() else 1


def _development_secret_key() -> str:
    """Return SECRET_KEY from the environment, or a key generated once and kept in instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Settings shared by every environment."""

    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Wolverhampton JSNA")
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "City of Wolverhampton Council")
    HOME_AREA_CODE = os.environ.get("HOME_AREA_CODE", "E08000031")
    HOME_REGION_CODE = os.environ.get("HOME_REGION_CODE", "E12000005")
    ENGLAND_CODE = "E92000001"
    # DfE children's-services LA number, used to pick the statistical neighbour group.
    HOME_OLD_LA_CODE = os.environ.get("HOME_OLD_LA_CODE", "336")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "jsna@wolverhampton.gov.uk")

    SQLALCHEMY_DATABASE_URI = _database_url(INSTANCE_DIR / "portal.sqlite3")
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long forms don't expire mid-answer

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # Shared by every worker when it is Redis; memory:// counts per worker process (see Production).
    RATELIMIT_STORAGE_URI = _ratelimit_storage()
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = "10 per minute;50 per hour"
    # One JSON line per request on stderr (logger "portal.requests"): method, route pattern, status, time taken.
    REQUEST_LOG = os.environ.get("REQUEST_LOG", "1") != "0"
    # `flask retention run` de-personalises proposers' contact details on proposals sent longer ago than this.
    PROPOSER_CONTACT_RETENTION_MONTHS = int(os.environ.get("PROPOSER_CONTACT_RETENTION_MONTHS", "24"))
    # Per client address, over the whole open data API: enough to download every indicator's data in a few minutes,
    # not enough for one client to hold the workers (one indicator's data can be tens of megabytes).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute;3000 per hour")
    # Per account, whichever addresses the guesses come from: locked after this many wrong passwords in a row, for
    # the base time, doubling with each further one up to the maximum (see portal/auth/throttle.py).
    SIGN_IN_LOCKOUT_AFTER = int(os.environ.get("SIGN_IN_LOCKOUT_AFTER", "5"))
    SIGN_IN_LOCKOUT_BASE_SECONDS = int(os.environ.get("SIGN_IN_LOCKOUT_BASE_SECONDS", "60"))
    SIGN_IN_LOCKOUT_MAX_SECONDS = int(os.environ.get("SIGN_IN_LOCKOUT_MAX_SECONDS", "900"))
    # Topic proposals' spam defences: the question pages must take at least this long from the first page to
    # sending, and one address may send only so many proposals (flask-limiter syntax).
    PROPOSAL_MIN_FILL_SECONDS = float(os.environ.get("PROPOSAL_MIN_FILL_SECONDS", "3"))
    PROPOSAL_SUBMIT_RATE_LIMIT = os.environ.get("PROPOSAL_SUBMIT_RATE_LIMIT", "5 per minute;30 per hour")

    # Anonymous survey answers reach results in shuffled batches of at least this many, so that nothing stored
    # (not even PostgreSQL's transaction ids or row order) ties an answer to who sent it. 1 turns batching off.
    SURVEY_RELEASE_BATCH = int(os.environ.get("SURVEY_RELEASE_BATCH", "5"))

    # Commissioners are asked to respond to a chapter's recommendations within this many days of publication.
    CHAPTER_RESPONSE_DAYS = int(os.environ.get("CHAPTER_RESPONSE_DAYS", "60"))

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")  # "smtp" or "console"
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "false").lower() == "true"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Wolverhampton JSNA <no-reply@jsna.wolverhampton.gov.uk>")
    MAIL_TIMEOUT = 10

    PASSWORD_MIN_LENGTH = 10
    # A person's copy of their data (UK GDPR right of access) is a single-use link that lasts this long.
    PERSONAL_DATA_LINK_HOURS = int(os.environ.get("PERSONAL_DATA_LINK_HOURS", "24"))
    # Asking for a copy of your data by email address (no account): per client address.
    YOUR_DATA_RATE_LIMIT = os.environ.get("YOUR_DATA_RATE_LIMIT", "5 per hour")
    EMAIL_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 3600

    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Compression (flask-compress): brotli where the client accepts it, else gzip; static files are streamed.
    COMPRESS_ALGORITHM: ClassVar[list[str]] = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING: ClassVar[list[str]] = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5
    COMPRESS_LEVEL = 6
    # Whole public pages for anonymous visitors (portal/page_cache.py), kept at most this long even if no data changes
    # (pages that depend on the date, such as a survey's closing, change within this time).
    PAGE_CACHE_ENABLED = os.environ.get("PAGE_CACHE_ENABLED", "true").lower() == "true"
    PAGE_CACHE_TIMEOUT = int(os.environ.get("PAGE_CACHE_TIMEOUT", "120"))
    # How long the data version is kept in the cache: the longest an instance could serve pages older than a change
    # if the process that made it died between its commit and publishing the new version (portal/page_cache.py).
    PAGE_CACHE_VERSION_SECONDS = int(os.environ.get("PAGE_CACHE_VERSION_SECONDS", "5"))
    # On a miss one request builds a page while the others wait at most this long for it, then build their own; the
    # build lock expires after the same time (portal/page_cache.py). 0 turns the guard off.
    PAGE_CACHE_BUILD_WAIT_SECONDS = float(os.environ.get("PAGE_CACHE_BUILD_WAIT_SECONDS", "5"))
    # Survey invitations to more people than this are emailed in the background (the "email" queue).
    INVITATIONS_INLINE_MAX = 20
    # Behind a load balancer or reverse proxy, how many proxies' X-Forwarded-For/-Proto/-Host headers to trust.
    # Without it every visitor shares the proxy's address (rate limits) and HTTPS is not recognised (HSTS).
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
    DATA_DIR = PROJECT_ROOT / "data"
    # Uploaded files (large imports waiting for the worker, evidence attachments): with instances or workers on more
    # than one machine, point this at storage they all share.
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR") or INSTANCE_DIR / "uploads")
    CHART_CACHE_DIR = INSTANCE_DIR / "chart-cache"
    PREFERRED_URL_SCHEME = "http"
    SERVER_BASE_URL = os.environ.get("SERVER_BASE_URL", "http://127.0.0.1:5000")


class Development(Config):
    """Local development: console email, generated secret key."""

    DEBUG = False
    SECRET_KEY = _development_secret_key()
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")


class Test(Config):
    """The test suite: a throwaway database chosen by the fixtures, a loopback SMTP server."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_BACKEND = "smtp"
    SERVER_NAME = None
    PASSWORD_HASH_FAST = True
    # Other features' tests expect an anonymous answer in the results at once; the anonymity tests set 5.
    SURVEY_RELEASE_BATCH = 1
    # Other features' tests change data behind the ORM's back and move the clock; the page cache tests turn it on.
    PAGE_CACHE_ENABLED = False


class Production(Config):
    """Production: everything secret must come from the environment."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def __init__(self) -> None:
        secret = os.environ.get("SECRET_KEY")
        if not secret:
            raise RuntimeError("SECRET_KEY must be set in production")
        self.SECRET_KEY = secret
        self.RATELIMIT_STORAGE_URI = _ratelimit_storage()
        workers = configured_workers()
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and workers > 1:
            # Each worker would count on its own: with 3 workers "20 per hour" lets 60 through.
            raise RuntimeError(
                f"{workers} workers are configured but rate limits are kept in each worker's memory. "
                "Set REDIS_URL (or RATELIMIT_STORAGE_URI) so every worker shares the same counts."
            )


CONFIGS: dict[str, type[Config]] = {"development": Development, "test": Test, "production": Production}
