"""Reading a council's lettered recommendations from an uploaded file (pure: no database, no Flask).

Two forms are read, and both give an ``ImportResult``: the recommendations found, sorted by
letter; ``unplaced``, every line of the file the importer could not place (shown to the admin,
never dropped; ``numbered_unplaced`` gives each with its line, or CSV row, number); and
``problems``, sentences for the admin (a duplicate letter, a letter with no
text, ...). Absent fields are ``None`` (the database stores an absent theme or response as "").

``parse_csv`` reads a CSV file whose header names the columns ``letter`` and ``text`` and,
optionally, ``theme``, ``response`` and ``timescale`` (names in any case, in any order; the
delimiter is the header's comma, semicolon or tab). Rows are numbered as in a spreadsheet, the
header being row 1. A row with no letter, a letter that is not one letter a-z, no text, or a letter
already given is reported with its row number and listed in ``unplaced``; the good rows are kept.
A letter may be written "a", "A", "a)" or "(a)". Columns with other names are reported as not
imported.

``parse_plain_text`` reads an action plan as councils publish it (for example text copied or
extracted from the PDF). The rules, each of which can be checked against the text alone:

Items
    A line starting with a letter and a closing bracket, "a) ..." or "(a) ...", starts
    recommendation a). Without a tab, the item's text runs on over the following lines up to the
    next blank line or item; wrapped lines are joined with single spaces, runs of spaces become
    one, and a word hyphenated at a line break ("cross-" / "department") is joined keeping its
    hyphen ("cross-department"). Typographic quotes are kept. With a tab after the letter the line
    is a table row on its own: letter, text, response and, optionally, timescale, separated by
    tabs (for example "a)<TAB>text<TAB>response"). Only small letters are read as item letters;
    a line starting "(i)" (a numbered sub-point) is read as item i), so such sub-points should not
    start a line.

Headings (themes)
    A heading is a paragraph of a single line (blank lines or items around it) that is not in
    capitals only, does not end like a sentence (. ! ?) and is followed by an item, with only
    capitals-only lines between. It is the theme of every item after it, up to the next heading.
    A wrapped heading (two lines or more) is not recognised: its lines go to ``unplaced``.

Page furniture
    Paragraphs in capitals only ("CPC RECOMMENDATION", "TIMESCALES") are the table's column
    headings repeated on each page: they go to ``unplaced`` and are otherwise skipped.

Title and loose lines
    The importer does not guess a document title: lines before the first heading or item (such as
    "Culture Review Action Plan") go to ``unplaced``, for the admin to see and ignore. So do lines
    that follow a table row without belonging to it.

Responses in table rows, HTML
    A response cell made of HTML ``<p>`` paragraphs becomes plain paragraphs separated by a blank
    line (other tags are removed, entities decoded). A plain cell is one paragraph.

Responses in table rows, groups
    The rows under one heading are a group, and within a group the response column is read in one
    of two ways, decided by where the empty cells are (the timescale column is read the same way,
    on its own):

    * Answered as a group: if the answered rows are the group's first rows and at least one row
      after them is empty, the answered cells together are one response, given on the first rows
      (and often split across them), and every row of the group gets all of it. Cells that
      continue one another are joined into one paragraph: a plain cell continues the plain cell
      before it when that one does not end with . ! ? : or ; and either this cell starts with a
      small letter ("on matters such as" / "processes of decision making"), or the cell before
      ends with a capitalised word and this one starts with one (a name split over the rows:
      "Delegated Executive" / "Decisions"). Every other cell is a paragraph of its own.
    * Answered row by row: otherwise (every row answered, or an empty row between answered ones)
      each row has its own cell, and a row with an empty cell shares the response of the nearest
      answered row above it in its group (as a table cell spanning both rows would).

Responses after untabbed items (PDF layout "recommendation | timescale | comment")
    The paragraphs after an item's text, up to the next item or heading, belong to that item. The
    first is its timescale if it is short (at most 80 characters), does not end like a sentence,
    is not a bullet and more paragraphs follow it; the rest are the response, one paragraph each,
    with bullet paragraphs ("•", "-", "*") gathered into one paragraph of "- " lines. When the
    first paragraph is not timescale-like, the item has no timescale and every paragraph goes to
    the response; if other items of the file do have timescales, this is reported as a problem
    (the extraction may have run the timescale into the comment, as in "Ongoing A broader set").
    The group sharing rules above apply only to table rows: an untabbed item with nothing after it
    has no response.

Letters
    A letter given twice is a problem: the first item is kept, the later one's lines go to
    ``unplaced``. So do the lines of an item with no text.

On the two seed plans in shared/seeds: the Culture Review (tab-separated) gives exactly the
product's shipped data; the Corporate Peer Challenge (interleaved PDF columns) gives all twelve
letters with their exact texts, and the timescales and comments of the items whose columns the
extraction kept apart.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field

from app.importers import CsvProblem, csv_rows
from app.text import normalise, without_bidi_controls

__all__ = ["ImportResult", "ParsedRecommendation", "parse_csv", "parse_plain_text"]

CSV_COLUMNS = ("letter", "text", "theme", "response", "timescale")
REQUIRED_CSV_COLUMNS = ("letter", "text")

# The longest paragraph read as a timescale after an untabbed item.
MAX_TIMESCALE_CHARS = 80

# An item's marker: "a)" or "(a)", a capital being the same letter. Two or three small
# letters ("aa)") start an item too, refused as no letter a to z, rather than becoming more of
# the item before; Roman numerals ("ii)", "iv)") are an item's own sub-points and capitals
# ("(ACE) level") an acronym, and both stay its text.
_ITEM_START = re.compile(r"\s*\(?([A-Za-z]|[a-z]{2,3})\)(?=\s|$)")  # not "(ACE)"
_ROMAN = re.compile(r"[ivxlcdm]{2,3}", re.IGNORECASE)
_LETTER = re.compile(r"[a-z]")
_BULLET = re.compile(r"\s*[•●▪◦·*\-]\s+")
_P_TAG = re.compile(r"<p\b[^>]*>(.*?)</p\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_SENTENCE_END = (".", "!", "?")


@dataclass
class ParsedRecommendation:
    letter: str
    text: str
    theme: str | None = None
    response: str | None = None
    timescale: str | None = None


# What a recommendation's fields hold at most: the edit form's limits, so that whatever is
# imported can be edited afterwards without cutting it (``EditRecommendationForm``).
FIELD_LIMITS = {"text": 5_000, "theme": 255, "response": 20_000, "timescale": 255}


def too_long(recommendation: ParsedRecommendation) -> str | None:
    """Which field of ``recommendation`` is longer than ``FIELD_LIMITS`` allows, in words
    ("its text is 6,000 characters, more than the 5,000 allowed"), or None."""
    for name, limit in FIELD_LIMITS.items():
        value = getattr(recommendation, name) or ""
        if len(value) > limit:
            return f"its {name} is {len(value):,} characters, more than the {limit:,} allowed"
    return None


@dataclass
class ImportResult:
    recommendations: list[ParsedRecommendation] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Where each ``unplaced`` entry is: its line of a text file, its row of a CSV file.
    unplaced_numbers: list[int] = field(default_factory=list)

    def unplace(self, number: int, text: str) -> None:
        self.unplaced.append(text)
        self.unplaced_numbers.append(number)

    @property
    def numbered_unplaced(self) -> list[tuple[int, str]]:
        """``unplaced`` with the line (or CSV row) number of each entry."""
        return list(zip(self.unplaced_numbers, self.unplaced, strict=True))


# --- shared text handling ----------------------------------------------------------------------


def _decode(data: str | bytes) -> str:
    """The text, without a byte order mark (bytes are read as UTF-8) or bidirectional
    controls (Accord keeps none: ``app.text``), so that a line they begin still begins with
    its letter ("\u202eb) ..." was joined to a)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    return without_bidi_controls(data.removeprefix("\ufeff"))


