"""The recommendation importer: CSV and published action plans (plain text), no database.

The two council plans in shared/seeds (beside the repository) are imported as they are: the
Culture Review must give exactly the product's shipped data, and the Corporate Peer Challenge
(PDF columns interleaved) all twelve letters with their exact texts, nothing dropped.
"""

from collections import Counter
from dataclasses import asdict
from functools import cache
from pathlib import Path

import pytest

from app.importers.recommendations import (
    ImportResult,
    ParsedRecommendation,
    parse_csv,
    parse_plain_text,
)
from app.seed_data.recommendations import SOURCES

SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


@cache
def _seed_text(pattern: str) -> str:
    """The one seed file matching ``pattern``; fails (never skips) if it is missing."""
    if not SEEDS_DIR.is_dir():
        pytest.fail(f"Seed folder not found: {SEEDS_DIR} (shared/seeds beside the repository).")
    matches = sorted(SEEDS_DIR.glob(pattern))
    if len(matches) != 1:
        pytest.fail(f"Expected one seed file {pattern} in {SEEDS_DIR}, found {len(matches)}.")
    return matches[0].read_text(encoding="utf-8")


def _source(slug: str) -> dict:
    (source,) = [source for source in SOURCES if source["slug"] == slug]
    return source


def _by_letter(result: ImportResult) -> dict[str, ParsedRecommendation]:
    return {rec.letter: rec for rec in result.recommendations}


# --- the council's plans -------------------------------------------------------------------------


def test_culture_review_seed_gives_exactly_the_shipped_data():
    result = parse_plain_text(_seed_text("001_*.txt"))

    assert [asdict(rec) for rec in result.recommendations] == _source("culture-review")[
        "recommendations"
    ]
    assert result.problems == []
    # The title lines are not guessed at: they are shown to the admin, not dropped.
    assert result.unplaced == ["St. Helens", "Council", "Culture Review Action Plan"]


def test_culture_review_group_rules_are_visible_in_the_result():
    """Spot checks of the rules, so a failure of the big comparison above is easier to read."""
    recs = _by_letter(parse_plain_text(_seed_text("001_*.txt")))
    # Group answered as a whole, <p> paragraphs on its first row only.
    assert recs["u"].response == recs["a"].response
    assert recs["a"].response.count("\n\n") == 2
    # Group answered as a whole, split across rows c) to p): seven cells, five paragraphs
    # ("... on matters such as" / "processes ..." and "Delegated Executive" / "Decisions ...").
    assert recs["x"].response == recs["c"].response
    assert recs["c"].response.count("\n\n") == 4
    assert "on matters such as processes of decision making" in recs["c"].response
    assert "Delegated Executive Decisions and Admin Decisions" in recs["c"].response
    # Group answered row by row: each row its own, y) (empty) shares w)'s.
    assert recs["j"].response != recs["k"].response
    assert recs["y"].response == recs["w"].response
    assert recs["r"].response.startswith("The Council has a Member Training Group")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _line_core(line: str) -> str:
    """A seed line without its letter or bullet marker, whitespace collapsed."""
    core = line.strip()
    for marker in ("•",):
        core = core.removeprefix(marker)
    if len(core) > 2 and core[1] == ")" and core[0].isalpha():
        core = core[2:]
    return _flat(core)


def test_corporate_peer_challenge_seed_gives_twelve_letters_with_their_texts():
    result = parse_plain_text(_seed_text("000_*.txt"))
    shipped = _source("corporate-peer-challenge")["recommendations"]

    assert [rec.letter for rec in result.recommendations] == list("abcdefghijkl")
    assert [rec.text for rec in result.recommendations] == [rec["text"] for rec in shipped]


def test_corporate_peer_challenge_seed_drops_nothing():
    """Every non-blank line is either in a recommendation or listed in ``unplaced``."""
    text = _seed_text("000_*.txt")
    result = parse_plain_text(text)
    placed = [
        _flat(value)
        for rec in result.recommendations
        for value in (rec.text, rec.theme, rec.response, rec.timescale)
        if value
    ]
    unplaced = Counter(result.unplaced)
    lines = [line.strip() for line in text.splitlines() if line.strip()]

    # Every unplaced entry is a line of the file, as often as the file has it.
    assert not unplaced - Counter(lines)
    for line in lines:
        if unplaced[line]:
            unplaced[line] -= 1
            continue
        assert any(_line_core(line) in value for value in placed), f"line dropped: {line!r}"

    # Only the introduction and the repeated column headings are left over.
    assert result.unplaced[:2] == [
        "Recommendation l) considered first in this action plan as this action will deliver "
        "aspects of",
        "modernisation required to achieve various other actions:",
    ]
    assert set(result.unplaced[2:]) == {
        "CPC",
        "RECOMMENDATION",
        "TIMESCALES",
        "COMMENT AT JULY 2019",
        "TIMESCALES COMMENT AT JULY 2019",
    }


