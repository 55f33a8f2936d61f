"""Joint sessions on the day: RSVPs and the register, outcomes as amendments to existing
clauses, dates and themes in words, and the managed lists of Groups, wards and services."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import (
    AgendaProposal,
    Amendment,
    AttendanceAnswer,
    Clause,
    Document,
    DocumentStatus,
    JointSession,
    ListEntry,
    ListKind,
    Purpose,
    RegisterEntry,
    RegisterMark,
    User,
)
from app.models.joint_sessions import when_text
from app.services import DocumentNotEditable, people
from app.services import joint_sessions as service
from tests import databases, factories
from tests.helpers import AccordClient, error_summary_targets, shown_digest, while_uncommitted
from tests.snapshots import snapshot

FACILITATOR = "facilitator@example.org"
ADMIN = "admin@example.org"
DEMO_SESSION = "themed-session-trust-and-roles"


@pytest.fixture
@snapshot
def council(app):
    """The five role accounts, a second Member in another Group, and a published session."""
    with factories.built(app):
        factories.everyone()
        factories.member(email="tom@example.org", display_name="Tom Aspinall", group="Green Group")
        session = factories.joint_session()
        service.answer_attendance(
            session, factories.user("member@example.org"), AttendanceAnswer.YES
        )
        app.config["SESSION_ID"] = session.id
    return app


def _ids(app, *emails: str) -> list[int]:
    with app.app_context():
        return [factories.user(email).id for email in emails]


def _marks(app, session_id: int) -> dict[int, str]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(RegisterEntry.user_id, RegisterEntry.mark).where(
                    RegisterEntry.session_id == session_id
                )
            ).all()
        )


REGISTER_MARK = re.compile(r'name="(mark-\d+)" type="radio" value="(\w+)" checked')
REGISTER_SHOWN = re.compile(r'name="(shown-\d+)" value="(\w*)"')


def _register_form(html: str, **changes: str) -> dict[str, str]:
    """The register's form as the page draws it (each person's checked mark and the hidden
    mark it showed), with ``changes`` (``mark-<id>``: a mark) made by the facilitator."""
    return {**dict(REGISTER_SHOWN.findall(html)), **dict(REGISTER_MARK.findall(html)), **changes}


def test_the_register_lists_who_said_they_will_come_by_side_and_group(council, client):
    session_id = council.config["SESSION_ID"]
    client.sign_in(FACILITATOR)
    page = client.get(f"/sessions/{session_id}/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sarah Whitfield" in html and "Member, Labour Group · Attending" in html
    assert "Tom Aspinall" in html and "Member, Green Group · No answer" in html
    assert "Officer · No answer" in html
    assert html.index("Tom Aspinall") < html.index("Officer · No answer")  # Members first
    client.sign_in("member@example.org")
    assert client.get(f"/sessions/{session_id}/register").status_code == 403


def test_the_register_is_an_upsert_per_person_with_counts_per_side(council, client):
    session_id = council.config["SESSION_ID"]
    sarah, tom, officer = _ids(
        council, "member@example.org", "tom@example.org", "officer@example.org"
    )
    client.sign_in(FACILITATOR)
    url = f"/sessions/{session_id}/register"
    saved = client.post_form(url, {f"mark-{sarah}": "present", f"mark-{officer}": "apologies"})
    assert saved.status_code == 303
    assert _marks(council, session_id) == {sarah: "present", officer: "apologies"}
    page = client.get(url).get_data(as_text=True)  # marked again from the page
    again = client.post_form(
        url, _register_form(page, **{f"mark-{sarah}": "absent", f"mark-{tom}": "present"})
    )
    assert again.status_code == 303
    assert _marks(council, session_id) == {sarah: "absent", tom: "present", officer: "apologies"}
    html = client.get(url).get_data(as_text=True)
    members = html[html.index(">Members</th>") :].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in members.split("</td>")[:-1]] == ["1", "0", "1", "0"]
    assert "Group: Green Group" in html
    bad = client.post_form(url, {f"mark-{tom}": "asleep"})
    assert bad.status_code == 422 and "Choose present, apologies or absent" in bad.get_data(
        as_text=True
    )
    assert _marks(council, session_id)[tom] == "present"


def test_a_register_saved_in_another_tab_is_not_overwritten_unseen(council, client):
    """Two facilitators take the register from pages drawn at the same marks. A save writes
    only the marks its facilitator changed, so a mark the other changed meanwhile on someone
    else stands; when both changed one person's mark, the later save saves nothing (409),
    saying whose mark changed, with the register as it now is and the choices made kept;
    saved again from there, it replaces that mark knowingly."""
    session_id = council.config["SESSION_ID"]
    sarah, tom, officer = _ids(
        council, "member@example.org", "tom@example.org", "officer@example.org"
    )
    with council.app_context():
        service.mark_register(
            db.session.get(JointSession, session_id),
            {sarah: RegisterMark.PRESENT},
            by=factories.user(FACILITATOR),
        )
        officer_name = db.session.get(User, officer).display_name
        factories.facilitator(email="second.facilitator@example.org")
        ann = factories.member(email="ann@example.org", display_name="Ann Ashton").id
        db.session.commit()
    url = f"/sessions/{session_id}/register"
    client.sign_in(FACILITATOR)
    other = council.test_client()
    other.sign_in("second.facilitator@example.org")
    mine, theirs = client.get(url).get_data(as_text=True), other.get(url).get_data(as_text=True)
    assert f'name="shown-{sarah}" value="present"' in mine
    assert f'name="shown-{tom}" value=""' in mine
    their_marks = {f"mark-{sarah}": "apologies", f"mark-{officer}": "apologies"}
    assert other.post_form(url, _register_form(theirs, **their_marks)).status_code == 303

    # Sarah's mark, untouched on this page, is not put back to what it showed.
    saved = client.post_form(url, _register_form(mine, **{f"mark-{tom}": "present"}))
    assert saved.status_code == 303
    assert _marks(council, session_id) == {sarah: "apologies", tom: "present", officer: "apologies"}

    # Both changed the Officer's mark: nothing of this save is saved, and it says whose.
    both = {f"mark-{ann}": "present", f"mark-{officer}": "absent"}
    refused = client.post_form(url, _register_form(mine, **both))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409, html[:2000]
    assert html.count("Error: Register for") == 1
    summary = html[html.index('id="shown-changed"') :].split("</ul>")[0]
    assert f"{officer_name}" in summary and "nothing was saved" in summary
    assert f'href="#mark-{officer}"' in summary and f'href="#mark-{ann}"' not in summary
    assert f'id="error-{officer}"' in html  # the message by the field too
    assert _marks(council, session_id) == {sarah: "apologies", tom: "present", officer: "apologies"}
    shown_now = dict(REGISTER_SHOWN.findall(html))
    assert (
        shown_now[f"shown-{officer}"] == "apologies" and shown_now[f"shown-{sarah}"] == "apologies"
    )
    kept = dict(REGISTER_MARK.findall(html))
    assert kept[f"mark-{officer}"] == "absent" and kept[f"mark-{ann}"] == "present"  # choices
    assert kept[f"mark-{sarah}"] == "apologies" and kept[f"mark-{tom}"] == "present"  # now
    again = client.post_form(url, _register_form(html))
    assert again.status_code == 303
    assert _marks(council, session_id) == {
        sarah: "apologies",
        tom: "present",
        officer: "absent",
        ann: "present",
    }


def test_a_draft_agenda_has_no_register(app, client):
    with factories.built(app):
        factories.everyone()
        session_id = factories.joint_session(published=False).id
        member_id = factories.user("member@example.org").id
    client.sign_in(FACILITATOR)
    refused = client.post_form(f"/sessions/{session_id}/register", {f"mark-{member_id}": "present"})
    assert refused.status_code == 409


def test_the_register_is_exported_with_the_agenda(seeded, client):
    client.sign_in(FACILITATOR)
    with seeded.app_context():
        session = db.session.scalar(
            select(JointSession)
            .join(Document, Document.id == JointSession.agenda_id)
            .where(Document.slug == DEMO_SESSION)
        )
        session_id = session.id
        rows = service.register(session)
        member = next(r.user for r in rows if r.side == "Member")
        officer = next(r.user for r in rows if r.side == "Officer")
        ids = member.id, officer.id, member.display_name
    client.post_form(f"/sessions/{session_id}/register", {f"mark-{ids[0]}": "present"})
    client.post_form(f"/sessions/{session_id}/register", {f"mark-{ids[1]}": "apologies"})
    text = client.get(
        f"/documents/{DEMO_SESSION}/export/download",
        query_string={"format": "md", "version": "working", "clauses": "all", "annexes": "no"},
    ).get_data(as_text=True)
    assert "Register: Members: 1 present, 0 apologies, 0 absent" in text
    assert "Register: Officers: 0 present, 1 apologies, 0 absent" in text
    assert f"Present: {ids[2]} (Member" in text


def test_dates_are_said_once_for_a_session_on_one_day():
    evening = when_text(
        datetime(2026, 12, 8, 18, tzinfo=UTC), datetime(2026, 12, 8, 20, tzinfo=UTC)
    )
    assert evening == "Tuesday 8 December 2026, 6pm to 8pm"
    summer = when_text(
        datetime(2026, 7, 10, 11, 30, tzinfo=UTC), datetime(2026, 7, 10, 15, tzinfo=UTC)
    )
    assert summer == "Friday 10 July 2026, 12:30pm to 4pm"  # British Summer Time
    overnight = when_text(
        datetime(2026, 12, 8, 22, tzinfo=UTC), datetime(2026, 12, 9, 0, tzinfo=UTC)
    )
    assert overnight == "Tuesday 8 December 2026, 10pm to Wednesday 9 December 2026, midnight"


def test_the_session_page_says_the_date_once_and_numbers_items_once(council, client):
    session_id = council.config["SESSION_ID"]
    client.sign_in("member@example.org")
    html = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    with council.app_context():
        when = db.session.get(JointSession, session_id).when
    assert f'<dd class="govuk-summary-list__value">{when}' in html
    assert when.count("2026") + when.count("2027") == 1 and ", 10am to midday" in when
    assert '<ol class="app-clause-list app-agenda">' in html  # the list draws no numbers


def test_themes_are_cut_at_a_word_never_inside_one(seeded):
    assert service.shorten("Roles and trust", 200) == "Roles and trust"
    assert service.shorten("Roles and trustworthy people", 20) == "Roles and…"
    with seeded.app_context():
        theme = db.session.scalar(select(JointSession.theme))
        summary = db.session.scalar(select(Document.summary).where(Document.slug == DEMO_SESSION))
    assert len(theme) <= 200
    if theme != summary:
        kept = theme.removesuffix("…")
        assert summary.startswith(kept) and summary[len(kept)] in " ,;:.–—-"


def _item_and_clause(app) -> tuple[int, int, int]:
    """The demo session, its first item, and clause 3 of the Protocol (Open)."""
    with app.app_context():
        session = db.session.scalar(
            select(JointSession)
            .join(Document, Document.id == JointSession.agenda_id)
            .where(Document.slug == DEMO_SESSION)
        )
        item = db.session.scalar(
            select(Clause).where(Clause.document_id == session.agenda_id).order_by(Clause.position)
        )
        target = factories.clause(factories.find_document("member-officer-protocol"), "3")
        return session.id, item.id, target.id


def test_only_clauses_open_for_amendment_are_offered_for_an_amendment(seeded, client):
    """Amendments are proposed to documents Open for comment: the outcome page offered a Draft
    document's clauses too, and choosing one was refused (409). A Draft's clauses may still be
    linked to the item, or the outcome made a new clause of it."""
    session_id, item_id, _clause_id = _item_and_clause(seeded)
    with factories.built(seeded):
        factories.document(
            status="draft", title="Secret draft zebraword", clauses=[("Zebra", "Stripes.")]
        )
    client.sign_in(FACILITATOR)
    page = client.get(f"/sessions/{session_id}/items/{item_id}/outcome").get_data(as_text=True)
    amendment = page.split('name="amendment-target"')[1].split("</select>")[0]
    link = page.split('name="link-clause"')[1].split("</select>")[0]
    assert "Member/Officer Protocol, clause 3" in amendment
    assert "zebraword" not in amendment
    assert "Secret draft zebraword, clause 1" in link


def test_an_outcome_becomes_an_amendment_to_an_existing_clause_linked_both_ways(seeded, client):
    session_id, item_id, clause_id = _item_and_clause(seeded)
    client.sign_in(FACILITATOR)
    url = f"/sessions/{session_id}/items/{item_id}/to-amendment"
    empty = client.post_form(url, {"amendment-target": str(clause_id), "amendment-body": ""})
    assert empty.status_code == 422 and "Enter the new wording" in empty.get_data(as_text=True)
    done = client.post_form(
        url,
        {"amendment-target": str(clause_id), "amendment-body": "Officers reply within 5 days."},
    )
    assert done.status_code == 303
    with seeded.app_context():
        amendment = db.session.scalar(
            select(Amendment).where(Amendment.from_agenda_item_id == item_id)
        )
        assert amendment is not None and amendment.clause_id == clause_id
        assert amendment.rationale.startswith("From item 1 of the session")
        amendment_id = amendment.id
        linked = [c.id for c in db.session.get(service.AgendaItem, item_id).discusses]
    assert linked == [clause_id]
    outcome = client.get(f"/sessions/{session_id}/items/{item_id}/outcome").get_data(as_text=True)
    assert (
        f"/amendments/{amendment_id}" in outcome and "Member/Officer Protocol, clause 3" in outcome
    )
    shown = client.get(f"/amendments/{amendment_id}").get_data(as_text=True)
    assert f"/sessions/{session_id}/items/{item_id}/outcome" in shown and "From" in shown
    session_page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Discusses:" in session_page


def test_items_link_to_the_clauses_they_discuss(seeded, client):
    session_id, item_id, clause_id = _item_and_clause(seeded)
    client.sign_in(FACILITATOR)
    base = f"/sessions/{session_id}/items/{item_id}"
    assert client.post_form(f"{base}/clauses", {"link-clause": str(clause_id)}).status_code == 303
    assert client.post_form(f"{base}/clauses", {"link-clause": ""}).status_code == 422
    with seeded.app_context():
        assert [c.id for c in db.session.get(service.AgendaItem, item_id).discusses] == [clause_id]
    unlinked = client.post_form(f"{base}/clauses/{clause_id}/unlink")
    assert unlinked.status_code == 303
    with seeded.app_context():
        assert db.session.get(service.AgendaItem, item_id).discusses == []
    assert "is no longer listed" in client.get(unlinked.headers["Location"]).get_data(as_text=True)
    # Sent again (a second tab, a double click): nothing changes, and the page says so.
    again = client.post_form(f"{base}/clauses/{clause_id}/unlink")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert again.status_code == 303 and "was not listed, so nothing changed" in page
    assert "is no longer listed" not in page


# Managed lists -------------------------------------------------------------------------------


def _entries(app, kind: ListKind) -> dict[str, bool]:
    with app.app_context():
        return {
            entry.name: entry.retired_at is None
            for entry in db.session.scalars(select(ListEntry).where(ListEntry.kind == kind))
        }


def test_an_administrator_adds_renames_merges_and_retires_groups(council, client):
    client.sign_in(ADMIN)
    assert client.get("/people/lists/group").status_code == 200
    assert client.post_form("/people/lists/group", {"name": "  Labour  "}).status_code == 303
    assert _entries(council, ListKind.GROUP)["Labour"] is True
    duplicate = client.post_form("/people/lists/group", {"name": "labour"})
    assert duplicate.status_code == 422 and "already on the list" in duplicate.get_data(
        as_text=True
    )
    with council.app_context():
        jo = people.create_user(
            "jo@example.org", "Jo", {factories.Role.MEMBER}, group="Labour", ward="Parr"
        )
        labour = db.session.scalar(select(ListEntry).filter_by(name="Labour"))
        db.session.commit()
        jo_id, labour_id = jo.id, labour.id
    merged = client.post_checked(
        f"/people/lists/entries/{labour_id}/rename", {"name": "labour group"}
    )
    assert merged.status_code == 303
    with council.app_context():
        assert db.session.get(User, jo_id).group == "Labour Group"
    assert _entries(council, ListKind.GROUP) | {} == {
        "Labour": False,
        "Labour Group": True,
        "Green Group": True,
    }
    with council.app_context():
        green = db.session.scalar(select(ListEntry).filter_by(name="Green Group")).id
    assert client.post_form(f"/people/lists/entries/{green}/retire").status_code == 303
    invite = client.get("/people/invite").get_data(as_text=True)
    assert '<option value="Labour Group">' in invite and "Green Group</option>" not in invite
    client.sign_in("member@example.org")
    assert client.get("/people/lists/group").status_code == 403


def test_names_that_differ_only_by_the_case_of_accented_letters_are_one_name(council, client):
    """SQLite's lower() changes only ASCII letters: "Ünïcödé Grüppe" added twice was a 500
    (the unique constraint), "élan party" was accepted beside "Élan Party", and a rename onto
    an accented name merged into the wrong one. The outside tester found all three."""
    client.sign_in(ADMIN)
    assert client.post_form("/people/lists/group", {"name": "Élan Party"}).status_code == 303
    for again in ("Élan Party", "élan party", "ÉLAN PARTY"):
        refused = client.post_form("/people/lists/group", {"name": again})
        assert refused.status_code == 422, again
        assert "“Élan Party” is already on the list" in refused.get_data(as_text=True)
    with council.app_context():
        tab = people.add_list_entry(ListKind.GROUP, "Tab Group", by=None)
        db.session.commit()
        tab_id = tab.id
    renamed = client.post_checked(f"/people/lists/entries/{tab_id}/rename", {"name": "élan PARTY"})
    assert renamed.status_code == 303
    page = client.get(renamed.headers["Location"]).get_data(as_text=True)
    assert "“Tab Group” is now “Élan Party”" in page  # the name kept, not the one typed
    assert _entries(council, ListKind.GROUP)["Élan Party"] is True
    assert "élan party" not in _entries(council, ListKind.GROUP)


@pytest.mark.parametrize("length", [121, 250])
def test_a_group_name_too_long_is_told_the_groups_limit(council, client, length):
    """One limit, in one wording: a Group name of 121 to 200 characters was told 120, one
    over 200 was told the form's 200 (outside tester, finding 8)."""
    client.sign_in(ADMIN)
    refused = client.post_form("/people/lists/group", {"name": "G" * length})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The name must be 120 characters or fewer" in html and "200" not in html
    assert error_summary_targets(html) == ["name"] and "G" * length in html


