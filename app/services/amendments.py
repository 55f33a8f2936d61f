"""Amendments (proposed new wordings of a clause) and facilitators' direct edits."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    Clause,
    ClauseRevision,
    Document,
    Recommendation,
    User,
    utcnow,
)
from app.rules import amendments_open
from app.services import (
    Conflict,
    Forbidden,
    Invalid,
    Unchanged,
    audit,
    notifications,
    require_editable,
    require_live,
    require_open,
    require_sent_unchanged,
    voting,
)
from app.services.clauses import accepted_reason, revise_clause, touch_clause
from app.services.locks import lock_for_write
from app.services.passages import (
    Anchor,
    SuggestionOutOfDate,
    accept_suggestions,
    anchor_new_amendment,
)
from app.services.shown import require_shown
from app.text import same_text

RETIREMENT_REASON = "Withdrawn because the clause was retired"
DECIDED_BEFORE_SUBMISSION = (
    "Amendments can only be accepted or rejected before the document goes to the Standards "
    "Committee."
)


class AmendmentsStopped(Conflict):
    """A facilitator stopped new amendments to the document or the clause."""


class AlreadyDecided(Conflict):
    """The amendment was already accepted, rejected or withdrawn."""


class StaleRevision(Conflict):
    """The clause changed after the form was loaded: nothing is overwritten."""

    def __init__(self, clause: Clause):
        super().__init__("Someone else changed this clause after you opened it.")
        self.clause = clause


class NeedsConfirmation(Conflict):
    """The amendment was written on an earlier wording; accepting it needs a confirmation."""


def propose_amendment(
    clause: Clause,
    heading: str,
    body: str,
    rationale: str,
    recommendations: list[Recommendation],
    *,
    by: User,
    submission_key: str | None = None,
    passage: tuple[Anchor, str] | None = None,
) -> Amendment:
    """A Member or Officer proposes a new wording, against the clause's current wording.

    ``passage`` (an anchor in the current wording and its new words) makes it a passage
    suggestion (``app.services.passages.suggest_change``).

    ``submission_key`` is the form's one-time key (unique in the database): the same form sent
    again, even at the same moment, returns the amendment it made the first time. Raises
    DocumentNotOpen unless the document is Open for comment, ClauseRetired, AmendmentsStopped,
    Invalid when nothing would change."""
    lock_for_write(clause.document, clause)
    if submission_key:
        earlier = db.session.scalar(
            select(Amendment).where(Amendment.submission_key == submission_key)
        )
        if earlier is not None:
            require_sent_unchanged(
                [(earlier.body, body), (earlier.rationale, rationale)], "the amendment"
            )
            return earlier
    check_amendments_open(clause)
    heading, body = heading.strip() or clause.heading, body.strip()
    if same_text(heading, clause.heading) and same_text(body, clause.body):
        raise Unchanged("The amendment must change the heading or the text.")
    amendment = Amendment(
        clause=clause,
        proposer=by,
        heading=heading,
        body=body,
        rationale=rationale.strip(),
        base_revision_number=clause.revision_number,
        recommendations=list(recommendations),
        submission_key=submission_key,
    )
    if passage is not None:
        anchor_new_amendment(amendment, *passage)
    db.session.add(amendment)
    touch_clause(clause)
    db.session.flush()
    audit.record(
        "amendment.proposed",
        actor=by,
        object_type="amendment",
        object_id=amendment.id,
        document_id=clause.document_id,
        summary=f"Amendment to {clause.short_name} proposed",
        after={
            "heading": heading,
            "body": body,
            "rationale": amendment.rationale,
            "base_revision": clause.revision_number,
            **(
                {"passage": passage[0].quote, "start": passage[0].start, "new_words": passage[1]}
                if passage
                else {}
            ),
        },
    )
    notifications.amendment_proposed(amendment, by=by)
    return amendment


def base_revision(amendment: Amendment) -> ClauseRevision:
    """The wording the amendment was written on."""
    return db.session.scalar(
        db.select(ClauseRevision).where(
            ClauseRevision.clause_id == amendment.clause_id,
            ClauseRevision.number == amendment.base_revision_number,
        )
    )


def check_amendments_open(clause: Clause) -> None:
    """The clause takes new amendments: its document is Open, it is live and amendments are not
    stopped. Raises DocumentNotOpen, ClauseRetired, AmendmentsStopped (each saying why); the
    proposal form's page calls it too, so its address gives the reason rather than a 403."""
    require_open(
        clause.document, "Amendments can only be proposed while the document is Open for comment."
    )
    require_live(clause, "This clause is retired, so it takes no amendments.")
    if not amendments_open(clause):
        raise AmendmentsStopped(
            clause.document.worded(
                "New amendments to this clause are stopped: a facilitator is no longer taking them."
            )
        )


