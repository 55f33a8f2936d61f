"""Extensions, created unbound and initialised in the application factory."""

from __future__ import annotations

import click
from flask import Flask, g, request
from flask.cli import with_appcontext
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
cache = Cache()  # rendered fragments (app/fragments.py) and published exports

# The methods Accord's rate limits count: every limit (the sign-in throttles in
# app/auth/throttles.py, the password reset) is on sent forms.
LIMITED_METHODS = frozenset({"POST"})


@limiter.request_filter
def _no_limit_applies() -> bool:
    """Requests with a method no limit counts (reading a page, a live poll, a download) are
    not put to the limiter at all: finding that no limit applies cost about 65 µs of every
    request. A test checks that every limit declared counts only ``LIMITED_METHODS``."""
    return request.method not in LIMITED_METHODS


def init_migrations(app: Flask, directory: str) -> None:
    """Flask-Migrate for ``app``, set up only when first used.

    Importing Flask-Migrate imports Alembic (about 0.1 s), which only ``flask db ...`` and code
    that migrates (the tests, the benchmarks) need: ``flask db`` is a group that loads the real
    one when it is run, and ``app.extensions["migrate"]`` sets Flask-Migrate up when first read
    (``flask_migrate.upgrade()`` and ``migrations/env.py`` read it)."""
    app.extensions["migrate"] = _LazyMigrate(app, directory)
    app.cli.add_command(_LazyDbGroup(app))


def _load_migrate(app: Flask) -> object:
    lazy = app.extensions["migrate"]
    if isinstance(lazy, _LazyMigrate):
        from flask_migrate import Migrate

        ours = app.cli.commands.get("db")
        Migrate().init_app(app, db, directory=lazy.directory)
        if ours is not None:  # init_app adds Flask-Migrate's own "flask db": keep ours (lazy,
            app.cli.add_command(ours)  # its downgrade guarded, see app/ops_cli.py)
    return app.extensions["migrate"]


class _LazyMigrate:
    """Stands in ``app.extensions["migrate"]`` until Flask-Migrate's own config is read."""

    def __init__(self, app: Flask, directory: str) -> None:
        self.app = app
        self.directory = directory

    def __getattr__(self, name: str):
        return getattr(_load_migrate(self.app), name)


class _LazyDbGroup(click.Group):
    """``flask db``: Flask-Migrate's command group, imported when it is run."""

    def __init__(self, app: Flask) -> None:
        super().__init__(
            "db",
            help="Perform database migrations.",
            callback=with_appcontext(self._options),  # sets g, as Flask-Migrate's does
            params=[  # Flask-Migrate's own group's options, which it reads from ``g``
                click.Option(
                    ["-d", "--directory"],
                    default=None,
                    help='Migration script directory (default is "migrations")',
                ),
                click.Option(
                    ["-x", "--x-arg"],
                    multiple=True,
                    help="Additional arguments consumed by custom env.py scripts",
                ),
            ],
        )
        self.app = app

    @staticmethod
    def _options(directory: str | None, x_arg: tuple[str, ...]) -> None:
        g.directory = directory
        g.x_arg = x_arg

    def _real(self) -> click.Group:
        _load_migrate(self.app)
        from flask_migrate.cli import db as real

        return real

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "downgrade":  # refuses to drop data unless told (app/ops_cli.py)
            from app.ops_cli import guarded_downgrade

            return guarded_downgrade
        return self._real().get_command(ctx, cmd_name)
