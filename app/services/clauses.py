"""A document's clauses: adding, rewording, ordering, numbering, retiring and reinstating them.

Every wording is kept as a ClauseRevision. Order and numbers are not part of a wording: they
live on the clause and are worked out again by ``renumber`` after every change of order.
Clause numbers follow the order of the live clauses (1, 2, 3 …) unless a facilitator fixed
one by hand ("4A"); an automatic number never repeats a fixed one.

Changes of order lock the document's row first (PostgreSQL; SQLite writes one at a time
anyway) and then read the order afresh, so two facilitators working from stale pages are
served one after the other, each from the current state. Every change checks, under that lock,
that the document is still Draft, Open or Closed (``locks.lock_editable``): from Submitted onwards
it raises ``DocumentNotEditable`` (409); a retired clause raises ``ClauseRetired`` (410).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import func, select, update

from app.boundaries import ID_MAX, in_id_range
from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    Clause,
    ClauseRevision,
    Discussion,
    Document,
    Recommendation,
    User,
    utcnow,
)
from app.services import (
    ClauseRetired,
    Conflict,
    Invalid,
    ReasonNeeded,
    audit,
    require_live,
)
from app.services.locks import lock_editable
from app.text import upper_first

# A number set by hand ("4A", "4.1", "4.1a", "12b"): parts joined by single dots, the first a
# number, each number without a zero before it ("04" would be a second "4"), letters after a
# number or alone; 10 characters at most. Letters are compared without case: "4a" is "4A".
FIXED_NUMBER = re.compile(
    r"(?=.{1,10}$)[1-9][0-9]*[A-Za-z]*(?:\.(?:[1-9][0-9]*[A-Za-z]*|[A-Za-z]+))*"
)


class NotInDocument(Invalid):
    """The clause named is not one of this document's (422)."""

    def __init__(self):
        super().__init__("That clause is not in this document.")


class BadPosition(Invalid):
    """A position outside 1 … the number of live clauses (422)."""


class BadNumber(Invalid):
    """A hand-fixed number that is malformed or already another clause's (422)."""


def ordered_clauses(document: Document) -> list[Clause]:
    """Every clause of the document, retired ones too, in order, read afresh."""
    return list(
        db.session.scalars(
            select(Clause)
            .where(Clause.document_id == document.id)
            .order_by(Clause.position)
            .execution_options(populate_existing=True)
        )
    )


def live_clauses(document: Document) -> list[Clause]:
    return [clause for clause in ordered_clauses(document) if not clause.is_retired]


def _numbers(ordered: Sequence[Clause]) -> dict[int, str]:
    """Each clause's number: fixed ones kept, the others counted 1, 2, 3 … skipping fixed ones;
    retired clauses are addressed as retired-<id>."""
    fixed = {c.number for c in ordered if c.number_fixed and not c.is_retired}
    numbers, count = {}, 0
    for clause in ordered:
        if clause.is_retired:
            numbers[clause.id] = f"retired-{clause.id}"
        elif clause.number_fixed:
            numbers[clause.id] = clause.number
        else:
            count += 1
            while str(count) in fixed:
                count += 1
            numbers[clause.id] = str(count)
    return numbers


def renumber(document: Document, ordered: Sequence[Clause] | None = None) -> list[Clause]:
    """Give every clause its position (1 … n, in ``ordered`` order, else the current order)
    and its number; returns the clauses whose position or number changed (their change
    markers, and their discussions', move on: pages show their numbers).

    Positions and numbers are unique per document, so changed rows are first parked on
    values nobody holds (negative positions, "~id" numbers) and then set, in two flushes.
    """
    db.session.flush()
    ordered = list(ordered if ordered is not None else ordered_clauses(document))
    numbers = _numbers(ordered)
    changed = [
        clause
        for index, clause in enumerate(ordered, start=1)
        if clause.position != index or clause.number != numbers[clause.id]
    ]
    if not changed:
        return []
    for clause in changed:
        clause.position, clause.number = -clause.id, f"~{clause.id}"
    db.session.flush()
    for index, clause in enumerate(ordered, start=1):
        if clause in changed:
            clause.position, clause.number = index, numbers[clause.id]
            clause.activity = Clause.activity + 1
    document.activity = Document.activity + 1
    db.session.flush()
    # Their threads link to them by number ("what has changed since"): their markers move too.
    _discussions_take_markers([clause.id for clause in changed])
    db.session.expire(document, ["clauses", "activity"])
    for clause in changed:
        db.session.expire(clause, ["activity"])
    return changed


