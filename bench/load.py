"""Load benchmark: Accord's pages against bare Flask on the same gunicorn settings.

Run with ``make bench-load`` (slow: a few minutes). For each database (SQLite, then PostgreSQL
the way the tests reach it, when it answers) it builds a throwaway database with the demo data, a
60-clause document with 200 voters and a discussion of 50 comments; starts Accord and a bare
Flask ``/hello`` app on gunicorn (2 sync workers, pinned to CPU 1 with ``taskset``); and drives
each page and ``/hello`` in turn with wrk (pinned to CPU 0, concurrency 8), after a second of
warming each page up (not counted: each worker's first requests compile templates). It prints
each page's requests a second as a ratio to ``/hello`` (measured just before and after it), p50
and p95 latency, and the SQL statements the page sends, with the machine's load average: on a
shared machine the figures are noisy, so compare ratios from one run, never across machines.
It also times a 60-clause Word and PDF export through the web (first made, then served again).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from app.extensions import cache, db
from app.models import Choice, Comment, Document, Role, User, Vote
from bench import PASSWORD, demo_app

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
# A shorter run: BENCH_PAGES=poll,clause measures only those pages (and no exports), and
# BENCH_DATABASES=sqlite (or postgresql) only that database.
PAGES = [name for name in os.environ.get("BENCH_PAGES", "").split(",") if name]
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
CONNECTIONS = 8
BROWSER = "accord-bench"  # the User-Agent wrk sends, and the session was signed in with
VOTERS = 200
CLAUSES = 60
GOALS = {"discussion": 0.15, "clause": 0.15, "document": 0.10, "poll": 0.5}
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\n", latency:percentile(50), latency:percentile(95)))
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _build(app) -> dict:
    """A 60-clause document with 200 voters on every clause and a 50-comment discussion on its
    clause 2 (20 comments with 30 replies: all on the first page)."""
    from tests import factories

    with app.app_context():
        document = factories.document(title="Bench Accord", clauses=CLAUSES)
        factories.voting_opened(document)
        clause = factories.clause(document, "2")
        people = []
        for index in range(VOTERS):
            user = User(
                email=f"voter{index}@example.org",
                display_name=f"Voter {index}",
                group="Labour Group" if index % 2 else "Green Group",
            )
            user.set_roles({Role.MEMBER if index % 3 else Role.OFFICER})
            people.append(user)
        db.session.add_all(people)
        db.session.flush()
        for each in document.clauses:
            db.session.add_all(
                Vote(
                    user_id=user.id,
                    clause_id=each.id,
                    revision_number=each.revision_number,
                    choice=[Choice.SUPPORT, Choice.OPPOSE][index % 2],
                )
                for index, user in enumerate(people)
            )
        discussion = factories.discussion(clause=clause, title="A busy thread")
        authors = [factories.someone(Role.MEMBER), factories.someone(Role.OFFICER), *people[:4]]
        roots = []
        for index in range(19):
            made = factories.comment(discussion, f"Comment **{index}**", by=authors[index % 6])
            roots.append(made)
        for index in range(30):
            factories.comment(
                discussion, f"Reply _{index}_", by=authors[index % 6], parent=roots[index % 10]
            )
        db.session.commit()
        total = db.session.query(Comment).filter_by(discussion_id=discussion.id).count()
        assert total == 50, total
        if db.engine.dialect.name == "postgresql":
            # A served database has its planner's statistics (autovacuum gathers them within a
            # minute of such a load); without them PostgreSQL guesses one row for every table
            # and the poll's page-marker subquery costs three times as much.
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as plain:
                plain.exec_driver_sql("ANALYZE")
        return {"slug": document.slug, "discussion": discussion.id, "clause": clause.id}


def _signed_in(app):
    """A test client signed in as a Member, as the browser wrk plays (``BROWSER``)."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(
        "/sign-in", data={"email": "member@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert client.get_cookie("accord_session") is not None, "could not sign in"
    client.get("/")  # the first page, as a browser's: it gives the cookie its CSRF token
    return client


def _cookie(app) -> str:
    """A new signed-in Member's session cookie (made here, valid in gunicorn: the same key and
    database). A browser's cookie has its idle clock moved on at most a minute before: a page
    is measured for seconds with one made just before."""
    return f"accord_session={_signed_in(app).get_cookie('accord_session').value}"


def _pages(app, ids: dict) -> dict[str, tuple[str, dict]]:
    """Each page's path and headers (the poll with its current ETag)."""
    client = _signed_in(app)
    live = f"/discussions/{ids['discussion']}/live?page=1"
    etag = client.get(live, headers={"HX-Request": "true"}).headers["ETag"]
    pages = {
        "discussion": (f"/discussions/{ids['discussion']}", {}),
        "clause": (f"/documents/{ids['slug']}/clauses/2", {}),
        "document": (f"/documents/{ids['slug']}", {}),
        "poll": (live, {"HX-Request": "true", "If-None-Match": etag}),
    }
    for name, (path, headers) in pages.items():
        status = client.get(path, headers=headers).status_code
        assert status == (304 if name == "poll" else 200), (name, status)
    return pages


def _statements(app, pages: dict) -> dict[str, int]:
    """The SQL statements each page sends read again, as wrk reads it (a kept page's one
    where the page is kept), counted as the tests count them (through SQLAlchemy and on the
    driver's connection, the unchanged poll's and the kept pages')."""
    from tests.helpers import count_queries

    client = _signed_in(app)
    counts = {}
    for name, (path, headers) in pages.items():
        client.get(path, headers=headers)
        client.get(path, headers=headers)
        with count_queries(app) as queries:
            client.get(path, headers=headers)
        counts[name] = queries.count
    return counts


def _exports(app, slug: str) -> dict[str, float]:
    """Seconds for a 60-clause working-text export with annexes through the web (made each
    time), and for a published version's second export (served again)."""
    from app.services import lifecycle
    from tests import factories

    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(
        "/sign-in",
        data={"email": "facilitator@example.org", "password": PASSWORD, "csrf_token": token},
    )
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.slug == slug))
        version = lifecycle.publish_version(document, by=factories.someone(Role.FACILITATOR))
        db.session.commit()
        number = version.number
    timings = {}
    for fmt in ("docx", "pdf"):
        for label, chosen in (("working text", "working"), ("version, again", str(number))):
            url = f"/documents/{slug}/export/download"
            query = {"format": fmt, "version": chosen, "clauses": "all", "annexes": "yes"}
            client.get(url, query_string=query)  # warm (and, for the version, stored)
            start = time.perf_counter()
            assert client.get(url, query_string=query).status_code == 200
            timings[f"{fmt} {label}"] = time.perf_counter() - start
    return timings