def _one_line(value: str | None) -> str | None:
    return None if value is None else normalise(value, multiline=False)


def _lines(value: str | None) -> str | None:
    return None if value is None else normalise(value, multiline=True)


def _join_lines(lines: list[str]) -> str:
    """Wrapped lines as one line: single spaces, hyphenated line breaks joined."""
    joined = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if re.search(r"\w-$", joined) and line[0].islower():
            joined += line
        else:
            joined = f"{joined} {line}" if joined else line
    return " ".join(joined.split())


def _is_capitals_only(lines: list[str]) -> bool:
    """Whether the lines have capital letters and no small ones (a column heading)."""
    text = " ".join(lines)
    return any(c.isupper() for c in text) and not any(c.islower() for c in text)


def _entries(lines: list[str]) -> list[tuple[bool, str]]:
    """A paragraph's lines as entries (is_bullet, text): each bullet line starts an entry."""
    entries: list[tuple[bool, list[str]]] = []
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            entries.append((True, [line[bullet.end() :]]))
        elif entries:
            entries[-1][1].append(line)
        else:
            entries.append((False, [line]))
    return [(is_bullet, _join_lines(part)) for is_bullet, part in entries if _join_lines(part)]


def _paragraphs_from_blocks(blocks: list[list[str]]) -> list[str]:
    """Paragraphs from blocks of lines; consecutive bullets become one paragraph of "- " lines."""
    paragraphs: list[str] = []
    bullets: list[str] = []
    for block in blocks:
        for is_bullet, text in _entries(block):
            if is_bullet:
                bullets.append(f"- {text}")
                continue
            if bullets:
                paragraphs.append("\n".join(bullets))
                bullets = []
            paragraphs.append(text)
    if bullets:
        paragraphs.append("\n".join(bullets))
    return paragraphs


