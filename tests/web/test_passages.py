"""Passage suggestions and passage comments (issue 18): anchoring (exact, moved, orphaned),
acceptance (one, and several at once), overlapping suggestions as alternatives, and the no-JS
forms with their "not found" and "more than once" errors. Both databases."""

from __future__ import annotations

import re

import pytest
from lxml.html import fragment_fromstring  # type: ignore[import-untyped]
from markupsafe import escape
from sqlalchemy import func, select

from app.extensions import db
from app.models import Amendment, AmendmentStatus, Choice, Clause, Discussion, Role
from app.passage_marks import marked_body
from app.services import Invalid, amendments, passages, voting
from app.services.passages import PassageGroup, locate
from tests import factories
from tests.helpers import error_summary_targets, shown_digest
from tests.snapshots import snapshot

BODY = (
    "Officers **must** respond promptly to Members who write to them.\n\n"
    "- Members *should* reply promptly too.\n"
    "- Both keep a record of what was agreed."
)
DOC = "/documents/ways-of-working-accord"
CLAUSE = f"{DOC}/clauses/1"
MEMBER, OFFICER, FACILITATOR = (
    "member@example.org",
    "officer@example.org",
    "facilitator@example.org",
)


@pytest.fixture
@snapshot
def world(app):
    """A Member, an Officer, a facilitator and an Open Accord whose clause 1 is BODY."""
    with factories.built(app):
        factories.member()
        factories.officer()
        factories.facilitator()
        factories.document(clauses=[("Responding", BODY)])
    return app


def _clause() -> Clause:
    return factories.clause(factories.find_document("ways-of-working-accord"))


def _agree(*suggestions: Amendment) -> None:
    """Voting opened and the Member and the Officer (everyone eligible) support each."""
    document = suggestions[0].clause.document
    if not document.voting_open:
        factories.voting_opened(document)
    for suggestion in suggestions:
        for role in (Role.MEMBER, Role.OFFICER):
            voting.cast_vote(factories.someone(role), Choice.SUPPORT, amendment=suggestion)


def _revise(body: str) -> None:
    clause = _clause()
    amendments.edit_clause(
        clause,
        clause.heading,
        body,
        "Tidied",
        by=factories.someone(Role.FACILITATOR),
        seen_revision=clause.revision_number,
    )


# Finding passages ----------------------------------------------------------------------------


def test_locate_finds_words_copied_from_the_page_in_the_markdown():
    anchor = locate(BODY, "must respond promptly")
    assert anchor.quote == "**must** respond promptly"  # the emphasis stays whole
    assert BODY[anchor.start : anchor.end] == anchor.quote
    assert locate(BODY, "promptly too.\nBoth keep").quote == "promptly too.\n- Both keep"
    with pytest.raises(passages.PassageAmbiguous, match="quote a few more words"):
        locate(BODY, "promptly")
    with pytest.raises(passages.PassageNotFound, match="quote a few more words"):
        locate(BODY, "within two working days")
    assert locate(BODY, "promptly", prefix="reply ").start == BODY.index("promptly too")


def test_a_quote_is_whole_words_where_it_can_be_and_never_part_of_a_character():
    """Outside tester: "part" was said to "appear 3 times" where "party" held two of them,
    and a quote of the man in a family emoji (joined by zero-width joiners) was taken,
    breaking the emoji on the page and in the new wording."""
    text = "Each party takes part in the work of the other party."
    assert locate(text, "part").start == text.index(" part ") + 1
    inside = locate("A political neutrality rule.", "olitical neutra")  # only inside words
    assert inside.quote == "olitical neutra"
    family = "We welcome 👨\u200d👩\u200d👧 families and 👍🏽 thanks."
    with pytest.raises(passages.PassageNotFound):
        locate(family, "👨")
    with pytest.raises(passages.PassageNotFound):
        locate(family, "👍")  # its skin tone would be left behind
    assert locate(family, "👨\u200d👩\u200d👧").quote == "👨\u200d👩\u200d👧"
    accented = "Cafe\u0301 culture"  # an e and its accent, two code points
    with pytest.raises(passages.PassageNotFound):
        locate(accented, "Cafe")


