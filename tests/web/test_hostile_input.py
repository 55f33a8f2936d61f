"""Hostile input never breaks the service: every route, every place a value can go.

``test_no_route_answers_5xx_to_hostile_input`` walks every rule of ``app.url_map`` (GET and
POST where allowed), signed in as an administrator and as a Member, with missing, wrong-typed,
huge (2**31, 2**63, 10**30), negative, NUL-containing and hostile (CR/LF, ``../``, very long)
values in the path, the query string and the form, and asserts that nothing answers 5xx. The
values are sampled: one per place and rule, rotated across the rules, and the two databases
start the rotation one value apart, so that between them each place of each rule gets two
values and each database every value somewhere (half a minute per database).
The other tests pin the particular cases and the error page of a failing database.
"""

from __future__ import annotations

import email
import itertools
import re
from urllib.parse import quote, urlencode

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select, text
from wtforms.fields.core import UnboundField

from app.extensions import db
from app.mail import sent_mail, wait_for_deliveries
from app.models import (
    Amendment,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentVersion,
    EmailPreference,
    JointSession,
    Notification,
    Recommendation,
    RecommendationSource,
    SessionAction,
    User,
)
from app.models.joint_sessions import AgendaProposal
from app.services import amendments, notifications, seeding
from tests import factories
from tests.databases import app_for, empty_all_tables, make_app
from tests.helpers import CSRF_META, ERROR_SUMMARY, PASSWORD, AccordClient, free_port, make_user
from tests.snapshots import snapshot

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
HUGE = ["2147483648", "9223372036854775808", "1" + "0" * 30]
INT_VALUES = [*HUGE, "-1", "0", "9" * 5000, "1.5", "abc"]
TEXT_VALUES = [
    "\x00",
    "a\x00b",
    "line\r\nX-Injected: yes",
    "../../../etc/passwd",
    "x" * 20_000,
    "\u202e\ufeff\U0001f600",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]
VALUES = [*INT_VALUES, *TEXT_VALUES]
# Path parameters: ids are tried only with digits (anything else does not match the rule).
PATH_VALUES = {
    "int": [*HUGE, "0", "9" * 400],
    "default": ["\x00", "a\r\nb", "../../etc", "x" * 3000, "2147483648", "é"],
    "path": ["\x00", "../../app/__init__.py", "x" * 3000, "css/..%2f..%2fwsgi.py"],
}
# Every name a route reads from the query string or a form outside its WTForms form.
QUERY_NAMES = [
    "action", "after", "amendment", "annexes", "choice", "clause", "clause_id", "clauses",
    "changes_since", "direction", "edit", "email", "form", "format", "from", "next", "page",
    "reply_to", "since", "source", "theme", "to", "version",
]  # fmt: skip
SKIPPED_ENDPOINTS = {"auth.sign_out"}  # it would end the walker's own session


def _form_field_names() -> list[str]:
    """The field names of every form in the app, and the names routes read themselves."""
    names = set(QUERY_NAMES)
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        for klass in form_class.__mro__:
            names.update(n for n, v in vars(klass).items() if isinstance(v, UnboundField))
    names.discard("csrf_token")
    return sorted(names)


def _known_values(app) -> dict[str, str]:
    """A real value for each path parameter, so that the other parts get past the 404."""
    with app.app_context():
        first = lambda column: str(db.session.scalar(select(func.min(column))) or 1)  # noqa: E731
        document = db.session.scalar(
            select(Document).where(Document.slug == "ways-of-working-accord")
        )
        clause = db.session.scalar(
            select(Clause).where(Clause.document_id == document.id).order_by(Clause.id)
        )
        recommendation = db.session.scalar(select(Recommendation).order_by(Recommendation.id))
        source = db.session.get(RecommendationSource, recommendation.source_id)
        return {
            "action_id": first(SessionAction.id),
            "amendment_id": first(Amendment.id),
            "comment_id": first(Comment.id),
            "discussion_id": first(Discussion.id),
            "notification_id": first(Notification.id),
            "proposal_id": first(AgendaProposal.id),
            "session_id": first(JointSession.id),
            "clause_id": str(clause.id),
            "object_id": str(clause.id),
            "user_id": str(db.session.scalar(select(func.max(User.id)))),
            "number": first(DocumentVersion.number),
            "slug": document.slug,
            "source": source.slug,
            "letter": recommendation.letter,
            "object_type": "clause",
            "action": "close",
            "table": "comments",
            "token": "not-a-token",
            "filename": "css/accord.css",
            "section": "coverage",
            "key": "c1",
            "linked_id": str(clause.id),
            "kind": "group",
            "entry_id": "1",
            "fmt": "pdf",
        }


