"""Settings, read from environment variables.

``ACCORD_ENV`` chooses the profile: ``production`` (the default, so a forgotten variable fails
safe), ``development`` or ``test``.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
DEFAULT_AUDIT_KEY = "dev-only-audit-key-change-me"
AUDIT_KEY_MIN_LENGTH = 32
# Who must use two-factor sign-in unless TWO_FACTOR_REQUIRED_ROLES says otherwise (ASVS 6.3.3).
TWO_FACTOR_ROLES_IN_PRODUCTION = ("admin", "facilitator", "standards")
ROLE_NAMES = ("member", "officer", "facilitator", "standards", "admin")


class ConfigError(RuntimeError):
    """The settings would make the product unsafe or unable to run."""


def database_url(instance_path: str) -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` (PostgreSQL) or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'accord.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def derived_settings(config: dict) -> dict:
    """Settings computed from others once overrides are applied (unless given themselves):
    the engine's options from the database URL, the throttle storage's from its URI."""
    derived = {}
    if "SQLALCHEMY_ENGINE_OPTIONS" not in config:
        derived["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            config["SQLALCHEMY_DATABASE_URI"], config["DATABASE_CONNECT_TIMEOUT_SECONDS"]
        )
    if "RATELIMIT_STORAGE_OPTIONS" not in config:
        derived["RATELIMIT_STORAGE_OPTIONS"] = throttle_storage_options(
            config["RATELIMIT_STORAGE_URI"], config["RATELIMIT_STORAGE_TIMEOUT_SECONDS"]
        )
    return derived


def engine_options(url: str, timeout: int) -> dict:
    """SQLAlchemy engine options: pooled connections replaced after half an hour, and on
    PostgreSQL a server that does not answer fails the connection within ``timeout`` seconds
    (``DATABASE_CONNECT_TIMEOUT_SECONDS``, default 5) instead of holding the worker until
    gunicorn kills it, which answers gunicorn's bare "Internal Server Error" rather than the
    product's 503 page. ``tcp_user_timeout`` (milliseconds) bounds a server that vanishes
    mid-query the same way. A pooled connection is tested only after it has been idle a while
    (``app.connections``), not at every checkout, and replaced after ``pool_recycle`` seconds."""
    options: dict = {"pool_pre_ping": False, "pool_recycle": 1800}
    if url.startswith("postgresql"):
        options["connect_args"] = {
            "connect_timeout": timeout,
            "tcp_user_timeout": timeout * 2 * 1000,
        }
    return options


def throttle_storage_options(uri: str, timeout: int) -> dict:
    """Options for the throttle's storage (limits' ``storage_from_string``): its errors raised
    as ``limits.errors.StorageError``, which app/errors.py answers with 503 so sign-in fails
    closed; for Redis, connect and read time-outs of ``timeout`` seconds
    (``RATELIMIT_STORAGE_TIMEOUT_SECONDS``, default 2)."""
    options: dict = {"wrap_exceptions": True}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    return options


def _keys(value: str) -> list[str]:
    """Keys given as one environment variable, separated by commas or whitespace."""
    return [key for key in value.replace(",", " ").split() if key]


def _required_roles(env: str) -> list[str]:
    """The roles that must use two-factor sign-in: ``TWO_FACTOR_REQUIRED_ROLES`` (role names
    separated by commas or spaces, or ``none``); by default the administrators, facilitators
    and Standards Committee in production, and nobody on a laptop or in the test suite (so the
    demo accounts sign in with a password)."""
    value = os.environ.get("TWO_FACTOR_REQUIRED_ROLES")
    if value is None:
        return list(TWO_FACTOR_ROLES_IN_PRODUCTION) if env == "production" else []
    return [role for role in _keys(value.lower()) if role != "none"]


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def _integer(name: str, default: int) -> int:
    """The whole number in the environment variable ``name`` (``default`` when unset);
    ConfigError naming the setting when it is not a whole number."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    # Written as people write numbers: ASCII digits only (``int`` also takes "1_000" and "٣").
    if not _WHOLE_NUMBER.fullmatch(value):
        raise ConfigError(f"{name} must be a whole number; it is {value!r}.")
    return int(value)