def check_clause_editable(clause: Clause) -> None:
    """The state checks of editing a clause's wording (without its locks), for the route to
    refuse early: raises DocumentNotEditable from Submitted on, ClauseRetired."""
    require_editable(
        clause.document,
        "A clause can only be edited before the document goes to the Standards Committee.",
    )
    require_live(clause, "This clause is retired, so its wording no longer changes.")


def check_document_takes_amendments(document: Document) -> None:
    """The document takes new amendments (for the Word round trip, which suggests across its
    clauses): it is Open and amendments are not stopped. Raises DocumentNotOpen,
    AmendmentsStopped (each saying why); each clause's suggestion is checked again by
    ``check_amendments_open`` under its lock."""
    require_open(document, "Suggestions can only be made while the document is Open for comment.")
    if document.amendments_stopped:
        raise AmendmentsStopped(
            "New amendments are stopped: a facilitator is no longer taking them."
        )


def _require_decidable(amendment: Amendment, refusal: str) -> None:
    """The amendment is open, its clause live and its document not yet with the committee,
    checked under the amendment's write locks (``locks.lock_for_write``)."""
    lock_for_write(amendment.clause.document, amendment.clause, amendment=amendment)
    check_decidable(amendment, refusal)


def check_acceptable(amendment: Amendment) -> None:
    """``check_decidable`` for accepting, and a passage suggestion's words must still be in
    the clause's wording (it can still be rejected). For the accept page, before its form.
    Raises as check_decidable, SuggestionOutOfDate."""
    check_decidable(amendment, "It can no longer be accepted.")
    if amendment.is_passage and amendment.is_out_of_date:
        raise SuggestionOutOfDate(
            amendment.clause.document.worded(
                f"The words suggestion {amendment.id} changes are no longer in the clause's "
                "wording, so it cannot be accepted. It can still be rejected."
            )
        )


def check_decidable(amendment: Amendment, refusal: str) -> None:
    """The state checks of deciding an amendment (without its locks), for the confirmation
    pages. Raises DocumentNotEditable, ClauseRetired, AlreadyDecided."""
    require_editable(amendment.clause.document, refusal)
    require_live(amendment.clause, "This clause is retired, so its amendments are settled.")
    if not amendment.is_open:
        raise AlreadyDecided(f"This amendment was already {amendment.status.label.lower()}.")


def _decide(amendment: Amendment, status: AmendmentStatus, by: User, reason: str | None) -> None:
    amendment.status = status
    amendment.decided_by, amendment.decided_at = by, utcnow()
    amendment.decision_reason = reason
    touch_clause(amendment.clause)
    audit.record(
        f"amendment.{status.value}",
        actor=by,
        object_type="amendment",
        object_id=amendment.id,
        document_id=amendment.clause.document_id,
        summary=f"Amendment {amendment.id} {status.value}" + (f": {reason}" if reason else ""),
        before={"status": "open"},
        after={
            "status": status.value,
            "reason": reason,
            **({"rule_verdict": amendment.rule_verdict} if amendment.rule_verdict else {}),
        },
    )
    notifications.amendment_decided(amendment, by=by)


WITHDRAWN_BEFORE_SUBMISSION = (
    "Amendments can only be withdrawn before the document goes to the Standards Committee."
)


def withdraw_amendment(amendment: Amendment, *, by: User) -> None:
    """The proposer takes back their amendment while it is open.

    Votes already cast on it stay in the voting record: while voting on it is open, they are
    recorded as its outcome, as a rejection records them (``voting.close_amendment_voting``).
    Raises Forbidden for anyone else; DocumentNotEditable from Submitted on (the committee's list
    of undecided amendments must not change under it); ClauseRetired; AlreadyDecided."""
    if amendment.proposer_id != by.id:
        raise Forbidden("Only the proposer can withdraw an amendment.")
    _require_decidable(amendment, WITHDRAWN_BEFORE_SUBMISSION)
    voting.close_amendment_voting(amendment, by=by, withdrawn=True)
    _decide(amendment, AmendmentStatus.WITHDRAWN, by, None)


def withdraw_for_retirement(clause: Clause, *, by: User) -> list[Amendment]:
    """Retiring a clause withdraws its open amendments, saying why: they no longer have a
    clause to change, and reinstating the clause does not reopen them (proposers may propose
    again). Votes cast on them are recorded as a withdrawal records them. Call before the
    clause is marked retired (its voting is open until then). Returns the amendments
    withdrawn."""
    open_amendments = db.session.scalars(
        select(Amendment)
        .where(Amendment.clause_id == clause.id, Amendment.status == AmendmentStatus.OPEN)
        .order_by(Amendment.id)
    ).all()
    for amendment in open_amendments:
        voting.close_amendment_voting(amendment, by=by, withdrawn=True)
        _decide(amendment, AmendmentStatus.WITHDRAWN, by, clause.document.worded(RETIREMENT_REASON))
    return list(open_amendments)


