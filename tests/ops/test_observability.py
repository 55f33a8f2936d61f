"""Logs and metrics (app/observability.py, app/metrics.py): one JSON line per request with
its id and no secrets, the id on error pages, and /metrics protected and in Prometheus'
format."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from flask import g
from prometheus_client.parser import text_string_to_metric_families

from app import observability
from app.extensions import db
from app.models import Role
from tests import databases, factories
from tests.helpers import PASSWORD, AccordClient

TOKEN = "a-metrics-token-for-the-test"


@pytest.fixture
def log_lines():
    """The JSON lines the app logs while the test runs (as LOG_FORMAT=json writes them)."""
    stream = io.StringIO()
    handler = observability.json_handler(stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def _requests(lines) -> list[dict]:
    return [line for line in lines() if line["logger"] == "accord.requests"]


def _reader_of_a_discussion(app, client) -> tuple[int, int]:
    """A discussion and a Member, signed in on ``client``: their ids."""
    with app.app_context():
        discussion = factories.discussion()
        reader = factories.someone(Role.MEMBER)
        db.session.commit()
        discussion_id, reader_id, email = discussion.id, reader.id, reader.email
    client.sign_in(email)
    return discussion_id, reader_id


def test_each_request_writes_one_json_line_by_route_not_path(client, app, log_lines):
    discussion_id, reader_id = _reader_of_a_discussion(app, client)
    before = len(_requests(log_lines))
    page = client.get(f"/discussions/{discussion_id}")
    assert page.status_code == 200
    [line] = _requests(log_lines)[before:]
    assert set(line) >= {"time", "request_id", "method", "route", "status", "duration_ms"}
    assert line["route"] == "discussions.show"
    assert f"/discussions/{discussion_id}" not in json.dumps(line), "the route, not the path"
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == reader_id
    assert line["request_id"] == page.headers["X-Request-ID"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_an_unchanged_poll_writes_its_line_too(client, app, log_lines):
    """The 304 answered before Flask (app.polls.UnchangedPolls) is logged as pages are: its
    route, status, person and request id."""
    discussion_id, reader_id = _reader_of_a_discussion(app, client)
    live = f"/discussions/{discussion_id}/live"
    etag = client.get(live).headers["ETag"]
    before = len(_requests(log_lines))
    poll = client.get(live, headers={"If-None-Match": etag})
    assert poll.status_code == 304
    [line] = _requests(log_lines)[before:]
    assert line["route"] == "discussions.live" and line["status"] == 304
    assert line["method"] == "GET" and line["user_id"] == reader_id
    assert line["request_id"] == poll.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


def test_a_sign_in_form_leaves_no_password_or_email_in_the_log(client, app, log_lines):
    with app.app_context():
        person = factories.someone(Role.OFFICER)
        db.session.commit()
        email = person.email
    wrong = client.post_form("/sign-in", {"email": email, "password": "not-the-password-xyz"})
    assert wrong.status_code in (200, 422)
    right = client.post_form("/sign-in", {"email": email, "password": PASSWORD})
    assert right.status_code == 303
    text = log_lines.text()
    assert _requests(log_lines)[-1]["route"] == "auth.sign_in"
    for secret in (email, PASSWORD, "not-the-password-xyz", "csrf_token"):
        assert secret not in text
    assert client.csrf_token() not in text


def test_the_request_id_is_taken_from_a_trusted_proxy_only_when_well_formed(database_url):
    nginx_id = "0123456789abcdef0123456789abcdef"
    with databases.app_for(database_url) as direct:
        answer = direct.test_client().get("/sign-in", headers={"X-Request-ID": nginx_id})
        assert answer.headers["X-Request-ID"] != nginx_id, "no proxy: the client's is ignored"
    with databases.app_for(database_url, TRUSTED_PROXIES=1) as proxied:
        client = proxied.test_client()
        assert (
            client.get("/sign-in", headers={"X-Request-ID": nginx_id}).headers["X-Request-ID"]
            == nginx_id
        )
        for forged in ("<script>alert(1)</script>", "x" * 200, "short", "a b c d e f g h"):
            made = client.get("/sign-in", headers={"X-Request-ID": forged})
            assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])


def test_error_pages_show_the_request_id_to_quote(client):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    request_id = missing.headers["X-Request-ID"]
    assert f'quote the reference <span class="app-request-id">{request_id}</span>' in (
        missing.get_data(as_text=True)
    )
    banner = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert banner.headers["X-Request-ID"] in banner.get_data(as_text=True)


def test_warnings_and_errors_carry_the_request_id(app, log_lines):
    with app.test_request_context("/documents/"):
        g.request_id = "abcdef0123456789"
        logging.getLogger("accord.errors").warning("Something odd")
        logging.getLogger("accord.errors").error("Something wrong")
    odd, wrong = [line for line in log_lines() if line["logger"] == "accord.errors"]
    assert odd["request_id"] == wrong["request_id"] == "abcdef0123456789"
    assert (odd["level"], wrong["level"]) == ("WARNING", "ERROR")


# Metrics ------------------------------------------------------------------------------------


def _metrics_app(database_url, **settings):
    return databases.app_for(database_url, **settings)


def _families(body: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(body)}


def _value(families, name, sample, **labels) -> float:
    return sum(
        s.value
        for s in families[name].samples
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_metrics_are_off_unless_protected(database_url):
    with _metrics_app(database_url) as app:
        assert app.test_client().get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(database_url):
    with _metrics_app(database_url, METRICS_TOKEN=TOKEN) as app:
        client = app.test_client()
        refused = client.get("/metrics")
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        assert answer.mimetype == "text/plain"


def test_metrics_answer_the_allowed_networks_only(database_url):
    with _metrics_app(database_url, METRICS_ALLOWED_NETWORKS="10.0.0.0/8, 192.168.0.0/16") as app:
        assert app.test_client().get("/metrics").status_code == 403  # from 127.0.0.1
    with _metrics_app(database_url, METRICS_ALLOWED_NETWORKS="127.0.0.0/8") as app:
        assert app.test_client().get("/metrics").status_code == 200


def test_metrics_count_requests_polls_mail_connections_and_the_backlog(database_url):
    with _metrics_app(database_url, METRICS_TOKEN=TOKEN) as app:
        app.test_client_class = AccordClient
        with app.app_context():
            discussion = factories.discussion()
            reader = factories.someone(Role.MEMBER)
            factories.comment(discussion, by=factories.someone(Role.OFFICER))
            db.session.commit()
            discussion_id, email = discussion.id, reader.email
        client = app.test_client()
        scrape = {"Authorization": f"Bearer {TOKEN}"}
        before = _families(client.get("/metrics", headers=scrape).get_data(as_text=True))

        client.sign_in(email)
        live = f"/discussions/{discussion_id}/live"
        etag = client.get(live).headers["ETag"].strip('"')
        for _ in range(3):
            assert client.get(live, headers={"If-None-Match": f'"{etag}"'}).status_code == 304
        after = _families(client.get("/metrics", headers=scrape).get_data(as_text=True))

    def grew(name, sample, **labels) -> float:
        return _value(after, name, sample, **labels) - _value(before, name, sample, **labels)

    assert grew("accord_live_polls", "accord_live_polls_total", status="304") == 3
    assert grew("accord_live_polls", "accord_live_polls_total", status="200") == 1
    route = {"route": "discussions.live", "status": "304"}
    assert grew("accord_requests", "accord_requests_total", **route) == 3
    assert (
        grew("accord_request_duration_seconds", "accord_request_duration_seconds_count", **route)
        == 3
    )
    assert "accord_database_connections_checked_out" in after
    assert {"failed", "sent"} <= {s.labels["outcome"] for s in after["accord_emails"].samples}
    assert _value(after, "accord_notification_backlog", "accord_notification_backlog") >= 0
