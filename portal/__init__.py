"""The JSNA portal application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from portal.config import CONFIGS, PROJECT_ROOT, Config

# Feature blueprints, in the order of the house's floors (see STYLE.md). Each module exposes ``bp``.
BLUEPRINT_MODULES: list[str] = [
    "portal.pages",
    "portal.auth",
    "portal.staff",
    "portal.admin",
    "portal.admin.erasure",
    "portal.indicators",
    "portal.segments",
    "portal.evidence",
    "portal.surveys",
    "portal.proposals",
    "portal.prioritisation",
    "portal.chapters",
    "portal.outcomes",
    "portal.search",
    "portal.api",
]


def create_app(config: type[Config] | Config | str | None = None, **overrides: Any) -> Flask:
    """Build the app: configure, then extensions, blueprints, error pages, commands and template helpers."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    configure(app, config, overrides)
    harden_inputs(app)
    register_extensions(app)
    # Outermost, so every WSGI layer below it (the page cache's fast path) sees the client's scheme and address.
    trust_proxies(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def configure(app: Flask, config: type[Config] | Config | str | None, overrides: dict[str, Any]) -> None:
    """Load the config class chosen by argument or PORTAL_ENV (development by default)."""
    if config is None:
        config = os.environ.get("PORTAL_ENV", "development")
    if isinstance(config, str):
        chosen = CONFIGS[config]
        config = chosen() if chosen.__name__ == "Production" else chosen
    app.config.from_object(config)
    app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite takes no pool_pre_ping benefit but a busy timeout instead (set per connection below).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    os.makedirs(app.instance_path, exist_ok=True)


def harden_inputs(app: Flask) -> None:
    """Before any route exists: ids in URLs bounded to 32 bits, query and form values cleaned of NULs, controls and
    bidi overrides (see portal.forms.NormalisedRequest)."""
    from portal.forms import NormalisedRequest
    from portal.security import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = NormalisedRequest


def trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from TRUSTED_PROXY_HOPS proxies' X-Forwarded-* headers."""
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from portal.access import enforce_access
    from portal.auth.sessions import init_sessions
    from portal.database import configure_sqlite_connections, end_sessions_safely, include_in_autogenerate
    from portal.extensions import compress, csrf, db, limiter, login_manager, migrate
    from portal.page_cache import init_page_cache
    from portal.request_log import init_request_log
    from portal.security import init_security
    from portal.static_assets import init_static_assets

    db.init_app(app)
    end_sessions_safely(app)
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=include_in_autogenerate,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    init_sessions(app, login_manager)
    with app.app_context():
        configure_sqlite_connections(db.engine)
    init_request_log(app)
    app.before_request(enforce_access)
    init_security(app)
    # after_request hooks run newest first: page cache and ETags, static cache headers, then compression (which also
    # answers conditional requests), then the security headers registered above.
    compress.init_app(app)
    init_static_assets(app)
    init_page_cache(app)


def register_blueprints(app: Flask) -> None:
    """Register each feature's blueprint."""
    import importlib

    for module_name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(module_name).bp)


def register_errorhandlers(app: Flask) -> None:
    """GOV.UK-style error pages."""
    from portal.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """The ``flask --app wsgi`` commands operators rely on."""
    from portal import backup
    from portal.cli import register

    register(app)
    backup.register(app)


def register_template_helpers(app: Flask) -> None:
    """Jinja loaders for the GOV.UK macros, and the globals and filters templates use."""
    from govuk_frontend_wtf.main import WTFormsHelpers

    from portal.template_helpers import register

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    register(app)