class ClauseDraft(NamedTuple):
    """A clause to add: its heading, its body (Markdown) and the recommendations it answers."""

    heading: str
    body: str
    recommendations: Sequence[Recommendation] = ()


def _insert_clauses(
    document: Document, drafts: Sequence[ClauseDraft], *, by: User | None, reason: str
) -> list[Clause]:
    """The drafts as new clauses after the document's last position, each with its first
    wording, flushed; numbered only once ``renumber`` runs (the caller's, under its lock)."""
    last = db.session.scalar(
        select(func.max(Clause.position)).where(Clause.document_id == document.id)
    )
    made = []
    for offset, draft in enumerate(drafts, start=1):
        clause = Clause(
            document=document,
            position=(last or 0) + offset,
            number=f"~{secrets.token_hex(6)}",  # until renumber gives it its number
            heading=draft.heading,
            body=draft.body,
            revision_number=1,
            recommendations=list(draft.recommendations),
        )
        db.session.add(clause)
        db.session.add(
            ClauseRevision(
                clause=clause,
                number=1,
                heading=draft.heading,
                body=draft.body,
                reason=reason,
                created_by=by,
            )
        )
        made.append(clause)
    db.session.flush()
    return made


def add_clause(
    document: Document,
    heading: str,
    body: str,
    *,
    by: User | None,
    recommendations: Sequence[Recommendation] = (),
    reason: str = "First wording",
    after: Clause | None = None,
    at_start: bool = False,
) -> Clause:
    """A new clause at the end of ``document`` (or just after ``after``, or first), numbered
    in turn. Raises ``DocumentNotEditable`` from Submitted on, ``NotInDocument``."""
    lock_editable(document)
    ordered = ordered_clauses(document)
    if after is not None and after not in ordered:
        raise NotInDocument()
    if after is not None:
        require_live(after)
    (clause,) = _insert_clauses(
        document, [ClauseDraft(heading, body, recommendations)], by=by, reason=reason
    )
    if at_start:
        ordered.insert(0, clause)
    else:
        ordered.insert(ordered.index(after) + 1 if after is not None else len(ordered), clause)
    renumber(document, ordered)
    return clause


def add_clauses(
    document: Document,
    drafts: Sequence[ClauseDraft],
    *,
    by: User | None,
    reason: str = "First wording",
) -> list[Clause]:
    """New clauses at the end of ``document``, in order, numbered in turn: one lock, one read
    of the order and one renumbering however many there are (the demo data; a document built
    whole). Raises ``DocumentNotEditable`` from Submitted on."""
    lock_editable(document)
    ordered = ordered_clauses(document)
    made = _insert_clauses(document, drafts, by=by, reason=reason)
    renumber(document, [*ordered, *made])
    return made


def _record_added(clause: Clause, by: User) -> None:
    audit.record(
        "clause.added",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=clause.document_id,
        summary=f"{upper_first(clause.short_name)} “{clause.heading}” added",
        after={"number": clause.number, "heading": clause.heading},
    )


def new_clause(
    document: Document,
    heading: str,
    body: str,
    *,
    by: User,
    recommendations: Sequence[Recommendation],
    after: Clause | None = None,
    at_start: bool = False,
) -> Clause:
    """A facilitator adds a clause to the document (audited)."""
    clause = add_clause(
        document,
        heading.strip(),
        body.strip(),
        by=by,
        recommendations=recommendations,
        after=after,
        at_start=at_start,
    )
    _record_added(clause, by)
    return clause