def _path(rule, values: dict[str, str]) -> str:
    return re.sub(
        r"<(?:[^:<>]+:)?([^<>]+)>",
        lambda match: quote(values[match.group(1)], safe="/" if "path:" in match.group(0) else ""),
        rule.rule,
    )


def _requests(app, rotation: itertools.count):
    """(method, path, query, form) for every rule, the hostile values rotated across rules."""
    known = _known_values(app)
    fields = _form_field_names()

    def sample(values: list[str], count: int) -> list[str]:
        start = next(rotation)
        return [values[(start + i) % len(values)] for i in range(count)]

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        methods = sorted(rule.methods & {"GET", "POST"})
        base = _path(rule, known)
        for name in rule.arguments:
            kind = type(rule._converters[name]).__name__
            key = "int" if "Integer" in kind or "Id" in kind else "path" if "Path" in kind else ""
            for value in sample(PATH_VALUES[key or "default"], 1):
                yield methods[0], _path(rule, {**known, name: value}), {}, {}
        for method in methods:
            yield method, base, {}, {}  # nothing at all: a missing parameter
            for value in sample(VALUES, 1):
                query = dict.fromkeys(QUERY_NAMES, value)
                form = dict.fromkeys(fields, value) if method == "POST" else {}
                yield method, base, query, form


class Walker:
    """A signed-in client that sends one request and records any 5xx (or exception)."""

    def __init__(self, app, email_address: str):
        self.client: AccordClient = app.test_client()
        self.email = email_address
        self.failures: list[str] = []
        self.sign_in()

    def sign_in(self) -> None:
        self.client.sign_in(self.email)
        page = self.client.get("/").get_data(as_text=True)
        self.token = CSRF_META.search(page).group(1)

    def send(self, method: str, path: str, query: dict, form: dict, htmx: bool) -> None:
        url = path + ("?" + urlencode(query) if query else "")
        headers = {"HX-Request": "true"} if htmx else {}
        try:
            if method == "GET":
                response = self.client.get(url, headers=headers)
            else:
                data = {"csrf_token": self.token, **form}
                response = self.client.post(url, data=data, headers=headers)
        except Exception as error:  # an unhandled error is a 500 in production
            self.failures.append(f"{method} {url[:200]!r}: {type(error).__name__}: {error}"[:400])
            return
        response.close()  # a static file is streamed from an open file
        if response.status_code >= 500:
            self.failures.append(f"{method} {url[:200]!r} form={bool(form)}: {response.status}")
        if response.status_code in (302, 303) and response.location.startswith("/sign-in"):
            self.sign_in()  # a request ended the session (say, a password change): carry on


@pytest.fixture
@snapshot
def demo(app):
    """The demo world with its activity (discussions, replies, voting, invitations) and one
    proposed amendment, so that most ids in the walk name something."""
    with app.app_context():
        seeding.load_demo_activity(seeding.load_demo(password=PASSWORD))
        clause = db.session.scalar(
            select(Clause)
            .join(Document, Document.id == Clause.document_id)
            .where(Document.slug == "ways-of-working-accord")
            .order_by(Clause.id)
        )
        member = db.session.scalar(select(User).where(User.email == "member@example.org"))
        amendments.propose_amendment(
            clause, "Heading", "A new wording.", "Clearer.", list(clause.recommendations), by=member
        )
        db.session.commit()
    return app


