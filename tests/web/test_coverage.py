"""Recommendation coverage: one computation for the committee's review, the coverage page and
the exports, for every source (Culture Review and CPC), in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Clause,
    Discussion,
    Document,
    DocumentStatus,
    JointSession,
    Recommendation,
    RecommendationSource,
    clause_recommendations,
    discussion_recommendations,
    session_recommendations,
)
from app.permissions import readable_documents
from app.services import coverage, lifecycle
from tests import factories
from tests.helpers import count_queries

SLUG = "member-officer-protocol"
DOC = f"/documents/{SLUG}"
SOURCES = ("Culture Review 2019", "Corporate Peer Challenge 2019")
# Whole requests, signing in included (the person, their roles and the header's counts: one);
# none grows with the number of sources or recommendations.
REVIEW_QUERIES = 5  # the coverage section of the review
COVERAGE_QUERIES = 4  # the header's counts come with the session
EXPORT_QUERIES = 17  # the audit trail head, the votes set aside, and the annex's amendments,
# declarations and wordings with their authors (papers a committee can file)


def _submit_the_protocol(app) -> None:
    with app.app_context():
        document = db.session.scalars(select(Document).filter_by(slug=SLUG)).one()
        facilitator = factories.user("facilitator@example.org")
        version = lifecycle.publish_version(document, by=facilitator)
        lifecycle.move(document, DocumentStatus.CLOSED, by=facilitator)
        lifecycle.move(document, DocumentStatus.SUBMITTED, by=facilitator, version=version)
        db.session.commit()


def _section(html: str, heading: str) -> str:
    """The page from ``heading`` up to the next h2."""
    start = html.index(heading)
    end = html.find("<h2", start)
    return html[start : end if end != -1 else None]


def test_the_review_shows_each_source_in_its_own_section(seeded, client):
    _submit_the_protocol(seeded)
    client.sign_in("standards@example.org")
    with count_queries(seeded) as queries:
        html = client.get(f"{DOC}/review/coverage").get_data(as_text=True)
    for name in SOURCES:
        assert f"How the {name} recommendations are answered" in html
        assert f'aria-label="{name} recommendation coverage"' in html
    cpc = _section(html, "How the Corporate Peer Challenge 2019 recommendations are answered")
    culture_review = _section(html, "How the Culture Review 2019 recommendations are answered")
    cpc_d = re.search(r"CPC d .*?</tr>", cpc, re.S).group(0)
    assert "Not answered" not in cpc_d and '/review/text#text-clause-1">Clause 1</a>' in cpc_d
    assert "CPC a" in cpc and "CPC a" not in culture_review
    assert "CR a" in culture_review and "CR a" not in cpc
    # Unanswered first within each source.
    rows = re.findall(r'<th scope="row"[^>]*>(CPC \w+) (<strong)?', cpc)
    answered = [not tag for _, tag in rows]
    assert len(rows) == 12 and answered == sorted(answered)
    assert queries.count == REVIEW_QUERIES, str(queries)


def test_the_coverage_page_counts_every_source_in_the_same_queries(seeded, client):
    client.sign_in("member@example.org")
    counts = []
    for slug in ("culture-review", "corporate-peer-challenge"):
        with count_queries(seeded) as queries:
            html = client.get(f"/recommendations/coverage?source={slug}").get_data(as_text=True)
        assert 'id="coverage-summary"' in html
        counts.append(queries.count)
    assert "CPC d" in html and "CR a" not in html
    assert counts == [COVERAGE_QUERIES] * 2, counts


def test_the_exports_cover_every_source_each_in_its_own_section(seeded, client):
    client.sign_in("facilitator@example.org")
    query = {"version": "working", "clauses": "all", "annexes": "yes", "format": "md"}
    with count_queries(seeded) as queries:
        response = client.get(f"{DOC}/export/download", query_string=query)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    annex = text[text.index("## Annex B") : text.index("## Annex C")]
    assert annex.index("### Culture Review 2019") < annex.index("### Corporate Peer Challenge 2019")
    assert "| CPC d |" in annex.split("### Corporate Peer Challenge 2019")[1]
    assert "| CR a |" in annex.split("### Corporate Peer Challenge 2019")[0]
    assert queries.count == EXPORT_QUERIES, str(queries)


def test_a_retired_recommendation_nothing_answers_needs_no_answer(seeded):
    with seeded.app_context():
        cpc_a = db.session.scalars(
            select(Recommendation)
            .join(Recommendation.source)
            .where(RecommendationSource.short_name == "CPC", Recommendation.letter == "a")
        ).one()
        cpc_a.retired_at = datetime.now(UTC)
        cpc_a.retirement_reason = "Done"
        db.session.flush()
        text = [
            {"number": "1", "recommendations": ["CPC b", "CR g"]},
            {"number": "2", "recommendations": ["CPC b"]},
        ]
        with count_queries(seeded) as queries:
            parts = {part.source.short_name: part for part in coverage.text_coverage(text)}
        assert queries.count == 2, str(queries)
        assert list(parts) == ["CR", "CPC"]
        cpc = {a.recommendation.letter: a.clauses for a in parts["CPC"].answers}
        assert "a" not in cpc and cpc["b"] == ("1", "2") and cpc["c"] == ()
        assert parts["CR"].unanswered_first[-1].recommendation.letter == "g"
        answered = coverage.text_coverage([{"number": "3", "recommendations": ["CPC a"]}])
        assert answered[1].answers[0].clauses == ("3",), "retired, but still answered: shown"
        db.session.rollback()


def test_answer_counts_are_the_live_readable_links_of_each_recommendation(seeded):
    """``answer_counts`` (one statement) against the links counted one by one: live clauses,
    discussions and sessions of the documents the person may read. A Member reads no
    drafts; a facilitator does; a retired clause answers nothing."""
    with factories.built(seeded):
        factories.document("draft", clauses=2, title="A draft", answers=("CR a",))
        factories.discussion(factories.document(clauses=1, title="Talked about"))
        retired = factories.clause(factories.find_document(SLUG), "1")
        retired.retired_at, retired.retired_reason = datetime.now(UTC), "Merged into 2."
    with seeded.app_context():
        clauses = db.session.execute(
            select(
                clause_recommendations.c.recommendation_id, Clause.document_id, Clause.retired_at
            ).join(Clause, Clause.id == clause_recommendations.c.clause_id)
        ).all()
        discussions = db.session.execute(
            select(discussion_recommendations.c.recommendation_id, Discussion.document_id).join(
                Discussion, Discussion.id == discussion_recommendations.c.discussion_id
            )
        ).all()
        sessions = db.session.execute(
            select(session_recommendations.c.recommendation_id, JointSession.agenda_id).join(
                JointSession, JointSession.id == session_recommendations.c.session_id
            )
        ).all()
        assert clauses and discussions and sessions
        for email in ("member@example.org", "facilitator@example.org"):
            person = factories.user(email)
            readable = set(
                db.session.scalars(readable_documents(person).with_only_columns(Document.id))
            )
            for source in coverage.sources():
                counted = coverage.answer_counts(
                    source, readable_documents(person).with_only_columns(Document.id)
                )
                assert {
                    c.recommendation.id: (c.clauses, c.discussions, c.sessions) for c in counted
                } == {
                    r.id: (
                        sum(
                            1 for i, d, gone in clauses if i == r.id and d in readable and not gone
                        ),
                        sum(1 for i, d in discussions if i == r.id and d in readable),
                        sum(1 for i, d in sessions if i == r.id and d in readable),
                    )
                    for r in source.recommendations
                }, (email, source.name)