def test_an_entry_renamed_by_another_administrator_is_not_renamed_again_unseen(council, client):
    """Two administrators rename a Group from pages showing the same name: the second is
    refused (409) saying what it is called now, the name they typed kept in the box; renaming
    again from that page renames it knowingly. A form without what its page showed renames
    nothing."""
    with factories.built(council):
        factories.person(factories.Role.ADMIN, email="second.admin@example.org")
        green = db.session.scalar(select(ListEntry).filter_by(name="Green Group")).id
    url = f"/people/lists/entries/{green}/rename"
    client.sign_in(ADMIN)
    drawn = shown_digest(client.get(url).get_data(as_text=True))
    other = council.test_client()
    other.sign_in("second.admin@example.org")
    assert other.post_checked(url, {"name": "Green Party Group"}).status_code == 303
    refused = client.post_form(url, {"name": "The Greens", "shown": drawn})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "renamed this Group after you opened the page" in page
    assert "It is called “Green Party Group” now" in page
    assert 'value="The Greens"' in page  # what was typed, kept
    assert _entries(council, ListKind.GROUP)["Green Party Group"] is True
    with council.app_context():
        assert db.session.scalar(select(User.group).filter_by(email="tom@example.org")) == (
            "Green Party Group"
        )
    assert client.post_form(url, {"name": "The Greens"}).status_code == 409  # no digest
    again = client.post_form(url, {"name": "The Greens", "shown": shown_digest(page)})
    assert again.status_code == 303
    assert "The Greens" in _entries(council, ListKind.GROUP)
    with council.app_context():
        assert db.session.scalar(select(User.group).filter_by(email="tom@example.org")) == (
            "The Greens"
        )


