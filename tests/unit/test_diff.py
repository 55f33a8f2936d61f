"""Word-level redlines mark exactly the words that changed, safely and readably."""

import re

from markupsafe import Markup

from app.diff import DiffSummary, summarise
from app.diff import source_redline as redline

DEL = '<del class="app-del"><span class="govuk-visually-hidden">deleted: </span>'
INS = '<ins class="app-ins"><span class="govuk-visually-hidden">inserted: </span>'


def without(html: str, tag: str) -> str:
    """The visible text once the ``tag`` runs are removed and the other marks unwrapped."""
    html = re.sub(rf"<{tag}\b.*?</{tag}>", "", html, flags=re.S)
    html = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", html)
    return re.sub(r"<[^>]+>", "", html)


def test_identical_text_has_no_marks():
    text = "Members **must** declare interests.\n\n- at the meeting\n- in writing"
    html = redline(text, text)
    assert isinstance(html, Markup)
    assert "<del" not in html and "<ins" not in html
    assert (
        html
        == "<p>Members **must** declare interests.</p>\n<p>- at the meeting<br>\n- in writing</p>"
    )
    assert summarise(text, text) == DiffSummary(words_added=0, words_removed=0, is_unchanged=True)


def test_insert_in_the_middle():
    html = redline("Officers advise Members.", "Officers advise and support Members.")
    assert html == f"<p>Officers advise {INS}and support</ins> Members.</p>"


def test_delete_at_the_start_keeps_a_space_before_the_next_word():
    html = redline("Normally the Leader decides.", "the Leader decides.")
    assert html == f"<p>{DEL}Normally</del> the Leader decides.</p>"


def test_a_changed_word_is_a_deletion_then_an_insertion():
    html = redline("Members must declare gifts.", "Members should declare gifts.")
    assert html == f"<p>Members {DEL}must</del>{INS}should</ins> declare gifts.</p>"
    assert summarise("Members must declare gifts.", "Members should declare gifts.") == DiffSummary(
        words_added=1, words_removed=1, is_unchanged=False
    )


def test_a_rewritten_phrase_is_one_deletion_and_one_insertion():
    html = redline("the cat sat down", "a dog sat down")
    assert html == f"<p>{DEL}the cat</del>{INS}a dog</ins> sat down</p>"


def test_punctuation_changes_are_marked_without_gluing_words():
    html = redline("Decide, then act.", "Decide then act!")
    assert html == f"<p>Decide{DEL},</del> then act{DEL}.</del>{INS}!</ins></p>"
    assert summarise("Decide, then act.", "Decide then act!") == DiffSummary(0, 0, False)


def test_whitespace_changes_are_not_changes():
    old, new = "Members  and\tOfficers\nwork together.", "Members and Officers work   together."
    html = redline(old, new)
    assert html == "<p>Members and Officers work together.</p>"
    assert summarise(old, new).is_unchanged


def test_paragraphs_and_line_breaks_follow_the_new_text():
    html = redline("One.\n\nTwo.\nThree.", "One.\n\n\n\nTwo.\nFour.")
    assert html == f"<p>One.</p>\n<p>Two.<br>\n{DEL}Three</del>{INS}Four</ins>.</p>"


def test_a_deleted_paragraph_stays_a_paragraph_of_its_own():
    html = redline("First.\n\nSecond.\n\nThird.", "First.\n\nThird.")
    assert html == f"<p>First.</p>\n<p>{DEL}Second.</del></p>\n<p>Third.</p>"


def test_marks_are_reopened_in_each_paragraph():
    html = redline("Intro.", "Intro.\n\nNew one.\n\nNew two.")
    assert html == f"<p>Intro.</p>\n<p>{INS}New one.</ins></p>\n<p>{INS}New two.</ins></p>"


def test_empty_old_is_all_inserted_and_empty_new_all_deleted():
    assert redline("", "Brand new clause.") == f"<p>{INS}Brand new clause.</ins></p>"
    assert redline("Old clause.", "") == f"<p>{DEL}Old clause.</del></p>"
    assert redline("", "") == ""
    assert summarise("", "Brand new clause.") == DiffSummary(3, 0, False)
    assert summarise("Old clause.", "  ") == DiffSummary(0, 2, False)


def test_every_mark_starts_with_words_for_screen_readers():
    html = str(redline("keep old words here", "keep new words here too"))
    assert html.count("<del") == html.count(DEL) == 1
    assert html.count("<ins") == html.count(INS) == 2


