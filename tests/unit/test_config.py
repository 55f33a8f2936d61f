"""Settings: production refuses what is only safe on a laptop."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, database_url

AUDIT_KEY = "another-real-secret-only-for-the-audit-trail"
TWO_FACTOR_KEY = "0SwZTNa1WUuNOqKvWqNtCPLmOH1IU2l0VgtlotS2W0s="


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ACCORD_ENV", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_throttling_kept_in_one_worker(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({"ACCORD_ENV": "production"})


def test_production_refuses_to_start_without_public_url(monkeypatch, tmp_path):
    """Links in emails are built from PUBLIC_URL, never from the request's Host header."""
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app({"ACCORD_ENV": "production"})


def test_production_starts_with_real_settings_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("PUBLIC_URL", "https://accord.sthelens.example/")
    monkeypatch.setenv("TWO_FACTOR_KEY", TWO_FACTOR_KEY)
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    app = create_app({"ACCORD_ENV": "production"})
    assert app.config["TWO_FACTOR_REQUIRED_ROLES"] == ["admin", "facilitator", "standards"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["HSTS"] is True
    assert app.config["PUBLIC_URL"] == "https://accord.sthelens.example"


@pytest.mark.parametrize(
    "audit_key",
    [None, "dev-only-audit-key-change-me", "too-short", "a-real-secret-from-the-environment"],
    ids=["missing", "the development default", "short", "the same as SECRET_KEY"],
)
def test_production_refuses_an_audit_key_that_does_not_seal(monkeypatch, audit_key):
    """The audit trail's HMAC key must be a secret of its own (see the README)."""
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    if audit_key is None:
        monkeypatch.delenv("AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("AUDIT_KEY", audit_key)
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        create_app({"ACCORD_ENV": "production"})


def test_retired_audit_keys_are_a_list(monkeypatch):
    monkeypatch.setenv("AUDIT_KEYS_RETIRED", "first-old-key, second-old-key\nthird")
    app = create_app({"ACCORD_ENV": "test"})
    assert app.config["AUDIT_KEYS_RETIRED"] == ["first-old-key", "second-old-key", "third"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db/accord", "postgresql+psycopg://u:p@db/accord"),
        ("postgresql://u@db/accord", "postgresql+psycopg://u@db/accord"),
        ("postgresql+psycopg://u@db/accord", "postgresql+psycopg://u@db/accord"),
    ],
)
def test_database_url_uses_psycopg_3(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url("/instance") == expected


def test_the_embedded_database_lives_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url("/srv/accord/instance") == "sqlite:////srv/accord/instance/accord.db"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INVITATION_DAYS", "0", "INVITATION_DAYS must be from 1 to 365; it is 0"),
        ("PASSWORD_RESET_MINUTES", "-5", "PASSWORD_RESET_MINUTES must be from 1"),
        ("SESSION_IDLE_MINUTES", "ten", "SESSION_IDLE_MINUTES must be a whole number"),
        ("SESSION_ABSOLUTE_MINUTES", "0", "SESSION_ABSOLUTE_MINUTES must be from 1 to 525,600"),
        ("COMMENTS_PER_PAGE", "0", "COMMENTS_PER_PAGE must be from 1"),
        ("LIVE_POLL_SECONDS", "1.5", "LIVE_POLL_SECONDS must be a whole number"),
        ("COMMENTS_PER_PAGE", "1_000", "COMMENTS_PER_PAGE must be a whole number"),
        ("INVITATION_DAYS", "٣", "INVITATION_DAYS must be a whole number"),
        ("CACHE_DEFAULT_SECONDS", "a day", "CACHE_DEFAULT_SECONDS must be a whole number"),
        ("SIGN_IN_RECORDS_DAYS", "-1", "SIGN_IN_RECORDS_DAYS must be from 1 to 3,650"),
        ("SIGN_IN_RECORDS_DAYS", "99999999", "SIGN_IN_RECORDS_DAYS must be from 1 to 3,650"),
        ("COMMENT_EDIT_WINDOW_MINUTES", "5000000000", "COMMENT_EDIT_WINDOW_MINUTES must be from 0"),
        ("SESSION_IDLE_MINUTES", "99999999999", "SESSION_IDLE_MINUTES must be from 1"),
        ("SESSION_IDLE_MINUTES", "99999999999999", "SESSION_IDLE_MINUTES must be from 1"),
        ("SESSION_ABSOLUTE_MINUTES", "-99999999999999", "SESSION_ABSOLUTE_MINUTES must be from 1"),
        ("MAX_CONTENT_LENGTH", "100", "MAX_CONTENT_LENGTH must be at least 65,536"),
        ("SIGN_IN_LIMIT_PER_ACCOUNT", "lots", "SIGN_IN_LIMIT_PER_ACCOUNT must be a throttle"),
        ("PASSWORD_RESET_LIMIT_PER_ADDRESS", "0 per hour", "PASSWORD_RESET_LIMIT_PER_ADDRESS"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start_up_by_name(
    monkeypatch, variable, value, message
):
    """In every profile: INVITATION_DAYS=0 would otherwise make every invitation a 500."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        create_app({"ACCORD_ENV": "development"})


def test_settings_given_to_create_app_are_checked_too():
    with pytest.raises(ConfigError, match="COMMENTS_PER_PAGE"):
        create_app({"ACCORD_ENV": "test", "COMMENTS_PER_PAGE": 0})
    with pytest.raises(ConfigError, match="INVITATION_DAYS"):
        create_app({"ACCORD_ENV": "test", "INVITATION_DAYS": "7"})


def _production_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("PUBLIC_URL", "https://accord.sthelens.example/")
    monkeypatch.setenv("TWO_FACTOR_KEY", TWO_FACTOR_KEY)
    monkeypatch.delenv("TWO_FACTOR_KEYS_RETIRED", raising=False)
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TWO_FACTOR_KEY", ""),
        ("TWO_FACTOR_KEY", "not-a-fernet-key"),
        ("TWO_FACTOR_KEYS_RETIRED", f"{TWO_FACTOR_KEY} short"),
    ],
    ids=["missing", "not a Fernet key", "a retired key that is not one"],
)
def test_production_refuses_a_two_factor_key_that_cannot_encrypt(
    monkeypatch, tmp_path, name, value
):
    _production_environment(monkeypatch, tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        create_app({"ACCORD_ENV": "production"})


@pytest.mark.parametrize("roles", ["none", "admin facilitator", "admin,facilitator,standards,boss"])
def test_production_requires_two_factor_of_the_privileged_roles(monkeypatch, tmp_path, roles):
    """ASVS 5.0 6.3.3 (level 2): administrators, facilitators and the Standards Committee."""
    _production_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", roles)
    with pytest.raises(ConfigError, match="TWO_FACTOR_REQUIRED_ROLES"):
        create_app({"ACCORD_ENV": "production"})


def test_two_factor_is_optional_for_everyone_on_a_laptop_unless_set(monkeypatch):
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    assert create_app({"ACCORD_ENV": "development"}).config["TWO_FACTOR_REQUIRED_ROLES"] == []
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin, member")
    app = create_app({"ACCORD_ENV": "test"})
    assert app.config["TWO_FACTOR_REQUIRED_ROLES"] == ["admin", "member"]


def test_production_names_the_session_cookie_with_the_host_prefix(monkeypatch, tmp_path):
    """ASVS 3.3.1: ``__Host-`` binds the cookie to this host, Secure, for every path."""
    _production_environment(monkeypatch, tmp_path)
    app = create_app({"ACCORD_ENV": "production"})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-accord_session"
    assert create_app({"ACCORD_ENV": "development"}).config["SESSION_COOKIE_NAME"] == (
        "accord_session"
    )
    with pytest.raises(ConfigError, match="__Host-"):
        create_app({"ACCORD_ENV": "production", "SESSION_COOKIE_DOMAIN": "sthelens.example"})


def test_one_app_switching_the_throttle_off_does_not_switch_it_off_for_the_next():
    """Flask-Limiter's init_app reads RATELIMIT_ENABLED with setdefault on the one shared
    limiter: an app made without it used to inherit the previous app's False."""
    from app.extensions import limiter

    create_app({"ACCORD_ENV": "test", "RATELIMIT_ENABLED": False})
    assert limiter.enabled is False
    create_app({"ACCORD_ENV": "test"})
    assert limiter.enabled is True
