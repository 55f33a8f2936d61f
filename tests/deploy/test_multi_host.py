"""Two application hosts behind nginx over one PostgreSQL and one Redis, in production mode,
set up by following the README's "Running in production" (see tests/deploy/cluster.py).

Locally it skips when nginx is not installed; under CI (CI=true) it must run: `make test`
installs Debian's nginx first (`make nginx`).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Role
from tests import databases, factories
from tests.databases import IN_CI
from tests.deploy.cluster import (
    DEPLOY,
    NGINX,
    README,
    Cluster,
    production_commands,
    read_env_file,
)
from tests.deploy.visitor import StraightToHost, ThroughProxy

PASSWORD = "a-long-test-password"
# This test's own Redis database, emptied before it starts: 14, or 15 for a second pytest-xdist
# worker (each worker that runs these tests builds its own cluster).
REDIS_DB = 14 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 2

if NGINX is None:
    reason = "nginx is not installed (Debian: apt-get install nginx, or make nginx)"
    if IN_CI:
        pytest.fail(reason + "; CI must run the multi-host test", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    try:
        url = databases.create_postgres_database()
    except databases.PostgresUnavailable as error:
        databases.postgres_unavailable(str(error))
    redis.Redis(db=REDIS_DB).flushdb()
    plain_url = make_url(url).set(drivername="postgresql").render_as_string(False)
    running = Cluster(
        tmp_path_factory.mktemp("cluster"), plain_url, f"redis://127.0.0.1:6379/{REDIS_DB}"
    )
    try:
        running.start(admin_password=PASSWORD)
        yield running
    finally:
        running.stop()
        databases.drop_postgres_database(url)
        redis.Redis(db=REDIS_DB).flushdb()


@pytest.fixture(scope="module")
def discussion_id(cluster):
    """An Open document with a discussion, and the people who take part, in the cluster's
    database (built with the factories, as in every other test)."""
    url = make_url(cluster.database_url).set(drivername="postgresql+psycopg")
    app = databases.make_app(url.render_as_string(hide_password=False))
    with app.app_context():
        factories.person(Role.MEMBER, email="jo@example.org")
        factories.person(Role.MEMBER, email="sam@example.org")
        factories.person(Role.MEMBER, email="kim@example.org")
        factories.person(Role.OFFICER, email="lee@example.org")
        found = factories.discussion().id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return found


def _public(cluster) -> str:
    return f"localhost:{cluster.https_port}"


def via_proxy(cluster, source: str = "127.0.0.2") -> ThroughProxy:
    return ThroughProxy(
        _public(cluster),
        port=cluster.https_port,
        source=source,
        certificate=str(cluster.certificate),
    )


def on_host(cluster, name: str, client_address: str = "127.0.0.9") -> StraightToHost:
    host = next(h for h in cluster.hosts if h.name == name)
    return StraightToHost(_public(cluster), port=host.port, client_address=client_address)


# The set-up itself --------------------------------------------------------------------------


def test_the_settings_file_has_every_setting_the_readme_lists():
    section = README.read_text().split("## Running in production")[1].split("\n## ")[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)?(?:, `([A-Z_]+)`)?", section, re.M))
    names = {name for row in listed for name in row if name}
    example = (DEPLOY / "accord.env.example").read_text()
    missing = sorted(n for n in names if not re.search(rf"^#?{n}=", example, re.M))
    assert not missing, missing
    assert {"SECRET_KEY", "DATABASE_URL", "ACCORD_APP_SERVERS"} <= names


def test_the_readme_walks_through_the_shipped_files_in_order():
    commands = production_commands()
    expected = [
        "make install",
        ".venv/bin/flask --app wsgi db upgrade",
        "cp deploy/systemd/accord@.service",
        "systemctl enable --now accord@8000",
        "envsubst ",
        "nginx -t",
        "systemctl enable --now accord-notifications.timer accord-prune.timer",
    ]
    positions = [next(i for i, c in enumerate(commands) if c.startswith(step)) for step in expected]
    assert positions == sorted(positions), commands


def test_the_site_passes_nginx_t_and_each_host_has_its_own_control_socket(cluster):
    result = subprocess.run(
        [NGINX or "nginx", "-t", "-c", str(cluster.nginx_conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    sockets = [host.runtime_directory / "gunicorn.ctl" for host in cluster.hosts]
    deadline = time.monotonic() + 15  # gunicorn opens it once its workers are up
    while not all(path.is_socket() for path in sockets) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(path.is_socket() for path in sockets), sockets


def test_http_moves_to_https_and_static_files_are_cached_by_their_fingerprint(cluster):
    import http.client

    plain = http.client.HTTPConnection("127.0.0.1", cluster.http_port, timeout=10)
    plain.request("GET", "/documents/?x=1", headers={"Host": "localhost"})
    moved = plain.getresponse()
    moved.read()
    plain.close()
    assert moved.status == 301
    assert moved.getheader("Location") == f"https://localhost:{cluster.https_port}/documents/?x=1"

    visitor = via_proxy(cluster)
    page = visitor.get("/sign-in")
    assert page.status == 200
    assert page.headers["Strict-Transport-Security"]
    stylesheet = re.search(r'href="(/static/css/accord\.css\?v=[0-9a-f]{12})"', page.body)
    assert stylesheet, "the stylesheet's address carries its fingerprint"
    css = visitor.get(stylesheet.group(1))
    assert css.status == 200 and "immutable" in css.headers["Cache-Control"]
    assert "max-age=31536000" in css.headers["Cache-Control"]
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    unversioned = visitor.get("/static/css/accord.css")
    assert "immutable" not in unversioned.headers["Cache-Control"]
    too_big = visitor.post("/sign-in", {"email": "x" * (3 * 1024 * 1024)})
    assert too_big.status == 413, "nginx refuses a body over the form limit"


def test_the_scheduled_command_runs_as_its_unit_says(cluster):
    unit = (DEPLOY / "systemd" / "accord-notifications.service").read_text()
    command = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)  # type: ignore[union-attr]
    command = command.replace("/srv/accord/", "")
    environment = read_env_file(cluster.env_file) | {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        command.split(), cwd=DEPLOY.parent, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# Several hosts, one product -------------------------------------------------------------------


def test_a_comment_posted_through_host_a_reaches_a_page_polling_host_b(cluster, discussion_id):
    writer = on_host(cluster, "A")
    assert writer.sign_in("lee@example.org", PASSWORD).status == 303
    reader = on_host(cluster, "B", client_address="127.0.0.8")
    assert reader.sign_in("jo@example.org", PASSWORD).status == 303
    live = f"/discussions/{discussion_id}/live"
    first = reader.get(live)
    assert first.status == 200
    etag = first.headers["ETag"]
    assert reader.get(live, headers={"If-None-Match": etag}).status == 304

    page = writer.get(f"/discussions/{discussion_id}")
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page.body)
    assert key, "the comment form's one-time key"
    posted_at = time.monotonic()
    posted = writer.post(
        f"/discussions/{discussion_id}/comments",
        {"body": "Posted through host A", "submission_key": key.group(1)},
    )
    assert posted.status == 303
    while time.monotonic() - posted_at < 5:
        polled = reader.get(live, headers={"If-None-Match": etag})
        if polled.status == 200:
            assert "Posted through host A" in polled.body
            break
        assert polled.status == 304
        time.sleep(0.2)
    else:
        pytest.fail("host B's poll did not show the comment within 5 seconds")


def test_sign_in_failures_spread_over_both_hosts_lock_the_account_at_the_sixth(
    cluster, discussion_id
):
    hosts = ["A", "B", "A", "B", "A"]
    for n, name in enumerate(hosts):
        failed = on_host(cluster, name, client_address=f"127.0.1.{n}").sign_in(
            "sam@example.org", "not-the-password"
        )
        assert failed.status == 422, (n, name)
    sixth = on_host(cluster, "B", client_address="127.0.1.9").sign_in("sam@example.org", PASSWORD)
    assert sixth.status == 429, "the sixth attempt, even with the right password, is refused"
    assert "too many failed attempts" in sixth.body


def test_signing_out_on_host_a_signs_out_on_host_b(cluster, discussion_id):
    on_a = on_host(cluster, "A")
    assert on_a.sign_in("kim@example.org", PASSWORD).status == 303
    on_b = on_host(cluster, "B").with_cookie_of(on_a)
    assert on_b.get("/").status == 200
    copy = on_host(cluster, "B").with_cookie_of(on_a)  # the cookie as it was before signing out
    assert on_a.post("/sign-out", {}).status == 303
    stale = copy.get("/")
    assert stale.status == 302 and urlsplit(stale.headers["Location"]).path == "/sign-in"


def test_the_throttle_counts_the_real_client_address_not_a_forged_one(cluster):
    """SIGN_IN_LIMIT_PER_ADDRESS is 8 per 15 minutes here."""
    store = redis.Redis(db=REDIS_DB)
    for n in range(8):
        failed = via_proxy(cluster, source="127.0.0.2").sign_in(
            f"nobody{n}@example.org", "wrong", headers={"X-Forwarded-For": f"10.9.9.{n}"}
        )
        assert failed.status == 422, n
    forged = via_proxy(cluster, source="127.0.0.2").sign_in(
        "nobody-else@example.org", "wrong", headers={"X-Forwarded-For": "10.9.9.99"}
    )
    assert forged.status == 429, "a forged X-Forwarded-For does not escape the address limit"
    other_client = via_proxy(cluster, source="127.0.0.3").sign_in("nobody@example.org", "wrong")
    assert other_client.status == 422, "another client's address has its own count"
    keys = [key.decode() for key in store.keys("*sign-in-address*")]
    assert any("/127.0.0.2/" in key for key in keys), keys
    assert not any("10.9.9." in key for key in keys), keys


def test_a_host_restarting_loses_no_page_and_no_session(cluster, discussion_id):
    visitor = via_proxy(cluster, source="127.0.0.4")
    assert visitor.sign_in("jo@example.org", PASSWORD).status == 303
    statuses: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def keep_reading() -> None:
        reader = via_proxy(cluster, source="127.0.0.4").with_cookie_of(visitor)
        while not stop.is_set():
            try:
                page = reader.get("/")
            except OSError as error:
                failures.append(repr(error))
                continue
            statuses.append(page.status)
            if page.status != 200 or "Sign out" not in page.body:
                failures.append(f"{page.status} {page.body[:200]}")

    reading = threading.Thread(target=keep_reading)
    reading.start()
    try:
        time.sleep(1)
        host_a, host_b = cluster.hosts
        host_a.stop()  # systemctl restart accord@PORT: stop ...
        time.sleep(1)
        host_a.start()  # ... and start
        time.sleep(1)
        host_b.reload()  # systemctl reload: new workers, the old ones finish
        time.sleep(3)
    finally:
        stop.set()
        reading.join(timeout=30)
    assert len(statuses) > 20, statuses
    assert not failures, failures[:5]
    assert visitor.get("/").status == 200, "still signed in after both hosts restarted"
