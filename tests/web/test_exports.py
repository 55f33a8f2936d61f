"""Exports through the web and the command line, opened with libraries and checked."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Choice, Clause, DocumentVersion, Role, utcnow
from app.services import amendments, clauses, discussions, leavers, lifecycle, voting
from tests import factories
from tests.snapshots import snapshot

SLUG = "member-officer-protocol"
EXPORT = f"/documents/{SLUG}/export"


@pytest.fixture
@snapshot
def protocol(app):
    """The five role accounts, four more voters and an Open Member/Officer Protocol with
    the demo's wording."""
    with factories.built(app):
        factories.everyone()
        for name in ("graham.tyldesley", "helen.marsden"):
            factories.member(email=f"{name}@example.org")
        factories.officer(email="michael.brennan@example.org")
        factories.document(
            title="Member/Officer Protocol",
            kind="protocol",
            clauses=factories.demo_clauses(SLUG),
        )
    return app


def _agree_clause_two(app) -> None:
    """Members and Officers agree clause 2 only; voting closes and records the outcomes."""
    with app.app_context():
        document = factories.find_document(SLUG)
        facilitator = factories.user("facilitator@example.org")
        voting.open_voting(document, by=facilitator)
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=document.id, number="2")
        ).one()
        for email in (
            "member@example.org",
            "graham.tyldesley@example.org",
            "helen.marsden@example.org",
            "officer@example.org",
            "michael.brennan@example.org",
        ):
            voting.cast_vote(factories.user(email), Choice.SUPPORT, clause=clause)
        voting.close_voting(document, by=facilitator)
        db.session.commit()


def _publish(app, *, retitled: str | None = None) -> SimpleNamespace:
    """Publish the next version; ``retitled`` changes the title first (a text the same as the
    newest version's is not published again)."""
    with app.app_context():
        document = factories.find_document(SLUG)
        if retitled is not None:
            document.title = retitled
        version = lifecycle.publish_version(document, by=factories.user("facilitator@example.org"))
        db.session.commit()
        return SimpleNamespace(number=version.number, content_hash=version.content_hash)


def _download(client, **params):
    return client.get(
        f"{EXPORT}/download",
        query_string={"version": "working", "clauses": "all", "annexes": "yes", **params},
    )


