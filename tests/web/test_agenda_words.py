"""An agenda's parts are agenda items ("item 3"), never "clauses", wherever one is shown: every
page, form, message and export that can be reached for an agenda and its items, for every role
(shared/DOMAIN.md, Words: "Clause: a numbered part of a document (for an agenda: an agenda
item)").

The walk visits every GET route of the app with the values of two agendas, one Open with
discussions, amendments, passages and voting, one with the Standards Committee, and reads what a
person sees or hears: the text, the page title, and the labels of ``aria-label``, ``title`` and
``alt``. No Accord or Protocol exists in the database, so any "clause" on these pages is about an
agenda's item. Addresses (``/clauses/3``) are not read.
"""

from __future__ import annotations

import html
import io
import re
from urllib.parse import quote

import pytest
from docx import Document as WordDocument
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Amendment,
    AuditEvent,
    Choice,
    Comment,
    Discussion,
    DocumentVersion,
    Role,
)
from app.models import Document as DocumentModel
from app.models.documents import reworded
from app.review.record import SECTIONS
from app.services import amendments, clauses, lifecycle, voting
from tests import factories
from tests.helpers import shown_digest
from tests.snapshots import snapshot

# "clause", and "a agenda item" / "a item" (the article of the word it replaced).
CLAUSE = re.compile(r"\bclauses?\b|\ba (?:agenda )?items?\b", re.I)
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
HEARD = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
TAG = re.compile(r"<[^>]+>")
ROLES = ("member", "officer", "facilitator", "standards", "admin")
# Pages about every kind of document at once may speak of clauses and agenda items together.
GENERIC = (
    "Read the draft clauses",  # the home page, on the documents in general
    "amendments on clauses you took part in",  # what notifications are sent about
    "with how many clauses, discussions and sessions answer it",  # coverage of all documents
    "Recommendation Clauses Discussions Sessions",  # its table's header
    "a search looks through clauses, agenda items",
    "What to show Clauses Agenda items",  # the search filter
    "Clauses and agenda items to vote on",  # the tasks of every document
    "Clauses and agenda items that answer it",  # a recommendation's page
)
# Pages the walk reaches only with a query: searches, and what changed since a wording.
QUERIES = (
    "/search?q=why",
    "/search?q=opening",
    "/search?q=hear",
    "/documents/roles-workshop/clauses/2/changes?from=1",
    "/documents/scrutiny-session/clauses/1/changes?from=1",
)

# Routes with nothing of a document's to show, or not pages (feeds, data files, metrics); the
# audit trail, which names each record by its kind of object as stored ("clause 12" is the
# clause row 12), keeps every summary as it was written and lists every kind of action; a
# recommendation's admin pages, which count what links to it in every document; and a session
# item's outcome page, whose forms make the item into a clause of the Accord or the Protocol.
NOT_AGENDA_PAGES = {
    "review.audit_trail",
    "review.object_history",
    "documents.new",
    "recommendations.delete",
    "recommendations.retire",
    "joint_sessions.outcome",
    "static",
    "exports.data_csv",
    "exports.data_json",
    "main.metrics",
    "main.healthz",
    "joint_sessions.calendar",
    "joint_sessions.feed",
    "two_factor.qr_code",
}


