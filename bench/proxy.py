"""The live pages through nginx (TLS, the production arrangement) against gunicorn directly.

Builds tests/deploy's cluster (nginx in front of two gunicorn hosts over PostgreSQL and Redis,
in production mode, as the README sets it up), signs a Member in, and runs wrk against a
discussion page and its live poll (changed: 200; unchanged: 304), once through nginx and once
straight to host A. One connection shows the latency the proxy adds; eight show throughput.

Run with ``ACCORD_ENV=development .venv/bin/python -m bench.proxy`` (needs nginx, wrk,
PostgreSQL and Redis, as the multi-host test does).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import redis
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Role
from tests import databases, factories
from tests.deploy.cluster import Cluster
from tests.deploy.visitor import StraightToHost

PASSWORD = "a-long-test-password"
REDIS_DB = 13
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))


def _wrk(url: str, headers: dict[str, str], connections: int) -> tuple[float, float]:
    """(requests a second, mean latency in ms) from wrk."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Non-2xx or 3xx responses" not in output, output  # every answer was the page
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", output)
    assert latency, output
    value = float(latency.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[latency.group(2)]
    return rate, value


def main() -> None:
    url = databases.create_postgres_database()
    redis.Redis(db=REDIS_DB).flushdb()
    plain = make_url(url).set(drivername="postgresql").render_as_string(False)
    cluster = Cluster(
        Path(tempfile.mkdtemp(prefix="accord-bench-")), plain, f"redis://127.0.0.1:6379/{REDIS_DB}"
    )
    try:
        cluster.start(admin_password=PASSWORD)
        app = databases.make_app(url)
        with app.app_context():
            reader = factories.person(Role.MEMBER, email="jo@example.org")
            discussion = factories.discussion(comments=20)
            db.session.commit()
            discussion_id, email = discussion.id, reader.email
            db.session.remove()
            db.engine.dispose()
        public = f"localhost:{cluster.https_port}"
        host = cluster.hosts[0]
        visitor = StraightToHost(public, port=host.port, client_address="127.0.0.9")
        assert visitor.sign_in(email, PASSWORD).status == 303
        live = f"/discussions/{discussion_id}/live"
        etag = visitor.get(live).headers["ETag"]
        cookie = {"Cookie": visitor.cookie or ""}
        direct = {
            **cookie,
            "Host": public,
            "X-Forwarded-For": "127.0.0.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": public,
        }
        cases = [
            ("discussion page", f"/discussions/{discussion_id}", {}),
            ("live poll, changed (200)", live, {}),
            ("live poll, unchanged (304)", live, {"If-None-Match": etag}),
        ]
        print(f"wrk, {SECONDS} s each; req/s and mean latency")
        print("| page | connections | through nginx (TLS, 2 hosts) | straight to one host |")
        print("|---|---|---|---|")
        for name, path, extra in cases:
            for connections in (1, 8):
                proxied = _wrk(f"https://{public}{path}", {**cookie, **extra}, connections)
                straight = _wrk(
                    f"http://127.0.0.1:{host.port}{path}", {**direct, **extra}, connections
                )
                print(
                    f"| {name} | {connections} | {proxied[0]:.0f} req/s, {proxied[1]:.1f} ms "
                    f"| {straight[0]:.0f} req/s, {straight[1]:.1f} ms |"
                )
    finally:
        cluster.stop()
        databases.drop_postgres_database(url)
        redis.Redis(db=REDIS_DB).flushdb()


if __name__ == "__main__":
    main()
