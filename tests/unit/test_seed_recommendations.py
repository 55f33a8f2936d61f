"""Accord's copy of the recommendations, checked against the council's action plans.

The seed files in shared/seeds (beside the repository) are read as they are. The parsing
below is this test's own reading of them; the product never parses them.

How texts are compared: both sides are normalised first (runs of whitespace become one space,
typographic quotes become straight ones, and a hyphen the PDF split over two lines, as in
"cross-\\ndepartment", is joined). After that every comparison is exact equality, so one wrong,
missing or extra word fails:

- Culture Review: the seed is tab-separated (letter, recommendation, response). Each text must
  equal its row's recommendation column; each theme must be the heading the row sits under; each
  response must be the response cells of its group (see ``_culture_review_expected``).
- Corporate Peer Challenge: the PDF extraction interleaves the columns, but it never breaks a
  recommendation's text, a timescale or a comment paragraph: each is one block of lines between
  blank lines. So rather than a looser substring check, the text must equal the whole block that
  starts "x) " for its letter, and the timescale plus response must equal, block by block, what
  follows that block up to the next recommendation (page headings left out).
"""

import html
import re
from functools import cache
from pathlib import Path

import pytest

from app.seed_data.recommendations import SOURCES

SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
CPC_SEED = "000_*.txt"
CR_SEED = "001_*.txt"

CR_LETTERS = [letter for letter in "abcdefghijklmnopqrstuvwxyz" if letter != "i"]
CPC_LETTERS = list("abcdefghijkl")
FIELDS = {"letter", "text", "theme", "response", "timescale"}

# Under this Culture Review heading the council answered each recommendation on its own row
# (each cell is about its own row's subject); a row with an empty cell shares the cell above.
# Under the other headings one response, given on the group's first rows, covers the group.
CR_ANSWERED_ROW_BY_ROW = "Recommendations being responded to through operational changes"

# The Corporate Peer Challenge seed gives f) no timescale or comment of its own (its text comes
# after g)'s cells); the data gives f) the timescale and comment of e), on the same subject.
CPC_SHARES_CELLS_WITH = {"f": "e"}

# Column and page headings repeated on each page of the Corporate Peer Challenge plan.
CPC_PAGE_HEADINGS = {
    "CPC RECOMMENDATION",
    "TIMESCALES",
    "TIMESCALES COMMENT AT JULY 2019",
    "COMMENT AT JULY 2019",
    "Other recommendations in order included in CPC",
}

_STRAIGHT_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"'}
)


# --- reading the seeds ---------------------------------------------------------------------


def _norm(text: str) -> str:
    """Normalise whitespace, quotes and hyphenated line breaks for comparison."""
    text = " ".join(text.translate(_STRAIGHT_QUOTES).split())
    return re.sub(r"(?<=\w)- (?=[a-z])", "-", text)


@cache
def _seed_text(pattern: str) -> str:
    """The text of the one seed file matching ``pattern``; fails (never skips) if missing."""
    if not SEEDS_DIR.is_dir():
        pytest.fail(
            f"Seed folder not found: {SEEDS_DIR}. The recommendations are checked against "
            "the council's action plans in shared/seeds, beside the repository."
        )
    matches = sorted(SEEDS_DIR.glob(pattern))
    if len(matches) != 1:
        pytest.fail(f"Expected one seed file {pattern} in {SEEDS_DIR}, found {len(matches)}.")
    return matches[0].read_text(encoding="utf-8")


@cache
def _culture_review_rows() -> tuple[dict, ...]:
    """The Culture Review rows in file order: letter, text, response cell, heading."""
    rows = []
    heading = None
    for line in _seed_text(CR_SEED).splitlines():
        if not line.strip():
            continue
        if "\t" not in line:
            heading = line.strip()  # the last line before a row is its group's heading
            continue
        fields = line.split("\t")
        assert len(fields) == 3, f"Culture Review row without three columns: {line!r}"
        match = re.fullmatch(r"([a-z])\)", fields[0].strip())
        assert match, f"Culture Review row without a letter: {line!r}"
        rows.append({"letter": match[1], "text": fields[1], "cell": fields[2], "heading": heading})
    return tuple(rows)


def _cell_pieces(cell: str) -> tuple[list[str], bool]:
    """A response cell as its pieces, and whether they are <p> paragraphs (else plain text)."""
    if not cell.strip():
        return [], False
    paragraphs = re.findall(r"<p>(.*?)</p>", cell, flags=re.DOTALL)
    if not paragraphs:
        return [html.unescape(cell)], False
    outside = re.sub(r"<p>.*?</p>", "", cell, flags=re.DOTALL)
    assert not outside.strip(), f"Culture Review response with text outside <p>: {outside!r}"
    return [html.unescape(paragraph) for paragraph in paragraphs], True