def test_a_quote_across_a_link_or_code_keeps_the_markdown_whole():
    """Outside tester: words copied from the page across a link ("with a link inside") were
    "not in the current wording", and a quote ending inside inline code took only its closing
    backtick, so accepting the suggestion left the code open."""
    text = (
        "- Second item with a [link](https://example.org) inside\n"
        "> A quoted line with `code` in it."
    )
    across = locate(text, "Second item with a link inside")
    assert across.quote == "Second item with a [link](https://example.org) inside"
    half = locate(text, "link inside")
    assert half.quote == "[link](https://example.org) inside"
    code = locate(text, "code in it")
    assert code.quote == "`code` in it"
    for anchor in (across, half, code):
        replaced = text[: anchor.start] + "new words" + text[anchor.end :]
        assert replaced.count("`") % 2 == 0 and replaced.count("[") == replaced.count("]")


def test_repeated_words_are_told_apart_by_context_whether_or_not_marked_up():
    """Outside tester: with "**must** respond" and "must respond" in one clause, only the
    plain copy was ever considered (exact matches hid the marked-up one), so a suggestion on
    the bold words changed the other ones, on the form, after an edit and from Word."""
    text = "The council **must** respond to the *public* within ten days. The council must respond."
    first = locate(text, "must respond", prefix="The council ", suffix=" to the public within")
    assert first.quote == "**must** respond" and first.start == text.index("**must**")
    second = locate(text, "must respond", prefix="ten days. The council ", suffix=".")
    assert second.start == text.rindex("must respond")
    with pytest.raises(passages.PassageAmbiguous):
        locate(text, "must respond")
    edited = (
        "The council must respond to the *public* within ten days. The council **must** respond."
    )
    again = passages.reanchor(second.quote, second.prefix, second.suffix, edited)
    assert again is not None and again.start == edited.index("**must** respond")


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("**Bold *italic* more** end of line", "more end"),
        ("**Bold *italic* more** end of line", "italic more end"),
        (
            "Read [the guidance on *conduct*](https://example.org/g) and use it.",
            "guidance on conduct and use",
        ),
        ("Use `the code here` daily.", "code here daily"),
    ],
)
def test_a_quote_that_starts_or_ends_inside_markup_is_refused_not_widened_over_other_words(
    text, quote
):
    """Outside tester: "more end" from "**Bold *italic* more** end" took only the closing
    "**" (accepting it left "**Bold" open), and a quote starting inside a link was widened to
    the link's start, deleting words nobody quoted. Such a quote is refused, saying why."""
    with pytest.raises(
        passages.PassageNotFound, match="inside bold or italic text, code or a link"
    ):
        locate(text, quote)


def test_an_anchor_is_never_moved_to_words_whose_context_does_not_say_it_is_the_same():
    """Outside tester: after an edit put the passage's words in a new first paragraph too, and
    changed a character beside the passage, neither place's context agreed, and the nearest to
    the old offset was taken: accepting the suggestion changed the new paragraph. Now a
    passage is re-found only where its context clearly says so; else it is lost (shown "on an
    earlier wording", never guessed)."""
    before = "Café culture 😀 matters. We meet monthly."
    anchor = passages.anchor_at(before, 0, len("Café culture"))
    after = (
        "Intro paragraph added. Café culture first.\n\nCafé culture 🙂 matters. We meet monthly."
    )
    assert passages.reanchor(anchor.quote, anchor.prefix, anchor.suffix, after) is None
    # One place only, but a context that agrees by chance ("ers") is not enough either.
    before = "We value trust. Officers respond promptly"
    start = before.index("respond")
    anchor = passages.anchor_at(before, start, len(before))
    moved = "Members respond promptly to email. Officers answer quickly."
    assert passages.reanchor(anchor.quote, anchor.prefix, anchor.suffix, moved) is None
    # Words rewritten on both sides but the passage's neighbours kept: re-found.
    kept = "Staff value trust. Officers respond promptly"
    found = passages.reanchor(anchor.quote, anchor.prefix, anchor.suffix, kept)
    assert found is not None and kept[found.start : found.end] == "respond promptly"


