"""Word-level redlines: how a clause's wording changed between two texts.

``redline`` (pages, print and PDF) and the Word export's tracked changes compare the Markdown
structure (``block_changes``, at the end of this module): a list item stays a list item. The
source-text comparison below (``source_redline``, ``word_changes``) is for the Markdown export
and for one-line headings.

In the source-text comparison, both texts are split into words and punctuation marks
(Markdown's ``*`` and ``-`` are just punctuation). Only those are compared, so a change of
whitespace alone is not a change. The whitespace between tokens is kept in a simple form: a
space, a line break, or a paragraph break (a blank line). The output follows the new text's
layout. Deleted words keep the old text's spacing.

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
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from markupsafe import Markup, escape

from app.markdown import commonmark
from app.text import without_bidi_controls

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
    html = str(source_redline(" ".join(old.split()), " ".join(new.split())))
    return Markup(html.removeprefix("<p>").removesuffix("</p>"))


def redline(old: str, new: str) -> Markup:
    """HTML of ``new`` rendered as Markdown, the words removed from ``old`` and those added
    marked inside the lists, quotes and emphasis they belong to (``markdown_redline``)."""
    return markdown_redline(old, new)


def source_redline(old: str, new: str) -> Markup:
    """HTML showing the source text of ``new`` (Markdown markers as written), with the words
    removed from ``old`` and the words added marked: for the Markdown export's CriticMarkup."""
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


# Redlines on the Markdown structure ---------------------------------------------------------
#
# ``redline`` above compares the source text, so "- item" shows as a dash. What follows reads
# both wordings as Markdown (markdown-it, CommonMark, no raw HTML) into leaf blocks (a
# paragraph, a heading, a code block, a rule), each with the containers it sits in (lists, list
# items, quotes) and its inline words with their marks (bold, italics, code, link). Blocks are
# aligned first (identical blocks, then similar blocks of the same shape), then the words inside
# each aligned pair are compared. ``markdown_redline`` renders the result as HTML with the lists,
# quotes and emphasis intact; the Word export renders the same ``block_changes`` as tracked
# changes, so both say the same thing.

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Frame:
    """A container around a block: "ul", "ol", "li" or "blockquote"; ``key`` is its identity
    (unique in one rendering), ``start`` an ordered list's first number."""

    kind: str
    key: tuple
    start: int = 1


@dataclass(frozen=True)
class Word:
    """A word or punctuation mark (``"\\n"`` for a hard line break), the space before it ("" or
    " "), and its marks: a sorted tuple of "code", "em", "strong" and "link:<address>"."""

    text: str
    gap: str
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    """A leaf block: ``kind`` "p", "h1".."h6", "pre" or "hr"; ``tight`` for a paragraph of a
    tight list (shown without ``<p>``)."""

    frames: tuple[Frame, ...]
    kind: str
    words: tuple[Word, ...]
    tight: bool = False

    @property
    def shape(self) -> tuple:
        return (tuple(f.kind for f in self.frames), self.kind)

    @property
    def plain(self) -> str:
        return "".join(w.gap + w.text for w in self.words)


@dataclass(frozen=True)
class BlockChange:
    """One block of the comparison: ``kind`` "equal", "insert", "delete" or "change"; ``words``
    as ``(piece kind, Word)`` with piece kind "equal", "insert" or "delete". ``frames`` and
    ``block`` come from the new wording (the old one for a deleted block, its containers
    mapped onto the new wording's where they continue)."""

    kind: str
    frames: tuple[Frame, ...]
    block: Block
    words: tuple[tuple[str, Word], ...]


def _inline_words(children, code: bool = False) -> list[Word]:
    words: list[Word] = []
    marks: list[str] = []
    pending = ""

    def add_text(text: str, extra: tuple[str, ...] = ()) -> None:
        nonlocal pending
        text = without_bidi_controls(text)  # a character reference in stored text made one
        mark = tuple(sorted({*marks, *extra}))
        end = 0
        for match in _TOKEN.finditer(text):
            between = text[end : match.start()]  # only whitespace: tokens cover the rest
            gap = " " if between or (end == 0 and pending) else ""
            words.append(Word(match.group(), gap if words else "", mark))
            end = match.end()
        tail = text[end:]
        pending = " " if tail or (end == 0 and pending) else ""

    for child in children:
        kind = child.type
        if kind in ("strong_open", "em_open"):
            marks.append(kind.removesuffix("_open"))
        elif kind in ("strong_close", "em_close"):
            name = kind.removesuffix("_close")
            if name in marks:
                marks.remove(name)
        elif kind == "link_open":
            href = child.attrGet("href") or ""
            marks.append("link:" + href if href.lower().startswith(_SAFE_SCHEMES) else "link:")
        elif kind == "link_close":
            for index in range(len(marks) - 1, -1, -1):
                if marks[index].startswith("link:"):
                    del marks[index]
                    break
        elif kind == "softbreak":
            pending = " "
        elif kind == "hardbreak":
            words.append(Word("\n", "", ()))
            pending = ""
        elif kind == "code_inline":
            add_text(child.content, ("code",))
        elif kind == "image":
            add_text(child.content)
        else:
            add_text(child.content)
    return words