def test_the_invite_form_takes_only_a_group_on_the_list(council, client):
    client.sign_in(ADMIN)
    form = {
        "name": "Jo Bloggs",
        "email": "jo@example.org",
        "roles": ["member"],
        "group": "Labour",
        "ward": "Parr",
    }
    refused = client.post_form("/people/invite", form)
    assert refused.status_code == 422 and "Choose a Group from the list" in refused.get_data(
        as_text=True
    )
    assert client.post_form("/people/invite", form | {"group": "Labour Group"}).status_code == 303


HEADER = "name,email,roles,group,ward,title,service\n"


def _upload(client, text: str, **extra):
    data = {"csrf_token": client.csrf_token(), "text": "", **extra}
    data["file"] = (io.BytesIO(text.encode()), "people.csv")
    return client.post("/people/import", data=data, content_type="multipart/form-data")


def test_an_import_with_an_unknown_group_is_rejected_with_the_row_and_the_known_names(
    council, client
):
    client.sign_in(ADMIN)
    text = (
        HEADER
        + "Jo Bloggs,jo@example.org,member,labour group,Parr,,\n"
        + "Ann Lee,ann@example.org,member,Labour,Parr,,\n"
    )
    preview = _upload(client, text)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert "Row 3: Unknown Group “Labour” (the known Groups are: Green Group, Labour Group)" in html
    assert "Row 2" not in html.split("Some rows are rejected")[1].split("</ul>")[0]
    assert "Add new Groups named in the file" in html
    refused = client.post_form(  # no import was offered, so none is made
        "/people/import/confirm", {"text": text, "send_invitations": "", "add_new_groups": ""}
    )
    assert refused.status_code == 409
    with council.app_context():
        assert db.session.scalar(select(func.count()).where(User.email == "jo@example.org")) == 0
    added = _upload(client, text, add_new_groups="y")
    assert added.status_code == 200 and "Political Groups: Labour" in added.get_data(as_text=True)
    done = client.post_form(
        "/people/import/confirm",
        {
            "text": text,
            "send_invitations": "",
            "add_new_groups": "yes",
            "shown": shown_digest(added.get_data(as_text=True)),
        },
    )
    assert done.status_code == 303
    assert _entries(council, ListKind.GROUP)["Labour"] is True
    with council.app_context():
        jo = db.session.scalar(select(User).where(User.email == "jo@example.org"))
        assert jo.group == "Labour Group"  # the list's spelling, not the file's