def _split_blocks(text: str) -> list[list[str]]:
    """Text as blocks of non-blank lines (blank lines separate them)."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _inline_html(fragment: str) -> str:
    """An HTML fragment as plain text on one line."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _cell_pieces(cell: str) -> list[tuple[bool, str]]:
    """A response cell as pieces (is_html_paragraph, text), in order."""
    if not cell.strip():
        return []
    if not _P_TAG.search(cell):
        return [
            (False, text) for text in _paragraphs_from_blocks(_split_blocks(html.unescape(cell)))
        ]
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _P_TAG.finditer(cell):
        outside = _inline_html(cell[position : match.start()])
        if outside:
            pieces.append((True, outside))
        inside = _inline_html(match[1])
        if inside:
            pieces.append((True, inside))
        position = match.end()
    outside = _inline_html(cell[position:])
    if outside:
        pieces.append((True, outside))
    return pieces


def _continues(previous: str, piece: str) -> bool:
    """Whether a plain cell continues the plain cell before it (one sentence split over rows)."""
    if not previous or not piece or previous.endswith((".", "!", "?", ":", ";")):
        return False
    if piece[0].islower():
        return True
    last_word, first_word = previous.split()[-1], piece.split()[0]
    return last_word[0].isupper() and first_word[0].isupper()


def _response_text(pieces: list[tuple[bool, str]]) -> str | None:
    """Pieces as paragraphs separated by blank lines, continuing plain cells joined."""
    paragraphs: list[str] = []
    previous_plain = False
    for is_html, text in pieces:
        if not is_html and previous_plain and _continues(paragraphs[-1], text):
            paragraphs[-1] = f"{paragraphs[-1]} {text}"
        else:
            paragraphs.append(text)
        previous_plain = not is_html
    return "\n\n".join(paragraphs) or None


def _response_from_text(value: str) -> str | None:
    """A response typed as text (CSV): HTML paragraphs, or paragraphs split by blank lines."""
    if _P_TAG.search(value):
        return _response_text(_cell_pieces(value))
    return "\n\n".join(_paragraphs_from_blocks(_split_blocks(value))) or None