def markdown_blocks(text: str, side: str = "new") -> list[Block]:
    """``text`` (Markdown) as leaf blocks in reading order; frame keys are ``(side, n)``."""
    text = unicodedata.normalize("NFC", text or "")
    tokens = commonmark().parse(text)
    frames: list[Frame] = []
    blocks: list[Block] = []
    kind, tight, heading = "p", False, False
    for number, token in enumerate(tokens):
        t = token.type
        if t in ("bullet_list_open", "ordered_list_open", "list_item_open", "blockquote_open"):
            name = {"bullet": "ul", "ordered": "ol", "list": "li", "blockquote": "blockquote"}[
                t.split("_")[0]
            ]
            given = token.attrGet("start") if name == "ol" else None
            start = 1 if given is None else int(given)  # "0." starts at 0, not 1
            frames.append(Frame(name, (side, number), start))
        elif t in (
            "bullet_list_close",
            "ordered_list_close",
            "list_item_close",
            "blockquote_close",
        ):
            frames.pop()
        elif t == "paragraph_open":
            kind, tight = "p", bool(token.hidden)
        elif t == "heading_open":  # a bold paragraph, as the page shows it (app.markdown)
            kind, tight, heading = "p", False, True
        elif t == "inline":
            words = _inline_words(token.children or [])
            if heading:
                words = [replace(w, marks=tuple(sorted({*w.marks, "strong"}))) for w in words]
                heading = False
            blocks.append(Block(tuple(frames), kind, tuple(words), tight))
        elif t in ("fence", "code_block"):
            words = [
                Word(m.group(), "") for m in re.finditer(r"\s+|\S+", token.content.rstrip("\n"))
            ]
            blocks.append(Block(tuple(frames), "pre", tuple(words)))
        elif t == "hr":
            blocks.append(Block(tuple(frames), "hr", ()))
    return blocks


def _similar(a: Block, b: Block) -> bool:
    if a.shape != b.shape:
        return False
    x, y = [w.text for w in a.words], [w.text for w in b.words]
    if not x and not y:
        return True
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= 0.4


def _word_pieces(a: tuple[Word, ...], b: tuple[Word, ...]) -> list[tuple[str, Word]]:
    """The words of ``b``, and those of ``a`` deleted, compared on text and marks."""
    keys_a = [(w.text, w.marks) for w in a]
    keys_b = [(w.text, w.marks) for w in b]
    pieces: list[tuple[str, Word]] = []
    for tag, i1, i2, j1, j2 in _opcodes(keys_a, keys_b):  # type: ignore[arg-type]
        if tag == "equal":
            first, rest = b[j1], b[j1 + 1 : j2]
            if a[i1].gap != first.gap:  # "Normally the": the space goes with what changed
                pieces += [(k, Word("", w.gap)) for k, w in (("delete", a[i1]), ("insert", first))]
                first = Word(first.text, "", first.marks)
            pieces += [("equal", first)] + [("equal", w) for w in rest]
            continue
        if tag in ("delete", "replace"):
            pieces += [("delete", w) for w in a[i1:i2]]
        if tag in ("insert", "replace"):
            pieces += [("insert", w) for w in b[j1:j2]]
    return pieces


