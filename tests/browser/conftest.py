"""Browser tests: Debian's Chromium driven by Playwright against the app on 127.0.0.1.

No browser is downloaded: Playwright launches /usr/bin/chromium (``CHROMIUM`` overrides it).
Without Chromium these tests skip locally and fail under CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

from app.extensions import db
from app.services import seeding
from tests.databases import IN_CI, make_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Only violations are reported in full: axe otherwise lists every node each rule passed, which
# it builds and the browser sends back for every check (options that replace the library's
# default of the same resultTypes).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
DEMO_PASSWORD = "a-long-demo-password"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(sqlite_template, tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the demo data, served on a free port of 127.0.0.1. Live pages poll every
    second (LIVE_POLL_SECONDS, 4 by default): a journey waiting for a live change waits for
    one poll, and at 4 s those waits were a sixth of the live journeys' time."""
    url = sqlite_template.copy_to(tmp_path_factory.mktemp("browser-db"))
    app = make_app(url, DEMO_PASSWORD=DEMO_PASSWORD, LIVE_POLL_SECONDS=1)
    with app.app_context():
        seeding.load_demo(DEMO_PASSWORD)
        db.session.commit()
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


def _browser_unavailable(reason: str):
    message = f"Chromium cannot run ({reason}); install it with: apt-get install -y chromium"
    if IN_CI:
        pytest.fail(message + " (CI must run the browser tests)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        _browser_unavailable(f"{CHROMIUM} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:
            _browser_unavailable(str(error).splitlines()[0])
        yield browser
        browser.close()


class PageProblems:
    """Console errors and CSP violations a page reported; a clean page reports none."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # Chromium logs every 4xx page as "Failed to load resource"; pages answer 422, 404 and
        # 403 on purpose, so failed sub-resources are caught by _response instead.
        if message.type in ("error", "warning") and not message.text.startswith(
            "Failed to load resource"
        ):
            self.messages.append(f"{message.type}: {message.text}")

    def _response(self, response) -> None:
        kind = response.request.resource_type
        # 409 and 422 answers to htmx requests are deliberate: they carry the form with its
        # message (a conflict, invalid input) to swap in place.
        deliberate = kind in ("xhr", "fetch") and response.status in (409, 422)
        if response.status >= 400 and kind != "document" and not deliberate:
            self.messages.append(f"{response.status} for {response.url}")


def new_page(browser, live_server, *, javascript: bool = True, width: int = 1024):
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=javascript,
        viewport={"width": width, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = PageProblems(page)
    return page


@pytest.fixture
def page(browser, live_server):
    page = new_page(browser, live_server)
    yield page
    problems = page.problems.messages
    page.context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page_without_javascript(browser, live_server):
    page = new_page(browser, live_server, javascript=False)
    yield page
    page.context.close()


_axe = Axe()


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violations on the page as it is now."""
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


def horizontal_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits the window)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def unique(text: str) -> str:
    """``text`` with a short random suffix, so a journey's names do not clash with another's."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def path_of(page) -> str:
    """The page's path (and query), without the host or the fragment."""
    return re.sub(r"^https?://[^/]+", "", page.url).split("#")[0]


@contextmanager
def another_person(browser, live_server, email: str, **options):
    """A second browser, signed in as someone else; closed at the end, with no problems."""
    other = new_page(browser, live_server, **options)
    try:
        sign_in(other, email)
        yield other
    finally:
        other.context.close()
    assert not other.problems.messages, f"{email}'s browser reported problems:\n" + "\n".join(
        other.problems.messages
    )