# Two facilitators at once (PostgreSQL) ---------------------------------------------------------


@pytest.fixture
def pg(postgres_url):
    with databases.app_for(postgres_url, cleanup=databases.empty_all_tables) as app:
        app.test_client_class = AccordClient
        with factories.built(app):
            factories.everyone()
            for n in range(6):
                factories.member(email=f"m{n}@example.org")
            app.config["SESSION_ID"] = factories.joint_session().id
        yield app


def test_two_facilitators_marking_at_once_lose_no_rows(pg):
    """Two facilitators save the register at the same moment from pages drawn with nobody
    marked: marks of different people both land; when both marked the same person, one save
    is served first (the agenda's lock) and the other, reading that mark, is refused (409)
    with nothing of it saved."""
    from tests.web.test_concurrency import _together

    session_id = pg.config["SESSION_ID"]
    with factories.built(pg):
        second = factories.facilitator(email="second.facilitator@example.org").email
    ids = _ids(pg, *(f"m{n}@example.org" for n in range(6)))
    url = f"/sessions/{session_id}/register"
    drawn = {f"shown-{i}": "" for i in ids}  # what both pages showed: nobody marked
    for both_mark_the_last in (False, True, False, True):
        with pg.app_context():
            db.session.execute(delete(RegisterEntry))
            db.session.commit()
        first_client, second_client = pg.test_client(), pg.test_client()
        first_client.sign_in(FACILITATOR)
        second_client.sign_in(second)
        first_form = drawn | {f"mark-{i}": "present" for i in ids[:3]}
        second_form = drawn | {f"mark-{i}": "apologies" for i in ids[3:5]}
        if both_mark_the_last:
            first_form[f"mark-{ids[5]}"] = "absent"
            second_form[f"mark-{ids[5]}"] = "apologies"
        results = _together(
            lambda c=first_client, f=first_form: c.post_form(url, f),
            lambda c=second_client, f=second_form: c.post_form(url, f),
        )
        marks = _marks(pg, session_id)
        if not both_mark_the_last:
            assert [r.status_code for r in results] == [303, 303]
            assert marks == {
                **dict.fromkeys(ids[:3], RegisterMark.PRESENT.value),
                **dict.fromkeys(ids[3:5], RegisterMark.APOLOGIES.value),
            }
            continue
        assert sorted(r.status_code for r in results) == [303, 409]
        saved = first_form if results[0].status_code == 303 else second_form
        refused = results[1] if results[0].status_code == 303 else results[0]
        assert marks == {int(k[5:]): v for k, v in saved.items() if k.startswith("mark-")}
        assert "nothing was saved" in refused.get_data(as_text=True)