def new_clauses(document: Document, drafts: Sequence[ClauseDraft], *, by: User) -> list[Clause]:
    """A facilitator adds clauses at the end of the document, in order (``add_clauses``), each
    audited as ``new_clause`` audits one."""
    made = add_clauses(
        document,
        [ClauseDraft(d.heading.strip(), d.body.strip(), d.recommendations) for d in drafts],
        by=by,
    )
    for clause in made:
        _record_added(clause, by)
    return made


def revise_clause(
    clause: Clause,
    heading: str,
    body: str,
    *,
    by: User | None,
    reason: str,
    orphan: Iterable[int] = (),
) -> ClauseRevision:
    """Give ``clause`` a new wording, keeping every earlier one; the votes cast on an earlier
    wording are set aside (``voting.set_aside_earlier_wording``) and passage suggestions and
    comments are looked for in the new wording (``passages.reanchor_clause``; ``orphan``: ids
    of suggestions left on the earlier wording whatever it says). Raises
    ``DocumentNotEditable`` from Submitted on and ``ClauseRetired`` for a retired clause."""
    lock_editable(clause.document)
    require_live(clause)
    before = {"heading": clause.heading, "body": clause.body, "revision": clause.revision_number}
    revision = ClauseRevision(
        clause=clause,
        number=clause.revision_number + 1,
        heading=heading,
        body=body,
        reason=reason,
        created_by=by,
    )
    db.session.add(revision)
    clause.heading, clause.body, clause.revision_number = heading, body, revision.number
    audit.record(
        "clause.revised",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=clause.document_id,
        summary=f"{upper_first(clause.short_name)} has wording {revision.number}: {reason}",
        before=before,
        after={"heading": heading, "body": body, "revision": revision.number},
    )
    from app.services.passages import reanchor_clause
    from app.services.voting import set_aside_earlier_wording  # voting imports this module

    set_aside_earlier_wording(clause, by=by)
    reanchor_clause(clause, orphan)
    touch_clause(clause, discussions=True)
    return revision


# The reason a wording made from accepted amendments records (``accepted_reason``), and the
# form earlier wordings recorded with the proposers' names ("Amendment 4 by NAME accepted").
# A name in an older stored reason may hold a line break (text from before migration 0011).
ACCEPTED_REASON = re.compile(
    r"(?P<kind>Amendment|Suggestions?) (?P<ids>[0-9]+(?:, [0-9]+)*)(?: by .+)? accepted", re.S
)


def accepted_reason(accepted: Sequence[Amendment]) -> str:
    """The reason recorded for a wording made from the ``accepted`` amendments, or passage
    suggestions (sorted by id): "Amendment 4 accepted", "Suggestions 5, 6 accepted". It names
    no one: a clause's wordings are append-only, and a proposer who leaves is anonymised
    (shared/DOMAIN.md, "People who leave"), so who proposed them is read when the wording is
    shown (``shown_reasons``)."""
    ids = ", ".join(str(amendment.id) for amendment in accepted)
    if any(amendment.passage_quote is not None for amendment in accepted):
        return f"Suggestion{'s' if len(accepted) > 1 else ''} {ids} accepted"
    return f"Amendment {ids} accepted"


def _could_be_an_id(digits: str) -> bool:
    return len(digits) <= len(str(ID_MAX)) and in_id_range(int(digits))