@pytest.fixture
@snapshot
def agendas(app) -> dict[str, list[str]]:
    """Two agendas and the values their addresses take, by argument name.

    "Roles workshop" is Open with voting open: item 1 has a discussion with a reply, an open
    amendment, a vote and a declared interest; item 2 was reworded by an accepted amendment and
    has another rejected; item 3 has a passage suggestion and a passage comment; item 4 is
    retired (with a discussion and a withdrawn amendment). "Roles workshop session" is a joint
    session with an agenda of one item. "Scrutiny session" is with the Standards Committee:
    item 1 reworded and item 3 added after version 1, an amendment, a vote and a declared
    interest on item 2, voting closed with outcomes, a review note on item 2."""
    with factories.built(app):
        people = factories.everyone()
        member, officer = people[Role.MEMBER], people[Role.OFFICER]
        facilitator = people[Role.FACILITATOR]
        workshop = factories.document(
            kind="agenda",
            title="Roles workshop",
            clauses=[
                ("Welcome and introductions", "Who is here and why."),
                ("Sharing information early", "How Members hear of decisions first."),
                ("Next steps", "What we agree to do before the next session."),
                ("Any other business", "Raised on the day."),
            ],
        )
        one, two, three, four = (factories.clause(workshop, n) for n in "1234")
        thread = factories.discussion(clause=one, title="Who should attend")
        factories.comment(thread, "And the Cabinet?", parent=factories.comment(thread, "All?"))
        factories.discussion(workshop, title="The whole session", comments=0)
        factories.amendment(one, body="Who is here, and why they came.", by=member)
        accepted = factories.amendment(two, body="Members hear first.", by=member)
        rejected = factories.amendment(two, body="Nobody hears.", by=officer)
        amendments.reject_amendment(rejected, "Not what was meant.", by=facilitator)
        amendments.accept_amendment(accepted, by=facilitator, reason="The session agreed it.")
        factories.suggestion(three, "before the next session", "by the end of March", by=member)
        factories.passage_comment(three, "What we agree", by=officer)
        voting.open_voting(workshop, by=facilitator, closes_at=None)
        voting.cast_vote(member, Choice.SUPPORT, clause=one)
        voting.cast_vote(officer, Choice.INTEREST, clause=one, interest_reason="I lead on it.")
        factories.discussion(clause=four, title="Anything else?")
        factories.amendment(four, body="Raised in advance.", by=member)
        clauses.retire_clause(four, "Nothing was raised.", by=facilitator)

        scrutiny = factories.document(
            kind="agenda",
            title="Scrutiny session",
            clauses=[
                ("Opening", "Why scrutiny matters."),
                ("Call-in", "When Members may call a decision in."),
            ],
        )
        lifecycle.publish_version(scrutiny, by=facilitator, note="First draft")
        amendments.edit_clause(
            factories.clause(scrutiny, "1"),
            "Opening",
            "Why scrutiny matters to everyone.",
            "Agreed on the day.",
            by=facilitator,
            seen_revision=factories.clause(scrutiny, "1").revision_number,
        )
        factories.add_clause(scrutiny, "Questions", "Time for questions.")
        call_in = factories.clause(scrutiny, "2")
        factories.amendment(call_in, body="When five Members ask.", by=member)
        voting.open_voting(scrutiny, by=facilitator, closes_at=None)
        voting.cast_vote(member, Choice.SUPPORT, clause=call_in)
        voting.cast_vote(officer, Choice.INTEREST, clause=call_in, interest_reason="Mine.")
        voting.close_voting(scrutiny, by=facilitator)
        factories.move_to(scrutiny, "submitted", by=facilitator)
        lifecycle.add_review_note(
            lifecycle.latest_version(scrutiny),
            "Is a week enough?",
            by=people[Role.STANDARDS],
            clause_number="2",
        )
        db.session.flush()

        session = factories.joint_session(title="Roles workshop session", items=(("Welcome", 20),))
        documents = [workshop, scrutiny, session.agenda]
        ids = [d.id for d in documents]
        clause_rows = [c for d in documents for c in d.all_clauses]
        return {
            "slug": [d.slug for d in documents],
            "number": sorted({c.number for c in clause_rows if not c.is_retired}),
            "clause_id": [str(c.id) for c in clause_rows],
            "amendment_id": _ids(Amendment, Amendment.clause_id.in_([c.id for c in clause_rows])),
            "discussion_id": _ids(Discussion, Discussion.document_id.in_(ids)),
            "comment_id": _ids(Comment, Comment.discussion_id.in_(_raw_ids(Discussion, ids))),
            "section": [slug for slug, _ in SECTIONS],
            "version_number": [
                str(n)
                for n in db.session.scalars(
                    select(DocumentVersion.number).where(DocumentVersion.document_id.in_(ids))
                )
            ],
            "object_id": [str(c.id) for c in clause_rows],
            "object_type": ["clause"],
            "user_id": [str(member.id)],
            "session_id": [str(session.id)],
            "source": ["culture-review"],
            "letter": ["g"],
        }


def _raw_ids(model, document_ids: list[int]) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.document_id.in_(document_ids))))


def _ids(model, where) -> list[str]:
    return [str(i) for i in db.session.scalars(select(model.id).where(where))]


def heard(page: str) -> str:
    """What a person sees or hears of an HTML page: its text and its spoken labels."""
    page = HIDDEN.sub(" ", page)
    labels = " ".join(HEARD.findall(page))
    return html.unescape(f"{TAG.sub(' ', page)} {labels}")


