"""The one normalisation of people's text: what goes in is what is kept, compared and exported.

Every text that enters Accord (web forms through ``app.forms.Form``, CSV and text imports, the
command line) passes through ``normalise``, so that the same words typed twice are the same
string: a textarea sent by a browser (CRLF line breaks) equals the stored text (LF), and a
clause saved without a change is not a new wording. Exports pass stored text through it once
more, so that text stored before the rule never reaches a document with control characters.

The rule:
- line breaks: CRLF, CR, NEL (U+0085), vertical tab, form feed, and the Unicode line and
  paragraph separators (U+2028, U+2029) are line breaks (LF); in a single-line field such as a
  title every line break and tab is a space;
- other control characters (Unicode category Cc: U+0000 to U+001F, U+007F to U+009F) are
  removed; a multi-line text keeps its tabs and line breaks;
- the bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069)
  are removed, in every text: a right-to-left override shows a title's or a clause's letters in
  an order other than the one stored and compared ("Trojan Source", CVE-2021-42574), and the
  Markdown sanitiser keeps them as text, where an unclosed one reorders the rest of its
  paragraph. Text in a right-to-left script shows correctly without them (the Unicode
  bidirectional algorithm); the marks U+200E and U+200F, which move nothing, are kept. They
  are removed when spelt as HTML character references too (``&#x202E;``, ``&#8238;``, with
  leading zeros or no semicolon), which a Markdown renderer would turn into the character
  after this clean-up;
- Unicode NFC (a composed "é" and "e" + combining accent are the same text);
- no white space at the end of a line, none at the start or end of the text; characters that
  show as nothing at the start or end go too (every format character, Unicode category Cf:
  zero-width space and joiners, word joiner, byte order mark, soft hyphen, direction marks,
  tags; and the letters that show as nothing, the Hangul fillers and the blank braille
  pattern), so a text of nothing visible is empty (and a required field refuses it).

A length limit is counted on the normalised text, so it agrees with the GOV.UK character count,
which counts the textarea's value (a line break is one character there).
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# The same bidirectional controls as character references: U+202A to U+202E are 8234 to 8238,
# U+2066 to U+2069 are 8294 to 8297.
_BIDI_REFERENCES = re.compile(r"&#(?:[xX]0*(?:202[a-eA-E]|206[6-9])|0*(?:823[4-8]|829[4-7]));?")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_SINGLE_LINE_BREAKS = re.compile("[\n\t]")
# Letters that show as nothing: the Hangul fillers and the blank braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _shows_nothing(character: str) -> bool:
    """White space, a format character (Unicode category Cf: zero-width space and joiners,
    word joiner, byte order mark, soft hyphen, direction marks, invisible operators, tags) or
    a letter that shows as nothing (``_BLANK_LETTERS``)."""
    return (
        character.isspace()
        or unicodedata.category(character) == "Cf"
        or character in _BLANK_LETTERS
    )


def _strip_blank_ends(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _shows_nothing(text[start]):
        start += 1
    while end > start and _shows_nothing(text[end - 1]):
        end -= 1
    return text[start:end]


def normalise(text: str, *, multiline: bool) -> str:
    """``text`` as Accord keeps it (see the module docstring); ``multiline`` keeps tabs and
    line breaks (a clause, a comment), else they are spaces (a title, a name)."""
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", _BIDI_REFERENCES.sub("", text)))
    if not multiline:
        text = _SINGLE_LINE_BREAKS.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _strip_blank_ends(_TRAILING_SPACE.sub("", text))


def without_bidi_controls(text: str) -> str:
    """``text`` (plain or HTML) without the bidirectional controls ``normalise`` removes: for
    what is made from stored text, where a character reference stored before the rule has
    become the character (Markdown rendered to HTML, a redline)."""
    return _BIDI_CONTROLS.sub("", text)


def same_text(a: str | None, b: str | None) -> bool:
    """Whether two stored texts say the same once normalised (text stored before the rule may
    still have CRLF line breaks or trailing spaces)."""
    return normalise(a or "", multiline=True) == normalise(b or "", multiline=True)


def one_line_option(_context, _parameter, value: str | None) -> str | None:
    """A command-line option's text as a single line (a click ``callback``); ``None`` when the
    option was not given."""
    return None if value is None else normalise(value, multiline=False)


def upper_first(text: str) -> str:
    """``text`` with its first letter a capital and the rest as it is ("item 4A" → "Item 4A";
    ``str.capitalize`` would lower the rest: "Item 4a")."""
    return text[:1].upper() + text[1:]


def percent_text(value: float) -> str:
    """A percentage as people read it, never rounded up to a threshold it misses (a turnout
    beside the agreement rule's minimum): 10 → "10%", 37.5 → "37.5%", 24.96 → "24.9%"."""
    tenths = int(value * 10 + 1e-9)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"