def _minutes(name: str, default: int) -> timedelta | int:
    """The setting as a span of minutes; a number too large for one is kept as it is, for
    the start-up check to refuse by name (``BOUNDS``)."""
    minutes = _integer(name, default)
    try:
        return timedelta(minutes=minutes)
    except OverflowError:
        return minutes


# Numeric settings and the least (and most) value each can work with, checked at start-up in
# every profile: INVITATION_DAYS=0 would make every invitation fail, a page size of 0 every
# discussion. Keys are the config keys; a timedelta is counted in whole minutes. A span of
# time is added to or taken from the time now, so each has a most too: a year of minutes, ten
# years of days (COMMENT_EDIT_WINDOW_MINUTES=5000000000 passed, and every discussion failed).
A_YEAR_OF_MINUTES = 365 * 24 * 60
BOUNDS: dict[str, tuple[int, int | None, str]] = {
    "SESSION_IDLE_TIMEOUT": (1, A_YEAR_OF_MINUTES, "SESSION_IDLE_MINUTES"),
    "SESSION_ABSOLUTE_TIMEOUT": (1, A_YEAR_OF_MINUTES, "SESSION_ABSOLUTE_MINUTES"),
    "INVITATION_DAYS": (1, 365, "INVITATION_DAYS"),
    "PASSWORD_RESET_MINUTES": (1, 7 * 24 * 60, "PASSWORD_RESET_MINUTES"),
    "COMMENT_EDIT_WINDOW_MINUTES": (0, A_YEAR_OF_MINUTES, "COMMENT_EDIT_WINDOW_MINUTES"),
    "COMMENTS_PER_PAGE": (1, 500, "COMMENTS_PER_PAGE"),
    "LIVE_POLL_SECONDS": (1, 3600, "LIVE_POLL_SECONDS"),
    "TRUSTED_PROXIES": (0, 10, "TRUSTED_PROXIES"),
    "SMTP_PORT": (1, 65535, "SMTP_PORT"),
    "SMTP_TIMEOUT_SECONDS": (1, 3600, "SMTP_TIMEOUT_SECONDS"),
    "SIGN_IN_RECORDS_DAYS": (1, 3650, "SIGN_IN_RECORDS_DAYS"),
    "MAX_CONTENT_LENGTH": (64 * 1024, None, "MAX_CONTENT_LENGTH"),
    "MAX_IMPORT_CONTENT_LENGTH": (64 * 1024, None, "MAX_IMPORT_CONTENT_LENGTH"),
    "REPLIES_SHOWN": (0, 500, "REPLIES_SHOWN"),
    "REPLIES_PER_PAGE": (1, 500, "REPLIES_PER_PAGE"),
    "DATABASE_CONNECT_TIMEOUT_SECONDS": (1, 300, "DATABASE_CONNECT_TIMEOUT_SECONDS"),
    "RATELIMIT_STORAGE_TIMEOUT_SECONDS": (1, 300, "RATELIMIT_STORAGE_TIMEOUT_SECONDS"),
}
# Throttles, in the rate-limit notation ("5 per 15 minutes").
RATE_LIMITS = (
    "SIGN_IN_LIMIT_PER_ACCOUNT",
    "SIGN_IN_LIMIT_PER_ADDRESS",
    "PASSWORD_RESET_LIMIT_PER_ACCOUNT",
    "PASSWORD_RESET_LIMIT_PER_ADDRESS",
)


def _cache(env: str) -> dict:
    """The shared cache of rendered fragments and exports: Redis at ``CACHE_REDIS_URL`` (or,
    without it, the Redis the rate limiter uses), else a cache in each process. Entries are
    keyed by change markers and version hashes, so a cache per process is correct too, only
    less shared."""
    url = os.environ.get("CACHE_REDIS_URL", "").strip()
    limiter_store = os.environ.get("RATELIMIT_STORAGE_URI", "")
    if not url and limiter_store.startswith(("redis://", "rediss://")) and env != "test":
        url = limiter_store
    common = {
        "CACHE_DEFAULT_TIMEOUT": _integer("CACHE_DEFAULT_SECONDS", 24 * 3600),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "accord:"),
    }
    if url and env != "test":
        # A Redis that does not answer holds a page no longer than the throttle's would.
        timeout = _integer("RATELIMIT_STORAGE_TIMEOUT_SECONDS", 2)
        return {
            **common,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 5000}


