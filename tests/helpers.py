"""Helpers for request tests: a client that sends CSRF tokens, people, query counting."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from flask.testing import FlaskClient
from itsdangerous import BadSignature
from sqlalchemy import event

from app.driver_sql import DriverStatement
from app.extensions import db
from app.models import Role, User
from app.services import people

T = TypeVar("T")

PASSWORD = "a-long-test-password"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class AccordClient(FlaskClient):
    """A test client that fetches a CSRF token the way a browser gets one: from a page, and
    closes each response (see ``open``).

    The token is read once and kept while the session cookie holds the same CSRF secret;
    signing in or out (or a timed-out session) clears the session, and with it the secret,
    so the next POST reads a fresh token.
    """

    _csrf: tuple[str, str] | None = None  # (the session's CSRF secret, the token for it)

    def open(self, *args, buffered: bool = True, **kwargs):
        """Each response is read and closed, as a server does once it has sent it, so work left
        for after the response (``app.deferred``) has run when the call returns. Pass
        ``buffered=False`` to time the answer alone. Every HTML answer has unique ids: a
        label, an error summary's link or aria-describedby naming a repeated id reaches the
        first one only (outside tester: the outcome page's select and button shared one)."""
        response = super().open(*args, buffered=buffered, **kwargs)
        if buffered and response.mimetype == "text/html":
            repeated = repeated_ids(response.get_data(as_text=True))
            assert not repeated, f"ids used more than once: {repeated}"
        return response

    def _session_csrf_secret(self) -> str | None:
        """The raw CSRF secret in this client's session cookie (Flask-WTF's ``csrf_token``)."""
        app = self.application
        cookie = self.get_cookie(app.config["SESSION_COOKIE_NAME"])
        if cookie is None:
            return None
        serializer = app.session_interface.get_signing_serializer(app)
        try:
            return serializer.loads(cookie.value).get("csrf_token")
        except BadSignature:
            return None

    def csrf_token(self, path: str = "/sign-in") -> str:
        secret = self._session_csrf_secret()
        if secret is not None and self._csrf is not None and self._csrf[0] == secret:
            return self._csrf[1]
        page = self.get(path, follow_redirects=True)
        match = CSRF_META.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        self._csrf = (self._session_csrf_secret() or "", match.group(1))
        return match.group(1)

    def post_form(
        self,
        path: str,
        data: dict | None = None,
        *,
        htmx: bool = False,
        boosted: bool = False,
        **kwargs,
    ):
        """POST a form with its CSRF token; as htmx would (fragment) or as a boosted link."""
        headers = kwargs.pop("headers", {})
        if htmx or boosted:
            headers["HX-Request"] = "true"
        if boosted:
            headers["HX-Boosted"] = "true"
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(path, data=form, headers=headers, **kwargs)

    def post_checked(self, path: str, data: dict | None = None, **kwargs):
        """POST the form of a "check before you confirm" page (accepting an amendment) as a
        person does: from the page, with the digest of what it showed (``shown_digest``)."""
        page = self.get(path)
        found = SHOWN.search(page.get_data(as_text=True)) if page.status_code == 200 else None
        shown = {found.group(1): found.group(2)} if found else {}  # none: the page refused
        return self.post_form(path, {**shown, **(data or {})}, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        """Sign in as ``email``, signing out whoever was signed in first."""
        if self.get_cookie("accord_session") is not None:
            self.post_form("/sign-out")
        return self.post_form("/sign-in", {"email": email, "password": password})


def make_user(
    app,
    email: str = "person@example.org",
    roles=(Role.MEMBER,),
    *,
    password: str = PASSWORD,
    active: bool = True,
    **details,
) -> int:
    """Create a person and return their id (no app context is left pushed)."""
    defaults = {"display_name": email.split("@")[0].replace(".", " ").title()}
    with app.app_context():
        user = people.create_user(
            email,
            details.pop("display_name", defaults["display_name"]),
            set(roles),
            password=password,
            **details,
        )
        user.active = active
        db.session.commit()
        return user.id


def get_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)
    # Statements whose SQL SQLAlchemy wrote out afresh for this execution (a list in ``IN``
    # expanded, a value rendered in: "post-compile" parameters), with those parameters' names.
    rewritten: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return f"{self.count} queries:\n" + "\n".join(self.statements)


@contextmanager
def count_queries(app):
    """Count the SQL statements the app sends while the block runs (e.g. during one request):
    through SQLAlchemy, and on the driver's connection (``app.driver_sql``, the live poll's),
    which SQLAlchemy's events never see."""
    with app.app_context():
        engine = db.engine
    counter = QueryCounter()

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):  # not queries
            counter.statements.append(statement)
        compiled = getattr(context, "compiled", None)
        if compiled is not None:
            names = [bind.key for bind in compiled.post_compile_params]
            names += [bind.key for bind in compiled.literal_execute_params]
            if names:
                counter.rewritten.append((statement, names))

    run_on_driver = DriverStatement.first

    def record_on_driver(statement: DriverStatement, engine, parameters):
        counter.statements.append(statement.sql)
        return run_on_driver(statement, engine, parameters)

    event.listen(engine, "before_cursor_execute", record)
    DriverStatement.first = record_on_driver  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        DriverStatement.first = run_on_driver  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", record)