def _sort_key(rec: ParsedRecommendation) -> tuple[int, str]:
    return (len(rec.letter), rec.letter)


# --- CSV ---------------------------------------------------------------------------------------


def _csv_line(values: list[str], delimiter: str) -> str:
    """A row written back as one CSV line, for ``unplaced``."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(values)
    return out.getvalue()


def _normalise_letter(value: str) -> str:
    return value.strip().lower().removeprefix("(").removesuffix(")").removesuffix(".").strip()


def parse_csv(text: str | bytes) -> ImportResult:
    """Recommendations from a CSV file with a header row (see the module docstring)."""
    result = ImportResult()
    try:
        text = _decode(text)
    except UnicodeDecodeError:
        result.problems.append("The file is not UTF-8 text: save it as CSV UTF-8 and try again.")
        return result
    if not text.strip():
        result.problems.append("The file is empty.")
        return result

    header_line = next(line for line in text.splitlines() if line.strip())
    delimiter = max((",", ";", "\t"), key=header_line.count)
    if not header_line.count(delimiter):
        delimiter = ","
    try:
        rows = csv_rows(text, delimiter)
    except CsvProblem as error:
        result.problems.append(f"{error} Nothing was imported.")
        return result
    header_index = next((i for i, row in enumerate(rows) if any(v.strip() for v in row)), None)
    if header_index is None:  # cells, all of them blank ("" or ,,): a 500 before
        result.problems.append("The file is empty.")
        return result
    names = [name.strip().lower() for name in rows[header_index]]

    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in names]
    if missing:
        found = ", ".join(repr(n) for n in names if n) or "nothing"
        result.problems.append(
            f"The CSV has no {' or '.join(repr(n) for n in missing)} column. Its first row must "
            "name the columns: letter, text, and optionally theme, response, timescale "
            f"(found: {found}). Nothing was imported."
        )
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                result.unplace(number, line.strip())
        return result

    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in CSV_COLUMNS and name not in columns:
            columns[name] = index
        elif name in CSV_COLUMNS:
            result.problems.append(f"Column {name!r} appears twice: only the first is imported.")
        elif name:
            result.problems.append(f"Column {name!r} is not one Accord imports: it was ignored.")

    seen: dict[str, int] = {}
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(value.strip() for value in row):
            continue

        def value(name: str, row: list[str] = row) -> str:
            position = columns.get(name)
            if position is None or position >= len(row):
                return ""
            return normalise(row[position], multiline=True)

        letter = _normalise_letter(value("letter"))
        body = _join_lines(value("text").splitlines())
        problem = None
        if not letter:
            problem = f"Row {index}: no letter."
        elif not _LETTER.fullmatch(letter):
            problem = f"Row {index}: {value('letter').strip()!r} is not a letter a to z."
        elif not body:
            problem = f"Row {index}: {letter}) has no text."
        elif letter in seen:
            problem = f"Row {index}: {letter}) is a duplicate of row {seen[letter]}."
        if problem:
            result.problems.append(problem + " The row was not imported.")
            result.unplace(index, _csv_line(row, delimiter))
            continue
        seen[letter] = index
        if len(row) > len(names) and any(v.strip() for v in row[len(names) :]):
            result.problems.append(f"Row {index}: values beyond the last column were not imported.")
            result.unplace(index, _csv_line(row[len(names) :], delimiter))
        parsed = ParsedRecommendation(
            letter=letter,
            text=body,
            theme=_join_lines(value("theme").splitlines()) or None,
            response=_response_from_text(value("response")),
            timescale=_join_lines(value("timescale").splitlines()) or None,
        )
        if (why := too_long(parsed)) is not None:
            result.problems.append(f"Row {index}: {letter}) {why}. The row was not imported.")
            result.unplace(index, _csv_line(row, delimiter))
            continue
        result.recommendations.append(parsed)
    result.recommendations.sort(key=_sort_key)
    return result


# --- plain text --------------------------------------------------------------------------------


@dataclass
class _Line:
    number: int
    text: str


@dataclass
class _Item:
    letter: str
    lines: list[_Line]  # every line of the file that belongs to the item
    text_lines: list[str]
    tabbed: bool
    response_cell: str = ""
    timescale_cell: str = ""
    extra_cells: list[str] = field(default_factory=list)
    trailing: list[list[str]] = field(default_factory=list)  # paragraphs after an untabbed item
    theme: str | None = None
    group: int = 0
    rejected: bool = False


@dataclass
class _Block:
    lines: list[_Line]

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def _item_from_line(line: _Line) -> _Item | None:
    """The item a line starts, if it starts one."""
    match = _ITEM_START.match(line.text)
    if not match or _ROMAN.fullmatch(match[1]):
        return None
    letter = match[1].lower()
    rest = line.text[match.end() :]
    if "\t" not in rest:
        return _Item(letter, [line], [rest], tabbed=False)
    cells = rest.split("\t")
    if not cells[0].strip():
        cells = cells[1:]
    cells += [""] * (3 - len(cells))
    return _Item(
        letter,
        [line],
        [cells[0]],
        tabbed=True,
        response_cell=cells[1],
        timescale_cell=cells[2],
        extra_cells=[cell for cell in cells[3:] if cell.strip()],
    )


def _units(text: str) -> list[_Item | _Block]:
    """The file as items and blocks (paragraphs of lines outside items), in order."""
    units: list[_Item | _Block] = []
    open_item: _Item | None = None
    open_block: _Block | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _Line(number, raw)
        if not raw.strip():
            open_item = open_block = None
            continue
        item = _item_from_line(line)
        if item:
            units.append(item)
            open_item = None if item.tabbed else item
            open_block = None
        elif open_item:
            open_item.lines.append(line)
            open_item.text_lines.append(raw)
        else:
            if open_block is None:
                open_block = _Block([])
                units.append(open_block)
            open_block.lines.append(line)
    return units


def _is_heading(units: list[_Item | _Block], index: int) -> bool:
    """Whether the block at ``index`` is a heading (see the module docstring)."""
    block = units[index]
    assert isinstance(block, _Block)
    if len(block.lines) != 1 or _is_capitals_only(block.texts):
        return False
    if block.texts[0].strip().endswith(_SENTENCE_END):
        return False
    for unit in units[index + 1 :]:
        if isinstance(unit, _Item):
            return True
        if not _is_capitals_only(unit.texts):
            return False
    return False


def _column_values(cells: list[str]) -> list[str | None]:
    """One column of a group's table rows, read as the module docstring describes."""
    answered = [bool(cell.strip()) for cell in cells]
    first_empty = answered.index(False) if False in answered else len(cells)
    as_group = first_empty > 0 and not any(answered[first_empty:])
    if as_group:
        pieces = [piece for cell in cells for piece in _cell_pieces(cell)]
        shared = _response_text(pieces)
        return [shared] * len(cells)
    values: list[str | None] = []
    current: str | None = None
    for cell in cells:
        if cell.strip():
            current = _response_text(_cell_pieces(cell))
        values.append(current)
    return values


