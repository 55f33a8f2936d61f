"""/metrics under gunicorn with several workers (deploy/gunicorn.conf.py): a scrape adds up
every worker's numbers, they survive a graceful reload, and each request is one JSON line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.cluster import DEPLOY, REPO, VENV_BIN, free_port, wait_for_port

TOKEN = "a-token-for-the-workers-test"


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read().decode()


def _healthz_count(port: int) -> float:
    _, body = _get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "accord_requests_total"
        and sample.labels == {"route": "main.healthz", "status": "200"}
    )


def test_a_scrape_adds_up_every_workers_requests(sqlite_template, tmp_path):
    port = free_port()
    runtime = tmp_path / "run"
    runtime.mkdir()
    log = tmp_path / "gunicorn.log"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ACCORD_ENV": "development",
        "DATABASE_URL": sqlite_template.copy_to(tmp_path),
        "WEB_CONCURRENCY": "2",
        "RUNTIME_DIRECTORY": str(runtime),
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": TOKEN,
    }
    command = [
        str(VENV_BIN / "gunicorn"),
        *("--config", str(DEPLOY / "gunicorn.conf.py")),
        *("--bind", f"127.0.0.1:{port}", "wsgi:app"),
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, server, log)
        # Forty requests at once until both workers have answered some: the port opens as
        # soon as one worker listens, and on a fast machine it may answer forty alone while
        # the other is still starting.
        sent, deadline = 0, time.monotonic() + 30
        while True:
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: _get(port, "/healthz")[0], range(40)))
            assert statuses == [200] * 40
            sent += 40
            files = list((runtime / "metrics").glob("counter_*.db"))
            if len({path.stem.rsplit("_", 1)[1] for path in files}) >= 2:
                break
            assert time.monotonic() < deadline, f"one worker answered everything: {files}"
            time.sleep(0.2)
        assert _healthz_count(port) == sent

        server.send_signal(signal.SIGHUP)  # a graceful reload: new workers, old ones exit
        deadline = time.monotonic() + 20
        while len(list((runtime / "metrics").glob("counter_*.db"))) < 3:
            assert time.monotonic() < deadline, "no new workers"
            time.sleep(0.2)
        assert _healthz_count(port) == sent, "the old workers' counts are kept"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=45)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    served = [line for line in lines if line.get("route") == "main.healthz"]
    assert len(served) == sent
    assert all(len(line["request_id"]) == 32 for line in served)