def test_corporate_peer_challenge_timescales_and_comments_where_the_columns_are_apart():
    result = parse_plain_text(_seed_text("000_*.txt"))
    recs = _by_letter(result)
    shipped = {rec["letter"]: rec for rec in _source("corporate-peer-challenge")["recommendations"]}

    # Timescale and comment kept apart by the extraction: exactly the shipped data.
    for letter in "abegikl":
        assert (recs[letter].timescale, recs[letter].response) == (
            shipped[letter]["timescale"],
            shipped[letter]["response"],
        ), letter
    # Run together on one line ("Ongoing A broader set ..."): no timescale, the whole text in the
    # response (nothing lost), and the admin is told.
    for letter in "cdhj":
        assert recs[letter].timescale is None
        timescale, response = shipped[letter]["timescale"], shipped[letter]["response"]
        assert recs[letter].response == f"{timescale} {response}"
    assert [problem.split(": ")[1].split(" although")[0] for problem in result.problems] == [
        f"no timescale found for {letter})" for letter in "cdhj"
    ]
    # f)'s text comes after g)'s cells in the extraction: it has nothing of its own.
    assert (recs["f"].timescale, recs["f"].response) == (None, None)
    # The plan's one heading; l) comes before it.
    assert recs["l"].theme is None
    assert {recs[letter].theme for letter in "abcdefghijk"} == {
        "Other recommendations in order included in CPC"
    }


# --- plain text ----------------------------------------------------------------------------------

HAND_WRITTEN_PLAN = """\
Parks Review Action Plan
Version 2

Looking after the parks

a) The Council should publish a
maintenance plan for every park,
agreed with the Friends groups

b) Litter bins should be emptied
daily in summer

Money

c) Fees for sports pitches should be
reviewed every year (see “Pitch Strategy”)
"""


def test_hand_written_plan_with_two_headings_and_multi_line_items():
    result = parse_plain_text(HAND_WRITTEN_PLAN)

    assert result.recommendations == [
        ParsedRecommendation(
            "a",
            "The Council should publish a maintenance plan for every park, agreed with the "
            "Friends groups",
            "Looking after the parks",
        ),
        ParsedRecommendation(
            "b", "Litter bins should be emptied daily in summer", "Looking after the parks"
        ),
        ParsedRecommendation(
            "c",
            "Fees for sports pitches should be reviewed every year (see “Pitch Strategy”)",
            "Money",
        ),
    ]
    assert result.unplaced == ["Parks Review Action Plan", "Version 2"]
    assert result.problems == []


def test_plain_text_items_are_sorted_by_letter_and_hyphenated_breaks_joined():
    result = parse_plain_text(
        "Theme\n\nc) A cross-\ndepartment team\n\na) Report to Cabinet -\nQuarterly\n"
    )
    assert [(rec.letter, rec.text) for rec in result.recommendations] == [
        ("a", "Report to Cabinet - Quarterly"),
        ("c", "A cross-department team"),
    ]


def test_tab_rows_group_answered_as_a_whole_and_row_by_row():
    plan = (
        "Governance\n\n"
        "a)\tFirst\t<p>One &amp; all</p> <p>Second paragraph</p>\n"
        "b)\tSecond\t\n\n"
        "Ways of working\n\n"
        "c)\tThird\tWe will meet on matters such as\n"
        "d)\tFourth\tbudgets and plans\n"
        "e)\tFifth\tA new Policy\n"
        "f)\tSixth\tCabinet will meet monthly\n"
        "g)\tSeventh\tSeparately, we will report\n"
        "h)\tEighth\t\n\n"
        "Operations\n\n"
        "j)\tNinth\tOwn answer\t2020\n"
        "k)\tTenth\t\n"
        "l)\tEleventh\tAnother answer\t2021\n"
    )
    recs = _by_letter(parse_plain_text(plan))

    assert recs["a"].response == recs["b"].response == "One & all\n\nSecond paragraph"
    shared = (
        "We will meet on matters such as budgets and plans\n\n"
        "A new Policy Cabinet will meet monthly\n\n"
        "Separately, we will report"
    )
    assert {recs[letter].response for letter in "cdefgh"} == {shared}
    assert [recs[letter].response for letter in "jkl"] == [
        "Own answer",
        "Own answer",
        "Another answer",
    ]
    assert [recs[letter].timescale for letter in "jkl"] == ["2020", "2020", "2021"]
    assert {recs[letter].theme for letter in "cdefgh"} == {"Ways of working"}


