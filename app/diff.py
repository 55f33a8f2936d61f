"""Word-level redlines: how a clause's wording changed between two texts.

Both texts are split into words and punctuation marks (Markdown's ``*`` and ``-`` are just
punctuation). Only those are compared, so a change of whitespace alone is not a change. The
whitespace between tokens is kept in a simple form: a space, a line break, or a paragraph break
(a blank line). The output follows the new text's layout. Deleted words keep the old text's
spacing.

The output is HTML that does not rely on ``white-space`` CSS: ``<p>`` per paragraph and
``<br>`` for a single line break. Removed words are wrapped in ``<del class="app-del">`` and
added ones in ``<ins class="app-ins">``. Each starts with a visually hidden "deleted: " or
"inserted: " so the change can be read without colour. A replaced run shows the deletion and
then the insertion.

``word_changes`` gives the same comparison as plain-text pieces ("equal", "delete",
"insert"), for the Word export's tracked changes.

Matching uses difflib's ``SequenceMatcher`` (``autojunk=False``) between words that occur once
in each text, so two 10,000-word versions take a few hundredths of a second.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

# A word (letters or digits, with inner apostrophes: "council’s"), or a run of one other
# non-space character (punctuation, symbols, Markdown markers such as "**" or "-").
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|(\S)\1*")
_WORD = re.compile(r"[^\W_]")
_PARAGRAPH = "\n\n"
_MARKER = {"del": "deleted: ", "ins": "inserted: "}


@dataclass(frozen=True)
class DiffSummary:
    """Words, not punctuation: a replaced word is one removed and one added."""

    words_added: int
    words_removed: int
    is_unchanged: bool


def _tokenise(text: str) -> tuple[list[str], list[str]]:
    """The tokens of ``text`` and, for each, the simplified whitespace before it."""
    text = unicodedata.normalize("NFC", text or "")
    tokens, gaps, end = [], [], None
    for match in _TOKEN.finditer(text):
        gap = "" if end is None else text[end : match.start()]
        newlines = gap.count("\n")
        gaps.append(_PARAGRAPH if newlines > 1 else "\n" if newlines else " " if gap else "")
        tokens.append(match.group())
        end = match.end()
    return tokens, gaps


def _anchors(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) of tokens found once in ``a`` and once in ``b``, longest run in one order.

    This is the "patience diff" idea: in real documents these rare words pin the two texts
    together, so difflib only has to compare the short stretches between them.
    """
    count_a, count_b = Counter(a), Counter(b)
    where_b = {t: j for j, t in enumerate(b) if count_b[t] == 1 and count_a[t] == 1}
    pairs = [(i, where_b[t]) for i, t in enumerate(a) if t in where_b]
    # Longest increasing run of j, by patience sorting.
    tops: list[int] = []  # the j on top of each pile
    top_pair: list[int] = []  # and the index of its pair
    previous: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        previous.append(top_pair[pile - 1] if pile else -1)
        if pile == len(tops):
            tops.append(j)
            top_pair.append(k)
        else:
            tops[pile], top_pair[pile] = j, k
    chain, k = [], top_pair[-1] if top_pair else -1
    while k >= 0:
        chain.append(pairs[k])
        k = previous[k]
    return chain[::-1]


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Like ``SequenceMatcher.get_opcodes()``, but fast on long texts (10,000 words)."""
    blocks = []  # (i, j, size) where a[i : i + size] == b[j : j + size]; merged below
    todo = [(0, len(a), 0, len(b))]
    while todo:
        a0, a1, b0, b1 = todo.pop()
        while a0 < a1 and b0 < b1 and a[a0] == b[b0]:
            blocks.append((a0, b0, 1))
            a0, b0 = a0 + 1, b0 + 1
        while a0 < a1 and b0 < b1 and a[a1 - 1] == b[b1 - 1]:
            a1, b1 = a1 - 1, b1 - 1
            blocks.append((a1, b1, 1))
        if a0 == a1 or b0 == b1:
            continue
        anchors = _anchors(a[a0:a1], b[b0:b1])
        if not anchors:
            # autojunk (ignore very common words) only on a long stretch with no rare word at
            # all, such as "a b a b ...", which would otherwise take difflib seconds.
            big = (a1 - a0) * (b1 - b0) > 1_000_000
            matcher = SequenceMatcher(None, a[a0:a1], b[b0:b1], autojunk=big)
            blocks.extend((a0 + i, b0 + j, n) for i, j, n in matcher.get_matching_blocks() if n)
            continue
        i0, j0 = a0, b0
        for i, j in anchors:
            blocks.append((i0 + i, j0 + j, 1))
            todo.append((a0, i0 + i, b0, j0 + j))
            a0, b0 = i0 + i + 1, j0 + j + 1
        todo.append((a0, a1, b0, b1))
    ops: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for ai, bj, size in [*sorted(blocks), (len(a), len(b), 0)]:
        if i < ai or j < bj:
            tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert"
            ops.append((tag, i, ai, j, bj))
        if ops and ops[-1][0] == "equal" and size:
            ops[-1] = ("equal", ops[-1][1], ai + size, ops[-1][3], bj + size)
        elif size:
            ops.append(("equal", ai, ai + size, bj, bj + size))
        i, j = ai + size, bj + size
    return ops


def _gap(gap: str) -> str:
    return {_PARAGRAPH: "</p>\n<p>", "\n": "<br>\n", " ": " "}.get(gap, "")


def _run(kind: str | None, tokens: list[str], gaps: list[str]) -> str:
    """``tokens`` as HTML: plain, or in ``<del>``/``<ins>`` reopened in each paragraph."""
    opening = closing = ""
    if kind:
        hidden = f'<span class="govuk-visually-hidden">{_MARKER[kind]}</span>'
        opening, closing = f'<{kind} class="app-{kind}">{hidden}', f"</{kind}>"
    parts = [opening]
    for index, token in enumerate(tokens):
        if index and gaps[index] == _PARAGRAPH:
            parts += [closing, _gap(_PARAGRAPH), opening]
        elif index:
            parts.append(_gap(gaps[index]))
        parts.append(str(escape(token)))
    parts.append(closing)
    return "".join(parts)


def redline_inline(old: str, new: str) -> Markup:
    """A one-line redline (for a heading): no paragraphs, line breaks read as spaces."""
    html = str(redline(" ".join(old.split()), " ".join(new.split())))
    return Markup(html.removeprefix("<p>").removesuffix("</p>"))


def redline(old: str, new: str) -> Markup:
    """HTML showing ``new``, with the words removed from ``old`` and the words added marked."""
    a, a_gaps = _tokenise(old)
    b, b_gaps = _tokenise(new)
    if not a and not b:
        return Markup("")
    parts = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == "delete" or not j1:
            # Deleted words keep the old spacing, and so does a word only they come before.
            parts.append(_gap(a_gaps[i1]) if i1 < len(a) else "")
        else:
            parts.append(_gap(b_gaps[j1]))
        if tag == "equal":
            parts.append(_run(None, b[j1:j2], b_gaps[j1:j2]))
        if tag in ("delete", "replace"):
            parts.append(_run("del", a[i1:i2], a_gaps[i1:i2]))
        if tag in ("insert", "replace"):
            parts.append(_run("ins", b[j1:j2], b_gaps[j1:j2]))
    return Markup("<p>" + "".join(parts) + "</p>")


def summarise(old: str, new: str) -> DiffSummary:
    """How many words were added and removed; punctuation and whitespace are not counted."""
    a, _ = _tokenise(old)
    b, _ = _tokenise(new)
    added = removed = 0
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag != "equal":
            removed += sum(1 for token in a[i1:i2] if _WORD.match(token))
            added += sum(1 for token in b[j1:j2] if _WORD.match(token))
    return DiffSummary(words_added=added, words_removed=removed, is_unchanged=a == b)


def _atoms(tokens: list[str], gaps: list[str], start: int, end: int) -> list[str]:
    """``tokens[start:end]`` with the gaps around them: gap, token, gap, ..., token, gap."""
    atoms = []
    for index in range(start, end + 1):
        atoms.append(gaps[index] if index < len(gaps) else "")
        if index < end:
            atoms.append(tokens[index])
    return atoms


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """``new`` as pieces ``("equal" | "delete" | "insert", text)``, for tracked changes.

    The text keeps the simplified spacing (" ", "\\n", "\\n\\n") so that joining the "equal"
    and "insert" pieces gives ``new`` and joining the "equal" and "delete" pieces gives ``old``
    (both with simplified spacing; unchanged words keep the new text's spacing between them).
    A space next to a change goes to the change only when the two texts differ there, so
    "must" → "should" is ``("equal", "Members "), ("delete", "must"), ("insert", "should"),
    ("equal", " declare")``. Adjacent pieces of the same kind are merged; none is empty.
    """
    a, a_gaps = _tokenise(old)
    b, b_gaps = _tokenise(new)
    pieces: list[tuple[str, str]] = []

    def add(kind: str, text: str) -> None:
        if text and pieces and pieces[-1][0] == kind:
            pieces[-1] = (kind, pieces[-1][1] + text)
        elif text:
            pieces.append((kind, text))

    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == "equal":
            # The gap before the first word belongs to the change before it (or is the start).
            add("equal", b[j1] + "".join(b_gaps[j] + b[j] for j in range(j1 + 1, j2)))
            continue
        # A change owns the gaps around it; what both texts share at either end stays plain.
        old_atoms, new_atoms = _atoms(a, a_gaps, i1, i2), _atoms(b, b_gaps, j1, j2)
        head = 0
        while head < min(len(old_atoms), len(new_atoms)) and old_atoms[head] == new_atoms[head]:
            head += 1
        tail = 0
        while (
            tail < min(len(old_atoms), len(new_atoms)) - head
            and old_atoms[-1 - tail] == new_atoms[-1 - tail]
        ):
            tail += 1
        add("equal", "".join(old_atoms[:head]))
        add("delete", "".join(old_atoms[head : len(old_atoms) - tail]))
        add("insert", "".join(new_atoms[head : len(new_atoms) - tail]))
        add("equal", "".join(old_atoms[len(old_atoms) - tail :]))
    return pieces