@contextmanager
def _gunicorn(module: str, database_url: str):
    port = _free_port()
    env = {
        **os.environ,
        "ACCORD_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        "taskset", "-c", "1", sys.executable, "-m", "gunicorn", "--workers", "2",
        "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        module,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz-or-hello", timeout=1)
            except urllib.error.HTTPError:
                break  # answering
            except OSError:
                time.sleep(0.1)
            else:
                break
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wrk(url: str, headers: dict, script: str, seconds: int = SECONDS) -> dict:
    command = [
        "taskset",
        "-c",
        "0",
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "-s",
        script,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "p50": int(re.search(r"P50 (\d+)", output).group(1)) / 1000,
        "p95": int(re.search(r"P95 (\d+)", output).group(1)) / 1000,
        "bad": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1) if errors else "",
    }


def run(label: str, database_url: str, directory: str) -> None:
    app = demo_app(directory, SQLALCHEMY_DATABASE_URI=database_url)
    ids = _build(app)
    pages = _pages(app, ids)
    statements = _statements(app, pages)
    script = os.path.join(directory, "percentiles.lua")
    Path(script).write_text(LUA)
    print(f"\n{label}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    columns = ("req/s", "× hello", "goal", "p50 ms", "p95 ms")
    print(f"{'page':12} " + " ".join(f"{c:>8}" for c in columns) + f" {'SQL':>4}")
    with (
        _gunicorn("bench.hello:app", database_url) as hello,
        _gunicorn("wsgi:app", database_url) as accord,
    ):
        for name, (path, headers) in pages.items():
            if PAGES and name not in PAGES:
                continue
            # Each worker's first requests of a page compile its templates and fill its
            # caches: a second of load first, not counted, so the figures are the steady state.
            browser = {**headers, "Cookie": _cookie(app), "User-Agent": BROWSER}
            _wrk(f"{accord}{path}", browser, script, seconds=1)
            before = _wrk(f"{hello}/hello", {}, script)
            measured = _wrk(f"{accord}{path}", browser, script)
            after = _wrk(f"{hello}/hello", {}, script)
            ratio = measured["rate"] / ((before["rate"] + after["rate"]) / 2)
            note = ""
            if measured["bad"] or measured["errors"]:
                note = f"  (non-2xx/3xx: {measured['bad']}; {measured['errors']})"
            print(
                f"{name:12} {measured['rate']:8.0f} {ratio:8.3f} {GOALS[name]:8.2f} "
                f"{measured['p50']:8.1f} {measured['p95']:8.1f} {statements[name]:4d}{note}"
            )
        print(f"/hello       {after['rate']:8.0f}")
    for name, seconds in ({} if PAGES else _exports(app, ids["slug"])).items():
        print(f"export {name:22} {seconds:6.2f} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with app.app_context():
        cache.clear()
        db.engine.dispose()


def main() -> None:
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("bench-load needs wrk and taskset (apt-get install wrk util-linux)")
    if "sqlite" in DATABASES:
        with tempfile.TemporaryDirectory() as directory:
            run("SQLite", f"sqlite:///{directory}/bench.db", directory)
    if "postgresql" not in DATABASES:
        return
    from tests import databases

    try:
        url = databases.create_postgres_database()
    except databases.PostgresUnavailable as error:
        print(f"\nPostgreSQL skipped: {error}")
        return
    try:
        with tempfile.TemporaryDirectory() as directory:
            run("PostgreSQL", url, directory)
    finally:
        databases.drop_postgres_database(url)


if __name__ == "__main__":
    main()
