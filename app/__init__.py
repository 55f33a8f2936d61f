"""Accord: where a council's Members and Officers write their shared rules together."""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, has_request_context, request
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as settings
from app.auth.session_cookies import KeptCookieSessions
from app.boundaries import AccordRequest, IdConverter, limit_body, reject_nul_bytes
from app.extensions import cache, csrf, db, init_migrations, limiter
from app.sql import register_sqlite_functions
from app.startup import LazyBuilderRule
from app.transactions import takes_write_lock


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.request_class = AccordRequest
    app.session_interface = KeptCookieSessions()
    app.url_rule_class = LazyBuilderRule  # before any route is added
    app.url_map.converters["int"] = IdConverter
    app.before_request(limit_body)  # first: before anything reads the body
    app.before_request(reject_nul_bytes)
    env = (config or {}).get("ACCORD_ENV") or os.environ.get("ACCORD_ENV", "production")
    app.config.update(settings.settings(env, app.instance_path))
    app.config.update(config or {})
    app.config.update(settings.derived_settings(app.config))
    settings.check_settings(app.config)
    settings.check_production(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(os.path.join(app.root_path, "..", "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    from app.connections import init_connections

    init_connections(app)
    init_migrations(app, os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    WTFormsHelpers(app)

    from app.auth.login_sessions import init_sessions
    from app.security import init_security_headers

    init_sessions(app)
    init_security_headers(app)

    # Blueprints of one module keep ``bp`` in their ``routes``; a package of several view
    # modules keeps it in its ``blueprint`` module and imports those modules itself.
    from app import documents, recommendations, review
    from app.account import routes as account
    from app.amendments import routes as amendments
    from app.auth import routes as auth
    from app.discussions import routes as discussions
    from app.exports import routes as exports
    from app.joint_sessions import routes as joint_sessions
    from app.main import routes as main
    from app.notifications import routes as notifications
    from app.pages import routes as pages
    from app.passages import routes as passages
    from app.people import routes as people
    from app.personal_data import routes as personal_data
    from app.public import routes as public
    from app.search import routes as search
    from app.tasks import routes as tasks
    from app.two_factor import routes as two_factor
    from app.voting import routes as voting
    from app.word import routes as word

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(recommendations.bp)
    app.register_blueprint(discussions.bp)
    app.register_blueprint(voting.bp)
    app.register_blueprint(amendments.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(joint_sessions.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(two_factor.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(personal_data.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(passages.bp)
    app.register_blueprint(word.bp)

    from app import cli, errors, mail, observability, retries, templating

    observability.init_observability(app)

    retries.init_retries(app)
    mail.init_mail(app)
    errors.init_errors(app)
    templating.init_templating(app)
    cli.init_cli(app)

    from app.fragments import init_fragments
    from app.kept_pages import init_kept_pages
    from app.polls import init_polls
    from app.services.markers import init_markers

    init_fragments(app)
    init_polls(app)
    init_kept_pages(app)
    init_markers()
    if app.config["TRUSTED_PROXIES"]:
        # Outermost (around init_polls' and init_kept_pages' middleware). Behind a proxy, take
        # the client's address (for throttling) and scheme from its headers.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """The embedded database: write-ahead log, a busy timeout, and foreign keys enforced."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        register_sqlite_functions(dbapi_connection)
        # SQLAlchemy, not the sqlite3 module, begins transactions (see _sqlite_begin).
        dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """On SQLite, a request that changes things takes the write lock at its first statement.

    Otherwise two requests could both read (say) the last audit hash and then both write,
    and the second would fail instead of waiting its turn. PostgreSQL uses row locks and an
    advisory lock instead.
    """
    if connection.dialect.name != "sqlite":
        return
    writing = takes_write_lock() or (
        has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