def settings(env: str, instance_path: str) -> dict:
    """Every setting for the profile ``env``, from the environment where one is given."""
    is_production = env == "production"
    config = {
        "ACCORD_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        # The audit trail's HMAC key, and the keys it had before (see README, "The audit trail").
        "AUDIT_KEY": os.environ.get("AUDIT_KEY", DEFAULT_AUDIT_KEY),
        "AUDIT_KEYS_RETIRED": _keys(os.environ.get("AUDIT_KEYS_RETIRED", "")),
        # Two-factor secrets are encrypted with TWO_FACTOR_KEY (a Fernet key); the retired keys
        # still decrypt until ``flask two-factor rotate-key`` re-encrypts (see the README).
        "TWO_FACTOR_KEY": os.environ.get("TWO_FACTOR_KEY", "").strip(),
        "TWO_FACTOR_KEYS_RETIRED": _keys(os.environ.get("TWO_FACTOR_KEYS_RETIRED", "")),
        "TWO_FACTOR_REQUIRED_ROLES": _required_roles(env),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # How long a database or Redis that does not answer may hold a request (seconds).
        "DATABASE_CONNECT_TIMEOUT_SECONDS": _integer("DATABASE_CONNECT_TIMEOUT_SECONDS", 5),
        "RATELIMIT_STORAGE_TIMEOUT_SECONDS": _integer("RATELIMIT_STORAGE_TIMEOUT_SECONDS", 2),
        # In production the cookie is "__Host-" prefixed (ASVS 3.3.1): browsers then keep it
        # only if it is Secure, for this exact host (no Domain) and for every path.
        "SESSION_COOKIE_NAME": "__Host-accord_session" if is_production else "accord_session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_DURATION": timedelta(0),
        "SESSION_IDLE_TIMEOUT": _minutes("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_TIMEOUT": _minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60),
        "PERMANENT_SESSION_LIFETIME": _minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60),
        # The cookie is written only when the session changes (sign-in, the idle clock moved on
        # at most once a minute): the time-outs are enforced from the session's own fields
        # (app/auth/login_sessions.py), so an unchanged poll answers with no Set-Cookie.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Always given: Flask-Limiter otherwise keeps the value an earlier app in the process
        # set (its init_app reads it with setdefault on the one shared limiter).
        "RATELIMIT_ENABLED": True,
        "SIGN_IN_LIMIT_PER_ACCOUNT": os.environ.get(
            "SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"
        ),
        "SIGN_IN_LIMIT_PER_ADDRESS": os.environ.get(
            "SIGN_IN_LIMIT_PER_ADDRESS", "20 per 15 minutes"
        ),
        # Invitation and password reset links (single use); reset requests are throttled.
        "INVITATION_DAYS": _integer("INVITATION_DAYS", 7),
        "PASSWORD_RESET_MINUTES": _integer("PASSWORD_RESET_MINUTES", 60),
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": os.environ.get(
            "PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour"
        ),
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": os.environ.get(
            "PASSWORD_RESET_LIMIT_PER_ADDRESS", "10 per hour"
        ),
        # Request bodies (bytes), refused with 413 from the Content-Length before any is read.
        # A proxy in front should allow MAX_IMPORT_CONTENT_LENGTH on /people/import* and
        # /recommendations/import*, and MAX_CONTENT_LENGTH everywhere else (see the README).
        "MAX_CONTENT_LENGTH": _integer("MAX_CONTENT_LENGTH", 1024 * 1024),
        # The import routes (app.boundaries.takes_import_body): a pasted or uploaded import of
        # 400,000 characters for people (200,000 for recommendations, posted again as base64
        # to confirm), up to 4 bytes a character, percent-encoded in a plain form.
        "MAX_IMPORT_CONTENT_LENGTH": _integer("MAX_IMPORT_CONTENT_LENGTH", 8 * 1024 * 1024),
        # Fields other than files: as much as the whole body may carry.
        "MAX_FORM_MEMORY_SIZE": _integer("MAX_CONTENT_LENGTH", 1024 * 1024),
        # How long ended signed-in sessions are kept (``flask accounts prune``; see the README).
        "SIGN_IN_RECORDS_DAYS": _integer("SIGN_IN_RECORDS_DAYS", 365),
        "COMMENT_EDIT_WINDOW_MINUTES": _integer("COMMENT_EDIT_WINDOW_MINUTES", 15),
        "COMMENTS_PER_PAGE": _integer("COMMENTS_PER_PAGE", 20),
        # Whole pages read again kept in the shared cache (app/kept_pages.py); "off" renders
        # every page afresh (for comparison, or to rule the cache out).
        "KEPT_PAGES": os.environ.get("KEPT_PAGES", "on").strip().lower() != "off",
        # Replies shown under each comment on a thread page; the rest are a link away.
        "REPLIES_SHOWN": _integer("REPLIES_SHOWN", 5),
        "REPLIES_PER_PAGE": _integer("REPLIES_PER_PAGE", 50),
        "LIVE_POLL_SECONDS": _integer("LIVE_POLL_SECONDS", 4),
        "TRUSTED_PROXIES": _integer("TRUSTED_PROXIES", 0),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "accord-demo-password"),
        "COUNCIL_NAME": os.environ.get("COUNCIL_NAME", "St Helens Council"),
        # The statutory pages (accessibility, privacy, cookies, help) and security.txt: the
        # council's contact details, and a folder of Markdown files that replace the shipped
        # text page by page (see app/pages/__init__.py and the README).
        "PAGES_DIR": os.environ.get("PAGES_DIR", str(Path(instance_path) / "pages")),
        "CONTACT_EMAIL": os.environ.get("CONTACT_EMAIL", "democratic.services@example.org"),
        "CONTACT_PHONE": os.environ.get("CONTACT_PHONE", "01234 567890"),
        "CONTACT_ADDRESS": os.environ.get(
            "CONTACT_ADDRESS", "Democratic Services, Town Hall, Victoria Square"
        ),
        "DATA_PROTECTION_EMAIL": os.environ.get("DATA_PROTECTION_EMAIL", ""),
        "SECURITY_CONTACT": os.environ.get("SECURITY_CONTACT", ""),
        "SECURITY_TXT_EXPIRES": os.environ.get("SECURITY_TXT_EXPIRES", ""),
        "ACCESSIBILITY_TESTED_ON": os.environ.get("ACCESSIBILITY_TESTED_ON", "1 December 2026"),
        "HSTS": is_production,
        # Outgoing mail (see app/mail.py): an outbox folder by default, SMTP in production.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "outbox"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(Path(instance_path) / "outbox")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Accord <accord@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _integer("SMTP_PORT", 587),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "starttls"),
        "SMTP_TIMEOUT_SECONDS": _integer("SMTP_TIMEOUT_SECONDS", 30),
        # Where people reach the product: links in emails sent from the command line (digests).
        "PUBLIC_URL": os.environ.get(
            "PUBLIC_URL", "" if is_production else "http://127.0.0.1:5000"
        ).rstrip("/"),
        # Logs: "json" (one JSON object a line, the default in production) or "text".
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if is_production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # /metrics answers this bearer token or these networks (CIDRs); neither set: 404.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "METRICS_ALLOWED_NETWORKS": os.environ.get("METRICS_ALLOWED_NETWORKS", ""),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session it belongs to
        **_cache(env),
    }
    if env == "test":
        config.update(
            TESTING=True,
            PASSWORD_HASH_CHEAP=True,
            SIGN_IN_LIMIT_PER_ACCOUNT="1000 per minute",
            SIGN_IN_LIMIT_PER_ADDRESS="1000 per minute",
            PASSWORD_RESET_LIMIT_PER_ACCOUNT="1000 per minute",
            PASSWORD_RESET_LIMIT_PER_ADDRESS="1000 per minute",
            MAIL_BACKEND="memory",
            PUBLIC_URL="http://accord.test",
        )
    return config