@pytest.mark.parametrize("state", ["submitted", "adopted"])
def test_from_submitted_the_register_and_the_items_record_are_kept_as_they_were(
    seeded, client, state
):
    """From Submitted nothing changes an agenda's record (shared/DOMAIN.md): the register,
    the clauses an item discusses, and what came of an item are refused (409) and nothing
    changes, and the pages offer no such forms. Before, each was taken, so an adopted
    version's export read a register changed after the fact."""
    from app.models import AgendaItem, AuditEvent, DocumentStatus

    session_id, item_id, clause_id = _item_and_clause(seeded)
    with seeded.app_context():
        session = db.session.get(JointSession, session_id)
        rows = service.register(session)
        member = next(r.user.id for r in rows if r.side == "Member")
        accord = factories.find_document("ways-of-working-accord").id
        service.mark_register(
            session, {member: service.RegisterMark.PRESENT}, by=factories.user(FACILITATOR)
        )
        item = db.session.get(AgendaItem, item_id)
        item.discusses.append(db.session.get(Clause, clause_id))
        session.agenda.status = DocumentStatus(state)
        db.session.commit()

    def record() -> tuple:
        with seeded.app_context():
            return (
                _marks(seeded, session_id),
                [c.id for c in db.session.get(AgendaItem, item_id).discusses],
                db.session.scalar(select(func.count()).select_from(Amendment)),
                db.session.scalar(select(func.count()).select_from(Clause)),
                db.session.scalars(
                    select(AuditEvent.action).where(AuditEvent.action.not_like("session.sign%"))
                ).all(),
            )

    before = record()
    base = f"/sessions/{session_id}/items/{item_id}"
    for email in (FACILITATOR, ADMIN):
        client.sign_in(email)
        attempts = {
            f"/sessions/{session_id}/register": {f"mark-{member}": "absent"},
            f"{base}/clauses": {"link-clause": str(clause_id)},
            f"{base}/clauses/{clause_id}/unlink": {},
            f"{base}/to-amendment": {
                "amendment-target": str(clause_id),
                "amendment-body": "Officers reply within 5 days.",
            },
            f"{base}/to-document": {
                "clause-target": str(accord),
                "clause-heading": "Roles in practice",
                "clause-body": "As agreed at the session.",
            },
        }
        for url, data in attempts.items():
            assert client.post_form(url, data).status_code == 409, (email, url)
        assert record() == before
        register = client.get(f"/sessions/{session_id}/register").get_data(as_text=True)
        assert "Save the register" not in register and "Present" in register
        outcome = client.get(f"{base}/outcome").get_data(as_text=True)
        for offered in ("propose-amendment", "add-clause", "link-clause", ">Remove<"):
            assert offered not in outcome, (email, offered)


def test_an_item_discussing_a_draft_clause_names_it_only_to_those_who_may_read_drafts(
    seeded, client
):
    """A facilitator may link an item to a clause of a Draft document; the session page
    names that clause only to those who may read a Draft (facilitators, administrators),
    never to Members, Officers or the Standards Committee."""
    from app.models import AgendaItem

    session_id, item_id, _ = _item_and_clause(seeded)
    with factories.built(seeded):
        draft = factories.document("draft", title="Confidential Draft Protocol", clauses=1)
        item = db.session.get(AgendaItem, item_id)
        item.discusses.append(draft.clauses[0])
    for email in (FACILITATOR, ADMIN):
        client.sign_in(email)
        assert "Confidential Draft Protocol" in client.get(f"/sessions/{session_id}").text
    for email in ("member@example.org", "officer@example.org", "standards@example.org"):
        client.sign_in(email)
        page = client.get(f"/sessions/{session_id}").get_data(as_text=True)
        assert "Confidential Draft Protocol" not in page, email
        assert "confidential-draft-protocol" not in page, email