def test_plain_text_duplicate_and_empty_letters_are_problems_and_kept_in_unplaced():
    result = parse_plain_text("Theme\n\na) First\n\nb)\n\na) Again\nmore words\n")

    assert [(rec.letter, rec.text) for rec in result.recommendations] == [("a", "First")]
    assert result.problems == [
        "Line 5: b) has no text; its lines were not imported.",
        "Line 7: a) is given a second time (first on line 3); the second was not imported.",
    ]
    assert result.unplaced == ["b)", "a) Again", "more words"]


def test_plain_text_letters_past_z_or_in_capitals_are_never_merged_into_another():
    """ "aa) double a" after z) was taken as more of z's text ("Every line was placed"), and
    "A) upper A" as more of a's. Capitals are the same letters (as in the CSV import); two or
    three letters are a problem, their lines not imported. Roman numerals ("ii)") inside an
    item's text stay its text."""
    past_z = parse_plain_text("Theme\ny) why\nz) zed\naa) double a\nab) double b\n")
    assert [(rec.letter, rec.text) for rec in past_z.recommendations] == [
        ("y", "why"),
        ("z", "zed"),
    ]
    assert past_z.problems == [
        "Line 4: “aa)” is not a letter a to z; its lines were not imported.",
        "Line 5: “ab)” is not a letter a to z; its lines were not imported.",
    ]
    assert past_z.unplaced == ["aa) double a", "ab) double b"]

    capitals = parse_plain_text("Theme\na) lower a\nA) upper A\n")
    assert [(rec.letter, rec.text) for rec in capitals.recommendations] == [("a", "lower a")]
    assert capitals.problems == [
        "Line 3: a) is given a second time (first on line 2); the second was not imported."
    ]

    upper = parse_plain_text("Theme\nA) Upper case letter A\nB) And B\n")
    assert [(rec.letter, rec.text) for rec in upper.recommendations] == [
        ("a", "Upper case letter A"),
        ("b", "And B"),
    ]

    roman = parse_plain_text("Theme\na) Do two things:\nii) the second one\n")
    assert [rec.text for rec in roman.recommendations] == ["Do two things: ii) the second one"]


def test_a_recommendation_longer_than_its_edit_form_allows_is_a_problem_not_imported():
    """A 6,000-character text was imported (the import allows 200,000 characters in all), and
    then no change to its theme or timescale could be saved without cutting it."""
    text = parse_plain_text("Theme\nx) " + "word " * 1200 + "\ny) Short\n")
    assert [rec.letter for rec in text.recommendations] == ["y"]
    assert text.problems == [
        "Line 2: x) its text is 5,999 characters, more than the 5,000 allowed; its lines were "
        "not imported."
    ]
    rows = parse_csv("letter,text,theme\na,Fine,Partnership\nb,Fine," + "T" * 300 + "\n")
    assert [rec.letter for rec in rows.recommendations] == ["a"]
    assert rows.problems == [
        "Row 3: b) its theme is 300 characters, more than the 255 allowed. The row was not "
        "imported."
    ]


def test_plain_text_with_byte_order_mark():
    for data in ("\ufeffa) First\n", "a) First\n".encode("utf-8-sig")):
        result = parse_plain_text(data)
        assert [(rec.letter, rec.text) for rec in result.recommendations] == [("a", "First")]
        assert result.unplaced == []


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_valid():
    data = (
        "Letter,TEXT,Theme,Response,Timescale\n"
        'b,"Second, with a comma",Money,"Agreed.\n\nWe will report in March",March 2020\n'
        "a,First,Governance,,\n"
    )
    result = parse_csv(data)

    assert result.recommendations == [
        ParsedRecommendation("a", "First", "Governance", None, None),
        ParsedRecommendation(
            "b", "Second, with a comma", "Money", "Agreed.\n\nWe will report in March", "March 2020"
        ),
    ]
    assert result.unplaced == []
    assert result.problems == []