def check_settings(config: dict) -> None:
    """Refuse, in every profile, settings the product cannot work with, naming the setting."""
    from limits import parse_many

    for key, (least, most, name) in BOUNDS.items():
        value = config[key]
        if isinstance(value, timedelta):
            value = value // timedelta(minutes=1)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{name} must be a whole number; it is {value!r}.")
        if value < least or (most is not None and value > most):
            allowed = f"from {least:,} to {most:,}" if most is not None else f"at least {least:,}"
            raise ConfigError(f"{name} must be {allowed}; it is {value:,}.")
    for name in RATE_LIMITS:
        try:
            limits = parse_many(config[name])
        except ValueError:
            limits = []
        if not limits or any(limit.amount < 1 for limit in limits):
            raise ConfigError(
                f"{name} must be a throttle such as '5 per 15 minutes'; it is {config[name]!r}."
            )


def check_production(config: dict) -> None:
    """Refuse to start in production with settings that are only safe on a laptop."""
    if config["ACCORD_ENV"] != "production":
        return
    if config["SECRET_KEY"] in ("", DEFAULT_SECRET_KEY):
        raise ConfigError(
            "SECRET_KEY must be set to a long random value in production "
            "(or set ACCORD_ENV=development to run locally)."
        )
    audit_key = config["AUDIT_KEY"]
    if audit_key == DEFAULT_AUDIT_KEY or len(audit_key) < AUDIT_KEY_MIN_LENGTH:
        raise ConfigError(
            f"AUDIT_KEY must be set to a random value of at least {AUDIT_KEY_MIN_LENGTH} "
            "characters in production: it seals the audit trail (see the README)."
        )
    if audit_key == config["SECRET_KEY"]:
        raise ConfigError("AUDIT_KEY must differ from SECRET_KEY.")
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigError(
            "RATELIMIT_STORAGE_URI must name storage shared by every worker in production, "
            "for example redis://127.0.0.1:6379/0, so sign-in throttling holds across workers."
        )
    if not config["PUBLIC_URL"].startswith(("https://", "http://")):
        raise ConfigError(
            "PUBLIC_URL must be the address people reach Accord at, for example "
            "https://accord.council.example: links in emails are built from it."
        )
    if config["SESSION_COOKIE_NAME"].startswith("__Host-") and (
        not config["SESSION_COOKIE_SECURE"]
        or config["SESSION_COOKIE_DOMAIN"]
        or config["SESSION_COOKIE_PATH"] != "/"
    ):
        raise ConfigError(
            "A __Host- session cookie must be Secure, with no SESSION_COOKIE_DOMAIN and "
            "SESSION_COOKIE_PATH '/', or browsers drop it."
        )
    if config["MAIL_BACKEND"] not in ("outbox", "smtp"):
        raise ConfigError("MAIL_BACKEND must be outbox or smtp in production.")
    if config["SECURITY_TXT_EXPIRES"]:
        try:
            date.fromisoformat(config["SECURITY_TXT_EXPIRES"])
        except ValueError as error:
            raise ConfigError(
                "SECURITY_TXT_EXPIRES must be a date such as 2027-06-30 (RFC 9116 Expires)."
            ) from error
    if config["MAIL_BACKEND"] == "smtp" and config["SMTP_SECURITY"] not in (
        "starttls",
        "ssl",
        "none",
    ):
        raise ConfigError("SMTP_SECURITY must be starttls, ssl or none.")
    _check_two_factor(config)