def _paths(app, values: dict[str, list[str]]):
    """Every GET path of the app for each combination of the agendas' values (the version's
    number is the ``number`` of the versions route)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_AGENDA_PAGES:
            continue
        names = set(rule.arguments)
        if rule.endpoint == "review.version":
            choices = {"slug": values["slug"], "number": values["version_number"]}
        else:
            choices = {name: values.get(name) for name in names}
        if any(not v for v in choices.values()):
            continue
        combinations = [{}]
        for name, options in choices.items():
            combinations = [{**c, name: option} for c in combinations for option in options]
        for combination in combinations:
            yield re.sub(
                r"<(?:[^:<>]+:)?([^<>]+)>",
                lambda m, c=combination: quote(c[m.group(1)], safe=""),
                rule.rule,
            )


def _said(text: str) -> list[str]:
    text = " ".join(text.split())
    for phrase in GENERIC:
        text = text.replace(phrase, "")
    return [text[max(0, m.start() - 60) : m.end() + 40].strip() for m in CLAUSE.finditer(text)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_page_about_an_agenda_says_clause(app, agendas):
    """Every page a role can reach for the agendas: what is shown and heard says "item". (On
    SQLite only: the words are the templates', whatever the database; the walk is the suite's
    longest after the browser journeys, and the other tests here run on both.)"""
    found: dict[str, list[str]] = {}
    for role in ROLES:
        client = app.test_client()
        client.sign_in(f"{role}@example.org")
        for path in [*_paths(app, agendas), *QUERIES]:
            response = client.get(path)
            if response.mimetype != "text/html":
                continue
            for said in _said(heard(response.get_data(as_text=True))):
                found.setdefault(f"{path} ({response.status_code})", []).append(
                    f"{role}: {' '.join(said.split())}"
                )
    report = (f"{path}\n    " + "\n    ".join(sorted(set(v))) for path, v in found.items())
    assert not found, "\n".join(report)


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_an_agendas_export_names_its_items(app, agendas, fmt):
    """The exports of an agenda (the print page is what the PDF is made from) name its parts
    items, in the text, the annexes and their tables."""
    client = app.test_client()
    client.sign_in("facilitator@example.org")
    every = {"format": fmt, "clauses": "all", "annexes": "yes"}
    exports = [(slug, {**every, "version": "working"}) for slug in agendas["slug"]]
    exports.append((agendas["slug"][1], {**every, "version": "2", "changes_since": "1"}))
    for slug, query in exports:
        response = client.get(f"/documents/{slug}/export/download", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        if fmt == "docx":
            word = WordDocument(io.BytesIO(response.data))
            cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
            text = "\n".join([p.text for p in word.paragraphs] + cells)
        elif fmt == "html":
            text = heard(response.get_data(as_text=True))
        else:
            text = response.get_data(as_text=True)
        assert not _said(text), _said(text)


def _audit_summaries(app, slugs: list[str]) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.summary).where(
                    AuditEvent.document_id.in_(
                        select(DocumentModel.id).where(DocumentModel.slug.in_(slugs))
                    )
                )
            )
        )


def test_the_audit_trail_names_an_agendas_items(app, agendas):
    """What the audit trail records of an agenda's items says "item" (the trail itself is left
    out of the walk: see ``NOT_AGENDA_PAGES``)."""
    summaries = _audit_summaries(app, agendas["slug"])
    assert any("Item 1" in s for s in summaries)
    assert not [s for s in summaries if CLAUSE.search(s)]


def test_what_a_facilitator_does_to_an_item_is_told_in_its_words(app, agendas):
    """The messages after a facilitator's actions on an agenda's items (found by the outside
    tester: each was "clause"), the pages they land on, and what the audit trail records."""
    slug = agendas["slug"][0]
    with app.app_context():
        agenda = db.session.scalars(select(DocumentModel).filter_by(slug=slug)).one()
        one = next(c for c in agenda.clauses if c.number == "1")
        answers = str(one.recommendations[0].id)
        open_amendment = next(
            a.id
            for a in db.session.scalars(
                select(Amendment).filter_by(clause_id=one.id, status="open")
            )
        )
    client = app.test_client()
    client.sign_in("facilitator@example.org")
    steps = [
        (
            f"/documents/{slug}/clauses/3/amendments-stopped",
            {"action": "stop"},
            "New amendments to this agenda item are stopped.",
        ),
        (
            f"/documents/{slug}/clauses/2/edit",
            {
                "heading": "Sharing information early",
                "body": "Members always hear first.",
                "reason": "Tidied on the day.",
                "revision_number": "2",
            },
            "Item 2 has its new wording.",
        ),
        (
            f"/amendments/{open_amendment}/accept",
            {"acceptance_reason": "Agreed on the day."},
            "The amendment is accepted: item 1 has its new wording.",
        ),
        (f"/documents/{slug}/clauses/3/voting/close", {}, "Voting on item 3 is closed"),
    ]
    for path, data, told in steps:
        if path.endswith(("/voting/close", "/accept")):  # confirmed as its check page shows it
            data = {**data, "shown": shown_digest(client.get(path).get_data(as_text=True))}
        page = heard(client.post_form(path, data, follow_redirects=True).get_data(as_text=True))
        assert told in page, (path, page[:2000])
        assert not _said(page), (path, _said(page))
    assert not [s for s in _audit_summaries(app, [slug]) if CLAUSE.search(s)]

    member = app.test_client()
    member.sign_in("member@example.org")
    refused = member.post_form(
        f"/documents/{slug}/clauses/2/suggest",
        {
            "quote": "no such words",
            "replacement": "some",
            "rationale": "Clearer.",
            "recommendations": answers,
        },
    )
    assert refused.status_code == 422
    assert "Those words are not in the current wording" in heard(refused.get_data(as_text=True))
    assert not _said(heard(refused.get_data(as_text=True)))


def test_an_agendas_word_file_for_suggestions_names_its_items(app, agendas):
    """The Word file for suggestions on one item: its name, its how-to and its sections."""
    slug = agendas["slug"][0]
    member = app.test_client()
    member.sign_in("member@example.org")
    response = member.get(f"/documents/{slug}/word/download", query_string={"clause": "2"})
    assert response.status_code == 200
    assert f"{slug}-item-2-for-suggestions.docx" in response.headers["Content-Disposition"]
    word = WordDocument(io.BytesIO(response.data))
    xml = word.element.xml
    assert 'w:val="Item 2"' in xml
    assert not _said("\n".join(p.text for p in word.paragraphs)), xml[:2000]
    assert not re.search(r'w:alias w:val="Clause', xml)


def test_the_walk_reaches_the_agendas_pages(app, agendas):
    """The walk is not empty: it visits each agenda item's page, its amendment, ballot,
    review and history pages with each agenda's values."""
    paths = list(_paths(app, agendas))
    slug = agendas["slug"][0]
    for expected in (
        f"/documents/{slug}/clauses/1",
        f"/documents/{slug}/clauses/1/amendments/new",
        f"/documents/{slug}/ballot",
        f"/documents/{agendas['slug'][1]}/review/notes",
        f"/amendments/{agendas['amendment_id'][0]}",
    ):
        assert expected in paths


