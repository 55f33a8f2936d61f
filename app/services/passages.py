"""Passage suggestions and passage comments: changes and remarks about a few words of a clause.

The shapes (shared/DOMAIN.md words; issue 18, "Passage suggestions"):

- A **passage suggestion** is an ``Amendment`` limited to one passage: it carries the anchor
  columns of ``app.models.PassageAnchor`` and ``passage_replacement``; its ``body`` is the
  wording it was made on with the passage replaced, so the vote panel, the agreement rule and
  the decision record treat it as any amendment.
- A **passage comment** is a ``Discussion`` on the clause with the same anchor columns; its
  opening comment is the remark.

Anchors (the W3C Web Annotation model: a TextQuoteSelector ``quote`` with ``prefix`` and
``suffix`` of up to ``CONTEXT`` characters, and a TextPositionSelector ``start``/``end``) are
offsets in the clause's **Markdown source** (``Clause.body``), in characters, end exclusive.

API (all offsets in characters of the Markdown source):

``locate(text, quote, prefix="", suffix="") -> Anchor``
    Pure. Finds ``quote`` in ``text``: an exact match (whole words where there are such, never
    cutting an emoji or an accented letter in two), else the same words with Markdown
    emphasis, code, links, list markers and line breaks between them (so words copied from
    the page are found in the source; the span is widened to keep the Markdown whole).
    Several matches are told apart by ``prefix``/``suffix`` (the words just before/after,
    compared without Markdown punctuation). Raises ``PassageNotFound`` (422) when there is no
    match and ``PassageAmbiguous`` (422) when more than one remains; both say "quote a few
    more words".

``reanchor(quote, prefix, suffix, text) -> Anchor | None``
    Pure. Where an existing anchor is in a new wording: the one place whose context agrees
    best, by at least ``CONTEXT_TO_AGREE`` characters; else None (never a guess).

``suggest_change(clause, *, by, quote, replacement, reason, recommendations=(), prefix="",
suffix="", submission_key=None) -> Amendment``
    A Member or Officer suggests new words for a passage of the current wording. Raises as
    ``amendments.propose_amendment`` (DocumentNotOpen, ClauseRetired, AmendmentsStopped,
    Unchanged) and as ``locate``.

``comment_on_passage(clause, *, by, quote, body, prefix="", suffix="", recommendations=None,
submission_key=None) -> Comment``
    A remark on a passage: a new discussion anchored to it whose opening comment is ``body``;
    it answers ``recommendations`` (default: the clause's own). Raises as
    ``discussions.start_discussion`` and as ``locate``.

``reanchor_clause(clause, orphan=()) -> None``
    Called by ``clauses.revise_clause`` after every new wording: each open suggestion and each
    passage comment on the clause still anchored is looked for in the new wording; one that is
    not re-found (or is in ``orphan``, the ids of suggestions whose passage an accepted
    alternative changed) keeps its words and is shown "on an earlier wording"; an open
    suggestion so left is "Out of date" (``Amendment.is_out_of_date``). Anchors once lost stay
    lost.

``combine(clause, suggestions) -> str``
    Pure. The clause's current wording with each suggestion's passage replaced by its new
    words. Raises ``SuggestionOutOfDate`` (409) for a suggestion whose passage is not in the
    current wording, ``PassagesOverlap`` (422) when two of them overlap (they are alternatives),
    ``Invalid`` (422) for more than ``MOST_ACCEPTED_AT_ONCE`` (30) of them: more than one step
    accepts, so the preview refuses them too.

``accept_suggestions(clause, suggestions, *, by, reason=None, seen=None) -> ClauseRevision``
    A facilitator accepts one or several open suggestions on the clause as one new wording
    (``combine``). With one suggestion the agreement rule is applied as for any amendment
    (``reason`` needed when it does not agree it, ``voting.ReasonRequired``); with several each
    must be agreed under the rule (``NotAgreed``, 422). Open suggestions overlapping an
    accepted one go out of date. ``seen``, when given, is the digest of the preview the
    facilitator confirmed (``combined_shown``): nothing is accepted unless the new wording is
    still that one (``ShownChanged``, 409). Raises as ``amendments.accept_amendment`` besides.

``combined_shown(clause, suggestions, body) -> dict``
    What the accept-several preview showed: the wording it was against, the suggestions, and
    the new wording ``body`` they make (``app.services.shown``).

``passage_redline(text, start, end, replacement) -> Markup``
    Pure. A suggestion's own redline: only its passage with a little context.

``alternatives(suggestions) -> dict[int, list[Amendment]]`` and
``passage_groups(clause, suggestions, discussions)`` shape the clause page's side list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from markupsafe import Markup
from sqlalchemy import select

from app.diff import redline
from app.extensions import db
from app.markdown import shown_words
from app.models import (
    Amendment,
    AmendmentStatus,
    Clause,
    ClauseRevision,
    Comment,
    Discussion,
    Recommendation,
    User,
)
from app.services import Conflict, Invalid, Unchanged
from app.services.shown import require_shown

CONTEXT = 32  # characters of prefix and suffix kept with a quote
REDLINE_CONTEXT = 80  # characters of the passage's wording shown either side in its redline
QUOTE_MORE = "quote a few more words"
MAX_QUOTE = 2_000
NEW_WORDS_TOO_LONG = f"Keep the new words to {MAX_QUOTE:,} characters"


class PassageNotFound(Invalid):
    """The quoted words are not in the clause's wording (422)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or f"Those words are not in the current wording: check them, or {QUOTE_MORE}"
        )