@cache
def _culture_review_expected() -> dict[str, tuple[list[str], bool]]:
    """Each letter's expected response pieces, and whether they are <p> paragraphs.

    Under a heading answered as a whole, every row gets all the group's cells in order (the
    seed puts the response on the group's first rows, sometimes split across several rows).
    Under CR_ANSWERED_ROW_BY_ROW each row gets its own cell, or the cell above if empty.
    """
    rows = _culture_review_rows()
    expected = {}
    for heading in dict.fromkeys(row["heading"] for row in rows):
        group = [row for row in rows if row["heading"] == heading]
        if heading == CR_ANSWERED_ROW_BY_ROW:
            pieces: tuple[list[str], bool] = ([], False)
            for row in group:
                pieces = _cell_pieces(row["cell"]) if row["cell"].strip() else pieces
                expected[row["letter"]] = pieces
        else:
            cells = [_cell_pieces(row["cell"]) for row in group]
            shared = [piece for cell_pieces, _ in cells for piece in cell_pieces]
            all_html = all(html_cell for cell_pieces, html_cell in cells if cell_pieces)
            for row in group:
                expected[row["letter"]] = (shared, all_html)
    return expected


@cache
def _cpc_sections() -> dict[str, tuple[str, list[str]]]:
    """Each CPC letter's text block and the normalised blocks after it, up to the next letter."""
    blocks = [
        _norm(chunk)
        for chunk in re.split(r"\n[ \t]*\n", _seed_text(CPC_SEED))
        if chunk.strip() and _norm(chunk) not in CPC_PAGE_HEADINGS
    ]
    sections: dict[str, tuple[str, list[str]]] = {}
    current = None
    for block in blocks:
        match = re.match(r"([a-z])\) ", block)
        if match:
            current = match[1]
            assert current not in sections, f"CPC seed has recommendation {current}) twice"
            sections[current] = (block, [])
        elif current is not None:
            sections[current][1].append(block)
    return sections


# --- reading the data ----------------------------------------------------------------------


def _source(slug: str) -> dict:
    """The source with this slug."""
    found = [source for source in SOURCES if source["slug"] == slug]
    assert len(found) == 1, f"expected one source {slug!r}, found {len(found)}"
    return found[0]


def _recommendation(slug: str, letter: str) -> dict:
    """The recommendation with this letter in the source with this slug."""
    found = [rec for rec in _source(slug)["recommendations"] if rec["letter"] == letter]
    assert len(found) == 1, f"expected one {slug} recommendation {letter}), found {len(found)}"
    return found[0]


def _paragraphs(response: str) -> list[str]:
    """A response's paragraphs (separated by a blank line), each checked to be non-empty."""
    paragraphs = response.split("\n\n")
    assert all(p.strip() for p in paragraphs), f"empty paragraph in response: {response!r}"
    return paragraphs


def _word_breaks(parts: list[str]) -> list[int]:
    """Word counts at the end of each part: where the breaks between parts fall."""
    breaks, total = [], 0
    for part in parts:
        total += len(_norm(part).split())
        breaks.append(total)
    return breaks


# --- the tests -----------------------------------------------------------------------------


def test_seed_folder_is_present():
    """The council's action plans sit in shared/seeds beside the repository."""
    assert _seed_text(CR_SEED)
    assert _seed_text(CPC_SEED)


def test_sources_are_the_culture_review_and_the_corporate_peer_challenge():
    """Two sources, Culture Review first, each with its names."""
    assert [source["slug"] for source in SOURCES] == ["culture-review", "corporate-peer-challenge"]
    assert [source["short_name"] for source in SOURCES] == ["CR", "CPC"]
    for source in SOURCES:
        assert source["name"].strip() and source["title"].strip()
    assert _source("culture-review")["title"] in _seed_text(CR_SEED).splitlines()