def shown_reasons(revisions: Iterable[ClauseRevision]) -> dict[int, str]:
    """Each revision's reason as its history shows it, by revision id: a wording made from
    accepted amendments or suggestions names their proposers as they are now ("Amendment 4 by
    Former Member accepted"), whatever name the stored reason has; other reasons as stored.
    One query, whatever the number of revisions."""
    revisions = list(revisions)
    shown = {revision.id: revision.reason for revision in revisions}
    # A reason a facilitator typed may read the same with numbers no id column holds (their
    # query would fail, and the wording is kept for good): those name no one.
    matched = {
        revision.id: found
        for revision in revisions
        if (found := ACCEPTED_REASON.fullmatch(revision.reason)) is not None
        and all(_could_be_an_id(number) for number in found["ids"].split(", "))
    }
    if not matched:
        return shown
    # Only amendments that made that very wording: a facilitator's own reason that happens to
    # read "Amendment 4 accepted" names no one.
    proposers: dict[int, tuple[int, int | None, str]] = {}
    for row in db.session.execute(
        select(
            Amendment.id,
            Amendment.clause_id,
            Amendment.accepted_revision_number,
            User.display_name,
        )
        .join(User, User.id == Amendment.proposer_id)
        .where(
            Amendment.id.in_(
                sorted({int(n) for found in matched.values() for n in found["ids"].split(", ")})
            ),
            Amendment.status == AmendmentStatus.ACCEPTED,
        )
    ):
        proposers[row.id] = (row.clause_id, row.accepted_revision_number, row.display_name)
    for revision in revisions:
        found = matched.get(revision.id)
        if found is None:
            continue
        made = [proposers.get(int(n)) for n in found["ids"].split(", ")]
        if all(m is not None and m[:2] == (revision.clause_id, revision.number) for m in made):
            names = ", ".join(sorted({m[2] for m in made if m is not None}))
            shown[revision.id] = f"{found['kind']} {found['ids']} by {names} accepted"
    return shown


def touch_clause(clause: Clause, *, discussions: bool = False) -> None:
    """Something a watcher of the clause sees changed: raise its change marker. With
    ``discussions`` (a new wording, retired or reinstated: what each of its discussion threads
    shows too), its discussions' own markers take the new value."""
    db.session.execute(
        update(Clause).where(Clause.id == clause.id).values(activity=Clause.activity + 1)
    )
    if discussions:
        _discussions_take_markers([clause.id])


def _discussions_take_markers(clause_ids: list[int]) -> None:
    """Every discussion on these clauses takes its clause's change marker as its own
    ``state_mark``: what each thread shows of its clause changed, so its pages and polls
    show it afresh."""
    db.session.execute(
        update(Discussion)
        .where(Discussion.clause_id.in_(clause_ids))
        .values(
            state_mark=select(Clause.activity)
            .where(Clause.id == Discussion.clause_id)
            .scalar_subquery()
        )
    )


def _live_order(document: Document, clause: Clause) -> tuple[list[Clause], list[Clause]]:
    """Lock, then the current order of every clause and of the live ones. Raises
    ``DocumentNotEditable`` from Submitted on, ``NotInDocument`` and ``ClauseRetired``."""
    lock_editable(document)
    ordered = ordered_clauses(document)
    if clause not in ordered:
        raise NotInDocument()
    require_live(clause)
    return ordered, [c for c in ordered if not c.is_retired]


def _merge(ordered: list[Clause], live: list[Clause]) -> list[Clause]:
    """The full order with the live clauses in their new order; retired ones keep their slot."""
    new_live = iter(live)
    return [c if c.is_retired else next(new_live) for c in ordered]


def move_clause(clause: Clause, to_position: int, *, by: User) -> int:
    """Put a live clause at ``to_position`` among the live clauses (1 is first); the others
    close up and the numbers follow. Returns the position it had."""
    document = clause.document
    ordered, live = _live_order(document, clause)
    if not 1 <= to_position <= len(live):
        raise BadPosition(f"Choose a position from 1 to {len(live)}.")
    was = live.index(clause) + 1
    before = clause.number
    live.remove(clause)
    live.insert(to_position - 1, clause)
    renumber(document, _merge(ordered, live))
    if was != to_position:
        audit.record(
            "clause.moved",
            actor=by,
            object_type="clause",
            object_id=clause.id,
            document_id=document.id,
            summary=f"“{clause.heading}” moved from {was} to {to_position}",
            before={"position": was, "number": before},
            after={"position": to_position, "number": clause.number},
        )
    return was


def move_clause_by(clause: Clause, step: int, *, by: User) -> int:
    """Move a live clause ``step`` places up (negative) or down, from where it is now; at the
    top or the bottom it stays. Returns its new position."""
    _, live = _live_order(clause.document, clause)
    target = min(max(live.index(clause) + 1 + step, 1), len(live))
    move_clause(clause, target, by=by)
    return target


