"""What an uploaded .docx would create: the preview, checked before anything is saved.

``make_preview(document, uploaded) -> Preview`` (``uploaded`` from ``app.word.reading``) raises
``WordFileError`` for a file the person should not have uploaded here: not signed by this
Accord (``markers``), for another document, with nothing in it, or whose only changes are in
clauses that changed since it was downloaded. Otherwise, per clause:

- **suggestions**: each run of tracked changes (deletions and insertions next to each other,
  or separated only by spaces, are one change) becomes one passage suggestion: ``quote`` the
  original words it covers, widened to whole words (an insertion alone takes the word before
  it, or after it at the start), ``prefix``/``suffix`` up to ``CONTEXT`` characters of the
  original wording around it, ``replacement`` the words after the change. Word's authors are
  kept to show, never to attribute;
- **comments**: each Word comment whose range is inside the clause's wording, with the words
  it covers (a comment on no words takes the word it is in);
- a clause whose amendments a facilitator stopped keeps its comments; its suggestions are
  listed with the unplaced content, not made;
- **problems**, which keep the clause's suggestions and comments from being created: the
  clause changed since the download ("moved on"), was retired, or its wording in the file
  differs from the downloaded wording outside tracked changes (an untracked edit);

and, for the whole file, **unplaced** content: changes or comments outside every clause, a
changed heading, text added without tracking, clauses missing, duplicated or not Accord's.
Nothing is dropped without being listed.

The preview is carried to the confirm step in a signed form field (``sign``/``unsign``), bound
to the person and the document, valid for ``MAX_AGE`` seconds.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import asdict, dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import select

from app.diff import redline
from app.extensions import db
from app.markdown import escape_markdown
from app.models import Clause, ClauseRevision, Document
from app.services.discussions import MAX_COMMENT_LENGTH
from app.text import normalise, upper_first
from app.word.markers import (
    CLAUSES_VAR,
    DOCUMENT_VAR,
    SIGNATURE_VAR,
    ClauseMark,
    is_signed,
    parse_clauses_value,
    parse_tag,
)
from app.word.reading import Paragraph, Piece, Uploaded, WordFileError, plain_paragraphs

_BLANK_LINES = re.compile(r"\n{3,}")
CONTEXT = 32  # characters of original wording kept either side of a quote
MAX_QUOTE = 2_000
MAX_AGE = 2 * 60 * 60  # seconds a preview may be confirmed for
NOT_ACCORDS = (
    "The selected file was not downloaded from Accord for suggestions. Use “Download for "
    "suggestions (Word)” on the document's page, make your changes in that file, and upload it"
)
HEADINGS = "Headings cannot be changed from Word: propose an amendment instead"
STOPPED = (
    "New amendments to this clause are stopped: a facilitator is no longer taking them, so it "
    "takes no suggestions (comments on it are still made)"
)
NOTHING = (
    "The selected file has no tracked changes or comments. In Word, switch on Track Changes "
    "(Review, Track Changes), make your changes, save and upload the file again"
)


def word_text(text: str) -> str:
    """Text typed in Word with the clean-up every web form gives (``app.text.normalise``: no
    bidirectional overrides or control characters, no blank lines at the ends), and Word's
    empty paragraphs not kept as runs of blank lines."""
    return _BLANK_LINES.sub("\n\n", normalise(text, multiline=True))


def word_markdown(text: str) -> str:
    """Word text as it is stored where Markdown is rendered (a comment, a clause's wording):
    cleaned up and escaped, so that what was typed shows as typed (nobody writes Markdown in
    Word: "**bold** and 2*3*4" is not bold)."""
    return escape_markdown(word_text(text))


def _as_typed(text: str) -> str:
    """Word's text of the wording (one line a paragraph) as Markdown showing it as typed."""
    return escape_markdown(text.replace("\n", "\n\n"))


@dataclass
class PlannedSuggestion:
    quote: str
    prefix: str
    suffix: str
    replacement: str
    authors: list[str] = field(default_factory=list)

    @property
    def redline(self) -> Markup:
        """The passage with a little context, the change marked, all of it as typed (Word's
        text is stored escaped: "**bold**" is not bold) and a paragraph a paragraph."""
        before = self.prefix.split(" ", 1)[-1] if len(self.prefix) >= CONTEXT else self.prefix
        after = self.suffix.rsplit(" ", 1)[0] if len(self.suffix) >= CONTEXT else self.suffix
        return redline(
            _as_typed(before + self.quote + after), _as_typed(before + self.replacement + after)
        )


@dataclass
class PlannedComment:
    quote: str
    prefix: str
    suffix: str
    body: str
    author: str = ""

    @property
    def as_markdown(self) -> str:
        return word_markdown(self.body)


@dataclass
class ClausePlan:
    clause_id: int
    number: str
    heading: str
    revision: int  # as downloaded
    current_revision: int
    suggestions: list[PlannedSuggestion] = field(default_factory=list)
    comments: list[PlannedComment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    untracked: str = ""  # the redline of an untracked edit, as HTML

    @property
    def moved_on(self) -> bool:
        return self.current_revision != self.revision

    @property
    def is_ready(self) -> bool:
        return not self.problems and bool(self.suggestions or self.comments)

    @property
    def untracked_redline(self) -> Markup:
        return Markup(self.untracked)  # built by app.diff.redline, escaped there


@dataclass
class Preview:
    document_id: int
    clauses: list[ClausePlan] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)

    @property
    def ready(self) -> list[ClausePlan]:
        return [plan for plan in self.clauses if plan.is_ready]

    @property
    def suggestion_count(self) -> int:
        return sum(len(plan.suggestions) for plan in self.ready)

    @property
    def comment_count(self) -> int:
        return sum(len(plan.comments) for plan in self.ready)

    @property
    def can_confirm(self) -> bool:
        return bool(self.ready)


# Signing the preview for the confirm step ----------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="accord-word-preview")


def sign(preview: Preview, user_id: int) -> str:
    """The preview as a signed, compressed token bound to the person."""
    payload = json.dumps([user_id, asdict(preview)], separators=(",", ":")).encode()
    return _serializer().dumps(base64.urlsafe_b64encode(zlib.compress(payload, 6)).decode())


def unsign(token: str, user_id: int, document_id: int) -> Preview | None:
    """The preview in ``token`` if it is this Accord's, recent, and for this person and
    document; else None."""
    try:
        packed = _serializer().loads(token, max_age=MAX_AGE)
        owner, data = json.loads(zlib.decompress(base64.urlsafe_b64decode(packed)))
    except (BadSignature, ValueError, TypeError, zlib.error, binascii.Error):
        return None
    if owner != user_id or data.get("document_id") != document_id:
        return None
    clauses = [
        ClausePlan(
            **{
                **plan,
                "suggestions": [PlannedSuggestion(**s) for s in plan["suggestions"]],
                "comments": [PlannedComment(**c) for c in plan["comments"]],
            }
        )
        for plan in data["clauses"]
    ]
    return Preview(data["document_id"], clauses, data["unplaced"])


# Building the preview ------------------------------------------------------------------------


def _short(text: str, limit: int = 120) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "'’"


@dataclass
class _Hunk:
    start: int  # in the original wording
    end: int
    new: str
    authors: list[str]


def _trim_shared_spaces(old: str, hunk: _Hunk) -> None:
    """Leave out of a change the spaces it starts or ends with in both its old and new words
    ("respond " to "respond very ": "respond" to "respond very"), which the preview showed
    run together ("verypromptly") once the new words were trimmed."""
    while (
        hunk.end > hunk.start and old[hunk.end - 1] in " \t" and hunk.new[-1:] == old[hunk.end - 1]
    ):
        hunk.end -= 1
        hunk.new = hunk.new[:-1]
    while hunk.start < hunk.end and old[hunk.start] in " \t" and hunk.new[:1] == old[hunk.start]:
        hunk.start += 1
        hunk.new = hunk.new[1:]


class _Clause:
    """One clause's paragraphs as original text with its changes and comment ranges."""

    def __init__(self, paragraphs: list[Paragraph]):
        self.old = ""
        self.hunks: list[_Hunk] = []
        self.ranges: dict[str, list[int | None]] = {}
        open_hunk: _Hunk | None = None
        last = len(paragraphs) - 1
        for index, paragraph in enumerate(paragraphs):
            pieces = list(paragraph.pieces)
            if index < last:
                pieces.append(Piece(paragraph.mark, "\n"))
            for piece in pieces:
                if piece.kind in ("start", "end"):
                    at = self.ranges.setdefault(piece.text, [None, None])
                    at[0 if piece.kind == "start" else 1] = len(self.old)
                    continue
                if piece.kind == "equal":
                    open_hunk = None
                    self.old += piece.text
                    continue
                if open_hunk is None:
                    open_hunk = _Hunk(len(self.old), len(self.old), "", [])
                    self.hunks.append(open_hunk)
                if piece.author and piece.author not in open_hunk.authors:
                    open_hunk.authors.append(piece.author)
                if piece.kind == "delete":
                    self.old += piece.text
                    open_hunk.end = len(self.old)
                else:
                    open_hunk.new += piece.text

    def suggestions(self) -> list[PlannedSuggestion]:
        old = self.old
        hunks = [_Hunk(h.start, h.end, h.new, list(h.authors)) for h in self.hunks]
        changed = True
        while changed:
            changed = False
            for hunk in hunks:
                changed |= self._widen(hunk)
            merged: list[_Hunk] = []
            for hunk in hunks:
                between = old[merged[-1].end : hunk.start] if merged else ""
                # Changes a space apart are one; a paragraph break keeps them apart (joined,
                # their new words lost the break and two paragraphs were saved as one).
                if merged and not between.strip() and "\n" not in between:
                    last = merged[-1]
                    last.new += old[last.end : hunk.start] + hunk.new
                    last.end = hunk.end
                    last.authors += [a for a in hunk.authors if a not in last.authors]
                    changed = True
                else:
                    merged.append(hunk)
            hunks = merged
        planned = []
        for hunk in hunks:
            _trim_shared_spaces(old, hunk)
            quote, new = old[hunk.start : hunk.end], word_text(hunk.new)
            if quote == new:
                continue
            if "\n" in new or "\n" in quote:
                new = new.replace("\n\n", "\n").replace("\n", "\n\n")  # a paragraph is one
            planned.append(
                PlannedSuggestion(
                    quote,
                    old[max(0, hunk.start - CONTEXT) : hunk.start],
                    old[hunk.end : hunk.end + CONTEXT],
                    new.strip(),
                    hunk.authors,
                )
            )
        return planned

    def _widen(self, hunk: _Hunk) -> bool:
        """Widen a change to whole words of the original, and give an insertion (or a change of
        spaces alone) a word to be anchored to. True when it moved."""
        old, moved = self.old, False
        first = old[hunk.start : hunk.end][:1] or hunk.new[:1]
        while hunk.start > 0 and _is_word(old[hunk.start - 1]) and first and _is_word(first):
            hunk.start -= 1
            hunk.new = old[hunk.start] + hunk.new
            first, moved = old[hunk.start], True
        last = old[hunk.start : hunk.end][-1:] or hunk.new[-1:]
        while hunk.end < len(old) and _is_word(old[hunk.end]) and last and _is_word(last):
            hunk.new += old[hunk.end]
            hunk.end += 1
            last, moved = old[hunk.end - 1], True
        if not old[hunk.start : hunk.end].strip():
            before, rest = old[: hunk.start].rstrip(), old[hunk.end :]
            # At the start of a paragraph, its first word, not the end of the one before
            # ("Honestly, " was saved as a paragraph of its own); at the start, the first.
            in_paragraph = (hunk.start == 0 or old[hunk.start - 1] == "\n") and bool(
                rest.split("\n", 1)[0].strip()
            )
            if in_paragraph or (not before and rest.strip()):  # take the word after
                after = hunk.end + len(rest) - len(rest.lstrip(" \t" if in_paragraph else None))
                end = after
                while end < len(old) and _is_word(old[end]):
                    end += 1
                end = max(end, after + 1)
                hunk.new += old[hunk.end : end]
                hunk.end, moved = end, True
            elif before:  # take the word before
                start = len(before)
                while start > 0 and _is_word(before[start - 1]):
                    start -= 1
                start = min(start, len(before) - 1)
                hunk.new = old[start : hunk.start] + hunk.new
                hunk.start, moved = start, True
        return moved

    def comment_range(self, comment_id: str) -> tuple[int, int] | None:
        start, end = self.ranges.get(comment_id, [None, None])
        if start is None or end is None or end < start:
            return None
        old = self.old
        while start < end and old[start].isspace():
            start += 1
        while end > start and old[end - 1].isspace():
            end -= 1
        if start == end:  # on no words: the word it is in
            while start > 0 and _is_word(old[start - 1]):
                start -= 1
            while end < len(old) and _is_word(old[end]):
                end += 1
        return (start, end) if start < end else None


def _describe_change(paragraph: Paragraph) -> str:
    deleted = "".join(p.text for p in paragraph.pieces if p.kind == "delete")
    inserted = "".join(p.text for p in paragraph.pieces if p.kind == "insert")
    parts = []
    if deleted.strip():
        parts.append(f"deleted “{_short(deleted)}”")
    if inserted.strip():
        parts.append(f"inserted “{_short(inserted)}”")
    return " and ".join(parts) or "a change to a paragraph break"


def _check_signed(document: Document, uploaded: Uploaded) -> list[ClauseMark]:
    variables = uploaded.variables
    slug, value = variables.get(DOCUMENT_VAR, ""), variables.get(CLAUSES_VAR, "")
    marks = parse_clauses_value(value)
    if not slug or marks is None or not is_signed(slug, value, variables.get(SIGNATURE_VAR, "")):
        raise WordFileError(NOT_ACCORDS)
    if slug != document.slug:
        other = db.session.scalar(select(Document.title).where(Document.slug == slug))
        named = f" (“{other}”)" if other else ""
        raise WordFileError(
            f"The selected file is for another document{named}. Upload it on that "
            "document's page, or download this document for suggestions"
        )
    return marks


def make_preview(document: Document, uploaded: Uploaded) -> Preview:
    """The preview of an upload for ``document`` (module docstring). Raises WordFileError."""
    marks = _check_signed(document, uploaded)
    preview = Preview(document.id)
    unplaced = preview.unplaced
    placed_comments: set[str] = set()
    signed = {mark.clause_id: mark for mark in marks}
    clauses = {
        clause.id: clause
        for clause in db.session.scalars(
            select(Clause).where(Clause.id.in_(list(signed)), Clause.document_id == document.id)
        )
    }
    revisions = {
        (r.clause_id, r.number): r
        for r in db.session.scalars(
            select(ClauseRevision).where(ClauseRevision.clause_id.in_(list(clauses)))
        )
    }
    from app.word.download import ScratchClauses  # python-docx: only when a file is read

    scratch = ScratchClauses()
    seen: set[int] = set()
    for section in uploaded.sections:
        mark = parse_tag(section.tag)
        clause = clauses.get(mark.clause_id) if mark else None
        label = section.paragraphs[0].text("old").strip() if section.paragraphs else ""
        has_content = any(p.has_changes for p in section.paragraphs)
        if mark is None or signed.get(mark.clause_id) != mark or clause is None:
            if has_content:
                unplaced.append(
                    f"Changes in a section Accord did not write ({_short(label) or 'no text'})"
                )
            continue
        if mark.clause_id in seen:
            unplaced.append(
                f"{upper_first(clause.short_name)} appears twice in the file: its copy is ignored"
            )
            continue
        seen.add(mark.clause_id)
        # A retired clause's number is its address (retired-<id>): show the one it had.
        shown = (clause.retired_number or clause.number) if clause.is_retired else clause.number
        plan = ClausePlan(clause.id, shown, clause.heading, mark.revision, clause.revision_number)
        revision = revisions.get((clause.id, mark.revision))
        heading, body = section.paragraphs[:1], section.paragraphs[1:]
        # The file's heading has the number the clause had when the file was made; moving,
        # adding or retiring others since renumbers it, and that is no edit of the wording.
        numbered = (heading[0].text("old").partition(". ")[0] if heading else "") or clause.number
        expected = (
            plain_paragraphs(scratch.paragraphs(numbered, revision.heading, revision.body))
            if revision is not None
            else []
        )
        if heading and heading[0].has_changes:
            change = _describe_change(heading[0])
            unplaced.append(
                f"{upper_first(clause.short_name)}: a change to its heading ({change}). {HEADINGS}"
            )
        found = _Clause(body) if body else None
        old_heading = heading[0].text("old") if heading else ""
        if expected and (
            old_heading != expected[0] or found is None or found.old != "\n".join(expected[1:])
        ):
            plan.problems.append(
                "Its wording in the file differs from the wording downloaded, outside tracked "
                "changes (an untracked edit), so its changes cannot be placed. Switch on Track "
                "Changes and make the edit again in a fresh download"
            )
            found_body = found.old.replace("\n", "\n\n") if found else ""
            plan.untracked = str(redline("\n\n".join(expected[1:]), found_body))
        if found is not None:
            plan.suggestions = found.suggestions()
            for comment_id in found.ranges:
                comment = uploaded.comments.get(comment_id)
                span = found.comment_range(comment_id)
                if comment is None or span is None:
                    continue
                placed_comments.add(comment_id)
                text = word_text(comment.text)
                if not text:
                    unplaced.append(f"{upper_first(clause.short_name)}: an empty comment")
                    continue
                start, end = span
                plan.comments.append(
                    PlannedComment(
                        found.old[start:end],
                        found.old[max(0, start - CONTEXT) : start],
                        found.old[end : end + CONTEXT],
                        text,
                        comment.author,
                    )
                )
        if clause.amendments_stopped and not clause.is_retired and not plan.moved_on:
            # Its comments are still welcome; its suggestions are listed, not made.
            for suggestion in plan.suggestions:
                unplaced.append(
                    document.worded(
                        f"{upper_first(clause.short_name)}: the change of "
                        f"“{_short(suggestion.quote)}” to “{_short(suggestion.replacement)}” is "
                        f"not made. {STOPPED}"
                    )
                )
            plan.suggestions = []
        if any(len(s.quote) > MAX_QUOTE for s in plan.suggestions):
            plan.problems.append(
                document.worded(
                    f"A change covers more than {MAX_QUOTE:,} characters: propose an amendment "
                    "of the whole clause instead"
                )
            )
        # The forms' limits, which the services keep too (a Word comment of 20,000
        # characters was saved): said here, before anything is confirmed. Word's text is
        # kept escaped (each symbol such as * behind a backslash, so that it shows as typed),
        # which is what is measured.
        as_kept = " (as it is kept: each symbol such as * or _ counts twice)"
        if any(len(word_markdown(s.replacement).strip()) > MAX_QUOTE for s in plan.suggestions):
            plan.problems.append(
                document.worded(
                    f"New words are longer than {MAX_QUOTE:,} characters{as_kept}: propose an "
                    "amendment of the whole clause instead"
                )
            )
        if any(len(c.as_markdown.strip()) > MAX_COMMENT_LENGTH for c in plan.comments):
            plan.problems.append(
                f"A comment is longer than {MAX_COMMENT_LENGTH:,} characters{as_kept}: shorten "
                "it in Word, or post it in parts on the discussion"
            )
        if plan.suggestions or plan.comments or plan.problems:
            if plan.moved_on:
                plan.problems.insert(
                    0,
                    document.worded(
                        f"The clause has changed since the file was downloaded (the file has "
                        f"wording {plan.revision}, it is now at wording {plan.current_revision}), "
                        "so these changes are not made. Download the file again to suggest "
                        "changes to the new wording"
                    ),
                )
            if clause.is_retired:
                plan.problems.insert(
                    0, document.worded("The clause is retired, so it takes no suggestions")
                )
            preview.clauses.append(plan)
    for mark in marks:
        if mark.clause_id not in seen:
            clause = clauses.get(mark.clause_id)
            if clause is not None:
                unplaced.append(
                    f"{upper_first(clause.short_name)} ({_short(clause.heading, 60)}) is missing "
                    "from the file: it was removed without tracking the change"
                )
    from app.word.download import is_how_to

    for paragraph in uploaded.outside:
        if paragraph.has_changes:
            outside = document.worded("A change outside the clauses")
            unplaced.append(f"{outside}: {_describe_change(paragraph)}")
        elif paragraph.text("old").strip() and not is_how_to(document, paragraph.text("old")):
            outside = document.worded("Text outside the clauses, not a tracked change")
            unplaced.append(f"{outside}: “{_short(paragraph.text('old'))}”")
    for comment_id, comment in uploaded.comments.items():
        if comment_id not in placed_comments and comment.text:
            outside = document.worded("A comment not on the words of a clause")
            unplaced.append(
                f"{outside} (by {comment.author or 'someone'}): “{_short(comment.text)}”"
            )
    if not preview.clauses and not unplaced:
        raise WordFileError(NOTHING)
    if not preview.ready and any(plan.moved_on for plan in preview.clauses) and not unplaced:
        changed = ", ".join(plan.number for plan in preview.clauses if plan.moved_on)
        raise WordFileError(
            document.worded(
                f"The selected file was downloaded before clause {changed} changed, so its "
                "changes are to an old wording. Download the file again and make your changes "
                "in the new file"
            )
        )
    return preview