def test_no_route_answers_5xx_to_hostile_input(demo):
    rotation = itertools.count(demo.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"))
    failures = []
    for email_address in ("admin@example.org", "member@example.org"):
        walker = Walker(demo, email_address)
        for index, request in enumerate(_requests(demo, rotation)):
            walker.send(*request, htmx=index % 5 == 0)
        failures += [f"{email_address}: {failure}" for failure in walker.failures]
    assert not failures, f"{len(failures)} requests failed:\n" + "\n".join(failures[:60])


# The particular cases --------------------------------------------------------------------------


@pytest.fixture
def member(demo):
    client = demo.test_client()
    client.sign_in("member@example.org")
    return client


def _open_discussion(app) -> int:
    """A discussion of the open accord that a Member may comment in."""
    with app.app_context():
        return db.session.scalar(
            select(func.min(Discussion.id))
            .join(Document, Document.id == Discussion.document_id)
            .where(Document.slug == "ways-of-working-accord", Discussion.locked_at.is_(None))
        )


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_ids_beyond_the_database_are_not_found(member, number):
    assert member.get(f"/discussions/{number}").status_code == 404
    assert member.get(f"/documents/ways-of-working-accord/versions/{number}").status_code == 404
    assert member.get(f"/discussions/1?reply_to={number}&edit={number}").status_code in (200, 404)


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_a_reply_to_an_id_beyond_the_database_is_refused(demo, member, number):
    discussion_id = _open_discussion(demo)
    response = member.post_form(
        f"/discussions/{discussion_id}/comments",
        {"body": "A reply", "parent_id": str(number), "submission_key": "k" * 20},
    )
    assert response.status_code == 422


def test_nul_bytes_are_a_bad_request(member):
    assert member.get("/documents/ways%00").status_code == 400
    assert member.get("/notifications?page=1%00").status_code == 400
    response = member.post_form("/notifications/settings", {"email_notifications": "x\x00"})
    assert response.status_code == 400
    assert "Sorry, there is a problem with that request" in response.get_data(as_text=True)
    # Refused before the person is loaded, the page still knows them, as its header does.
    page = member.get("/search?q=%00x").get_data(as_text=True)
    assert "Go to the list of documents" in page and ">Sign in</a>" not in page


def test_an_over_long_submission_key_is_refused_by_its_field(demo, member):
    discussion_id = _open_discussion(demo)
    response = member.post_form(
        f"/discussions/{discussion_id}/comments", {"body": "Hello", "submission_key": "k" * 65}
    )
    assert response.status_code == 422
    with demo.app_context():
        assert db.session.scalar(select(Comment).where(Comment.body == "Hello")) is None
    # The summary says so without a link: the field is hidden, so a link would go nowhere.
    summary = ERROR_SUMMARY.search(response.get_data(as_text=True)).group(0)
    assert "Reload the page and try again" in summary and 'href="#submission_key"' not in summary


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/\x7f", "/\tdocuments"])
def test_a_next_address_with_control_characters_goes_home(member, target):
    response = member.get("/sign-in?" + urlencode({"next": target}))
    assert response.status_code == 303
    assert response.location == "/"


def test_an_export_address_without_its_version_explains(member):
    response = member.get("/documents/ways-of-working-accord/export/download?format=md")
    assert response.status_code == 422
    assert "Choose a version you can export" in response.get_data(as_text=True)


# A database that fails --------------------------------------------------------------------------


def test_an_unreachable_database_answers_503_with_the_product_page(database_url, app, client):
    make_user(app, "jo@example.org")
    client.sign_in("jo@example.org")
    cookie = client.get_cookie("accord_session").value
    host, port = "127.0.0.1", free_port()
    if database_url.startswith("postgresql"):
        down_url = f"postgresql+psycopg://postgres@{host}:{port}/accord?connect_timeout=2"
    else:
        down_url = "sqlite:////nonexistent-folder/accord.db"
    down = make_app(down_url)
    visitor = down.test_client()
    visitor.set_cookie("accord_session", cookie)
    for path in ("/", "/documents/anything", "/healthz"):
        response = visitor.get(path)
        assert response.status_code == 503, path
        if path != "/healthz":  # the health check answers in JSON for the load balancer
            assert "Sorry, the service is unavailable" in response.get_data(as_text=True)
        for header in SECURITY_HEADERS:
            assert header in response.headers, (path, header)


def test_a_failed_statement_mid_request_answers_the_product_page(database_url):
    cleanup = empty_all_tables if database_url.startswith("postgresql") else None
    with app_for(database_url, cleanup=cleanup) as app:
        app.test_client_class = AccordClient

        @app.get("/test-only/failing-statement")
        def failing_statement():
            db.session.execute(text("SELECT no_such_column FROM users"))
            return "unreachable"

        make_user(app, "jo@example.org")
        client = app.test_client()
        client.sign_in("jo@example.org")
        response = client.get("/test-only/failing-statement")
        assert response.status_code == 500
        assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
        for header in SECURITY_HEADERS:
            assert header in response.headers
        htmx = client.get("/test-only/failing-statement", headers={"HX-Request": "true"})
        assert htmx.status_code == 500 and "<html" not in htmx.get_data(as_text=True)
        assert client.get("/").status_code == 200  # the next request is served as usual


# Mail that cannot be sent -----------------------------------------------------------------------


def _immediate_member(app) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "member@example.org"))
        user.email_notifications = EmailPreference.IMMEDIATE
        db.session.commit()
        return user.id


