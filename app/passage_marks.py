"""A clause's text with its passages marked: where suggestions and passage comments are.

Anchors are offsets in the Markdown source, but the page shows sanitised HTML. Rather than map
rendered text back to the source, the source is rendered once with two private-use characters
per passage (a start and an end sentinel) put in at its offsets, then sanitised as usual
(``app.markdown.render_markdown``; the sentinels are plain text to both the parser and the
sanitiser). The sanitised HTML is then split into tags and text, and each run of text between a
passage's sentinels is wrapped in its own ``<mark>`` (never across a tag, so emphasis, links and
list items stay well formed), and after its end comes a superscript link with the passage's
count to its entry in the side list. Sentinels are only ever placed outside delimiter runs'
reach (inside ``**``/``__``, after a list or quote marker), so they change no Markdown; a
passage whose sentinel still ends up in a tag's attribute (a link's address) is left unmarked
(it stays in the side list).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup, escape

from app.markdown import render_markdown
from app.services.passages import PassageGroup

_START, _END = 0xE000, 0xE800
MAX_MARKED = 0x800  # passages marked per clause (the sentinels' range)
_LINE_MARKER = re.compile(r"[ \t]*(?:(?:[-+*]|\d{1,9}[.)]|>|#{1,6})[ \t]+)+")
_PIECES = re.compile(r"(<[^>]*>)")
_SENTINELS = re.compile("[\ue000-\uefff]")


def _start_at(text: str, at: int, end: int) -> int:
    """Move a start sentinel past line-start block markers and emphasis delimiters."""
    line_start = text.rfind("\n", 0, at) + 1
    if not text[line_start:at].strip(" \t"):
        marker = _LINE_MARKER.match(text, line_start)
        if marker and marker.end() > at:
            at = marker.end()
    while at < end and text[at] in "*_":
        at += 1
    return min(at, end)


def _end_at(text: str, start: int, at: int) -> int:
    while at > start and text[at - 1] in "*_":
        at -= 1
    return at


class _Passage(NamedTuple):
    """What marking shows of a passage group: its anchor, its offsets and its count."""

    key: str
    start: int
    end: int
    total: int  # suggestions and comments on it


def _with_sentinels(text: str, groups: Sequence[_Passage]) -> str:
    events: list[tuple[int, int, str]] = []
    for index, group in enumerate(groups[:MAX_MARKED]):
        start = _start_at(text, group.start, group.end)
        end = max(start, _end_at(text, start, group.end))
        events.append((start, 1, chr(_START + index)))
        events.append((end, 0, chr(_END + index)))
    out, last = [], 0
    for at, _, sentinel in sorted(events):
        out.append(text[last:at])
        out.append(sentinel)
        last = at
    out.append(text[last:])
    return "".join(out)


def _count_link(group: _Passage, index: int) -> str:
    noun = "suggestion or comment" if group.total == 1 else "suggestions or comments"
    return (
        f'<sup class="app-passage-count"><a class="govuk-link" href="#{group.key}" '
        f'id="{group.key}-mark"><span class="govuk-visually-hidden">Passage {index + 1}: </span>'
        f'{group.total}<span class="govuk-visually-hidden"> {noun}</span></a></sup>'
    )


def _flush(run: list[str], active: list[int], out: list[str]) -> None:
    """Write the text gathered in ``run``, in a ``<mark>`` when inside a passage."""
    if run:
        text = "".join(run)
        if active and text.strip():
            overlap = " app-passage--overlap" if len(active) > 1 else ""
            out.append(f'<mark class="app-passage{overlap}">{text}</mark>')
        else:
            out.append(text)
        run.clear()


def marked_body(body: str, groups: Sequence[PassageGroup]) -> Markup:
    """``body`` (Markdown) as sanitised HTML with each group's passage marked (module
    docstring). ``groups`` are anchored groups of the current wording (``start``/``end`` set).

    Remembered by the text and what is marked of each group (its anchor, offsets and count):
    a clause page shows the same marks on every view until a suggestion or comment on a
    passage is added or closed, and rendering them was the clause page's only Markdown."""
    passages = []
    for group in groups:
        assert group.start is not None and group.end is not None
        passages.append(_Passage(group.key, group.start, group.end, group.count))
    return _marked(body, tuple(passages))


@lru_cache(maxsize=256)
def _marked(body: str, groups: tuple[_Passage, ...]) -> Markup:
    if not groups:
        return render_markdown(body)
    html = str(render_markdown(_with_sentinels(body, groups)))
    pieces = _PIECES.split(html)
    in_text = "".join(pieces[0::2])
    whole = {
        index
        for index in range(min(len(groups), MAX_MARKED))
        if chr(_START + index) in in_text and chr(_END + index) in in_text
    }
    active: list[int] = []
    out: list[str] = []
    in_link, waiting = False, list[str]()  # a count link found inside a link goes after it
    for number, piece in enumerate(pieces):
        if number % 2:  # a tag: no sentinel may stay in it
            out.append(_SENTINELS.sub("", piece))
            if piece.startswith("<a "):
                in_link = True
            elif piece == "</a>":
                in_link = False
                out.extend(waiting)
                waiting.clear()
            continue
        run: list[str] = []

        for char in piece:
            code = ord(char)
            if _START <= code < _START + MAX_MARKED or _END <= code < _END + MAX_MARKED:
                index = code - (_START if code < _END else _END)
                if index not in whole:
                    continue
                _flush(run, active, out)
                if code < _END:
                    active.append(index)
                else:
                    if index in active:
                        active.remove(index)
                    (waiting if in_link else out).append(_count_link(groups[index], index))
            else:
                run.append(char)
        _flush(run, active, out)
    return Markup("".join(out))


def quote_markup(text: str) -> Markup:
    """A quoted passage's words as plain escaped text (Markdown markers shown as typed)."""
    return escape(" ".join(text.split()))