@pytest.mark.parametrize(
    ("slug", "letters"),
    [("culture-review", CR_LETTERS), ("corporate-peer-challenge", CPC_LETTERS)],
)
def test_every_letter_once_in_order(slug, letters):
    """Culture Review a to z without i, Corporate Peer Challenge a to l: no extras, no repeats."""
    recommendations = _source(slug)["recommendations"]
    assert [rec["letter"] for rec in recommendations] == letters
    for rec in recommendations:
        assert set(rec) == FIELDS, f"{slug} {rec['letter']}) has fields {sorted(rec)}"
        for field in ("text", "theme", "response"):
            assert isinstance(rec[field], str) and rec[field].strip(), (
                f"{slug} {rec['letter']}) has no {field}"
            )
            assert rec[field] == rec[field].strip(), f"{slug} {rec['letter']}) {field} padded"


def test_culture_review_seed_has_the_same_letters():
    """The seed itself holds a to z without i, once each (the parsing read it all)."""
    assert sorted(row["letter"] for row in _culture_review_rows()) == CR_LETTERS


@pytest.mark.parametrize("letter", CR_LETTERS)
def test_culture_review_recommendation_matches_seed(letter):
    """Text, theme and response are the seed row's, and the Culture Review gives no timescale."""
    rec = _recommendation("culture-review", letter)
    rows = [row for row in _culture_review_rows() if row["letter"] == letter]
    assert len(rows) == 1, f"the seed has {len(rows)} rows for {letter})"
    row = rows[0]

    assert _norm(rec["text"]) == _norm(row["text"])
    assert rec["theme"] == row["heading"]
    assert rec["timescale"] is None

    pieces, is_html = _culture_review_expected()[letter]
    assert pieces, f"the seed gives no response for {letter}) or any row above it in its group"
    paragraphs = _paragraphs(rec["response"])
    if is_html:
        # One paragraph per <p>, word for word.
        assert [_norm(p) for p in paragraphs] == [_norm(p) for p in pieces]
    else:
        # Plain cells split mid-sentence across rows: same words in order, and each paragraph
        # is one or more whole cells.
        assert _norm(" ".join(paragraphs)) == _norm(" ".join(pieces))
        assert set(_word_breaks(paragraphs)) <= set(_word_breaks(pieces)), (
            "a paragraph break falls inside one of the seed's response cells"
        )


def test_culture_review_themes_are_the_seed_headings():
    """The four headings of the seed, each used, and no other themes."""
    headings = list(dict.fromkeys(row["heading"] for row in _culture_review_rows()))
    assert len(headings) == 4
    themes = {rec["theme"] for rec in _source("culture-review")["recommendations"]}
    assert themes == set(headings)


def test_corporate_peer_challenge_seed_has_the_same_letters():
    """The seed itself holds a to l, once each (the parsing read it all)."""
    assert sorted(_cpc_sections()) == CPC_LETTERS


@pytest.mark.parametrize("letter", CPC_LETTERS)
def test_corporate_peer_challenge_recommendation_matches_seed(letter):
    """Text, timescale and comment at July 2019 are the seed's, block by block."""
    rec = _recommendation("corporate-peer-challenge", letter)
    text_block, cells = _cpc_sections()[letter]

    assert f"{letter}) {_norm(rec['text'])}" == text_block

    if letter in CPC_SHARES_CELLS_WITH:
        other = _recommendation("corporate-peer-challenge", CPC_SHARES_CELLS_WITH[letter])
        assert cells == [], f"the seed now gives {letter}) cells of its own: {cells}"
        assert (rec["timescale"], rec["response"]) == (other["timescale"], other["response"])
        return

    # The timescale is the first block, or the start of it when the extraction ran the
    # timescale and the comment together on one line ("Ongoing A broader set of ...").
    timescale = _norm(rec["timescale"] or "")
    assert timescale, f"the seed gives {letter}) a timescale: {cells[0]!r}"
    first = cells[0]
    if first == timescale:
        comment = cells[1:]
    else:
        assert first.startswith(timescale + " "), f"{timescale!r} does not start {first!r}"
        comment = [first[len(timescale) + 1 :], *cells[1:]]

    # Paragraphs match blocks one for one; a "- " line is one of the seed's bullet points.
    units = []
    for paragraph in _paragraphs(rec["response"]):
        lines = paragraph.split("\n")
        if all(line.startswith("- ") for line in lines):
            units += ["\u2022 " + line[2:] for line in lines]
        else:
            assert len(lines) == 1, f"line break inside a paragraph: {paragraph!r}"
            units.append(paragraph)
    assert [_norm(unit) for unit in units] == comment


def test_corporate_peer_challenge_themes_are_short():
    """The CPC plan has no headings: our themes are short labels, one per recommendation."""
    for rec in _source("corporate-peer-challenge")["recommendations"]:
        assert 0 < len(rec["theme"]) <= 40, rec["theme"]