def test_a_clause_or_amendment_from_a_draft_agendas_item_does_not_name_it_to_members(
    seeded, client
):
    """The line "From item 1 of the session …" names a session whose agenda is still a Draft only to
    those who may read a Draft."""
    with factories.built(seeded):
        session = factories.joint_session(title="Unannounced session", published=False)
        item = session.agenda.clauses[0]
        target = factories.clause(factories.find_document("member-officer-protocol"), "3")
        amendment = factories.amendment(target, by=factories.user("officer@example.org"))
        amendment.from_agenda_item_id = item.id
        target.from_agenda_item_id = item.id
        amendment_id, protocol = amendment.id, target.document.slug
    pages = (f"/amendments/{amendment_id}", f"/documents/{protocol}/clauses/3")
    client.sign_in(FACILITATOR)
    for page in pages:
        assert "Unannounced session" in client.get(page).get_data(as_text=True), page
    for email in ("member@example.org", "officer@example.org", "standards@example.org"):
        client.sign_in(email)
        for page in pages:
            assert "Unannounced session" not in client.get(page).get_data(as_text=True), page


def test_a_register_keeps_the_people_marked_when_they_later_leave(council):
    """Someone marked in the register and deactivated afterwards (say, after the agenda was
    adopted) is still in it, with their mark: the register is a record of who came."""
    session_id = council.config["SESSION_ID"]
    with factories.built(council):
        session = db.session.get(JointSession, session_id)
        sarah, tom = factories.user("member@example.org"), factories.user("tom@example.org")
        service.mark_register(
            session,
            {sarah.id: RegisterMark.PRESENT, tom.id: RegisterMark.PRESENT},
            by=factories.user(FACILITATOR),
        )
        factories.move_to(session.agenda, "adopted")
        before = service.register_lines(session)
        people.deactivate(tom, by=factories.user(ADMIN))
    with council.app_context():
        after = service.register_lines(db.session.get(JointSession, session_id))
    assert ("Register: Members", "2 present, 0 apologies, 0 absent") in before
    assert after == before


def _agenda_writes() -> dict[str, Callable[[dict, User, User], object]]:
    """Every write to an agenda's record, each given the ids of what it works on, a
    facilitator and a Member (loaded in the writing connection)."""

    def session_of(ids: dict) -> JointSession:
        return db.session.get(JointSession, ids["session"])

    def item(ids: dict) -> Clause:
        return db.session.get(Clause, ids["item"])

    def target(ids: dict) -> Clause:
        return db.session.get(Clause, ids["target"])

    def proposal(ids: dict) -> AgendaProposal:
        return db.session.get(AgendaProposal, ids["proposal"])

    return {
        "add an item": lambda ids, by, member: service.add_item(
            session_of(ids),
            "Late item",
            "",
            purpose=Purpose.DISCUSSION,
            lead="",
            duration_minutes=5,
            by=by,
        ),
        "propose an item": lambda ids, by, member: service.propose_item(
            session_of(ids),
            title="Late",
            description="",
            purpose=Purpose.DISCUSSION,
            duration_minutes=5,
            by=member,
        ),
        "accept a proposal": lambda ids, by, member: service.accept_proposal(
            proposal(ids), session_of(ids), by=by
        ),
        "decline a proposal": lambda ids, by, member: service.decline_proposal(
            proposal(ids), session_of(ids), "No time", by=by
        ),
        "answer attendance": lambda ids, by, member: service.answer_attendance(
            session_of(ids), member, AttendanceAnswer.NO
        ),
        "record an outcome": lambda ids, by, member: service.record_outcome(
            item(ids), "Agreed", by=by
        ),
        "add an action": lambda ids, by, member: service.add_action(
            session_of(ids), None, what="Write up", who="LGA", due_on=None, by=by
        ),
        "mark the register": lambda ids, by, member: service.mark_register(
            session_of(ids), {member.id: RegisterMark.PRESENT}, by=by
        ),
        "link a clause": lambda ids, by, member: service.link_clause(
            item(ids), db.session.get(Clause, ids["other_target"]), by=by
        ),
        "unlink a clause": lambda ids, by, member: service.unlink_clause(
            item(ids), target(ids), by=by
        ),
        "outcome to a clause": lambda ids, by, member: service.outcome_to_clause(
            item(ids), target(ids).document, "From the session", "As agreed.", by=by
        ),
        "outcome to an amendment": lambda ids, by, member: service.outcome_to_amendment(
            item(ids), target(ids), "", "Officers reply within 5 days.", "", by=by
        ),
    }