def test_csv_optional_columns_may_be_left_out():
    result = parse_csv("text,letter\nOnly text,c)\n")
    assert result.recommendations == [ParsedRecommendation("c", "Only text")]
    assert result.problems == []


def test_csv_mixed_rows_keep_the_good_and_report_the_bad_by_row_number():
    data = (
        "letter,text,response\n"
        "a,Good one,Yes\n"
        ",No letter,\n"
        "b,,Orphan response\n"
        "7,Number,\n"
        "c,Good two,\n"
    )
    result = parse_csv(data)

    assert [(rec.letter, rec.text) for rec in result.recommendations] == [
        ("a", "Good one"),
        ("c", "Good two"),
    ]
    assert result.problems == [
        "Row 3: no letter. The row was not imported.",
        "Row 4: b) has no text. The row was not imported.",
        "Row 5: '7' is not a letter a to z. The row was not imported.",
    ]
    assert result.unplaced == [",No letter,", "b,,Orphan response", "7,Number,"]


def test_csv_duplicate_letters():
    result = parse_csv("letter,text\na,First\nA),Second\nb,Third\n")

    assert [(rec.letter, rec.text) for rec in result.recommendations] == [
        ("a", "First"),
        ("b", "Third"),
    ]
    assert result.problems == ["Row 3: a) is a duplicate of row 2. The row was not imported."]
    assert result.unplaced == ["A),Second"]


def test_csv_without_a_letter_column_is_a_clear_problem():
    data = "number,recommendation\n1,First\n2,Second\n"
    result = parse_csv(data)

    assert result.recommendations == []
    assert len(result.problems) == 1
    assert "no 'letter' or 'text' column" in result.problems[0]
    assert "found: 'number', 'recommendation'" in result.problems[0]
    assert result.unplaced == ["number,recommendation", "1,First", "2,Second"]


def test_csv_unknown_columns_are_reported():
    result = parse_csv("letter,text,owner\na,First,Jo\n")
    assert result.recommendations == [ParsedRecommendation("a", "First")]
    assert result.problems == ["Column 'owner' is not one Accord imports: it was ignored."]


@pytest.mark.parametrize(
    "data",
    [
        "\ufeffletter,text\na,First\n",
        "letter,text\na,First\n".encode("utf-8-sig"),
        b"letter,text\r\na,First\r\n",
    ],
    ids=["str-with-bom", "bytes-with-bom", "bytes-without-bom"],
)
def test_csv_with_or_without_byte_order_mark(data):
    result = parse_csv(data)
    assert result.recommendations == [ParsedRecommendation("a", "First")]
    assert result.problems == []


def test_csv_html_response_and_empty_file():
    result = parse_csv('letter,text,response\na,First,"<p>One</p><p>Two &amp; three</p>"\n')
    assert result.recommendations[0].response == "One\n\nTwo & three"
    assert parse_csv("  \n").problems == ["The file is empty."]


def test_unplaced_entries_carry_their_line_or_row_numbers():
    text = "Parks Review Action Plan\n\nTheme\na) First\n\nSTRAY CAPITALS\nb)\n"
    result = parse_plain_text(text)
    assert result.numbered_unplaced == [
        (1, "Parks Review Action Plan"),
        (6, "STRAY CAPITALS"),
        (7, "b)"),
    ]
    rows = parse_csv("letter,text\na,First\n7,Number\n")
    assert rows.numbered_unplaced == [(3, "7,Number")]


def test_an_unclosed_quote_in_a_csv_is_a_problem_not_rows_swallowed():
    """Outside tester: row b went into a's text ("unterminated b,x,y") without a word."""
    result = parse_csv('letter,text,theme\na,"unterminated\nb,x,y\n')
    assert result.recommendations == []
    assert any("quotation mark on line 2 is not closed" in p for p in result.problems)


def test_a_line_starting_with_a_bidirectional_control_is_still_its_letter():
    """Outside tester: "\u202eb) rtl" was joined to a."""
    result = parse_plain_text("a) first\n\u202eb) rtl\n")
    assert [(r.letter, r.text) for r in result.recommendations] == [("a", "first"), ("b", "rtl")]


@pytest.mark.parametrize("text", ['""', '" "\n', '\ufeff""\r\n', "\n\n,,\n"])
def test_a_csv_of_blank_cells_is_empty_not_an_error(text):
    """Outside tester: a file of blank cells was a 500 (StopIteration)."""
    result = parse_csv(text)
    assert result.recommendations == [] and "The file is empty." in result.problems