def _notify(app, user_id: int, text_: str) -> int:
    from app.models import NotificationKind

    with app.app_context():
        user = db.session.get(User, user_id)
        notifications.notify(NotificationKind.REPLY, [user], text=text_, link="/")
        db.session.commit()
        return db.session.scalar(select(func.max(Notification.id)))


def test_a_title_with_line_breaks_is_mailed_on_one_subject_line(demo):
    user_id = _immediate_member(demo)
    _notify(demo, user_id, "Jo started “Parking\r\nBcc: everyone@example.org” on clause 4")
    [message] = sent_mail(demo)
    subject = "Accord: Jo started “Parking Bcc: everyone@example.org” on clause 4"
    assert message["Subject"] == subject
    assert message["Bcc"] is None


def test_mail_that_cannot_be_sent_is_retried_by_the_next_digest(database_url, caplog):
    cleanup = empty_all_tables if database_url.startswith("postgresql") else None
    down = {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port()}
    with app_for(database_url, cleanup=cleanup, SMTP_SECURITY="none", **down) as app:
        with app.app_context():
            seeding.load_demo(password=PASSWORD)
            db.session.commit()
        wait_for_deliveries()
        user_id = _immediate_member(app)
        notification_id = _notify(app, user_id, "Jo replied to your comment")
        wait_for_deliveries()
        assert "Could not send mail" in caplog.text
        with app.app_context():
            assert db.session.get(Notification, notification_id).emailed_at is None
            app.config.update(MAIL_BACKEND="memory")
            report = notifications.send_digests()
            assert report.notifications >= 1
            assert db.session.get(Notification, notification_id).emailed_at is not None
        [digest] = [m for m in sent_mail(app) if m["To"] == "member@example.org"]
        assert "Jo replied to your comment" in digest.get_content()
        assert email.utils.parseaddr(digest["To"])[1] == "member@example.org"


@pytest.mark.parametrize("number", ["0", "-3", "99999999999999999999"])
def test_page_numbers_past_either_end_are_clamped_not_a_500(app, client, number):
    """``?page=0`` made a negative OFFSET, which PostgreSQL refuses (a 500 on the live poll
    of a discussion); a number past bigint fails the same way."""
    with factories.built(app):
        factories.member()
        discussion = factories.discussion(comments=3)
        discussion_id, first = discussion.id, factories.comment(discussion, "One more").id
    client.sign_in("member@example.org")
    for path in (
        f"/discussions/{discussion_id}?page={number}",
        f"/discussions/{discussion_id}/live?page={number}&since=0",
        f"/discussions/{discussion_id}/live?page={number}",
        f"/comments/{first}/replies?start={number}",
        f"/notifications?page={number}",
    ):
        assert client.get(path).status_code in (200, 304), path