def _timescale_text(value: str | None) -> str | None:
    return " ".join(value.split()) if value else None


def _is_timescale(paragraph: list[str], following: int) -> bool:
    """Whether the first paragraph after an untabbed item's text is its timescale."""
    text = _join_lines(paragraph)
    return (
        following > 0
        and len(text) <= MAX_TIMESCALE_CHARS
        and not text.endswith((*_SENTENCE_END, ":"))
        and not _BULLET.match(paragraph[0])
    )


def parse_plain_text(text: str | bytes) -> ImportResult:
    """Recommendations from an action plan as published (see the module docstring)."""
    result = ImportResult()
    try:
        text = _decode(text)
    except UnicodeDecodeError:
        result.problems.append("The file is not UTF-8 text: save it as UTF-8 and try again.")
        return result

    units = _units(text)
    items: list[_Item] = []
    by_letter: dict[str, _Item] = {}
    theme: str | None = None
    group = 0
    attach_to: _Item | None = None  # the untabbed item the next paragraphs belong to

    for index, unit in enumerate(units):
        if isinstance(unit, _Block):
            if _is_capitals_only(unit.texts):
                for line in unit.lines:
                    result.unplace(line.number, line.text.strip())
            elif _is_heading(units, index):
                theme = " ".join(unit.texts[0].split())
                group += 1
                attach_to = None
            elif attach_to is not None and not attach_to.rejected:
                attach_to.trailing.append(unit.texts)
            else:
                for line in unit.lines:
                    result.unplace(line.number, line.text.strip())
            continue

        item = unit
        item.theme, item.group = theme, group
        attach_to = None if item.tabbed else item
        first_line = item.lines[0].number
        if len(item.letter) > 1:
            result.problems.append(
                f"Line {first_line}: “{item.letter})” is not a letter a to z; its lines were "
                "not imported."
            )
            item.rejected = True
        elif not _join_lines(item.text_lines):
            result.problems.append(
                f"Line {first_line}: {item.letter}) has no text; its lines were not imported."
            )
            item.rejected = True
        elif item.letter in by_letter:
            earlier = by_letter[item.letter].lines[0].number
            result.problems.append(
                f"Line {first_line}: {item.letter}) is given a second time (first on line "
                f"{earlier}); the second was not imported."
            )
            item.rejected = True
        if item.rejected:
            for line in item.lines:
                result.unplace(line.number, line.text.strip())
            continue
        by_letter[item.letter] = item
        items.append(item)
        if item.extra_cells:
            result.problems.append(
                f"Line {first_line}: {item.letter}) has more than four columns; the extra "
                "columns were not imported."
            )
            for cell in item.extra_cells:
                result.unplace(first_line, cell.strip())

    responses: dict[str, str | None] = {}
    timescales: dict[str, str | None] = {}
    for number in dict.fromkeys(item.group for item in items):
        rows = [item for item in items if item.group == number and item.tabbed]
        for row, response, timescale in zip(
            rows,
            _column_values([row.response_cell for row in rows]),
            _column_values([row.timescale_cell for row in rows]),
            strict=True,
        ):
            responses[row.letter] = response
            timescales[row.letter] = _timescale_text(timescale)

    untimed: list[_Item] = []
    for item in items:
        if item.tabbed:
            continue
        paragraphs = item.trailing
        timescales[item.letter] = None
        if paragraphs and _is_timescale(paragraphs[0], len(paragraphs) - 1):
            timescales[item.letter] = _join_lines(paragraphs[0])
            paragraphs = paragraphs[1:]
        elif paragraphs:
            untimed.append(item)
        responses[item.letter] = "\n\n".join(_paragraphs_from_blocks(paragraphs)) or None

    if any(timescales[item.letter] for item in items if not item.tabbed):
        for item in untimed:
            result.problems.append(
                f"Line {item.lines[0].number}: no timescale found for {item.letter}) although "
                "other recommendations have one; check the start of its response."
            )

    parsed: list[ParsedRecommendation] = []
    for item in items:
        recommendation = ParsedRecommendation(
            letter=item.letter,
            text=normalise(_join_lines(item.text_lines), multiline=False),
            theme=_one_line(item.theme),
            response=_lines(responses[item.letter]),
            timescale=_one_line(timescales[item.letter]),
        )
        if (why := too_long(recommendation)) is not None:
            result.problems.append(
                f"Line {item.lines[0].number}: {item.letter}) {why}; its lines were not imported."
            )
            for line in item.lines:
                result.unplace(line.number, line.text.strip())
            continue
        parsed.append(recommendation)
    result.recommendations = sorted(parsed, key=_sort_key)
    return result