class PassageCrossesMarkup(PassageNotFound):
    """The quoted words begin or end inside bold or italic text, code or a link (422)."""

    def __init__(self) -> None:
        super().__init__(
            "Those words begin or end inside bold or italic text, code or a link: quote all "
            "of it, or only words inside it"
        )


class PassageAmbiguous(Invalid):
    """The quoted words occur more than once in the clause's wording (422)."""

    def __init__(self, count: int):
        super().__init__(
            f"Those words appear {count} times in the wording: {QUOTE_MORE} so that only one "
            "place matches"
        )
        self.count = count


class SuggestionOutOfDate(Conflict):
    """The suggestion's passage is no longer in the clause's wording, so it cannot be applied."""


class PassagesOverlap(Invalid):
    """Two suggestions chosen together change overlapping words: they are alternatives."""


class NotAgreed(Invalid):
    """Several suggestions are accepted in one step only when each is agreed under the rule."""


@dataclass(frozen=True)
class Anchor:
    """A passage found in a text: ``text[start:end] == quote``, with up to CONTEXT characters
    before (``prefix``) and after (``suffix``)."""

    start: int
    end: int
    quote: str
    prefix: str
    suffix: str

    def overlaps(self, other: Anchor) -> bool:
        return self.start < other.end and other.start < self.end


def anchor_at(text: str, start: int, end: int) -> Anchor:
    """The anchor of ``text[start:end]`` with its context."""
    return Anchor(
        start,
        end,
        text[start:end],
        text[max(0, start - CONTEXT) : start],
        text[end : end + CONTEXT],
    )


# Locating ------------------------------------------------------------------------------------

_WORDISH = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s*_`\\]")
# What may stand between two words of a quote in the Markdown source but not on the page:
# whitespace, emphasis and code markers, escapes, and list or quote markers after a line break.
_GAP = r"(?:[\s*_`\\>\[]|\]\([^()\s]*\)|(?<=\n)[ \t]*(?:[-+]|\d{1,9}[.)])(?=\s))*"
_MARKDOWN_PUNCTUATION = re.compile(r"[\s*_`\\>#]+")


def _pattern(quote: str) -> re.Pattern[str] | None:
    """The quote's words with Markdown allowed between them, or None when it has no words."""
    pieces = _WORDISH.findall(quote)
    if not pieces:
        return None
    parts = []
    for piece in pieces:
        escaped = re.escape(piece)
        if piece[0].isalnum():
            escaped = r"(?<![^\W_])" + escaped
        if piece[-1].isalnum():
            escaped += r"(?![^\W_])"
        parts.append(escaped)
    return re.compile(_GAP.join(parts))


def _matches(text: str, quote: str) -> list[tuple[int, int]]:
    """Every place ``quote`` is in ``text``: the exact matches and the tolerant ones together
    (the same words in bold are no less the words: the exact ones alone hid them), each
    widened over the markers just outside it to keep the Markdown whole, none splitting a
    character as it is seen (an emoji of joined parts, a letter and its accent); whole words
    before part of one ("part" is not in "party" while it stands alone somewhere). Raises
    ``PassageCrossesMarkup`` when the only places begin or end inside bold or italic text,
    code or a link, which no widening keeps whole without taking words not quoted."""
    found: set[tuple[int, int]] = set()
    at = text.find(quote)
    while at >= 0 and quote:
        found.add((at, at + len(quote)))
        at = text.find(quote, at + 1)
    pattern = _pattern(quote)
    if pattern is not None:
        found.update((m.start(), m.end()) for m in pattern.finditer(text))
    spans, crossing = set(), False
    for start, end in found:
        whole = _balanced(text, start, end)
        if whole is None:
            crossing = True
        elif not _splits_a_character(text, *whole):
            spans.add(whole)
    if not spans and crossing:
        raise PassageCrossesMarkup()
    ordered = sorted(spans)
    return [span for span in ordered if _whole_words(text, *span)] or ordered