def test_an_agendas_forms_and_refusals_name_its_items(app, agendas):
    """A form's labels, buttons and error messages, and a service's refusal, said of an
    agenda's item, say "agenda item"; the words a person typed stay as typed."""
    slug = agendas["slug"][0]
    client = app.test_client()
    client.sign_in("facilitator@example.org")
    added = client.post_form(
        f"/documents/{slug}/manage/add",
        {"heading": "A clause of its own", "body": "", "after": "end"},
    )
    page = heard(added.get_data(as_text=True))
    assert added.status_code == 422
    assert "Enter the agenda item's text" in page and "Add the agenda item" in page
    assert 'value="A clause of its own"' in added.get_data(as_text=True)  # kept as typed
    with app.app_context():
        agenda = db.session.scalars(select(DocumentModel).filter_by(slug=slug)).one()
        retired_id = next(c.id for c in agenda.all_clauses if c.is_retired)
    refused = client.get(f"/documents/{slug}/manage/{retired_id}/retire")
    assert "This item is already retired." in heard(refused.get_data(as_text=True))
    live_id = agendas["clause_id"][0]
    retire = client.post_form(f"/documents/{slug}/manage/{live_id}/retire", {"reason": ""})
    assert "Give the reason the agenda item is retired" in heard(retire.get_data(as_text=True))
    member = app.test_client()
    member.sign_in("member@example.org")
    page = heard(member.get(f"/documents/{slug}/clauses/1/amendments/new").get_data(as_text=True))
    assert "Which recommendations does the amendment answer?" in page
    proposed = member.post_form(f"/documents/{slug}/clauses/1/amendments/new", {"body": ""})
    assert not _said(heard(proposed.get_data(as_text=True)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Add a clause", "Add an agenda item"),
        ("Clauses", "Agenda items"),
        ("the clause's heading", "the agenda item's heading"),
        ("A clause or amendment", "An agenda item or amendment"),
        ("Enclosure and clauses", "Enclosure and agenda items"),
        ("subclause", "subclause"),
    ],
)
def test_reworded_keeps_capitals_plurals_and_articles(text, expected):
    assert reworded(text, "agenda item") == expected
    assert reworded(text, "clause") == text


def test_reworded_names_the_whole_agenda_too():
    refusal = "Amendments are proposed while the document is Open. This document has a clause."
    assert reworded(refusal, "agenda item", "agenda") == (
        "Amendments are proposed while the agenda is Open. This agenda has an agenda item."
    )
    assert reworded("A Word document", "agenda item", "agenda") == "A Word document"