def test_user_text_is_escaped_in_every_part():
    html = redline("<script>alert(1)</script> & <b>", "<script>alert(2)</script> & <i>")
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert html.startswith("<p>&lt;script&gt;alert(")
    assert f"{DEL}1</del>{INS}2</ins>" in html
    assert f"{DEL}b</del>{INS}i</ins>&gt;" in html
    assert "&amp;" in html


def test_welsh_accents_and_curly_quotes():
    old = "Mae’r Cyngor yn ‘ystyried’ y dŵr, meddai Siân."
    new = "Mae’r Cyngor yn “ystyried” y ŵyr, meddai Zoë."
    html = redline(old, new)
    assert html.startswith("<p>Mae’r Cyngor yn ")
    assert f"{DEL}‘</del>{INS}“</ins>ystyried{DEL}’</del>{INS}”</ins>" in html
    assert f"{DEL}dŵr</del>{INS}ŵyr</ins>" in html
    assert f"{DEL}Siân</del>{INS}Zoë</ins>" in html
    assert summarise(old, new) == DiffSummary(words_added=2, words_removed=2, is_unchanged=False)


def test_decomposed_accents_match_composed_ones():
    assert summarise("Siân", "Sia\u0302n").is_unchanged


def test_markdown_markers_are_ordinary_tokens():
    html = redline("- **must** declare", "- *should* declare")
    assert html == f"<p>- {DEL}**must**</del>{INS}*should*</ins> declare</p>"
    assert summarise("- **must** declare", "- *should* declare") == DiffSummary(1, 1, False)


def test_summary_counts_words_not_punctuation_or_spaces():
    old = "The Monitoring Officer will advise the Council."
    new = "The Officer will advise and support the full Council!"
    assert summarise(old, new) == DiffSummary(words_added=3, words_removed=1, is_unchanged=False)


def test_hiding_deletions_gives_the_new_text_and_hiding_insertions_the_old():
    old = "1. Members **shall** attend.\n\n2. Officers advise, ‘openly’.\n\n3. Gone entirely."
    new = "Members should attend meetings.\n\n2. Officers advise openly and fairly.\n\n4. Added."
    html = str(redline(old, new))
    assert without(html, "del").split() == new.split(), "the new text, spaced as it is"
    assert "".join(without(html, "ins").split()) == "".join(old.split())


def test_long_texts_are_diffed_correctly():
    old = " ".join(f"word{i % 500} clause{i}." for i in range(5000))
    new = old.replace("clause2500.", "changed clause.").replace("word7 clause7.", "")
    assert summarise(old, new) == DiffSummary(words_added=2, words_removed=3, is_unchanged=False)
    html = str(redline(old, new))
    assert html.count("<del") == 2 and html.count("<ins") == 1


# Redlines on the Markdown structure ---------------------------------------------------------


def test_a_list_stays_a_list_with_its_changes_inside_the_items():
    from app.diff import markdown_redline

    html = markdown_redline(
        "Members must:\n\n- declare **gifts** promptly\n- attend",
        "Members should:\n\n- declare **gifts**\n- attend meetings\n- vote",
    )
    assert "- " not in without(html, "del")
    assert "<ul>" in html and html.count("<li>") == 3
    assert f"<li>declare <strong>gifts</strong> {DEL}promptly</del></li>" in html
    assert f"<li>attend {INS}meetings</ins></li>" in html
    assert f"<li>{INS}vote</ins></li>" in html
    assert without(html, "del").split() == [
        "Members",
        "should:",
        "declare",
        "gifts",
        "attend",
        "meetings",
        "vote",
    ]


def test_emphasis_quotes_links_and_deep_lists_keep_their_markup():
    from app.diff import markdown_redline

    old = "> See [the code](https://example.org/code).\n\n1. one\n    - two\n        - three"
    new = "> See [the new code](https://example.org/code).\n\n1. one\n    - two\n        - four"
    html = str(markdown_redline(old, new))
    assert html.startswith("<blockquote>\n<p>See ")
    assert 'href="https://example.org/code"' in html
    assert f"{INS}<a" in html  # the inserted word is still part of the link
    assert html.count("<ul>") == 2  # the changed item stays at its depth
    assert f"<li>{DEL}three</del>{INS}four</ins></li>" in html


def test_the_markdown_redline_is_safe():
    from app.diff import markdown_redline

    html = str(markdown_redline("", "[x](javascript:alert(1)) <script>alert(1)</script>"))
    assert "<script" not in html and "javascript:" not in html.split("[x]")[0]
    assert "href" not in html