def reject_amendment(amendment: Amendment, reason: str, *, by: User) -> None:
    """A facilitator rejects an open amendment, giving the reason. Raises DocumentNotEditable from
    Submitted on, ClauseRetired, AlreadyDecided, Invalid without a reason."""
    _require_decidable(amendment, DECIDED_BEFORE_SUBMISSION)
    if not reason.strip():
        raise Invalid("Give the reason the amendment is rejected.")
    voting.close_amendment_voting(amendment, by=by)
    _decide(amendment, AmendmentStatus.REJECTED, by, reason.strip())


ACCEPTANCE_CHANGED = (
    "The votes on this amendment, or the wording of its clause, changed after you opened this "
    "page, so nothing was accepted. Check them and what the agreement rule says now, then "
    "accept it again."
)


def accept_amendment(
    amendment: Amendment,
    *,
    by: User,
    confirmed: bool = False,
    reason: str | None = None,
    seen: str | None = None,
) -> ClauseRevision:
    """Give the clause the amendment's wording as a new revision.

    When the clause has changed since the amendment was written, the facilitator must confirm
    that the amendment's text replaces the newer wording: it is never overwritten silently.
    What the agreement rule says of the amendment is recorded on it; accepting one the rule
    does not (yet) agree needs ``reason``, recorded as its decision reason (shared/DOMAIN.md,
    "What a vote means"). ``seen``, when given, is the digest of the votes and verdict the
    accept page showed (``voting.acceptance_shown``), compared under the amendment's locks
    (ShownChanged when they have changed). Raises as reject_amendment, NeedsConfirmation,
    ReasonRequired. A passage suggestion puts only its new words in place of its passage,
    re-found in the current wording (``passages.accept_suggestions``; SuggestionOutOfDate
    when it is not).
    """
    _require_decidable(amendment, DECIDED_BEFORE_SUBMISSION)
    if seen is not None:
        changed = amendment.clause.document.worded(ACCEPTANCE_CHANGED)
        require_shown(voting.acceptance_shown(amendment), seen, changed)
    if amendment.is_passage:
        return accept_suggestions(amendment.clause, [amendment], by=by, reason=reason)
    if amendment.is_out_of_date and not confirmed:
        raise NeedsConfirmation(
            amendment.clause.document.worded(
                "The clause has changed since this amendment was written. Check the differences "
                "and confirm that the amendment's text should replace the current wording."
            )
        )
    _, verdict = voting.agreement_of(amendment)
    reason = None if verdict.agreed else (reason or "").strip() or None
    if not verdict.agreed and reason is None:
        raise voting.ReasonRequired(
            f"The agreement rule does not agree this amendment ({verdict}): say why you are "
            "accepting it."
        )
    amendment.rule_verdict = str(verdict)[:300]
    voting.close_amendment_voting(amendment, by=by)
    _decide(amendment, AmendmentStatus.ACCEPTED, by, reason)
    revision = revise_clause(
        amendment.clause,
        amendment.heading,
        amendment.body,
        by=by,
        reason=accepted_reason([amendment]),
    )
    amendment.accepted_revision_number = revision.number
    return revision


def decide_for_acceptance(
    amendment: Amendment, *, by: User, reason: str | None, verdict: voting.Verdict
) -> None:
    """Mark an open amendment accepted, recording the rule's ``verdict`` and closing its voting;
    the caller gives the clause its new wording. Raises as reject_amendment, ReasonRequired."""
    _require_decidable(amendment, DECIDED_BEFORE_SUBMISSION)
    reason = None if verdict.agreed else (reason or "").strip() or None
    if not verdict.agreed and reason is None:
        raise voting.ReasonRequired(
            f"The agreement rule does not agree this amendment ({verdict}): say why you are "
            "accepting it."
        )
    amendment.rule_verdict = str(verdict)[:300]
    voting.close_amendment_voting(amendment, by=by)
    _decide(amendment, AmendmentStatus.ACCEPTED, by, reason)


def edit_clause(
    clause: Clause, heading: str, body: str, reason: str, *, by: User, seen_revision: int | None
) -> ClauseRevision:
    """A facilitator rewords a clause directly, refused if it changed since they loaded it
    (``seen_revision``: the revision the form was drawn from; None, a form that did not say,
    is refused as stale too).

    Raises DocumentNotEditable from Submitted on, ClauseRetired, StaleRevision, Invalid when nothing
    would change."""
    lock_for_write(clause.document, clause)
    check_clause_editable(clause)
    if clause.revision_number != seen_revision:
        raise StaleRevision(clause)
    if same_text(heading, clause.heading) and same_text(body, clause.body):
        raise Unchanged("Nothing was changed.")
    return revise_clause(
        clause,
        heading.strip(),
        body.strip(),
        by=by,
        reason=reason.strip() or "Edited by a facilitator",
    )