def at_once(*calls: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run the calls in threads released at the same moment by a barrier (each with its own
    connection, if it makes its own app context or client): their results in order, an
    exception raised standing in for its call's result rather than being lost in the thread."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def while_uncommitted(
    app, first: Callable[[], object], second: Callable[[], object], *, wait: float = 0.5
) -> object:
    """``first`` run in ``app``'s context and held uncommitted (with its row locks) while
    ``second`` runs in a thread in another app on the same database (its own connection),
    then committed after ``wait`` seconds: what ``second`` returned, or the exception it
    raised (its transaction rolled back). ``second`` commits its own work. For a write that
    must wait for a change in progress (PostgreSQL row locks) and then see it."""
    from app.extensions import db
    from tests import databases

    other = databases.make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    outcome: list[object] = []

    def run_second() -> None:
        with other.app_context():
            try:
                outcome.append(second())
            except Exception as error:
                db.session.rollback()
                outcome.append(error)

    with app.app_context():
        first()
        thread = threading.Thread(target=run_second)
        thread.start()
        thread.join(timeout=wait)
        db.session.commit()
    thread.join(timeout=10)
    with other.app_context():
        db.engine.dispose()
    assert not thread.is_alive() and len(outcome) == 1, "the second write never finished"
    return outcome[0]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (for a test server, or a refused one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ERROR_SUMMARY = re.compile(r'class="govuk-error-summary".*?</div>\s*</div>\s*</div>', re.S)
MENU_CURRENT = re.compile(
    r'govuk-service-navigation__item--active">\s*<a[^>]*aria-current="page"[^>]*>\s*'
    r"<strong[^>]*>([^<]+)</strong>"
)


def error_summary_targets(html: str) -> list[str]:
    """The ids the error summary links to; each must be on the page (GOV.UK's error summary
    moves focus to the field it names)."""
    summary = ERROR_SUMMARY.search(html)
    assert summary, "no error summary on the page"
    targets = re.findall(r'href="#([^"]+)"', summary.group(0))
    assert targets, "the error summary links to no field"
    missing = [t for t in targets if f'id="{t}"' not in html]
    assert not missing, f"the error summary links to ids not on the page: {missing}"
    return targets


def current_menu_item(html: str) -> str | None:
    """The label of the service navigation item marked as the current page, if any."""
    match = MENU_CURRENT.search(html)
    return match.group(1).strip() if match else None


def assert_tables_scroll(html: str) -> None:
    """Every table sits in a labelled, focusable region that scrolls sideways, so a wide table
    does not widen the page on a 320px screen (WCAG 1.4.10 reflow)."""
    tables = html.count("<table")
    wrapped = len(
        re.findall(
            r'<div class="app-table-scroll" tabindex="0" role="region" '
            r'aria-label(?:ledby)?="[^"]+">\s*<table',
            html,
        )
    )
    assert tables and wrapped == tables, f"{tables - wrapped} of {tables} tables do not scroll"


#: A confirm form's digest field: ``shown``, or ``<prefix>-shown`` in a form with a prefix.
SHOWN = re.compile(r'<input[^>]*name="((?:\w+-)?shown)"[^>]*value="([^"]*)"')


def shown_digest(html: str) -> str:
    """The digest of what a "check before you confirm" page showed, which its confirm form
    carries (the hidden ``shown`` field)."""
    found = SHOWN.search(html)
    assert found, "the confirm form carries a digest of what the page showed"
    return found.group(2)


_ID = re.compile(r"""<[a-zA-Z][^>]*?\sid=["']([^"']+)["']""")


def repeated_ids(html: str) -> list[str]:
    """The element ids ``html`` uses more than once (in tags, not in text or scripts)."""
    seen: set[str] = set()
    repeated: list[str] = []
    for found in _ID.findall(html):
        if found in seen and found not in repeated:
            repeated.append(found)
        seen.add(found)
    return repeated


def middleware(app, kind: type[T]) -> T:
    """The WSGI middleware of ``kind`` in front of ``app`` (each wraps the next in its
    ``wsgi_app``)."""
    layer = app.wsgi_app
    while not isinstance(layer, kind):
        layer = layer.wsgi_app
    return layer


_FRESH_ON_EACH_SERVING = (
    (re.compile(r'<meta name="csrf-token" content="[^"]*">'), '<meta name="csrf-token">'),
    (re.compile(r'name="csrf_token" value="[^"]*"'), 'name="csrf_token"'),
    (re.compile(r'<input[^>]*name="csrf_token"[^>]*>'), "<input csrf_token>"),
    (re.compile(r'<meta name="server-time" content="[^"]*">'), '<meta name="server-time">'),
    (re.compile(r'<input[^>]*name="submission_key"[^>]*>'), "<input submission_key>"),
)


def steady(response) -> str:
    """``response``'s page without what differs on each serving (the server's time, forms'
    one-time keys) or each second (CSRF tokens are signed with the time): what a kept page
    and Flask's render of it must share."""
    html = response.get_data(as_text=True)
    for pattern, replacement in _FRESH_ON_EACH_SERVING:
        html = pattern.sub(replacement, html)
    return html
