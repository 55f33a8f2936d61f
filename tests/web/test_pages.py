"""The foundation's pages: who sees what, headers, health check, query budgets."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, Role
from app.services import clauses, seeding
from tests.databases import make_app
from tests.helpers import count_queries, make_user
from tests.snapshots import snapshot


@pytest.fixture
@snapshot
def seeded(app):
    with app.app_context():
        seeding.load_demo(password="a-long-test-password")
        draft = Document(
            kind=DocumentKind.PROTOCOL,
            slug="draft-protocol",
            title="A draft not yet shown",
            status=DocumentStatus.DRAFT,
        )
        db.session.add(draft)
        db.session.flush()
        clauses.add_clause(draft, "Secret heading", "Not yet for Members.", by=None)
        db.session.commit()
    return app


@pytest.mark.parametrize("path", ["/", "/recommendations/", "/documents/ways-of-working-accord"])
def test_every_page_needs_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_a_member_sees_the_open_accord_but_not_a_draft(seeded, client):
    client.sign_in("member@example.org")
    home = client.get("/").get_data(as_text=True)
    assert "Ways of Working Accord" in home and "Member/Officer Protocol" in home
    assert "A draft not yet shown" not in home

    accord = client.get("/documents/ways-of-working-accord").get_data(as_text=True)
    assert "Open for comment" in accord
    assert "Purpose and shared commitment" in accord
    assert 'class="app-chip"' in accord and "CR a" in accord
    assert client.get("/documents/draft-protocol").status_code == 403
    assert client.get("/documents/no-such-document").status_code == 404


@pytest.mark.parametrize("email", ["facilitator@example.org", "admin@example.org"])
def test_facilitators_and_admins_read_drafts(seeded, client, email):
    client.sign_in(email)
    assert "A draft not yet shown" in client.get("/").get_data(as_text=True)
    assert "Secret heading" in client.get("/documents/draft-protocol").get_data(as_text=True)


def test_the_recommendations_page_lists_both_sources_with_responses(seeded, client):
    client.sign_in("officer@example.org")
    html = client.get("/recommendations/").get_data(as_text=True)
    assert "Culture Review 2019" in html and "Corporate Peer Challenge 2019" in html
    assert 'id="culture-review-a"' in html and 'id="culture-review-z"' in html
    assert 'id="culture-review-i"' not in html
    assert 'id="corporate-peer-challenge-l"' in html
    assert "The council&#39;s response" in html or "The council's response" in html
    assert "Recommendations responded to through introduction of a new Ways of Working" in html


def test_the_navigation_says_recommendations_and_sign_out_is_a_form(seeded, client):
    client.sign_in("member@example.org")
    html = client.get("/").get_data(as_text=True)
    assert ">Recommendations<" in html or ">Recommendations\n" in html
    assert 'action="/sign-out"' in html and 'method="post"' in html


def test_security_headers_on_every_response(seeded, client):
    for response in (client.get("/sign-in"), client.get("/healthz"), client.get("/nowhere")):
        csp = response.headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_pages_have_no_inline_script_or_style(seeded, client):
    client.sign_in("member@example.org")
    for path in ("/", "/recommendations/", "/documents/ways-of-working-accord", "/sign-in"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<style" not in html and " style=" not in html
        for tag in html.split("<script")[1:]:
            assert tag.split(">", 1)[0].strip().startswith(("src=", 'type="module" src=')), tag[:80]


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {
        "status": "ok",
        "database": "ok",
        "throttle": "ok",
    }


def test_healthz_says_503_when_the_database_is_unreachable(tmp_path):
    app = make_app(
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}},
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


# One statement finds the signed-in person with their roles and the header's counts (unread
# notifications, tasks); the document page's six are issue 20's budget.
@pytest.mark.parametrize(
    ("path", "budget"),
    [("/", 3), ("/documents/ways-of-working-accord", 6), ("/recommendations/", 3)],
)
def test_pages_keep_to_their_query_budget(seeded, client, path, budget):
    client.sign_in("member@example.org")
    with count_queries(seeded) as queries:
        assert client.get(path).status_code == 200
    assert queries.count <= budget, f"{path}: {queries}"


def test_a_longer_document_costs_no_more_queries(seeded, client):
    client.sign_in("member@example.org")
    path = "/documents/ways-of-working-accord"
    with count_queries(seeded) as before:
        client.get(path)
    with seeded.app_context():
        accord = db.session.query(Document).filter_by(slug="ways-of-working-accord").one()
        recommendations = accord.clauses[0].recommendations
        for index in range(50):
            clauses.add_clause(
                accord, f"Extra clause {index}", "Text", by=None, recommendations=recommendations
            )
        db.session.commit()
    with count_queries(seeded) as after:
        html = client.get(path).get_data(as_text=True)
    assert "Extra clause 49" in html
    assert after.count == before.count, f"{before}\n---\n{after}"


def test_a_new_member_without_documents_sees_an_empty_state(app, client):
    make_user(app, "jo@example.org", roles=(Role.MEMBER,))
    client.sign_in("jo@example.org")
    assert "There is nothing here yet." in client.get("/").get_data(as_text=True)
