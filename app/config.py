"""Settings, read from environment variables.

``ACCORD_ENV`` chooses the profile: ``production`` (the default, so a forgotten variable fails
safe), ``development`` or ``test``.
"""

from __future__ import annotations

import os
from datetime import timedelta
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
    """SQLAlchemy engine options: a stale pooled connection is tested before use, and on
    PostgreSQL a server that does not answer fails the connection within ``timeout`` seconds
    (``DATABASE_CONNECT_TIMEOUT_SECONDS``, default 5) instead of holding the worker until
    gunicorn kills it, which answers gunicorn's bare "Internal Server Error" rather than the
    product's 503 page. ``tcp_user_timeout`` (milliseconds) bounds a server that vanishes
    mid-query the same way."""
    options: dict = {"pool_pre_ping": True}
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


def _seconds(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


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


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(os.environ.get(name, default)))


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
        "DATABASE_CONNECT_TIMEOUT_SECONDS": _seconds("DATABASE_CONNECT_TIMEOUT_SECONDS", 5),
        "RATELIMIT_STORAGE_TIMEOUT_SECONDS": _seconds("RATELIMIT_STORAGE_TIMEOUT_SECONDS", 2),
        "SESSION_COOKIE_NAME": "accord_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_DURATION": timedelta(0),
        "SESSION_IDLE_TIMEOUT": _minutes("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_TIMEOUT": _minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60),
        "PERMANENT_SESSION_LIFETIME": _minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGN_IN_LIMIT_PER_ACCOUNT": os.environ.get(
            "SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"
        ),
        "SIGN_IN_LIMIT_PER_ADDRESS": os.environ.get(
            "SIGN_IN_LIMIT_PER_ADDRESS", "20 per 15 minutes"
        ),
        # Invitation and password reset links (single use); reset requests are throttled.
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", "7")),
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "60")),
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": os.environ.get(
            "PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour"
        ),
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": os.environ.get(
            "PASSWORD_RESET_LIMIT_PER_ADDRESS", "10 per hour"
        ),
        # A form's fields may carry a pasted import (400,000 characters for people, 200,000 for
        # recommendations, posted again as base64 to confirm): up to 4 bytes a character.
        "MAX_FORM_MEMORY_SIZE": 3 * 1024 * 1024,
        "COMMENT_EDIT_WINDOW_MINUTES": int(os.environ.get("COMMENT_EDIT_WINDOW_MINUTES", "15")),
        "COMMENTS_PER_PAGE": int(os.environ.get("COMMENTS_PER_PAGE", "20")),
        # Replies shown under each comment on a thread page; the rest are a link away.
        "REPLIES_SHOWN": int(os.environ.get("REPLIES_SHOWN", "5")),
        "REPLIES_PER_PAGE": int(os.environ.get("REPLIES_PER_PAGE", "50")),
        "LIVE_POLL_SECONDS": int(os.environ.get("LIVE_POLL_SECONDS", "4")),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "accord-demo-password"),
        "COUNCIL_NAME": os.environ.get("COUNCIL_NAME", "St Helens Council"),
        "HSTS": is_production,
        # Outgoing mail (see app/mail.py): an outbox folder by default, SMTP in production.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "outbox"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(Path(instance_path) / "outbox")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Accord <accord@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "starttls"),
        "SMTP_TIMEOUT_SECONDS": int(os.environ.get("SMTP_TIMEOUT_SECONDS", "30")),
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
    if config["MAIL_BACKEND"] not in ("outbox", "smtp"):
        raise ConfigError("MAIL_BACKEND must be outbox or smtp in production.")
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