def block_changes(old: str, new: str) -> list[BlockChange]:
    """The comparison of two Markdown wordings, block by block, in the new wording's order
    (deleted blocks where they stood). Identical wordings give only "equal" blocks."""
    a, b = markdown_blocks(old, "old"), markdown_blocks(new, "new")
    mapping: dict[tuple, Frame] = {}
    pairs: list[tuple[Block | None, Block | None]] = []
    matcher = SequenceMatcher(
        None, [(x.shape, x.words) for x in a], [(y.shape, y.words) for y in b], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(a[i1:i2], b[j1:j2], strict=True))
            continue
        i, j = i1, j1
        while i < i2 or j < j2:
            one_for_one = i2 - i == j2 - j
            if (
                i < i2
                and j < j2
                and (_similar(a[i], b[j]) or (one_for_one and a[i].shape == b[j].shape))
            ):
                pairs.append((a[i], b[j]))
                i, j = i + 1, j + 1
            elif i < i2 and (j >= j2 or not any(_similar(a[i], y) for y in b[j:j2])):
                pairs.append((a[i], None))
                i += 1
            else:
                pairs.append((None, b[j]))
                j += 1
    for x, y in pairs:
        if x is not None and y is not None:
            for f, g in zip(x.frames, y.frames, strict=False):
                if f.kind == g.kind:
                    mapping.setdefault(f.key, g)
    changes = []
    for x, y in pairs:
        if x is not None and y is not None:
            pieces = _word_pieces(x.words, y.words)
            same = all(kind == "equal" for kind, _ in pieces)
            changes.append(BlockChange("equal" if same else "change", y.frames, y, tuple(pieces)))
        elif y is not None:
            changes.append(
                BlockChange("insert", y.frames, y, tuple(("insert", w) for w in y.words))
            )
        elif x is not None:
            frames = tuple(mapping.get(f.key, f) for f in x.frames)
            changes.append(BlockChange("delete", frames, x, tuple(("delete", w) for w in x.words)))
    return changes


def _mark_tags(marks: tuple[str, ...]) -> tuple[str, str]:
    opening: list[str] = []
    closing: list[str] = []
    for mark in marks:
        if mark.startswith("link:"):
            href = mark.removeprefix("link:")
            if href:
                opening.append(f'<a href="{escape(href)}" rel="nofollow noopener noreferrer">')
                closing.insert(0, "</a>")
        else:
            opening.append(f"<{mark}>")
            closing.insert(0, f"</{mark}>")
    return "".join(opening), "".join(closing)


def _inline_html(pieces: tuple[tuple[str, Word], ...], block_kind: str) -> str:
    """Words as HTML: runs of one change kind and one set of marks, each in its tags."""
    parts: list[str] = []
    run: list[Word] = []
    current: tuple[str, tuple[str, ...]] | None = None

    def flush() -> None:
        if not run or current is None:
            return
        kind, marks = current
        opening, closing = _mark_tags(marks)
        text = "".join(
            "<br>\n"
            if w.text == "\n" and block_kind != "pre"
            else (w.gap if i else "") + escape(w.text)
            for i, w in enumerate(run)
        )
        gap = run[0].gap
        if kind == "equal":
            parts.append(gap + opening + text + closing)
        else:
            tag = "del" if kind == "delete" else "ins"
            hidden = f'<span class="govuk-visually-hidden">{_MARKER[tag]}</span>'
            parts.append(f'{gap}<{tag} class="app-{tag}">{hidden}{opening}{text}{closing}</{tag}>')

    for kind, word in pieces:
        if not word.text:  # a space that only one wording has
            flush()
            run, current = [], None
            parts.append(word.gap if kind == "insert" else "")
            continue
        key = (kind, word.marks)
        if key != current:
            flush()
            run, current = [], key
        run.append(word)
    flush()
    return "".join(parts)


def markdown_redline(old: str, new: str) -> Markup:
    """HTML of ``new`` as Markdown (lists, quotes, emphasis, links), with the words removed
    from ``old`` in ``<del class="app-del">`` and those added in ``<ins class="app-ins">``,
    inside the list item, quote or emphasis they belong to. Only the tags of
    ``app.markdown.ALLOWED_TAGS`` (and ``h1``–``h6``, ``del``, ``ins``, ``span``) are written,
    and all text is escaped. Identical wordings give the same HTML as each other."""
    changes = block_changes(old, new)
    out: list[str] = []
    open_frames: list[Frame] = []
    for change in changes:
        frames = list(change.frames)
        keep = 0
        while (
            keep < min(len(open_frames), len(frames)) and open_frames[keep].key == frames[keep].key
        ):
            keep += 1
        while len(open_frames) > keep:
            out.append(f"</{open_frames.pop().kind}>\n")
        for frame in frames[keep:]:
            start = f' start="{frame.start}"' if frame.kind == "ol" and frame.start != 1 else ""
            out.append(f"<{frame.kind}{start}>" + ("" if frame.kind == "li" else "\n"))
            open_frames.append(frame)
        block = change.block
        inner = _inline_html(change.words, block.kind)
        if block.kind == "hr":
            out.append("<hr>\n")
        elif block.kind == "pre":
            out.append(f"<pre><code>{inner}</code></pre>\n")
        elif block.kind == "p" and block.tight:
            out.append(inner)
        else:
            out.append(f"<{block.kind}>{inner}</{block.kind}>\n")
    while open_frames:
        out.append(f"</{open_frames.pop().kind}>\n")
    return Markup("".join(out).strip())