def fix_number(clause: Clause, number: str, *, by: User) -> None:
    """Fix a live clause's number by hand; no other live clause of the document may have it."""
    document = clause.document
    ordered, live = _live_order(document, clause)
    number = number.strip()
    if not FIXED_NUMBER.fullmatch(number):
        raise BadNumber(
            "Enter a number that starts with a digit from 1 to 9, using only letters, digits "
            "and single dots between them, for example 4A or 4.1 (10 characters at most)"
        )
    taken = next(
        (
            c
            for c in live
            if c.id != clause.id and c.number_fixed and c.number.casefold() == number.casefold()
        ),
        None,
    )
    if taken is not None:
        raise BadNumber(
            f"{taken.item_noun.capitalize()} “{taken.heading}” already has the number "
            f"{taken.number}"
        )
    before = clause.number
    # Park the clause's number, and the number wanted if another clause has it, before taking
    # it: numbers are unique per document. Renumbering then hands out the automatic ones.
    clause.number, clause.number_fixed = f"~{clause.id}", True
    for other in live:
        if other is not clause and other.number.casefold() == number.casefold():
            other.number = f"~{other.id}"
    db.session.flush()
    clause.number = number
    renumber(document, ordered)
    touch_clause(clause)
    audit.record(
        "clause.number_fixed",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=document.id,
        summary=f"“{clause.heading}” numbered {number} by hand",
        before={"number": before},
        after={"number": number},
    )


def release_number(clause: Clause, *, by: User) -> None:
    """Let a clause's number follow the order again."""
    document = clause.document
    ordered, _ = _live_order(document, clause)
    if not clause.number_fixed:
        raise Conflict(document.worded("This clause's number already follows the order."))
    before = clause.number
    clause.number_fixed = False
    renumber(document, ordered)
    touch_clause(clause)
    audit.record(
        "clause.number_released",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=document.id,
        summary=f"“{clause.heading}” numbered by its place again ({before} → {clause.number})",
        before={"number": before},
        after={"number": clause.number},
    )


def retire_clause(clause: Clause, reason: str, *, by: User) -> None:
    """Take a clause out of the document's text, numbering, versions and voting, keeping its
    history, discussions and votes; the clauses after it close up. Its open amendments are
    withdrawn (see ``amendments.withdraw_for_retirement``). Raises ``DocumentNotEditable``
    from Submitted on, ``ClauseRetired`` if it already is, ``ReasonNeeded``."""
    from app.services.amendments import withdraw_for_retirement  # amendments imports us

    document = clause.document
    lock_editable(document)
    if clause.is_retired:
        raise ClauseRetired(clause, "This clause is already retired.")
    ordered, _ = _live_order(document, clause)
    reason = reason.strip()
    if not reason:
        raise ReasonNeeded(document.worded("Give the reason the clause is retired"))
    withdraw_for_retirement(clause, by=by)  # while its voting is open: their votes are recorded
    before = clause.number
    clause.retired_at, clause.retired_reason = utcnow(), reason
    clause.retired_number, clause.retired_by_id = before, by.id
    clause.number_fixed = False
    renumber(document, ordered)
    touch_clause(clause, discussions=True)
    audit.record(
        "clause.retired",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=document.id,
        summary=f"{upper_first(document.short_item_noun)} {before} “{clause.heading}” retired: "
        f"{reason}"[:500],
        before={"number": before},
        after={"reason": reason},
    )


def reinstate_clause(clause: Clause, *, by: User) -> None:
    """Bring a retired clause back into the document, in the place it had."""
    document = clause.document
    lock_editable(document)
    ordered = ordered_clauses(document)
    if clause not in ordered:
        raise NotInDocument()
    if not clause.is_retired:
        raise Conflict(document.worded("This clause is not retired."))
    reason = clause.retired_reason
    clause.retired_at = clause.retired_reason = None
    clause.retired_number = clause.retired_by_id = None
    renumber(document, ordered)
    touch_clause(clause, discussions=True)
    audit.record(
        "clause.reinstated",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=document.id,
        summary=f"“{clause.heading}” reinstated as {clause.short_name}",
        before={"reason": reason},
        after={"number": clause.number},
    )