def test_marks_stay_well_formed_with_emphasis_lists_and_links():
    text = BODY + " See [the guide](https://example.org/guide)."
    spans = [
        locate(text, q) for q in ("must respond", "respond promptly", "too.\nBoth", "the guide")
    ]
    groups = [
        PassageGroup(key=f"passage-{n}", quote=a.quote, start=a.start, end=a.end)
        for n, a in enumerate(sorted(spans, key=lambda a: a.start), 1)
    ]
    for group in groups:
        group.discussions.append(object())  # type: ignore[arg-type]  # a count of one
    html = str(marked_body(text, groups))
    tree = fragment_fromstring(html, create_parent="div")
    assert "\ue000" not in html and "\ue800" not in html
    assert tree.xpath("//strong/mark[text()='must']")
    assert tree.xpath("//mark[contains(@class, 'app-passage--overlap')]")
    assert not tree.xpath("//a//a") and not tree.xpath("//ul/mark")
    assert [a.get("href") for a in tree.xpath("//sup/a")] == [f"#passage-{n}" for n in (1, 2, 3, 4)]
    assert tree.xpath("//a[@href='https://example.org/guide']/mark[text()='the guide']")


def test_marked_text_is_rendered_once_until_what_it_marks_changes(monkeypatch):
    """A clause page shows the same marks on every view: the marked text is remembered by the
    wording and each passage's anchor, offsets and count, and a new suggestion or comment on
    a passage (a new count) or a changed wording renders it afresh."""
    from app import passage_marks

    rendered: list[str] = []
    real = passage_marks.render_markdown
    monkeypatch.setattr(
        passage_marks, "render_markdown", lambda text: rendered.append(text) or real(text)
    )
    passage_marks._marked.cache_clear()
    group = PassageGroup(key="passage-1", quote="must", start=9, end=17)
    group.discussions.append(object())  # type: ignore[arg-type]  # a count of one
    first = marked_body(BODY, [group])
    assert marked_body(BODY, [group]) == first and len(rendered) == 1
    group.discussions.append(object())  # type: ignore[arg-type]  # now two
    second = marked_body(BODY, [group])
    assert len(rendered) == 2 and second != first and "2<span" in second
    assert marked_body(BODY + " Always.", [group]) != second and len(rendered) == 3


# Anchoring -----------------------------------------------------------------------------------


def test_an_anchor_is_re_found_exactly_moved_or_marked_on_an_earlier_wording(world, client):
    with factories.built(world):
        suggestion = factories.suggestion(_clause(), "respond promptly", "reply within two days")
        comment = factories.passage_comment(_clause(), "keep a record")
        suggestion_id, discussion_id = suggestion.id, comment.discussion_id
        _revise("A new opening sentence.\n\n" + BODY)  # moved
    with world.app_context():
        suggestion = db.session.get(Amendment, suggestion_id)
        assert suggestion.is_anchored and not suggestion.is_out_of_date
        start = suggestion.anchor_start
        assert _clause().body[start : suggestion.anchor_end] == "respond promptly"
        assert start == BODY.index("respond promptly") + len("A new opening sentence.\n\n")
        _revise(BODY.replace("respond promptly", "answer quickly").replace("keep a", "file a"))
        db.session.commit()
        suggestion = db.session.get(Amendment, suggestion_id)
        assert suggestion.is_on_earlier_wording and suggestion.is_out_of_date
        assert suggestion.passage_quote == "respond promptly"  # the words kept
        assert db.session.get(Discussion, discussion_id).is_on_earlier_wording
    client.sign_in(MEMBER)
    page = client.get(CLAUSE).get_data(as_text=True)
    earlier = page[page.index('id="passage-earlier"') :]
    assert "On an earlier wording" in earlier
    assert "respond promptly" in earlier and "Out of date" in earlier
    assert "keep a record" in earlier
    assert "<mark" not in page  # never silently moved
    shown = client.get(f"/amendments/{suggestion_id}").get_data(as_text=True)
    assert "On an earlier wording" in shown


