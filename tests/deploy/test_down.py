"""When the database or the throttle's Redis cannot be reached, and when they come back.

The database (PostgreSQL) and Redis are reached through a relay the test switches off
(refused: a stopped server), to a black hole (accepted, never answered: a host that stopped
answering) and on again, while the same app keeps running: it recovers without a restart.
The embedded database's failures are in tests/web/test_hostile_input.py.
"""

from __future__ import annotations

import time

import pytest
import redis
from sqlalchemy.engine import make_url

from tests import databases
from tests.deploy.relay import Relay
from tests.helpers import AccordClient, make_user

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)
UNAVAILABLE = "Sorry, the service is unavailable"
SIGN_IN_UNAVAILABLE = "Signing in is not available at the moment"
# The app's own bound on a server that does not answer (DATABASE_CONNECT_TIMEOUT_SECONDS and
# RATELIMIT_STORAGE_TIMEOUT_SECONDS are 1 here); well under gunicorn's 30 s worker timeout.
PROMPT_SECONDS = 6


def _assert_unavailable_page(response, path: str) -> None:
    assert response.status_code == 503, path
    assert response.headers["Retry-After"].isdigit(), path
    for header in SECURITY_HEADERS:
        assert header in response.headers, (path, header)


@pytest.fixture
def database_relay(postgres_url):
    with Relay(make_url(postgres_url).port or 5432) as relay:
        yield relay, make_url(postgres_url).set(port=relay.port).render_as_string(False)
        relay.set_mode("up")  # for the clean-up


def test_a_signed_in_person_gets_the_product_page_while_the_database_is_down(database_relay):
    relay, url = database_relay
    with databases.app_for(
        url, cleanup=databases.empty_all_tables, DATABASE_CONNECT_TIMEOUT_SECONDS=1
    ) as app:
        app.test_client_class = AccordClient
        make_user(app, "jo@example.org")
        client = app.test_client()
        client.sign_in("jo@example.org")
        client.csrf_token()  # read while the database answers; the form below posts it
        assert client.get("/").status_code == 200

        # Every kind of request while the server refuses; a server that does not answer costs
        # each request libpq's shortest wait (2 s, whatever is asked), so only a page and the
        # health check are asked then: the same path through the app, but for the wait.
        for mode, paths in (
            ("down", ("/", "/documents/anything", "/notifications", "/sign-in")),
            ("hang", ("/documents/anything",)),
        ):
            relay.set_mode(mode)
            for path in paths:
                started = time.monotonic()
                response = client.get(path)
                assert time.monotonic() - started < PROMPT_SECONDS, (mode, path)
                _assert_unavailable_page(response, path)
                assert UNAVAILABLE in response.get_data(as_text=True), (mode, path)
            if mode == "down":
                htmx = client.get("/", headers={"HX-Request": "true"})
                _assert_unavailable_page(htmx, "htmx")
                assert "<html" not in htmx.get_data(as_text=True)
                posted = client.post_form("/sign-out")
                _assert_unavailable_page(posted, "POST /sign-out")
                poll = client.get("/discussions/1/live", headers={"If-None-Match": '"1"'})
                _assert_unavailable_page(poll, "live poll")
            health = client.get("/healthz")
            assert health.status_code == 503 and health.json["database"] == "unreachable"

        relay.set_mode("up")  # the same app, not restarted
        home = client.get("/")
        assert home.status_code == 200, "still signed in once the database is back"
        assert "Sign out" in home.get_data(as_text=True)
        assert client.get("/healthz").json == {"status": "ok", "database": "ok", "throttle": "ok"}


@pytest.fixture
def redis_relay():
    try:
        redis.Redis(socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at 127.0.0.1:6379 ({error}); make redis starts it"
        if databases.IN_CI:
            pytest.fail(message + " (CI must run the Redis tests)", pytrace=False)
        pytest.skip(message)
    with Relay(6379) as relay:
        yield relay
        relay.set_mode("up")
    # The throttle is one object shared by every app: give it storage that outlives the relay
    # (conftest's _fresh_throttles resets it after this fixture has ended).
    databases.make_app("sqlite://")


def test_sign_in_fails_closed_while_redis_is_down_and_the_rest_keeps_working(
    redis_relay, database_url
):
    with databases.app_for(
        database_url,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{redis_relay.port}/13",
        RATELIMIT_STORAGE_TIMEOUT_SECONDS=1,
    ) as app:
        app.test_client_class = AccordClient
        make_user(app, "jo@example.org")
        make_user(app, "sam@example.org")
        jo, sam = app.test_client(), app.test_client()
        assert jo.sign_in("jo@example.org").status_code == 303
        sam.csrf_token()

        for mode in ("down", "hang"):
            redis_relay.set_mode(mode)
            started = time.monotonic()
            refused = sam.post_form(
                "/sign-in", {"email": "sam@example.org", "password": "a-long-test-password"}
            )
            assert time.monotonic() - started < PROMPT_SECONDS, mode
            _assert_unavailable_page(refused, mode)
            assert SIGN_IN_UNAVAILABLE in refused.get_data(as_text=True)
            assert sam.get("/").status_code == 302, "not signed in"
            reset = sam.post_form("/forgotten-password", {"email": "sam@example.org"})
            assert reset.status_code == 503, "reset requests are throttled too: refused"
            # Someone already signed in carries on.
            assert jo.get("/").status_code == 200
            assert jo.get("/sign-in", follow_redirects=True).status_code == 200
            health = jo.get("/healthz")
            assert health.status_code == 200
            assert health.json == {
                "status": "degraded",
                "database": "ok",
                "throttle": "unreachable",
            }

        redis_relay.set_mode("up")
        signed_in = sam.post_form(
            "/sign-in", {"email": "sam@example.org", "password": "a-long-test-password"}
        )
        assert signed_in.status_code == 303
        assert jo.get("/healthz").json["status"] == "ok"