def _check_two_factor(config: dict) -> None:
    """In production: a real Fernet key for the two-factor secrets, and two-factor sign-in
    required of administrators, facilitators and the Standards Committee."""
    from cryptography.fernet import Fernet

    if not config["TWO_FACTOR_KEY"]:
        raise ConfigError(
            "TWO_FACTOR_KEY must be set in production: it encrypts two-factor secrets. Make one "
            "with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())' (see the README)."
        )
    for name, keys in (
        ("TWO_FACTOR_KEY", [config["TWO_FACTOR_KEY"]]),
        ("TWO_FACTOR_KEYS_RETIRED", config["TWO_FACTOR_KEYS_RETIRED"]),
    ):
        for key in keys:
            try:
                Fernet(key)
            except (ValueError, TypeError) as error:
                raise ConfigError(
                    f"{name} must hold Fernet keys (32 bytes in URL-safe base64, as "
                    "Fernet.generate_key() makes them)."
                ) from error
    unknown = set(config["TWO_FACTOR_REQUIRED_ROLES"]) - set(ROLE_NAMES)
    if unknown:
        raise ConfigError(
            f"TWO_FACTOR_REQUIRED_ROLES names unknown roles: {', '.join(sorted(unknown))}."
        )
    missing = set(TWO_FACTOR_ROLES_IN_PRODUCTION) - set(config["TWO_FACTOR_REQUIRED_ROLES"])
    if missing:
        raise ConfigError(
            "TWO_FACTOR_REQUIRED_ROLES must include admin, facilitator and standards in "
            f"production (ASVS 6.3.3); it leaves out {', '.join(sorted(missing))}."
        )