def test_the_context_tells_repeated_words_apart_after_an_edit(world):
    with factories.built(world):
        made = factories.suggestion(_clause(), "reply promptly", "reply at once")
        made_id = made.id
        _revise(BODY.replace("Officers", "All Officers").replace("reply promptly", "promptly"))
    with world.app_context():
        assert db.session.get(Amendment, made_id).is_on_earlier_wording
    with factories.built(world):
        clause = _clause()
        quote = "promptly"
        start = clause.body.index("promptly", clause.body.index("promptly") + 1)
        anchor = passages.anchor_at(clause.body, start, start + len(quote))
        found = passages.reanchor(quote, anchor.prefix, anchor.suffix, "Intro. " + clause.body)
        assert found is not None and found.start == start + len("Intro. ")


# The no-JavaScript forms ---------------------------------------------------------------------


def test_a_long_context_from_a_link_is_cut_to_what_is_compared_not_refused(world, client):
    """Outside tester: a link filling in more than 128 characters of the words around a
    selection was refused "Reload the page and try again", and reloading filled them in
    again: no way on. The nearest characters are kept, which are all that is compared."""
    with world.app_context():
        recommendation_id = str(_clause().recommendations[0].id)
    client.sign_in(MEMBER)
    response = client.post_form(
        f"{CLAUSE}/suggest",
        {
            "quote": "promptly",
            "prefix": "y" * 300 + "Members *should* reply ",
            "suffix": " too." + "z" * 300,
            "replacement": "soon",
            "rationale": "Clearer.",
            "recommendations": recommendation_id,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with world.app_context():
        made = db.session.scalars(select(Amendment)).one()
        assert made.passage_start == BODY.index("promptly too")


def test_the_suggestion_form_finds_the_passage_or_says_to_quote_more(world, client):
    client.sign_in(MEMBER)
    form = client.get(f"{CLAUSE}/suggest?quote=respond+promptly").get_data(as_text=True)
    assert "respond promptly</textarea>" in form
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form)
    with world.app_context():
        recommendation_id = str(_clause().recommendations[0].id)
    fields = {"replacement": "reply", "rationale": "Clearer.", "recommendations": recommendation_id}
    for quote, message in (
        ("promptly", "appear 2 times in the wording: quote a few more words"),
        ("within a week", "not in the current wording: check them, or quote a few"),
    ):
        response = client.post_form(f"{CLAUSE}/suggest", {"quote": quote, **fields})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page
        assert error_summary_targets(page) == ["quote"]
        assert f">{quote}</textarea>" in page  # the input is kept
    response = client.post_form(
        f"{CLAUSE}/suggest",
        {"quote": "must respond promptly", "submission_key": key.group(1) if key else "", **fields},
    )
    assert response.status_code == 303
    with world.app_context():
        made = db.session.scalars(select(Amendment)).one()
        assert (made.passage_quote, made.passage_replacement) == (
            "**must** respond promptly",
            "reply",
        )
        assert made.body == BODY.replace("**must** respond promptly", "reply")
        assert made.passage_prefix == "Officers " and made.passage_suffix.startswith(" to Members")
    shown = client.get(response.location).get_data(as_text=True)
    assert "Suggestion" in shown and "app-del" in shown and "app-ins" in shown
    assert "keep a record" not in shown.split('id="passage"')[1].split("Why")[0]  # only context


def test_the_passage_comment_form_and_the_marked_text(world, client):
    client.sign_in(OFFICER)
    response = client.post_form(
        f"{CLAUSE}/comment-on-passage", {"quote": "promptly", "body": "What counts?"}
    )
    assert response.status_code == 422
    assert "quote a few more words" in response.get_data(as_text=True)
    response = client.post_form(
        f"{CLAUSE}/comment-on-passage",
        {"quote": "reply promptly", "body": "What counts as promptly?"},
    )
    assert response.status_code == 303
    thread = client.get(response.location).get_data(as_text=True)
    assert "A comment on these words" in thread and "reply promptly" in thread
    page = client.get(CLAUSE).get_data(as_text=True)
    assert '<mark class="app-passage">reply promptly</mark>' in page
    assert 'href="#passage-1"' in page and 'id="passage-1"' in page
    assert "Comment: On “reply promptly”" in page
    assert 'src="/static/js/passages.js' in page


@pytest.mark.parametrize("referred", [False, True], ids=["from another site", "from the form"])
def test_a_form_refused_for_a_state_keeps_what_was_typed_to_copy(world, client, referred):
    """The document closed while a Member was writing: the refusal says why, saves nothing and
    shows what they wrote (in a read-only box to copy), not only "Nothing was changed"."""
    client.sign_in(MEMBER)
    form = client.get(f"{CLAUSE}/comment-on-passage").get_data(as_text=True)
    assert 'name="body"' in form
    with factories.built(world):
        factories.move_to(factories.find_document("ways-of-working-accord"), "closed")
    typed = "Does <b>promptly</b> mean\r\nwithin five working days?"
    suggestion = "Members should reply within five working days."
    headers = {"Referer": f"http://localhost{CLAUSE}"} if referred else {}
    for path, data in (
        (f"{CLAUSE}/comment-on-passage", {"quote": "reply promptly", "body": typed}),
        (
            f"{CLAUSE}/suggest",
            {"quote": "reply promptly", "replacement": suggestion, "rationale": "Clearer"},
        ),
    ):
        refused = client.post_form(path, data, headers=headers)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 409, path
        assert "only" in html and "Open" in html  # why
        assert "What you wrote was not saved" in html
        kept = data.get("body") or data["replacement"]
        assert escape(kept.replace("\r\n", "\n")) in html  # as typed, escaped, once
        assert "<b>promptly</b>" not in html
        assert "reply promptly" in html  # the words they chose, too
        assert "csrf" not in html.split("What you wrote")[1].lower()  # never the form's workings
    with world.app_context():
        assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


# Accepting -----------------------------------------------------------------------------------


def test_accepting_a_suggestion_changes_only_its_passage_of_the_current_wording(world, client):
    with factories.built(world):
        made = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        _agree(made)
        made_id = made.id
        _revise(BODY.replace("keep a record", "keep a written record"))  # elsewhere
    client.sign_in(FACILITATOR)
    response = client.post_checked(f"/amendments/{made_id}/accept", {})
    assert response.status_code == 303
    with world.app_context():
        clause = _clause()
        assert clause.body == BODY.replace("respond promptly", "respond within two days").replace(
            "keep a record", "keep a written record"
        )
        made = db.session.get(Amendment, made_id)
        assert made.status == AmendmentStatus.ACCEPTED
        assert made.accepted_revision_number == clause.revision_number == 3


def test_overlapping_suggestions_are_alternatives_and_accepting_one_outdates_the_other(
    world, client
):
    with factories.built(world):
        first = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        second = factories.suggestion(
            _clause(), "promptly to Members", "quickly to Members", by=factories.officer()
        )
        apart = factories.suggestion(_clause(), "keep a record", "keep a note")
        _agree(first)
        ids = first.id, second.id, apart.id
    client.sign_in(MEMBER)
    page = client.get(CLAUSE).get_data(as_text=True)
    assert f"Alternative to suggestion {ids[1]}" in page
    assert f"Alternative to suggestion {ids[0]}" in page
    assert "app-passage--overlap" in page
    client.sign_in(FACILITATOR)
    assert client.post_checked(f"/amendments/{ids[0]}/accept", {}).status_code == 303
    with world.app_context():
        assert db.session.get(Amendment, ids[1]).is_out_of_date
        assert db.session.get(Amendment, ids[2]).is_anchored  # elsewhere: re-found
    refused = client.post_checked(f"/amendments/{ids[1]}/accept", {"acceptance_reason": "Yes"})
    assert refused.status_code == 409
    page = client.get(CLAUSE).get_data(as_text=True)
    assert "Out of date" in page[page.index('id="passage-earlier"') :]
    # Its own page offers no Accept (only Reject), and the accept page says why at once
    # rather than drawing a form against a wording it cannot apply to.
    shown = client.get(f"/amendments/{ids[1]}").get_data(as_text=True)
    assert f"/amendments/{ids[1]}/accept" not in shown
    assert f"/amendments/{ids[1]}/reject" in shown
    accept_page = client.get(f"/amendments/{ids[1]}/accept")
    assert accept_page.status_code == 409
    assert "no longer in the clause" in accept_page.get_data(as_text=True)
    assert client.get(f"/amendments/{ids[1]}/reject").status_code == 200


def test_several_agreed_suggestions_accepted_in_one_step_after_a_preview(world, client):
    with factories.built(world):
        one = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        two = factories.suggestion(_clause(), "keep a record", "keep a written record")
        rival = factories.suggestion(_clause(), "promptly to Members", "at once to Members")
        waiting = factories.suggestion(_clause(), "reply promptly", "reply soon")
        _agree(one, two, rival)
        ids = [one.id, two.id, rival.id, waiting.id]
    client.sign_in(FACILITATOR)
    url = f"{CLAUSE}/suggestions/accept"
    page = client.get(url).get_data(as_text=True)
    assert f'value="{ids[3]}"' not in page and "Not agreed yet" in page
    overlap = client.post_form(url, {"suggestions": [ids[0], ids[2]], "preview": "1"})
    assert overlap.status_code == 422
    assert "they are alternatives" in overlap.get_data(as_text=True)
    preview = client.post_form(url, {"suggestions": [ids[0], ids[1]], "preview": "1"})
    assert preview.status_code == 200
    shown = preview.get_data(as_text=True)
    assert "The new wording" in shown and "two days" in shown and "written" in shown
    with world.app_context():
        assert _clause().revision_number == 1  # a preview changes nothing
    done = client.post_form(
        url, {"suggestions": [ids[0], ids[1]], "submit": "1", "shown": shown_digest(shown)}
    )
    assert done.status_code == 303
    with world.app_context():
        clause = _clause()
        assert clause.revision_number == 2
        assert clause.body == BODY.replace("respond promptly", "respond within two days").replace(
            "keep a record", "keep a written record"
        )
        statuses = [db.session.get(Amendment, i) for i in ids]
        assert [s.status for s in statuses[:2]] == [AmendmentStatus.ACCEPTED] * 2
        assert statuses[2].is_out_of_date and statuses[2].is_open  # the rival
        assert statuses[3].is_anchored  # "reply promptly" still there
    # The button sent again: said to be accepted already, not "Choose from the list"
    # (outside tester); one not agreed is said to be so.
    again = client.post_form(
        url, {"suggestions": [ids[0], ids[1]], "submit": "1", "shown": shown_digest(shown)}
    )
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert f"Suggestion {ids[0]} has already been accepted" in text
    assert "Choose" not in text.split("There is a problem")[-1].split("</ul>")[0]
    waiting_one = client.post_form(url, {"suggestions": [ids[3]], "preview": "1"})
    assert f"Suggestion {ids[3]} is not agreed under the rule" in waiting_one.get_data(as_text=True)


def test_accepting_several_is_refused_when_the_wording_changed_after_the_preview(world, client):
    """The accept button confirms the preview: its form carries a digest of the wording it
    showed. When the clause changed since (another part edited, so the suggestions still
    apply but the result is not the wording shown), nothing is accepted and the page shows the
    new preview (409); a form without the digest accepts nothing either."""
    with factories.built(world):
        one = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        two = factories.suggestion(_clause(), "keep a record", "keep a written record")
        _agree(one, two)
        ids = [one.id, two.id]
    client.sign_in(FACILITATOR)
    url = f"{CLAUSE}/suggestions/accept"
    preview = client.post_form(url, {"suggestions": ids, "preview": "1"})
    shown = shown_digest(preview.get_data(as_text=True))
    with factories.built(world):
        _revise(BODY.replace("Members *should* reply promptly too.", "Members reply in kind."))
    refused = client.post_form(url, {"suggestions": ids, "submit": "1", "shown": shown})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "nothing was accepted" in page and "Members reply in kind." in page
    assert 'id="preview"' in page
    unchecked = client.post_form(url, {"suggestions": ids, "submit": "1"})
    assert unchecked.status_code == 409
    with world.app_context():
        assert _clause().revision_number == 2
        assert [db.session.get(Amendment, i).status for i in ids] == [AmendmentStatus.OPEN] * 2
    again = client.post_form(url, {"suggestions": ids, "submit": "1", "shown": shown_digest(page)})
    assert again.status_code == 303
    with world.app_context():
        assert "Members reply in kind." in _clause().body and "two days" in _clause().body


def test_more_suggestions_at_once_than_a_reason_can_name_are_refused_before_anything(world):
    """The new wording's reason names every suggestion in at most 500 characters: past
    thirty at once, the step is refused with what to do, and nothing changes."""
    with world.app_context():
        clause = _clause()
        many = [factories.suggestion(clause, "respond promptly", "respond at once")] * 31
        with pytest.raises(Invalid, match="at most 30 suggestions in one step"):
            passages.accept_suggestions(clause, many, by=factories.user(FACILITATOR))
        with pytest.raises(Invalid, match="at most 30 suggestions in one step"):
            passages.combine(clause, many)  # the preview says so too
        assert _clause().revision_number == 1


def test_the_preview_refuses_more_suggestions_than_one_step_accepts(world, client, monkeypatch):
    """The preview applies the limit of one step, next to the field, so a facilitator is not
    shown a wording they could not then accept."""
    with factories.built(world):
        one = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        two = factories.suggestion(_clause(), "keep a record", "keep a written record")
        _agree(one, two)
        ids = [one.id, two.id]
    monkeypatch.setattr(passages, "MOST_ACCEPTED_AT_ONCE", 1)
    client.sign_in(FACILITATOR)
    answer = client.post_form(f"{CLAUSE}/suggestions/accept", {"suggestions": ids, "preview": "1"})
    assert answer.status_code == 422
    shown = answer.get_data(as_text=True)
    assert "Accept at most 1 suggestions in one step" in shown
    assert "The new wording" not in shown


def test_only_facilitators_accept_several(world, client):
    client.sign_in(MEMBER)
    assert client.get(f"{CLAUSE}/suggestions/accept").status_code == 403


def test_the_accept_several_form_reads_each_suggestion_once_and_refuses_what_is_not_an_id(
    world, client
):
    """A suggestion ticked twice (a hand-made form) is one suggestion, never "alternatives"
    or more than one step; a value that is not an id in plain digits is a field error."""
    with factories.built(world):
        one = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        _agree(one)
        chosen = one.id
    client.sign_in(FACILITATOR)
    url = f"{CLAUSE}/suggestions/accept"
    twice = client.post_form(url, {"suggestions": [chosen, chosen], "preview": "1"})
    assert twice.status_code == 200
    assert "The new wording" in twice.get_data(as_text=True)
    for junk in (["zz"], [str(chosen), "zz"], ["١"], [f" {chosen} "], ["1.5"], [str(10**30)]):
        refused = client.post_form(url, {"suggestions": junk, "preview": "1"})
        assert refused.status_code == 422, junk
        assert "Choose suggestions from the list" in refused.get_data(as_text=True), junk
    shown = shown_digest(twice.get_data(as_text=True))
    done = client.post_form(url, {"suggestions": [chosen, chosen], "submit": "1", "shown": shown})
    assert done.status_code == 303


def test_a_refused_accept_several_form_keeps_the_suggestions_ticked(world, client):
    """A value that is not an id refuses the form with the field's message, and the
    suggestions that were ticked stay ticked when it is shown again."""
    with factories.built(world):
        one = factories.suggestion(_clause(), "respond promptly", "respond within two days")
        _agree(one)
        chosen = one.id
    client.sign_in(FACILITATOR)
    refused = client.post_form(
        f"{CLAUSE}/suggestions/accept", {"suggestions": [chosen, "x"], "preview": "1"}
    )
    assert refused.status_code == 422
    shown = refused.get_data(as_text=True)
    assert "Choose suggestions from the list" in shown
    box = fragment_fromstring(shown, create_parent="div").xpath(
        f'//input[@name="suggestions" and @value="{chosen}"]'
    )
    assert box and box[0].get("checked") is not None