def test_a_facilitator_exports_word_with_headings_hash_and_annexes(protocol, client):
    client.sign_in("facilitator@example.org")
    response = _download(client, format="docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("-working-text.docx")
    word = WordDocument(io.BytesIO(response.data))
    headings = _clause_headings(word)
    with protocol.app_context():
        expected = [f"{c.number}. {c.heading}" for c in factories.find_document(SLUG).clauses]
        content_hash = lifecycle.hash_content(
            lifecycle.working_content(factories.find_document(SLUG))
        )
    assert headings == expected
    text = "\n".join(p.text for p in word.paragraphs)
    assert content_hash in text and "Working text" in text
    assert "Annex B: Recommendation coverage" in text
    assert len(word.tables) >= 2


def _clause_headings(word) -> list[str]:
    """The clause headings of the main text (before the annexes)."""
    headings = []
    for paragraph in word.paragraphs:
        if paragraph.style.name == "Heading 1" and paragraph.text.startswith("Annex"):
            break
        if paragraph.style.name == "Heading 2":
            headings.append(paragraph.text)
    return headings


def test_the_agreed_text_holds_only_agreed_clauses(protocol, client):
    _agree_clause_two(protocol)
    client.sign_in("facilitator@example.org")
    word = WordDocument(io.BytesIO(_download(client, format="docx", clauses="agreed").data))
    headings = _clause_headings(word)
    assert len(headings) == 1 and headings[0].startswith("2. ")
    voting_table = word.tables[-1]
    outcomes = [row.cells[-2].text for row in voting_table.rows[1:]]
    assert [o.split(" on wording")[0] for o in outcomes].count("Agreed") == 1
    assert len(outcomes) == 8


def test_a_published_version_exports_to_pdf_for_everyone(protocol, client):
    version = _publish(protocol)
    client.sign_in("member@example.org")
    working = _download(client, format="pdf")
    assert working.status_code == 422
    assert "Choose a version you can export" in working.get_data(as_text=True)
    response = _download(client, format="pdf", version=str(version.number))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert version.content_hash in text.replace("\n", "") and "Version 1" in text
    assert "Page 1 of" in text
    assert any("Purpose and principles" in str(item.title) for item in _flatten(reader.outline))


def _flatten(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_exports_of_a_version_are_the_same_apart_from_the_date(protocol, client):
    version = _publish(protocol)
    client.sign_in("member@example.org")
    first = _download(client, format="md", version=str(version.number)).get_data(as_text=True)
    second = _download(client, format="md", version=str(version.number)).get_data(as_text=True)
    undated = [re.sub(r"Generated[^\n]*", "", text) for text in (first, second)]
    assert undated[0] == undated[1]
    assert version.content_hash in first


def test_changes_since_a_version_are_real_tracked_changes(protocol, client):
    version = _publish(protocol)
    with protocol.app_context():
        clause = db.session.scalars(
            select(Clause).filter_by(document_id=factories.find_document(SLUG).id, number="3")
        ).one()
        from app.services import clauses

        clauses.revise_clause(
            clause,
            clause.heading,
            clause.body.replace("Officers", "senior Officers", 1),
            by=None,
            reason="x",
        )
        db.session.commit()
    client.sign_in("facilitator@example.org")
    data = _download(client, format="docx", changes_since=str(version.number)).data
    xml = WordDocument(io.BytesIO(data)).element.xml
    assert "<w:ins " in xml and "senior" in xml


def test_changes_cannot_be_shown_since_the_same_or_a_later_version(protocol, client):
    """A redline backwards was made, titled "Changes since Version 2" on Version 1."""
    first = _publish(protocol)
    second = _publish(protocol, retitled="Member/Officer Protocol, revised")
    client.sign_in("facilitator@example.org")
    for since in (second.number, first.number):
        response = _download(
            client, format="pdf", version=str(first.number), changes_since=str(since)
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f"Choose a version earlier than Version {first.number}" in html
        assert 'href="#changes_since"' in html or 'href="#changes-since"' in html
    fine = _download(client, format="md", version=str(second.number), changes_since="1")
    assert fine.status_code == 200


def test_the_print_page_obeys_the_content_security_policy(protocol, client):
    client.sign_in("facilitator@example.org")
    response = _download(client, format="html")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<script" not in html and " style=" not in html
    assert "/static/css/print.css" in html


def test_bad_choices_get_a_clear_message(protocol, client):
    client.sign_in("facilitator@example.org")
    response = _download(client, format="exe")
    assert response.status_code == 422 and "There is a problem" in response.get_data(as_text=True)
    assert _download(client, format="md", changes_since="99").status_code in (404, 422)


def test_open_data_is_for_facilitators_and_escapes_formulas(protocol, client):
    with protocol.app_context():
        document = factories.find_document(SLUG)
        clause = document.clauses[0]
        discussion = discussions.start_discussion(
            document,
            clause,
            "Formulas",
            '=HYPERLINK("http://evil")',
            list(clause.recommendations),
            by=factories.user("member@example.org"),
        )
        hidden = discussions.add_comment(
            discussion, "Named a colleague", by=factories.user("officer@example.org")
        )
        discussions.hide_comment(
            hidden, "Names a colleague", by=factories.user("facilitator@example.org")
        )
        db.session.commit()
    client.sign_in("member@example.org")
    assert client.get(f"{EXPORT}/comments.csv").status_code == 403
    client.sign_in("admin@example.org")
    admin_rows = _csv(client.get(f"{EXPORT}/comments.csv").data)
    assert admin_rows[0]["text"].startswith("'=HYPERLINK")
    assert admin_rows[1]["text"] == "hidden by a facilitator"
    client.sign_in("facilitator@example.org")
    response = client.get(f"{EXPORT}/comments.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert _csv(response.data)[1]["text"] == "Named a colleague"
    data = json.loads(client.get(f"{EXPORT}/data.json").data)
    assert data["discussions"][0]["title"] == "Formulas"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["comments"][0]["created_at"])


def test_open_data_says_which_wording_each_vote_is_on_and_which_are_set_aside(protocol, client):
    """A vote on wording 1 of a clause reworded while voting is open is in the open data, marked
    set aside; the vote cast again on wording 2 is counted."""
    with protocol.app_context():
        document = factories.find_document(SLUG)
        facilitator = factories.user("facilitator@example.org")
        member = factories.user("member@example.org")
        voting.open_voting(document, by=facilitator)
        clause = document.clauses[0]
        voting.cast_vote(member, Choice.SUPPORT, clause=clause)
        clauses.revise_clause(clause, clause.heading, "New words.", by=facilitator, reason="x")
        voting.cast_vote(factories.user("officer@example.org"), Choice.OPPOSE, clause=clause)
        db.session.commit()
    client.sign_in("facilitator@example.org")
    rows = _csv(client.get(f"{EXPORT}/votes.csv").data)
    by_voter = {row["voter"]: row for row in rows}
    member_row = by_voter[next(n for n in by_voter if by_voter[n]["side"] == "Member")]
    officer_row = by_voter[next(n for n in by_voter if by_voter[n]["side"] == "Officer")]
    assert (member_row["wording"], member_row["set_aside"]) == ("1", "cast on an earlier wording")
    assert (officer_row["wording"], officer_row["set_aside"]) == ("2", "")


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["docx", "pdf", "md", "html", "csv", "json"])
def test_the_command_line_exports_every_format(protocol, tmp_path, fmt):
    version = _publish(protocol)
    target = tmp_path / f"out.{fmt}"
    result = protocol.test_cli_runner().invoke(
        args=["export", SLUG, "--format", fmt, "--version", str(version.number), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > (50 if fmt == "csv" else 100)
    if fmt == "md":
        assert version.content_hash in target.read_text()


def test_the_command_line_says_what_is_wrong(protocol, tmp_path):
    runner = protocol.test_cli_runner()
    missing = runner.invoke(args=["export", "no-such", "--format", "md", "-o", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "no document" in missing.output
    no_version = runner.invoke(
        args=["export", SLUG, "--format", "md", "--version", "9", "-o", str(tmp_path / "x")]
    )
    assert no_version.exit_code != 0 and "has no version 9" in no_version.output


def test_text_nested_hundreds_deep_exports_in_every_format(app, client):
    """300 levels of bold in a clause (and so in a Member's amendment, once accepted) made
    WeasyPrint recurse too deep: every PDF of the document was a 500."""
    deep = "**" * 300 + "deep" + "**" * 300
    with factories.built(app):
        factories.everyone()
        slug = factories.document(clauses=[("Deep", deep), ("Plain", "Plain words.")]).slug
    client.sign_in("facilitator@example.org")
    for fmt in ("pdf", "docx", "md", "html"):
        response = client.get(
            f"/documents/{slug}/export/download",
            query_string={"format": fmt, "version": "working", "clauses": "all", "annexes": "no"},
        )
        assert response.status_code == 200, fmt
    assert client.get(f"/documents/{slug}/clauses/1").status_code == 200


# Committee papers ------------------------------------------------------------------------------

PAPER = {
    "committee": "Standards Committee",
    "meeting_date": ["12", "3", "2027"],
    "agenda_item": "7(b)",
    "appendix": "b",
    "author": "Jo Bloggs, Democratic Services",
}
REFERENCE = "Appendix B to agenda item 7(b), Standards Committee, 12 March 2027"


def test_the_committee_details_go_on_the_cover_and_every_page(protocol, client):
    client.sign_in("facilitator@example.org")
    word = WordDocument(io.BytesIO(_download(client, format="docx", **PAPER).data))
    assert REFERENCE in word.sections[0].header.paragraphs[0].text
    assert "Report author: Jo Bloggs, Democratic Services" in [p.text for p in word.paragraphs]
    footer = word.sections[0].footer._element.xml
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    pdf = PdfReader(io.BytesIO(_download(client, format="pdf", **PAPER).data))
    pages = [page.extract_text() for page in pdf.pages]
    for number, page in enumerate(pages, start=1):
        assert REFERENCE in " ".join(page.split()) and f"Page {number} of {len(pages)}" in page
    assert pages[0].count("Member/Officer Protocol") == 1 + pages[0].count("Protocol –")


def test_bad_committee_details_are_shown_by_their_fields(protocol, client):
    client.sign_in("facilitator@example.org")
    response = _download(
        client,
        format="pdf",
        committee="Standards Committee",
        meeting_date=["31", "2", "2027"],
        agenda_item="7; DROP",
        appendix="B12",
        author="x" * 121,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    for message in (
        "Meeting date must be a real date",
        "Enter the agenda item as on the agenda, like 7(b)",
        "Enter the appendix as a letter, for example B",
        "Report author must be 120 characters or fewer",
    ):
        assert message in html, message
    assert 'value="Standards Committee"' in html  # what was typed is kept


def test_while_voting_is_open_the_default_is_the_working_text_with_statuses(protocol, client):
    with protocol.app_context():
        voting.open_voting(
            factories.find_document(SLUG), by=factories.user("facilitator@example.org")
        )
        db.session.commit()
    client.sign_in("facilitator@example.org")
    html = client.get(EXPORT).get_data(as_text=True)
    assert re.search(r'<option[^>]*value="working"[^>]*selected|selected[^>]*value="working"', html)
    assert re.search(r'value="all"\s+checked|checked[^>]*value="all"', html)


def test_a_member_with_no_version_is_told_when_there_will_be_one(protocol, client):
    from datetime import timedelta

    from app.models import utcnow

    with protocol.app_context():
        voting.open_voting(
            factories.find_document(SLUG),
            by=factories.user("facilitator@example.org"),
            closes_at=utcnow() + timedelta(days=3),
        )
        db.session.commit()
    client.sign_in("member@example.org")
    response = client.get(EXPORT)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No version of this document has been published yet" in html
    assert "Voting closes" in html and "you can export it here then" in html


def test_tracked_changes_name_the_member_whose_amendment_made_them(protocol, client):
    version = _publish(protocol)
    with protocol.app_context():
        document = factories.find_document(SLUG)
        clause = factories.clause(document, "3")
        proposer = factories.user("member@example.org")
        amendment = factories.amendment(
            clause, body=clause.body.replace("Officers", "senior Officers", 1), by=proposer
        )
        from app.services import amendments

        amendments.accept_amendment(
            amendment, by=factories.user("facilitator@example.org"), reason="Agreed in the room"
        )
        db.session.commit()
        name = proposer.display_name
    client.sign_in("facilitator@example.org")
    data = _download(client, format="docx", changes_since=str(version.number)).data
    xml = WordDocument(io.BytesIO(data)).element.xml
    assert f'w:author="{name}"' in xml


def test_tracked_changes_name_everyone_whose_wording_changed_the_clause(protocol, client):
    """An outside tester's find: after a Member's amendment was accepted, a facilitator's own
    edit to the same clause was credited to the Member too (the last accepted amendment's
    proposer took the whole change). Each wording since the version names who made it: the
    change names them all, in order."""
    version = _publish(protocol)
    with protocol.app_context():
        from app.services import amendments

        document = factories.find_document(SLUG)
        clause = factories.clause(document, "3")
        proposer = factories.user("member@example.org")
        facilitator = factories.user("facilitator@example.org")
        amendment = factories.amendment(
            clause, body=clause.body.replace("Officers", "senior Officers", 1), by=proposer
        )
        amendments.accept_amendment(amendment, by=facilitator, reason="Agreed in the room")
        amendments.edit_clause(
            clause,
            clause.heading,
            clause.body + "\n\nFACILITATOR WORDS here.",
            "Tidied",
            by=facilitator,
            seen_revision=clause.revision_number,
        )
        db.session.commit()
        names = f"{proposer.display_name}, {facilitator.display_name}"
        only_member = proposer.display_name
    client.sign_in("facilitator@example.org")
    data = _download(client, format="docx", changes_since=str(version.number)).data
    xml = WordDocument(io.BytesIO(data)).element.xml
    assert f'w:author="{names}"' in xml
    assert f'w:author="{only_member}"' not in xml


def test_a_versions_tracked_changes_name_no_one_who_changed_it_after_it_was_published(
    protocol, client
):
    """A third outside tester's find: the Word export of Version 2 with the changes since
    Version 1 credited a facilitator who edited the clause after Version 2 was published, so
    a frozen version's pack changed with later editing. A comparison backwards (Version 1
    with the changes since Version 2) is refused on the command line too."""
    first = _publish(protocol)
    with protocol.app_context():
        from app.services import amendments

        clause = factories.clause(factories.find_document(SLUG), "3")
        proposer = factories.user("member@example.org")
        facilitator = factories.user("facilitator@example.org")
        amendment = factories.amendment(
            clause, body=clause.body.replace("Officers", "senior Officers", 1), by=proposer
        )
        amendments.accept_amendment(amendment, by=facilitator, reason="Agreed in the room")
        db.session.commit()
        member_name, facilitator_name = proposer.display_name, facilitator.display_name
    second = _publish(protocol)
    with protocol.app_context():
        clause = factories.clause(factories.find_document(SLUG), "3")
        amendments.edit_clause(
            clause,
            clause.heading,
            clause.body + "\n\nLater words.",
            "After Version 2",
            by=factories.user("facilitator@example.org"),
            seen_revision=clause.revision_number,
        )
        db.session.commit()
    client.sign_in("facilitator@example.org")
    data = _download(
        client, format="docx", version=str(second.number), changes_since=str(first.number)
    ).data
    xml = WordDocument(io.BytesIO(data)).element.xml
    assert set(re.findall(r'w:author="([^"]*)"', xml)) == {member_name}, facilitator_name
    backwards = protocol.test_cli_runner().invoke(
        args=[
            "export",
            SLUG,
            "--format",
            "md",
            "--version",
            str(first.number),
            "--changes-since",
            str(second.number),
            "--output",
            "-",
        ]
    )
    assert backwards.exit_code != 0 and "Choose a version earlier" in backwards.output


def test_a_clause_retired_since_the_version_is_removed_by_whoever_retired_it(protocol, client):
    """Its tracked deletion said "Accord", dated when the file was made (a third outside
    tester's find)."""
    version = _publish(protocol)
    with protocol.app_context():
        from app.services import clauses

        facilitator = factories.user("facilitator@example.org")
        clauses.retire_clause(
            factories.clause(factories.find_document(SLUG), "5"), "No longer needed", by=facilitator
        )
        db.session.commit()
        name = facilitator.display_name
    client.sign_in("facilitator@example.org")
    data = _download(client, format="docx", clauses="all", changes_since=str(version.number)).data
    xml = WordDocument(io.BytesIO(data)).element.xml
    assert set(re.findall(r'w:author="([^"]*)"', xml)) == {name}


def test_redline_pages_show_list_bullets_not_dashes(protocol, client):
    with protocol.app_context():
        document = factories.find_document(SLUG)
        clause = factories.clause(document, "1")
        amendment = factories.amendment(
            clause, body="Members must:\n\n- declare gifts\n- attend meetings"
        )
        db.session.commit()
        number = amendment.id
    client.sign_in("facilitator@example.org")
    html = client.get(f"/amendments/{number}").get_data(as_text=True)
    redline = html[html.index("app-redline govuk-body") :]
    assert "<li>" in redline and "<ul>" in redline
    assert "- declare" not in redline


def test_an_export_of_a_published_version_is_made_once_and_served_again(
    protocol, client, monkeypatch
):
    from app.exports import routes

    made: list[str] = []

    def counting(subject, fmt, **kwargs):
        made.append(fmt)
        return render_export(subject, fmt, **kwargs)

    render_export = routes.render_export
    monkeypatch.setattr(routes, "render_export", counting)
    version = _publish(protocol)
    client.sign_in("member@example.org")
    first = _download(client, format="docx", version=str(version.number))
    again = _download(client, format="docx", version=str(version.number))
    assert first.status_code == again.status_code == 200 and made == ["docx"]
    assert again.data == first.data
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    # Other options are another file; the same options again are served from the store.
    agreed = _download(client, format="docx", version=str(version.number), clauses="agreed")
    assert agreed.status_code == 200 and made == ["docx", "docx"] and agreed.data != first.data
    paper = _download(client, format="docx", version=str(version.number), committee="Cabinet")
    assert paper.status_code == 200 and len(made) == 3 and paper.data != first.data
    _download(client, format="md", version=str(version.number))
    _download(client, format="md", version=str(version.number))
    assert made == ["docx", "docx", "docx", "md"]


def test_a_working_text_export_is_made_every_time(protocol, client, monkeypatch):
    from app.exports import routes

    made: list[str] = []
    render_export = routes.render_export
    monkeypatch.setattr(
        routes, "render_export", lambda s, fmt, **k: made.append(fmt) or render_export(s, fmt, **k)
    )
    client.sign_in("facilitator@example.org")
    assert _download(client, format="md").status_code == 200
    assert _download(client, format="md").status_code == 200
    assert made == ["md", "md"]


def test_a_vote_after_publishing_makes_the_versions_annexes_again(protocol, client, monkeypatch):
    from app.exports import routes

    made: list[str] = []
    render_export = routes.render_export
    monkeypatch.setattr(
        routes, "render_export", lambda s, fmt, **k: made.append(fmt) or render_export(s, fmt, **k)
    )
    version = _publish(protocol)
    client.sign_in("member@example.org")
    before = _download(client, format="md", version=str(version.number)).get_data(as_text=True)
    _agree_clause_two(protocol)  # votes on the version's clauses: the voting annex changes
    after = _download(client, format="md", version=str(version.number)).get_data(as_text=True)
    assert made == ["md", "md"] and after != before


def test_a_versions_stored_export_is_made_again_when_someone_it_names_is_anonymised(
    protocol, client
):
    """Its annexes name people (here the proposer of an accepted amendment): once a person is
    renamed or anonymised, no export of the version may still carry the old name (outside
    testing found the stored file kept it for a day)."""
    from app.services import amendments

    with protocol.app_context():
        clause = factories.clause(factories.find_document(SLUG), "3")
        proposer = factories.user("helen.marsden@example.org")
        amendment = factories.amendment(clause, body="A clearer wording.", by=proposer)
        amendments.accept_amendment(
            amendment, by=factories.user("facilitator@example.org"), reason="Agreed in the room"
        )
        db.session.commit()
        name = proposer.display_name
    version = _publish(protocol)
    client.sign_in("member@example.org")
    before = _download(client, format="md", version=str(version.number)).get_data(as_text=True)
    assert f"proposed by {name}" in before
    with protocol.app_context():
        leavers.anonymise(
            factories.user("helen.marsden@example.org"), by=factories.user("admin@example.org")
        )
        db.session.commit()
    after = _download(client, format="md", version=str(version.number)).get_data(as_text=True)
    assert f"proposed by {name}" not in after and "proposed by Former Member" in after


def _submitted_and_referred_back(document, standards) -> DocumentVersion:
    """``document`` submitted (its version published) and referred back by the committee:
    the version it decided on."""
    from app.models import Decision

    factories.move_to(document, "submitted")
    version = db.session.get(DocumentVersion, document.submitted_version_id)
    lifecycle.decide(
        document, Decision.REFER_BACK, lifecycle.council_today(), by=standards, reasons="Say more."
    )
    db.session.flush()
    return version


def test_a_referred_back_versions_record_is_the_one_the_committee_decided_on(app):
    """Version 1's agreed text, voting record and amendments (in its exports and the
    committee's record) are those the committee decided on: after a referral back, a new
    round of voting and new decisions change the working text's, never Version 1's. Before,
    a version's export read the latest outcomes, so "Version 1, agreed clauses" lost a clause
    the committee had seen agreed. A version not yet decided on (or under review) reads the
    latest record: outcomes recorded after it was published, on its wording, are its own."""
    from app.exports.build import build_model
    from app.review import record

    with factories.built(app):
        people = factories.everyone()
        facilitator = people[Role.FACILITATOR]
        document = factories.voting_opened(factories.document(clauses=2))
        clause = factories.clause(document, "1")
        open_then = factories.amendment(factories.clause(document, "2"), by=people[Role.OFFICER])
        for voter in (people[Role.MEMBER], people[Role.OFFICER]):
            voting.cast_vote(voter, Choice.SUPPORT, clause=clause)
        published = lifecycle.publish_version(document, by=facilitator)  # before voting closed
        db.session.flush()
        voting.close_voting(document, by=facilitator)
        assert [c.number for c in build_model(document, version=published).clauses] == ["1"]
        version = _submitted_and_referred_back(document, people[Role.STANDARDS])

        def figures(summary) -> tuple:
            return (
                summary.submitted_at,
                summary.voting_closed_at,
                summary.accepted_with_agreement,
                summary.accepted_without_agreement,
                summary.undecided_amendments,
                summary.open_discussions,
                summary.clauses,
            )

        decided_on = figures(record.summary(document, version))
        amendments.reject_amendment(open_then, "Covered elsewhere.", by=facilitator)
        later = factories.amendment(factories.clause(document, "2"), by=people[Role.MEMBER])
        voting.open_voting(document, by=facilitator)
        voting.cast_vote(people[Role.MEMBER], Choice.OPPOSE, clause=clause)
        voting.close_voting(document, by=facilitator)
        db.session.flush()
        then = build_model(document, version=version, agreed_only=True)
        now = build_model(document, agreed_only=True)
        assert [c.number for c in then.clauses] == ["1"]
        assert [c.number for c in now.clauses] == []
        assert [r.outcome for r in then.voting_record][:1] == ["Agreed"]
        assert [r.outcome for r in now.voting_record][:1] == ["Not agreed"]
        # Its amendments are those proposed by then, as they stood then.
        assert [(a.number, a.status, a.decided_at) for a in then.amendment_record] == [
            (open_then.id, "Open", None)
        ]
        assert [(a.number, a.status) for a in now.amendment_record] == [
            (open_then.id, "Rejected"),
            (later.id, "Open"),
        ]
        # The committee's voting record of Version 1 reads it the same way, figures and all.
        assert figures(record.summary(document, version)) == decided_on
        rows = record.voting_record(document, version)
        assert rows[0].outcome is not None and rows[0].outcome.agreed
        assert [(r.label, r.status) for r in rows if r.kind == "amendment"] == [
            (f"Amendment {open_then.id} to clause 2", "open")
        ]


def test_a_referred_back_version_keeps_its_declarations_of_interest(app):
    """A declaration of interest made before a referral back, and made again afterwards with
    another reason, is still in the referred-back version's export (a vote is kept as one row
    per person, so the version cannot be cut by when it was cast)."""
    from app.exports.build import build_model

    with factories.built(app):
        people = factories.everyone()
        facilitator, member = people[Role.FACILITATOR], people[Role.MEMBER]
        document = factories.voting_opened(factories.document(clauses=1))
        clause = factories.clause(document, "1")
        voting.cast_vote(member, Choice.INTEREST, clause=clause, interest_reason="My ward")
        voting.close_voting(document, by=facilitator)
        version = _submitted_and_referred_back(document, people[Role.STANDARDS])
        voting.open_voting(document, by=facilitator)
        voting.cast_vote(member, Choice.INTEREST, clause=clause, interest_reason="My employer")
        db.session.flush()
        declared = build_model(document, version=version).declarations
        assert [d.name for d in declared] == [member.display_name]


def test_a_referred_back_versions_reasons_set_aside_votes_and_history_stop_at_the_decision(
    app,
):
    """What happened after the committee referred a version back belongs to the next
    version: the review's "Decisions taken against the vote" and "Votes set aside" of the
    referred-back version, and its export's history annex, leave out a later early close, a
    later amendment accepted against the vote, votes set aside by a later wording and that
    wording itself. Before, the summary counted as the committee decided while these lists
    read everything up to now."""
    from app.exports.build import build_model
    from app.review import record

    with factories.built(app):
        people = factories.everyone()
        facilitator, member = people[Role.FACILITATOR], people[Role.MEMBER]
        document = factories.voting_opened(factories.document(clauses=2))
        clause = factories.clause(document, "1")
        voting.cast_vote(member, Choice.SUPPORT, clause=clause)
        voting.close_voting(document, by=facilitator)
        version = _submitted_and_referred_back(document, people[Role.STANDARDS])
        decided = (
            record.reasons(document, version),
            [line.vote.id for line in record.set_aside_votes(document, version)],
        )
        voting.open_voting(document, by=facilitator, closes_at=utcnow() + timedelta(days=3))
        voting.cast_vote(member, Choice.SUPPORT, clause=clause)
        amendments.edit_clause(
            clause, clause.heading, "A later wording.", "Tidied", by=facilitator, seen_revision=1
        )  # sets the vote aside
        later = factories.amendment(factories.clause(document, "2"), by=member)
        amendments.accept_amendment(later, by=facilitator, reason="The Group leaders agreed")
        voting.close_voting(document, by=facilitator, reason="The meeting moved")
        db.session.flush()
        assert record.set_aside_votes(document, None)  # the working text's record has them
        reasons = record.reasons(document, version)
        assert reasons["accepted_against_rule"] == [] and reasons["early_closes"] == []
        assert len(reasons["steps"]) == len(decided[0]["steps"])
        assert [line.vote.id for line in record.set_aside_votes(document, version)] == decided[1]
        history = {
            c.number: [entry.what for entry in c.history]
            for c in build_model(
                document, version=version, include_annexes=True, agreed_only=False
            ).clauses
        }
        assert not any("Wording 2" in text for text in history["1"]), history["1"]
        assert not any(f"Amendment {later.id}" in text for text in history["2"]), history["2"]
        assert sum("Voting closed" in text for text in history["1"]) == 1
        now = {
            c.number: c.history
            for c in build_model(document, include_annexes=True, agreed_only=False).clauses
        }
        assert any("Wording 2" in entry.what for entry in now["1"])


def test_every_format_has_the_amendments_declarations_and_decisions_against_the_vote(
    protocol, client
):
    """The voting annex says the same in Word, PDF's print page and Markdown: each
    amendment with its outcome, each declaration of interest with its reason, and an
    amendment accepted although the agreement rule did not agree it, with the reason given.
    Before, Markdown had neither table, and no format said an acceptance went against the
    vote or why."""
    with factories.built(protocol):
        document = factories.find_document(SLUG)
        facilitator = factories.user("facilitator@example.org")
        clause = factories.clause(document, "3")
        proposed = factories.amendment(clause, body="Officers reply in five working days.")
        voting.open_voting(document, by=facilitator)
        voting.cast_vote(
            factories.user("member@example.org"),
            Choice.INTEREST,
            clause=clause,
            interest_reason="My ward's casework",
        )
        voting.cast_vote(factories.user("officer@example.org"), Choice.OPPOSE, amendment=proposed)
        amendments.accept_amendment(proposed, by=facilitator, reason="Group leaders agreed it")
        number = proposed.id
    client.sign_in("facilitator@example.org")
    markdown = _download(client, format="md").get_data(as_text=True)
    printed = _download(client, format="html").get_data(as_text=True)
    word = WordDocument(io.BytesIO(_download(client, format="docx").data))
    word_text = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    against = (
        f"Amendment {number} to clause 3 was accepted although the agreement rule did not "
        "agree it. Why: Group leaders agreed it"
    )
    for name, text in (("md", markdown), ("html", printed), ("docx", word_text)):
        assert f"Amendment {number} to clause 3" in text, name
        assert "My ward's casework" in text or "My ward&#39;s casework" in text, name
        assert against in text, name


def test_a_withdrawn_amendments_votes_are_in_every_formats_annex(protocol, client):
    """An amendment voted on and then withdrawn by its proposer keeps its votes in the voting
    annex (recorded when it was withdrawn), in every format. Before, the annex said "No vote"
    beside votes its page showed."""
    with factories.built(protocol):
        document = factories.find_document(SLUG)
        proposer = factories.user("member@example.org")
        withdrawn = factories.amendment(factories.clause(document, "3"), by=proposer)
        voting.open_voting(document, by=factories.user("facilitator@example.org"))
        voting.cast_vote(proposer, Choice.SUPPORT, amendment=withdrawn)
        voting.cast_vote(factories.user("officer@example.org"), Choice.OPPOSE, amendment=withdrawn)
        amendments.withdraw_amendment(withdrawn, by=proposer)
        number = withdrawn.id
    client.sign_in("facilitator@example.org")
    markdown = _download(client, format="md").get_data(as_text=True)
    printed = _download(client, format="html").get_data(as_text=True)
    word = WordDocument(io.BytesIO(_download(client, format="docx").data))
    word_rows = [
        " | ".join(cell.text for cell in row.cells) for table in word.tables for row in table.rows
    ]
    [row] = [line for line in markdown.splitlines() if f"Amendment {number} to clause 3" in line]
    assert "withdrawn" in row and "1 support, 0 oppose" in row and "0 support, 1 oppose" in row
    assert "No vote" not in row
    [word_row] = [line for line in word_rows if f"Amendment {number} to clause 3" in line]
    assert "1 support, 0 oppose" in word_row and "No vote" not in word_row
    printed_row = printed[printed.index(f"Amendment {number} to clause 3") :].split("</tr>")[0]
    assert "1 support, 0 oppose" in printed_row and "No vote" not in printed_row