def _whole_words(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins and ends at the edges of words."""
    return not (
        (start > 0 and text[start - 1].isalnum() and text[start].isalnum())
        or (end < len(text) and text[end - 1].isalnum() and text[end].isalnum())
    )


_JOINER = "\u200d"


def _continues_a_character(character: str) -> bool:
    """Whether ``character`` belongs to the one before it on the screen: a combining accent,
    a joiner, a variation selector (text or emoji style) or a skin tone."""
    code = ord(character)
    return (
        unicodedata.category(character).startswith("M")
        or character == _JOINER
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _splits_a_character(text: str, start: int, end: int) -> bool:
    """Whether a passage ``text[start:end]`` would cut a character as it is seen in two."""
    return any(
        0 < at < len(text) and (_continues_a_character(text[at]) or text[at - 1] == _JOINER)
        for at in (start, end)
    )


_DELIMITER = re.compile(r"\*+|(?<![^\W_])_+|_+(?![^\W_])|`+")
_LINK_END = re.compile(r"\]\([^()\s]*\)")


def _pairs(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The emphasis and code delimiters of ``text`` that open and close each other, as
    (opening run, closing run) spans: a run of the same marker and length closes the nearest
    one still open (a run after a space only opens, one before a space only closes). Near
    enough to CommonMark to tell what a passage may not cut."""
    pairs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    open_runs: list[tuple[str, tuple[int, int]]] = []
    for match in _DELIMITER.finditer(text):
        run, span = match.group(), match.span()
        before = text[span[0] - 1] if span[0] else " "
        after = text[span[1]] if span[1] < len(text) else " "
        can_close = run[0] == "`" or not before.isspace()
        can_open = run[0] == "`" or not after.isspace()
        partner = next(
            (i for i in range(len(open_runs) - 1, -1, -1) if open_runs[i][0] == run),
            None,
        )
        if can_close and partner is not None:
            pairs.append((open_runs[partner][1], span))
            del open_runs[partner:]
        elif can_open:
            open_runs.append((run, span))
    for match in _LINK_END.finditer(text):  # a link: its "[" and its "](address)"
        bracket = text.rfind("[", 0, match.start())
        if bracket >= 0:
            pairs.append(((bracket, bracket + 1), match.span()))
    return pairs


def _balanced(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A span that holds one half of a pair of delimiters (emphasis, code, a link's bracket
    and address) widened over the other half when it is just outside ("must** respond",
    "link](address) inside"), so replacing it leaves the Markdown well formed; None when the
    other half is further away, which widening would take words not quoted over ("**Bold
    *italic* more** end" quoted "more end")."""
    pairs = _pairs(text)
    changed = True
    while changed:
        changed = False
        for (open_start, open_end), (close_start, close_end) in pairs:
            opens_inside = start <= open_start and open_end <= end
            closes_inside = start <= close_start and close_end <= end
            if opens_inside == closes_inside:
                continue
            if closes_inside and open_end == start:
                start, changed = open_start, True
            elif opens_inside and close_start == end:
                end, changed = close_end, True
            else:
                return None
    return start, end


def _plain(text: str) -> str:
    return _MARKDOWN_PUNCTUATION.sub(" ", text).strip()


def _common_tail(a: str, b: str) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def _common_head(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _context_score(text: str, span: tuple[int, int], prefix: str, suffix: str) -> int:
    """How many characters of context agree around ``span`` (Markdown punctuation ignored)."""
    start, end = span
    before = _plain(text[max(0, start - 4 * CONTEXT) : start])
    after = _plain(text[end : end + 4 * CONTEXT])
    return _common_tail(before, _plain(prefix)) + _common_head(after, _plain(suffix))


def locate(text: str, quote: str, prefix: str = "", suffix: str = "") -> Anchor:
    """Find ``quote`` in ``text`` (see the module docstring). Raises PassageNotFound,
    PassageAmbiguous."""
    quote = (quote or "").strip()
    if not quote:
        raise PassageNotFound("Quote the words you mean, exactly as they are in the wording")
    if len(quote) > MAX_QUOTE:
        raise PassageNotFound(f"Quote at most {MAX_QUOTE:,} characters")
    spans = _matches(text, quote)
    if not spans:
        raise PassageNotFound()
    if len(spans) > 1 and (prefix.strip() or suffix.strip()):
        scores = [_context_score(text, span, prefix, suffix) for span in spans]
        best = max(scores)
        if best > 0:
            spans = [span for span, score in zip(spans, scores, strict=True) if score == best]
    if len(spans) > 1:
        raise PassageAmbiguous(len(spans))
    return anchor_at(text, *spans[0])


# Characters of context (Markdown punctuation aside) that must agree around a passage for
# it to be re-found in a new wording, or all there is when the passage had less around it.
CONTEXT_TO_AGREE = 8


def reanchor(quote: str, prefix: str, suffix: str, text: str) -> Anchor | None:
    """Where an anchor is in a new wording, or None when it cannot be re-found for certain:
    the one place whose context (``prefix``, ``suffix``) agrees best, by at least
    ``CONTEXT_TO_AGREE`` characters. Never a guess: a passage's words put in a new paragraph
    while its own context changed are not taken for it (outside tester)."""
    spans = _matches(text, (quote or "").strip())
    if not spans:
        return None
    needed = min(CONTEXT_TO_AGREE, len(_plain(prefix)) + len(_plain(suffix)))
    scores = [_context_score(text, span, prefix, suffix) for span in spans]
    best = max(scores)
    if best < needed or scores.count(best) > 1:
        return None
    return anchor_at(text, *spans[scores.index(best)])


def _set_anchor(row: Amendment | Discussion, anchor: Anchor, revision_number: int) -> None:
    row.passage_quote, row.passage_prefix, row.passage_suffix = (
        anchor.quote,
        anchor.prefix,
        anchor.suffix,
    )
    row.passage_start, row.passage_end = anchor.start, anchor.end
    row.passage_revision_number = row.anchor_revision_number = revision_number
    row.anchor_start, row.anchor_end = anchor.start, anchor.end


def current_anchor(row: Amendment | Discussion) -> Anchor | None:
    """The row's passage in its clause's current wording, or None (lost, or not a passage)."""
    if not row.is_anchored:
        return None
    assert row.clause is not None and row.anchor_start is not None and row.anchor_end is not None
    return anchor_at(row.clause.body, row.anchor_start, row.anchor_end)


# Making suggestions and comments -------------------------------------------------------------


def suggest_change(
    clause: Clause,
    *,
    by: User,
    quote: str,
    replacement: str,
    reason: str,
    recommendations: Sequence[Recommendation] = (),
    prefix: str = "",
    suffix: str = "",
    submission_key: str | None = None,
) -> Amendment:
    """A Member or Officer suggests new words for one passage (module docstring)."""
    from app.services.amendments import propose_amendment  # amendments imports this module

    anchor = locate(clause.body, quote, prefix, suffix)
    replacement = (replacement or "").strip()
    if len(replacement) > MAX_QUOTE:
        raise Invalid(NEW_WORDS_TOO_LONG)
    if replacement == anchor.quote:
        raise Unchanged("The new words are the same as the quoted ones.")
    body = clause.body[: anchor.start] + replacement + clause.body[anchor.end :]
    return propose_amendment(
        clause,
        clause.heading,
        body,
        reason,
        list(recommendations),
        by=by,
        submission_key=submission_key,
        passage=(anchor, replacement),
    )


def comment_on_passage(
    clause: Clause,
    *,
    by: User,
    quote: str,
    body: str,
    prefix: str = "",
    suffix: str = "",
    recommendations: Sequence[Recommendation] | None = None,
    submission_key: str | None = None,
) -> Comment:
    """A remark on one passage: a discussion anchored to it (module docstring)."""
    from app.services.discussions import find_submitted, start_discussion

    earlier = find_submitted(submission_key, body=body)
    if earlier is not None:
        return earlier
    anchor = locate(clause.body, quote, prefix, suffix)
    words = " ".join(shown_words(anchor.quote).split())  # as the page shows them
    title = f"On “{words if len(words) <= 80 else words[:79] + '…'}”"
    discussion = start_discussion(
        clause.document,
        clause,
        title,
        body,
        list(clause.recommendations if recommendations is None else recommendations),
        by=by,
        submission_key=submission_key,
    )
    _set_anchor(discussion, anchor, clause.revision_number)
    db.session.flush()
    return db.session.scalars(
        select(Comment).where(Comment.discussion_id == discussion.id).order_by(Comment.id)
    ).one()


def anchor_new_amendment(amendment: Amendment, anchor: Anchor, replacement: str) -> None:
    """Give a new amendment its passage (``amendments.propose_amendment`` calls this)."""
    _set_anchor(amendment, anchor, amendment.base_revision_number)
    amendment.passage_replacement = replacement


# Re-anchoring after a new wording -------------------------------------------------------------


def reanchor_clause(clause: Clause, orphan: Iterable[int] = ()) -> None:
    """Look for every live anchor on ``clause`` in its new wording (module docstring)."""
    orphaned = set(orphan)
    rows: list[Amendment | Discussion] = [
        *db.session.scalars(
            select(Amendment).where(
                Amendment.clause_id == clause.id,
                Amendment.passage_quote.is_not(None),
                Amendment.anchor_start.is_not(None),
                Amendment.status == AmendmentStatus.OPEN,
            )
        ),
        *db.session.scalars(
            select(Discussion).where(
                Discussion.clause_id == clause.id,
                Discussion.passage_quote.is_not(None),
                Discussion.anchor_start.is_not(None),
            )
        ),
    ]
    for row in rows:
        found = None
        if not (isinstance(row, Amendment) and row.id in orphaned):
            found = reanchor(
                row.passage_quote or "",
                row.passage_prefix or "",
                row.passage_suffix or "",
                clause.body,
            )
        row.anchor_revision_number = clause.revision_number
        row.anchor_start, row.anchor_end = (found.start, found.end) if found else (None, None)


# Accepting -----------------------------------------------------------------------------------


# The new wording's reason names each suggestion ("Suggestions 5, 6 accepted") and holds at
# most 500 characters: thirty ids of any size fit.
MOST_ACCEPTED_AT_ONCE = 30


def _refuse_more_than_one_step(suggestions: Sequence[Amendment]) -> None:
    """Raises ``Invalid`` (422) for more suggestions than one step accepts."""
    if len(suggestions) > MOST_ACCEPTED_AT_ONCE:
        raise Invalid(
            f"Accept at most {MOST_ACCEPTED_AT_ONCE} suggestions in one step, then the rest in "
            "another."
        )


def combine(clause: Clause, suggestions: Sequence[Amendment]) -> str:
    """The current wording with every suggestion's passage replaced (module docstring)."""
    _refuse_more_than_one_step(suggestions)
    placed: list[tuple[Anchor, Amendment]] = []
    for suggestion in suggestions:
        anchor = current_anchor(suggestion)
        if suggestion.clause_id != clause.id or not suggestion.is_passage:
            raise Invalid(
                clause.document.worded(
                    f"Suggestion {suggestion.id} is not a passage suggestion on this clause."
                )
            )
        if anchor is None:
            raise SuggestionOutOfDate(
                clause.document.worded(
                    f"The words suggestion {suggestion.id} changes are no longer in the "
                    "clause's wording, so it cannot be applied."
                )
            )
        placed.append((anchor, suggestion))
    placed.sort(key=lambda pair: pair[0].start)
    for (first, a), (second, b) in pairwise(placed):
        if first.overlaps(second):
            raise PassagesOverlap(
                f"Suggestions {a.id} and {b.id} change overlapping words: they are alternatives, "
                "so choose one of them."
            )
    text = clause.body
    for anchor, suggestion in reversed(placed):
        text = text[: anchor.start] + (suggestion.passage_replacement or "") + text[anchor.end :]
    return text


SUGGESTIONS_CHANGED = (
    "The wording changed after you previewed it, so nothing was accepted. Check the new "
    "wording below, then accept the suggestions again."
)


def combined_shown(clause: Clause, suggestions: Sequence[Amendment], body: str) -> dict:
    """What the accept-several preview showed (module docstring)."""
    return {
        "wording": clause.revision_number,
        "suggestions": sorted(s.id for s in suggestions),
        "body": body,
    }


def accept_suggestions(
    clause: Clause,
    suggestions: Sequence[Amendment],
    *,
    by: User,
    reason: str | None = None,
    seen: str | None = None,
) -> ClauseRevision:
    """Accept open passage suggestions as one new wording (module docstring)."""
    from app.services import voting
    from app.services.amendments import decide_for_acceptance
    from app.services.clauses import accepted_reason, revise_clause
    from app.services.locks import lock_for_write

    if not suggestions:
        raise Invalid("Choose at least one suggestion to accept.")
    _refuse_more_than_one_step(suggestions)
    lock_for_write(clause.document, clause)
    suggestions = sorted(suggestions, key=lambda s: s.id)
    verdicts = {s.id: voting.agreement_of(s)[1] for s in suggestions}
    if len(suggestions) > 1:
        for suggestion in suggestions:
            if not verdicts[suggestion.id].agreed:
                raise NotAgreed(
                    f"Suggestion {suggestion.id} is not agreed under the rule: accept it on its "
                    "own, giving the reason."
                )
    body = combine(clause, suggestions)
    if seen is not None:
        require_shown(combined_shown(clause, suggestions, body), seen, SUGGESTIONS_CHANGED)
    accepted = [current_anchor(s) for s in suggestions]
    others = db.session.scalars(
        select(Amendment).where(
            Amendment.clause_id == clause.id,
            Amendment.status == AmendmentStatus.OPEN,
            Amendment.passage_quote.is_not(None),
        )
    ).all()
    overlapping = {
        other.id
        for other in others
        if (mine := current_anchor(other)) is not None
        and any(a is not None and mine.overlaps(a) for a in accepted)
    }
    for suggestion in suggestions:
        decide_for_acceptance(suggestion, by=by, reason=reason, verdict=verdicts[suggestion.id])
    revision = revise_clause(
        clause,
        clause.heading,
        body,
        by=by,
        reason=accepted_reason(suggestions),
        orphan=overlapping,
    )
    for suggestion in suggestions:
        suggestion.accepted_revision_number = revision.number
    return revision


def passage_redline(text: str, start: int, end: int, replacement: str) -> Markup:
    """The redline of replacing ``text[start:end]`` by ``replacement``, showing only the
    passage's paragraph with up to REDLINE_CONTEXT characters either side (cut at a space,
    "…" where cut)."""
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    left = max(para_start, start - REDLINE_CONTEXT)
    if left > para_start:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else start
    right = min(para_end, end + REDLINE_CONTEXT)
    if right < para_end:
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else end
    before = ("… " if left > para_start else "") + text[left:start]
    after = text[end:right] + (" …" if right < para_end else "")
    return redline(before + text[start:end] + after, before + replacement + after)


# The clause page's side list ------------------------------------------------------------------


def alternatives(suggestions: Sequence[Amendment]) -> dict[int, list[Amendment]]:
    """For each open, anchored suggestion, the other open anchored ones whose passage overlaps
    its own (accepting one puts the others out of date)."""
    live = [
        (s, (s.anchor_start or 0, s.anchor_end or 0))
        for s in suggestions
        if s.is_open and s.is_anchored
    ]
    found: dict[int, list[Amendment]] = {}
    for s, (a0, a1) in live:
        found[s.id] = [t for t, (b0, b1) in live if t.id != s.id and a0 < b1 and b0 < a1]
    return found


@dataclass
class PassageGroup:
    """The suggestions and passage comments on one passage of the current wording (or, with no
    ``start``, those on an earlier wording), in the order they were made."""

    key: str
    quote: str
    start: int | None = None
    end: int | None = None
    suggestions: list[Amendment] = field(default_factory=list)
    discussions: list[Discussion] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.suggestions) + len(self.discussions)


def passage_groups(
    clause: Clause, suggestions: Sequence[Amendment], discussions: Sequence[Discussion]
) -> tuple[list[PassageGroup], PassageGroup]:
    """The passages with open suggestions or comments, in text order, and the group of those
    on an earlier wording (open suggestions and comments whose passage was not re-found)."""
    groups: dict[tuple[int, int], PassageGroup] = {}
    earlier = PassageGroup(key="passage-earlier", quote="")
    rows: list[Amendment | Discussion] = [
        *(s for s in suggestions if s.is_passage and s.is_open),
        *(d for d in discussions if d.is_passage),
    ]
    for row in sorted(rows, key=lambda r: (r.created_at, r.id)):
        if row.is_anchored:
            assert row.anchor_start is not None and row.anchor_end is not None
            span = (row.anchor_start, row.anchor_end)
            group = groups.get(span)
            if group is None:
                group = groups[span] = PassageGroup(
                    key="", quote=clause.body[span[0] : span[1]], start=span[0], end=span[1]
                )
        else:
            group = earlier
        if isinstance(row, Amendment):
            group.suggestions.append(row)
        else:
            group.discussions.append(row)
    ordered = [groups[span] for span in sorted(groups)]
    for number, group in enumerate(ordered, 1):
        group.key = f"passage-{number}"
    return ordered, earlier