@pytest.mark.parametrize("write", list(_agenda_writes()))
def test_a_write_to_an_agenda_being_submitted_waits_for_it_and_is_refused(pg, write):
    """From Submitted nothing changes an agenda's record (shared/DOMAIN.md), also when the
    write and the submission happen at once: the write waits for the document's row (locked
    by the change of state, uncommitted in another connection) and then reads the state the
    submission left, so it is refused. Before, these writes checked the state as they had
    read it before the submission committed, and were taken after it."""
    session_id = pg.config["SESSION_ID"]
    with factories.built(pg):
        session = db.session.get(JointSession, session_id)
        member = factories.user("m0@example.org")
        proposal = service.propose_item(
            session,
            title="Budget",
            description="",
            purpose=Purpose.DISCUSSION,
            duration_minutes=10,
            by=member,
        )
        protocol = factories.document(title="Member/Officer Protocol")
        item = session.agenda.clauses[0]
        service.link_clause(item, factories.clause(protocol, "1"), by=factories.user(FACILITATOR))
        ids = {
            "session": session_id,
            "item": item.id,
            "proposal": proposal.id,
            "target": factories.clause(protocol, "1").id,
            "other_target": factories.clause(protocol, "2").id,
            "agenda": session.agenda_id,
        }

    def submit() -> None:  # the row stays locked until it commits
        db.session.execute(
            update(Document)
            .where(Document.id == ids["agenda"])
            .values(status=DocumentStatus.SUBMITTED)
        )

    def write_meanwhile() -> str:
        _agenda_writes()[write](ids, factories.user(FACILITATOR), factories.user("m0@example.org"))
        db.session.commit()
        return "written"

    outcome = while_uncommitted(pg, submit, write_meanwhile)
    assert isinstance(outcome, DocumentNotEditable), outcome


def test_an_action_marked_done_twice_at_once_is_done_once(pg):
    """Two facilitators mark one action done at the same moment: the second waits for the
    first (the agenda's row lock) and is told it is already done; one audit event."""
    from app.models import AuditEvent, SessionAction
    from app.services import Conflict

    session_id = pg.config["SESSION_ID"]
    with factories.built(pg):
        second = factories.facilitator(email="second.facilitator@example.org")
        action = service.add_action(
            db.session.get(JointSession, session_id),
            None,
            what="Write up",
            who="LGA",
            due_on=None,
            by=second,
        )
        action_id, second_id = action.id, second.id

    def mark_meanwhile() -> str:
        service.mark_done(
            db.session.get(SessionAction, action_id), by=db.session.get(User, second_id)
        )
        db.session.commit()
        return "done"

    def mark_first() -> None:
        service.mark_done(db.session.get(SessionAction, action_id), by=factories.user(FACILITATOR))

    outcome = while_uncommitted(pg, mark_first, mark_meanwhile)
    assert isinstance(outcome, Conflict), outcome
    with pg.app_context():
        done = db.session.get(SessionAction, action_id)
        assert done.done_by_id == factories.user(FACILITATOR).id
        events = select(func.count()).where(AuditEvent.action == "action.done")
        assert db.session.scalar(events) == 1


def test_two_outcomes_saved_at_once_from_one_page_keep_the_first(pg):
    """Two facilitators save an item's outcome at the same moment from pages showing the same
    outcome: the second waits for the first (the item's lock), sees it was changed and is
    refused; the first's words are kept and one event is recorded."""
    from app.models import AgendaItem, AuditEvent
    from app.services.shown import ShownChanged
    from app.services.shown import digest as shown_digest

    session_id = pg.config["SESSION_ID"]
    with factories.built(pg):
        second = factories.facilitator(email="second.facilitator@example.org")
        item = db.session.get(JointSession, session_id).agenda.clauses[0]
        item_id, second_id = item.id, second.id
        drawn = shown_digest(service.outcome_shown(db.session.get(AgendaItem, item_id).outcome))

    def save(words: str, by: User) -> None:
        service.record_outcome(db.session.get(Clause, item_id), words, by=by, seen=drawn)

    def save_meanwhile() -> str:
        save("Theirs", db.session.get(User, second_id))
        db.session.commit()
        return "saved"

    outcome = while_uncommitted(
        pg, lambda: save("Mine", factories.user(FACILITATOR)), save_meanwhile
    )
    assert isinstance(outcome, ShownChanged), outcome
    with pg.app_context():
        assert db.session.get(AgendaItem, item_id).outcome == "Mine"
        events = select(func.count()).where(AuditEvent.action == "agenda.outcome_recorded")
        assert db.session.scalar(events) == 1


def test_two_renames_of_one_entry_at_once_from_one_page_keep_the_first(pg):
    """Two administrators rename a Group at the same moment from pages showing the same name:
    the second waits for the first (the entry's row lock), sees it renamed and is refused;
    the first's name is kept, on the list and on the people who have it, and one rename is
    recorded. Before, the second renamed the entry again but found nobody left with the old
    name, so its people kept the first name while the list said the second."""
    from app.models import AuditEvent, ListEntry, ListKind
    from app.services.shown import ShownChanged
    from app.services.shown import digest as shown_digest

    with factories.built(pg):
        entry = people.add_list_entry(ListKind.GROUP, "Independents", by=None)
        db.session.flush()
        member = factories.member(email="ind@example.org", group="Independents")
        entry_id, member_id = entry.id, member.id
        drawn = shown_digest(people.list_entry_shown(entry))

    def rename(name: str) -> None:
        entry = db.session.get(ListEntry, entry_id)
        people.rename_list_entry(entry, name, by=None, seen=drawn)

    def rename_meanwhile() -> str:
        rename("Independent Group")
        db.session.commit()
        return "renamed"

    outcome = while_uncommitted(pg, lambda: rename("Independent Members"), rename_meanwhile)
    assert isinstance(outcome, ShownChanged), outcome
    assert "It is called “Independent Members” now" in str(outcome)
    with pg.app_context():
        assert db.session.get(ListEntry, entry_id).name == "Independent Members"
        assert db.session.get(User, member_id).group == "Independent Members"
        renames = select(func.count()).where(AuditEvent.action == "list.entry_renamed")
        assert db.session.scalar(renames) == 1


def test_two_groups_merged_into_each_other_at_once_end_as_one_group(pg):
    """One administrator renames "Independents" to "Independent Group" (an entry already on
    the list: the two merge) while another renames "Independent Group" to "Independents".
    The second waits for the first (both entries' row locks), then merges the one left into
    the other: one name stays on the list and everyone who had either has it. Before, the two
    ran side by side: both names were retired and their people swapped names."""
    from app.models import ListEntry, ListKind

    with factories.built(pg):
        first = people.add_list_entry(ListKind.GROUP, "Independents", by=None)
        second = people.add_list_entry(ListKind.GROUP, "Independent Group", by=None)
        db.session.flush()
        a = factories.member(email="ind-a@example.org", group="Independents")
        b = factories.member(email="ind-b@example.org", group="Independent Group")
        ids = {"first": first.id, "second": second.id, "a": a.id, "b": b.id}

    def rename(entry_id: int, name: str) -> None:
        people.rename_list_entry(db.session.get(ListEntry, entry_id), name, by=None)

    def rename_meanwhile() -> str:
        rename(ids["second"], "Independents")
        db.session.commit()
        return "merged"

    outcome = while_uncommitted(
        pg, lambda: rename(ids["first"], "Independent Group"), rename_meanwhile
    )
    assert outcome == "merged", outcome
    with pg.app_context():
        live = [
            entry.name
            for entry in (db.session.get(ListEntry, ids[k]) for k in ("first", "second"))
            if entry.retired_at is None
        ]
        assert live == ["Independents"]
        assert {db.session.get(User, ids[k]).group for k in ("a", "b")} == {"Independents"}


def test_a_published_agenda_version_keeps_its_own_timings_session_and_register(seeded, client):
    """A published version of an agenda is what it said when it was published, in every
    format: each item's own time, length, purpose and lead, the session's details and the
    register, whatever changes after (items moved or re-timed, the session moved, the
    register taken again). Before, its export worked them out from the live agenda, gave
    each item the times of whichever item now had its number, and a stored file kept the
    register it was first made with while another format showed the new one."""
    from app.models import AgendaItem
    from app.services import clauses, lifecycle

    session_id, item_id, _ = _item_and_clause(seeded)
    with seeded.app_context():
        facilitator = factories.user(FACILITATOR)
        session = db.session.get(JointSession, session_id)
        rows = service.register(session)
        member = next(r.user for r in rows if r.side == "Member")
        officer = next(r.user for r in rows if r.side == "Officer")
        service.mark_register(session, {member.id: RegisterMark.PRESENT}, by=facilitator)
        lifecycle.publish_version(session.agenda, by=facilitator)
        db.session.commit()
        member_name, officer_name = member.display_name, officer.display_name
        officer_id, member_id = officer.id, member.id
    client.sign_in(FACILITATOR)

    def export(fmt: str) -> str:
        return client.get(
            f"/documents/{DEMO_SESSION}/export/download",
            query_string={"format": fmt, "version": "1", "clauses": "all", "annexes": "no"},
        ).get_data(as_text=True)

    def kept(text: str) -> list[str]:
        return [line for line in text.splitlines() if "Generated" not in line]

    before = export("md")
    assert f"Present: {member_name} (Member" in before
    with seeded.app_context():
        facilitator = factories.user(FACILITATOR)
        session = db.session.get(JointSession, session_id)
        db.session.get(AgendaItem, item_id).duration_minutes += 25
        clauses.move_clause_by(db.session.get(Clause, item_id), 1, by=facilitator)
        service.mark_register(
            session,
            {member_id: RegisterMark.APOLOGIES, officer_id: RegisterMark.PRESENT},
            by=facilitator,
        )
        session.venue = "Somewhere else"
        db.session.commit()
    after, html = export("md"), export("html")
    assert kept(after) == kept(before)
    assert "Somewhere else" not in html and officer_name not in html
    working = client.get(
        f"/documents/{DEMO_SESSION}/export/download",
        query_string={"format": "md", "version": "working", "clauses": "all", "annexes": "no"},
    ).get_data(as_text=True)
    assert "Somewhere else" in working and f"Present: {officer_name} (Officer" in working


def test_an_agenda_version_from_before_versions_kept_their_session_reads_it_by_item(seeded, client):
    """A version published before versions kept their session (no ``session`` in its
    content) reads the timings and register as they are now: each item its own (by clause,
    never by number), and a stored file is made again when they change."""
    from app.models import AgendaItem, DocumentVersion
    from app.services import clauses, lifecycle

    session_id, item_id, _ = _item_and_clause(seeded)
    with seeded.app_context():
        facilitator = factories.user(FACILITATOR)
        session = db.session.get(JointSession, session_id)
        content = lifecycle.working_content(session.agenda)
        del content["session"]
        db.session.add(
            DocumentVersion(
                document_id=session.agenda_id,
                number=1,
                title=session.agenda.title,
                content=content,
                content_hash=lifecycle.hash_content(content),
                published_by=facilitator,
            )
        )
        item = db.session.get(AgendaItem, item_id)
        item.duration_minutes, heading = 47, db.session.get(Clause, item_id).heading
        member = next(r.user for r in service.register(session) if r.side == "Member")
        db.session.commit()
        member_name, member_id = member.display_name, member.id
    client.sign_in(FACILITATOR)

    def export() -> str:
        return client.get(
            f"/documents/{DEMO_SESSION}/export/download",
            query_string={"format": "md", "version": "1", "clauses": "all", "annexes": "no"},
        ).get_data(as_text=True)

    def own_line(text: str) -> str:
        lines = text.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("## ") and heading in line)
        return "\n".join(lines[at : at + 3])

    assert "(47 minutes)" in own_line(export())
    with seeded.app_context():
        facilitator = factories.user(FACILITATOR)
        clauses.move_clause_by(db.session.get(Clause, item_id), 1, by=facilitator)
        service.mark_register(
            db.session.get(JointSession, session_id),
            {member_id: RegisterMark.PRESENT},
            by=facilitator,
        )
        db.session.commit()
    again = export()
    assert "(47 minutes)" in own_line(again)
    assert f"Present: {member_name} (Member" in again
