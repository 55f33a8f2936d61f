"""Themed joint sessions: creating them, building their agendas, attendance, outcomes, actions.

A session's agenda is a document: its items, proposals and outcomes change only while it is
Draft, Open or Closed (``DocumentNotEditable``, 409, from Submitted on). Proposals are made
while it is Open and the session has not ended (``SessionOver``, 409); attendance is answered
once it is published, until the session ends. Actions may be marked done in any state: that
is follow-up work, not a change to the agenda's record.

Times are entered and shown in Europe/London and stored in UTC. An agenda's start times are
worked out in UTC from the session start and the items' durations, then shown in London time,
so a session across the October or March clock change still adds up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    AgendaItem,
    AgendaProposal,
    Amendment,
    Attendance,
    AttendanceAnswer,
    Audience,
    Clause,
    Document,
    DocumentKind,
    DocumentStatus,
    JointSession,
    ProposalStatus,
    Purpose,
    Recommendation,
    RegisterEntry,
    RegisterMark,
    Role,
    SessionAction,
    User,
    UserRole,
    utcnow,
)
from app.models.joint_sessions import clock_text
from app.rules import is_invited, is_over, side_of
from app.services import (
    Conflict,
    Invalid,
    ReasonNeeded,
    amendments,
    audit,
    clauses,
    insert_or,
    lifecycle,
    notifications,
    require_editable,
)
from app.services.documents import slug_words
from app.services.locks import lock_document, lock_editable
from app.services.shown import require_shown
from app.sql import one_of

LONDON = ZoneInfo("Europe/London")


class SessionOver(Conflict):
    """The session has taken place: no more proposals or attendance answers (409)."""


class AlreadyDecided(Conflict):
    """The proposal was accepted or declined already (409)."""

    def __init__(self):
        super().__init__("This proposal was already decided.")


def london(day: date, at: time) -> datetime:
    """A London wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


# How far ahead a session may be set: a date a person would type, and a schedule that stays
# far from the last date Python holds (an item runs up to a day).
SESSION_YEARS_AHEAD = 10


def latest_session_day() -> date:
    """The last day a new session may be on: ``SESSION_YEARS_AHEAD`` years from today."""
    today = lifecycle.council_today()
    return today.replace(year=today.year + SESSION_YEARS_AHEAD, day=min(today.day, 28))


def wall_clock_problem(day: date, at: time) -> str | None:
    """Why ``at`` on ``day`` is not one moment in the UK, in words, or None when it is. The
    clocks go forward at 1am on the last Sunday of March (1am to 2am never happens) and back
    at 2am on the last Sunday of October (1am to 2am happens twice); ``london`` would move the
    first an hour on and take the first of the second without a word."""
    moment = datetime.combine(day, at, tzinfo=LONDON)
    clock = clock_text(at)
    on = f"{day.day} {day:%B %Y}"
    if moment.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != moment.replace(
        tzinfo=None
    ):
        return (
            f"There is no {clock} on {on} in the UK: the clocks go forward an hour that night. "
            "Enter a time before 1am or from 2am"
        )
    if moment.utcoffset() != moment.replace(fold=1).utcoffset():
        return (
            f"{clock} happens twice on {on} in the UK: the clocks go back an hour that night. "
            "Enter a time before 1am or from 2am"
        )
    return None


def local(value: datetime) -> datetime:
    return value.astimezone(LONDON)


def _slug(title: str, day: date) -> str:
    words = slug_words(title, 60) or "session"
    base = f"session-{day:%Y-%m-%d}-{words}"
    taken = set(db.session.scalars(select(Document.slug).where(Document.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_session(
    *,
    title: str,
    theme: str,
    day: date,
    start: time,
    end: time,
    venue: str,
    is_off_site: bool,
    audience: Audience,
    facilitator_name: str,
    facilitator_is_external: bool,
    recommendations: list[Recommendation],
    by: User,
) -> JointSession:
    """A new session with an empty, Draft agenda."""
    starts_at, ends_at = london(day, start), london(day, end)
    if ends_at <= starts_at:
        raise Invalid("The session must end after it starts.")
    agenda = Document(
        kind=DocumentKind.AGENDA,
        slug=_slug(title, day),
        title=f"Agenda: {title}",
        summary=theme,
        status=DocumentStatus.DRAFT,
    )
    db.session.add(agenda)
    session = JointSession(
        title=title.strip(),
        theme=theme.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue.strip(),
        is_off_site=is_off_site,
        audience=audience,
        facilitator_name=facilitator_name.strip(),
        facilitator_is_external=facilitator_is_external,
        agenda=agenda,
        recommendations=list(recommendations),
        created_by_id=by.id,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        "session.created",
        actor=by,
        object_type="session",
        object_id=session.id,
        document_id=agenda.id,
        summary=f"Session “{session.title}” created",
        after={"starts_at": starts_at, "ends_at": ends_at, "venue": session.venue},
    )
    return session


def add_item(
    session: JointSession,
    heading: str,
    body: str,
    *,
    purpose: Purpose,
    lead: str,
    duration_minutes: int,
    by: User | None,
    recommendations: Sequence[Recommendation] = (),
) -> Clause:
    """Append an item to the session's agenda. Raises ``DocumentNotEditable`` from Submitted
    on, ``Invalid`` for a duration under a minute."""
    lock_editable(session.agenda)
    if duration_minutes <= 0:
        raise Invalid("An item's duration must be at least 1 minute.")
    clause = clauses.add_clause(
        session.agenda, heading.strip(), body.strip(), by=by, recommendations=list(recommendations)
    )
    db.session.flush()
    db.session.add(
        AgendaItem(
            clause=clause, purpose=purpose, lead=lead.strip(), duration_minutes=duration_minutes
        )
    )
    audit.record(
        "agenda.item_added",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=session.agenda_id,
        summary=f"Agenda item “{heading}” added",
        after={"purpose": purpose.value, "lead": lead, "minutes": duration_minutes},
    )
    return clause


@dataclass
class ScheduledItem:
    clause: Clause
    item: AgendaItem | None
    starts_at: datetime
    ends_at: datetime


@dataclass
class Schedule:
    items: list[ScheduledItem]
    ends_at: datetime
    overrun_minutes: int

    @property
    def overruns(self) -> bool:
        return self.overrun_minutes > 0


_LAST_MOMENT = datetime(9999, 12, 31, 22, tzinfo=UTC)  # still a date in London, BST or not


def schedule(session: JointSession) -> Schedule:
    """Each item's start and end, from the session start and the durations before it."""
    clauses_ = db.session.scalars(
        select(Clause)
        .where(Clause.document_id == session.agenda_id, Clause.retired_at.is_(None))
        .order_by(Clause.position)
    ).all()
    items = {
        item.clause_id: item
        for item in db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.clause_id.in_([c.id for c in clauses_]))
            .options(selectinload(AgendaItem.discusses).joinedload(Clause.document))
        )
    }
    at = session.starts_at
    scheduled = []
    for clause in clauses_:
        item = items.get(clause.id)
        minutes = item.duration_minutes if item else 0
        # A session stored before the ten-year rule may be near the last date Python holds:
        # its schedule stops there rather than failing the page.
        end = min(at + timedelta(minutes=minutes), _LAST_MOMENT) if at < _LAST_MOMENT else at
        scheduled.append(ScheduledItem(clause, item, at, end))
        at = end
    overrun = max(0, int((at - session.ends_at).total_seconds() // 60))
    return Schedule(scheduled, at, overrun)


def publish_agenda(session: JointSession, *, by: User) -> None:
    """Open the agenda to Members and Officers; a session in the past is not published.
    Raises ``Conflict`` unless the agenda is a Draft of a session still to come."""
    if session.agenda.status != DocumentStatus.DRAFT:
        raise Conflict("The agenda is already published.")
    if session.starts_at <= utcnow():
        raise Conflict("This session is in the past, so its agenda cannot be published.")
    lifecycle.move(session.agenda, DocumentStatus.OPEN, by=by, note="Agenda published")
    notifications.session_published(session, by=by)


def require_proposals_open(session: JointSession) -> None:
    """Raise unless items may be proposed to the session, as loaded (for the propose page
    and its route, before the form; ``propose_item`` checks again under the lock):
    ``DocumentNotEditable`` from Submitted on, ``Conflict`` while a Draft or Closed,
    ``SessionOver`` once the session has ended."""
    require_editable(session.agenda, refusal="Items can no longer be proposed.")
    if session.agenda.status != DocumentStatus.OPEN:
        raise Conflict("Items can be proposed only while the agenda is open.")
    if is_over(session):
        raise SessionOver("This session has taken place, so items can no longer be proposed.")


def propose_item(
    session: JointSession,
    *,
    title: str,
    description: str,
    purpose: Purpose,
    duration_minutes: int,
    by: User,
) -> AgendaProposal:
    """A Member or Officer proposes an item, while the agenda is Open and the session has not
    ended. Raises ``DocumentNotEditable``, ``Conflict`` (not Open), ``SessionOver``,
    ``Invalid``."""
    lock_editable(session.agenda)  # the state below is the one read under the lock
    require_proposals_open(session)
    if duration_minutes <= 0:
        raise Invalid("The duration must be at least 1 minute.")
    proposal = AgendaProposal(
        session_id=session.id,
        title=title.strip(),
        description=description.strip(),
        purpose=purpose,
        duration_minutes=duration_minutes,
        proposer=by,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "agenda.item_proposed",
        actor=by,
        object_type="proposal",
        object_id=proposal.id,
        document_id=session.agenda_id,
        summary=f"Item “{proposal.title}” proposed",
    )
    notifications.agenda_item_proposed(proposal, session, by=by)
    return proposal


def _lock_proposal(proposal: AgendaProposal, session: JointSession) -> None:
    """Lock the session's agenda (``locks.lock_editable``: every write to it waits its turn)
    and read the proposal afresh under the lock, so two facilitators deciding it at once are
    served one after the other and the second finds it decided."""
    lock_editable(session.agenda)
    db.session.refresh(proposal)


def accept_proposal(proposal: AgendaProposal, session: JointSession, *, by: User) -> Clause:
    """The proposal becomes an agenda item. Raises ``DocumentNotEditable``,
    ``AlreadyDecided``."""
    _lock_proposal(proposal, session)
    if proposal.status != ProposalStatus.PROPOSED:
        raise AlreadyDecided()
    clause = add_item(
        session,
        proposal.title,
        proposal.description,
        purpose=proposal.purpose,
        lead=proposal.proposer.display_name,
        duration_minutes=proposal.duration_minutes,
        by=by,
    )
    proposal.status, proposal.clause_id = ProposalStatus.ACCEPTED, clause.id
    audit.record(
        "agenda.proposal_accepted",
        actor=by,
        object_type="proposal",
        object_id=proposal.id,
        document_id=session.agenda_id,
        summary=f"Proposed item “{proposal.title}” accepted",
    )
    return clause


def decline_proposal(
    proposal: AgendaProposal, session: JointSession, reason: str, *, by: User
) -> None:
    """Decline a proposal, saying why. Raises ``DocumentNotEditable``, ``AlreadyDecided``,
    ``ReasonNeeded``."""
    _lock_proposal(proposal, session)
    if proposal.status != ProposalStatus.PROPOSED:
        raise AlreadyDecided()
    if not reason.strip():
        raise ReasonNeeded("Give the reason the item is declined.")
    proposal.status, proposal.decision_reason = ProposalStatus.DECLINED, reason.strip()
    audit.record(
        "agenda.proposal_declined",
        actor=by,
        object_type="proposal",
        object_id=proposal.id,
        summary=f"Proposed item “{proposal.title}” declined",
        after={"reason": reason.strip()},
    )


_FROZEN_ANSWERS = "Attendance answers are part of the agenda's record."


def require_answerable(session: JointSession) -> None:
    """Raise unless attendance may be answered, as the session is loaded (for the route,
    before the form; ``answer_attendance`` checks again under the lock): ``Conflict`` before
    the agenda is published, ``DocumentNotEditable`` from its Submitted on, ``SessionOver``
    once the session ended."""
    require_editable(session.agenda, refusal=_FROZEN_ANSWERS)
    if session.agenda.status == DocumentStatus.DRAFT:
        raise Conflict("The agenda is not published yet.")
    if is_over(session):
        raise SessionOver("This session has taken place, so attendance can no longer change.")


def answer_attendance(session: JointSession, user: User, answer: AttendanceAnswer) -> None:
    """Record (or change) whether the person will attend: one answer each, an upsert. Raises
    ``Conflict`` before the agenda is published, ``DocumentNotEditable`` from its Submitted on
    (the answers are part of its record), ``SessionOver`` once the session ended."""
    lock_editable(session.agenda, refusal=_FROZEN_ANSWERS)
    require_answerable(session)  # as read under the lock
    statement = insert_or(Attendance).values(
        session_id=session.id, user_id=user.id, answer=answer.value, answered_at=utcnow()
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "user_id"],
            set_={
                "answer": statement.excluded.answer,
                "answered_at": statement.excluded.answered_at,
            },
        )
    )
    audit.record(
        "session.attendance",
        actor=user,
        object_type="session",
        object_id=session.id,
        document_id=session.agenda_id,
        summary=f"Attendance: {answer.label}",
        after={"answer": answer.value},
    )


def attendance_summary(session: JointSession) -> dict:
    """Counts by answer for Members, Officers, and Members by Group."""
    summary: dict[str, dict] = {
        "members": dict.fromkeys(AttendanceAnswer, 0),
        "officers": dict.fromkeys(AttendanceAnswer, 0),
        "groups": {},
    }
    for attendance in db.session.scalars(
        select(Attendance)
        .where(Attendance.session_id == session.id)
        .options(joinedload(Attendance.user))
    ):
        side = side_of(attendance.user)
        if side is None:
            continue
        summary[side][attendance.answer] += 1
        if side == "members":
            group = summary["groups"].setdefault(
                attendance.user.group or "No Group", dict.fromkeys(AttendanceAnswer, 0)
            )
            group[attendance.answer] += 1
    return summary


OUTCOME_CHANGED = (
    "Someone saved an outcome for this item after you opened the page, so yours was not "
    "saved. Theirs is shown below and your words are still in the box: save again to "
    "replace theirs."
)


def outcome_shown(outcome: str | None) -> dict:
    """What the outcome form was drawn with (``app.services.shown``): the saved outcome."""
    return {"outcome": outcome or ""}


def record_outcome(clause: Clause, outcome: str, *, by: User, seen: str | None = None) -> None:
    """Record what an agenda item came to. ``seen``, when given, is the digest of the outcome
    the form was drawn with (``outcome_shown``): an outcome saved since is never overwritten
    unseen (``ShownChanged``, 409). Raises ``DocumentNotEditable``, ``ClauseRetired``,
    ``Invalid`` (not an agenda item)."""
    lock_editable(clause.document, clause)
    clauses.require_live(clause)
    item = db.session.get(AgendaItem, clause.id)
    if item is None:
        raise Invalid("That is not an agenda item.")
    before = item.outcome
    if seen is not None:
        require_shown(outcome_shown(before), seen, OUTCOME_CHANGED)
    item.outcome = outcome.strip()
    audit.record(
        "agenda.outcome_recorded",
        actor=by,
        object_type="clause",
        object_id=clause.id,
        document_id=clause.document_id,
        summary="Outcome recorded",
        before={"outcome": before},
        after={"outcome": item.outcome},
    )


def add_action(
    session: JointSession,
    clause: Clause | None,
    *,
    what: str,
    who: str,
    due_on: date | None,
    by: User,
) -> SessionAction:
    """An action (what, who, by when) from the session or one of its items. Raises
    ``DocumentNotEditable``, ``ClauseRetired``."""
    lock_editable(session.agenda, clause)
    if clause is not None:
        clauses.require_live(clause)
    action = SessionAction(
        session_id=session.id,
        clause_id=clause.id if clause else None,
        what=what.strip(),
        who=who.strip(),
        due_on=due_on,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        "action.added",
        actor=by,
        object_type="action",
        object_id=action.id,
        document_id=session.agenda_id,
        summary=f"Action for {who}: {what}"[:500],
    )
    return action


def mark_done(action: SessionAction, *, by: User) -> None:
    """Mark an action done, in any state of the agenda. Raises ``Conflict`` if it is (also
    when two people mark it at once: the second waits for the agenda's row lock and reads the
    action afresh)."""
    lock_document(action.session.agenda)
    db.session.refresh(action)
    if action.done_at is not None:
        raise Conflict("This action is already done.")
    action.done_at, action.done_by_id = utcnow(), by.id
    audit.record(
        "action.done",
        actor=by,
        object_type="action",
        object_id=action.id,
        summary=f"Action done: {action.what}"[:500],
    )


def outcome_to_clause(
    clause: Clause, target: Document, heading: str, body: str, *, by: User
) -> Clause:
    """Turn an item's outcome into a new clause of the Accord or the Protocol. Raises
    ``Invalid`` for an agenda, ``DocumentNotEditable`` when the target or the item's agenda
    is submitted or later (the item's record is kept as it was)."""
    lock_editable(clause.document)
    if target.kind == DocumentKind.AGENDA:
        raise Invalid("Choose the Accord or the Protocol.")
    new = clauses.add_clause(
        target, heading, body, by=by, reason=f"From session agenda item {clause.number}"
    )
    new.from_agenda_item_id = clause.id
    return new


def open_actions() -> list[SessionAction]:
    return list(
        db.session.scalars(
            select(SessionAction)
            .where(SessionAction.done_at.is_(None))
            .order_by(SessionAction.due_on.is_(None), SessionAction.due_on, SessionAction.id)
            .options(joinedload(SessionAction.session), joinedload(SessionAction.clause))
        )
    )


THEME_LIMIT = 200


def shorten(text: str, limit: int = THEME_LIMIT) -> str:
    """``text`` in at most ``limit`` characters, cut at the end of a word (with "…"), never
    in the middle of one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.–—-")
    return f"{cut}…"


# The register taken on the day ------------------------------------------------------------


@dataclass
class RegisterRow:
    """One invited person: who they are, what they answered, and the register's mark."""

    user: User
    side: str  # "Member" or "Officer"
    group: str | None
    answer: AttendanceAnswer | None
    mark: RegisterMark | None


def register(session: JointSession) -> list[RegisterRow]:
    """Everyone the session is for (active Members and Officers, by its audience), Members
    first, each side by name, with their RSVP and their mark; and everyone marked, even if
    they have left since (the register is a record of who came). Three queries."""
    marked = select(RegisterEntry.user_id).where(RegisterEntry.session_id == session.id)
    people = db.session.scalars(
        select(User)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(
            or_(
                and_(User.active.is_(True), one_of(UserRole.role, (Role.MEMBER, Role.OFFICER))),
                User.id.in_(marked),
            )
        )
        .distinct()
    ).all()
    answers = dict(
        db.session.execute(
            select(Attendance.user_id, Attendance.answer).where(Attendance.session_id == session.id)
        ).all()
    )
    marks = dict(
        db.session.execute(
            select(RegisterEntry.user_id, RegisterEntry.mark).where(
                RegisterEntry.session_id == session.id
            )
        ).all()
    )
    rows = [
        RegisterRow(
            user,
            "Member" if side_of(user) == "members" else "Officer",
            user.group if user.is_member else None,
            AttendanceAnswer(answers[user.id]) if user.id in answers else None,
            RegisterMark(marks[user.id]) if user.id in marks else None,
        )
        for user in people
        if is_invited(user, session) or user.id in answers or user.id in marks
    ]
    return sorted(rows, key=lambda r: (r.side != "Member", r.user.display_name.lower()))


def register_counts(rows: list[RegisterRow]) -> dict[str, dict]:
    """Marks counted per side ("Member", "Officer") and per Member's Group, with those not
    marked yet under ``None``."""
    counts: dict[str, dict] = {}
    for row in rows:
        for key in (
            row.side,
            f"Group: {row.group or 'No Group'}" if row.side == "Member" else None,
        ):
            if key is not None:
                tally = counts.setdefault(key, dict.fromkeys([*RegisterMark, None], 0))
                tally[row.mark] += 1
    return counts


_FROZEN_REGISTER = "The register is part of the agenda's record."


def require_register_open(session: JointSession) -> None:
    """Raise unless the register may be taken, as the session is loaded (for the register
    page and its route, before the marks are read; ``mark_register`` checks again under the
    lock): ``DocumentNotEditable`` from Submitted on, ``Conflict`` before the agenda is
    published."""
    require_editable(session.agenda, refusal=_FROZEN_REGISTER)
    if session.agenda.status == DocumentStatus.DRAFT:
        raise Conflict("The agenda is not published yet, so there is no register to take.")


class RegisterChanged(Conflict):
    """Marks a save changes were changed by someone else after its page was drawn (409):
    nothing is saved. ``changed`` holds each such row as it is now."""

    says_nothing_recorded = True

    def __init__(self, changed: list[RegisterRow]):
        self.changed = changed
        names = [row.user.display_name for row in changed]
        whose = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        super().__init__(
            f"Someone else changed the mark of {whose} after you opened the register, so "
            "nothing was saved. The register below is as it is now, with the marks you chose "
            "still selected: save again to replace theirs."
        )


def mark_register(
    session: JointSession,
    marks: dict[int, RegisterMark],
    *,
    by: User,
    shown: Mapping[int, RegisterMark | None] | None = None,
) -> int:
    """Save the register's marks (person id -> mark): each an upsert of its own row, so two
    facilitators marking different people at once lose nothing. Only the people given are
    touched, and a mark already as given is left as it is; returns how many changed.

    ``shown``, when given, is the mark the page showed for each person in ``marks`` (None:
    not marked), read against the marks as they are under the agenda's lock: when someone
    else changed one of them since (it is now neither the mark shown nor the one given),
    nothing is saved (``RegisterChanged``, 409, naming whose), so a mark is never
    overwritten unseen. Raises ``Conflict`` before the agenda is published,
    ``DocumentNotEditable`` from Submitted on (the register is part of the agenda's record,
    and an adopted version's export prints it), ``Invalid`` for someone the session is not
    for."""
    lock_editable(session.agenda, refusal=_FROZEN_REGISTER)
    require_register_open(session)  # as read under the lock
    if not marks:
        return 0
    rows = {row.user.id: row for row in register(session)}
    strangers = set(marks) - set(rows)
    if strangers:
        raise Invalid("The register lists only the people the session is for.")
    if shown is not None:
        changed = [  # in the register's order
            row
            for user_id, row in rows.items()
            if user_id in marks and row.mark not in (shown.get(user_id), marks[user_id])
        ]
        if changed:
            raise RegisterChanged(changed)
    marks = {user_id: mark for user_id, mark in marks.items() if rows[user_id].mark != mark}
    if not marks:
        return 0
    now = utcnow()
    statement = insert_or(RegisterEntry)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "user_id"],
            set_={
                "mark": statement.excluded.mark,
                "marked_at": statement.excluded.marked_at,
                "marked_by_id": statement.excluded.marked_by_id,
            },
        ),
        [
            {
                "session_id": session.id,
                "user_id": user_id,
                "mark": mark.value,
                "marked_at": now,
                "marked_by_id": by.id,
            }
            for user_id, mark in sorted(marks.items())
        ],
    )
    audit.record(
        "session.register_marked",
        actor=by,
        object_type="session",
        object_id=session.id,
        document_id=session.agenda_id,
        summary=f"Register taken: {len(marks)} {'person' if len(marks) == 1 else 'people'} marked",
        after={str(user_id): mark.value for user_id, mark in sorted(marks.items())},
    )
    return len(marks)


def register_lines(
    session: JointSession, frozen: dict[str, dict] | None = None
) -> list[tuple[str, str]]:
    """The register for the agenda export, once anyone is marked: counts per side, then the
    names under each mark ("Present", "Jo Bloggs (Member, Labour Group), …"). ``frozen``: the
    register as a published version keeps it (``frozen_agenda``'s ``register``: person id ->
    mark, side and Group), names read now (a rename or an anonymisation reaches it); else the
    register as it is."""
    if frozen is None:
        rows = register(session)
    else:
        people = {
            user.id: user
            for user in db.session.scalars(select(User).where(User.id.in_(map(int, frozen))))
        }
        rows = sorted(
            (
                RegisterRow(
                    people[int(user_id)],
                    kept["side"],
                    kept["group"],
                    None,
                    RegisterMark(kept["mark"]),
                )
                for user_id, kept in frozen.items()
                if int(user_id) in people
            ),
            key=lambda r: (r.side != "Member", r.user.display_name.lower()),
        )
    if not any(row.mark for row in rows):
        return []
    counts = register_counts(rows)
    lines = []
    for side, label in (("Member", "Members"), ("Officer", "Officers")):
        if side in counts:
            tally = counts[side]
            lines.append(
                (
                    f"Register: {label}",
                    f"{tally[RegisterMark.PRESENT]} present, "
                    f"{tally[RegisterMark.APOLOGIES]} apologies, "
                    f"{tally[RegisterMark.ABSENT]} absent",
                )
            )
    for mark in RegisterMark:
        names = [
            f"{row.user.display_name} ({row.side}{', ' + row.group if row.group else ''})"
            for row in rows
            if row.mark == mark
        ]
        if names:
            lines.append((mark.label, "; ".join(names)))
    return lines


def frozen_agenda(document: Document) -> dict | None:
    """What a published version of an agenda keeps beside its text (``lifecycle.
    working_content``), so that the version says what it said when it was published, whatever
    changes after: the session's title, start and end (ISO 8601, UTC), venue; each live
    item's purpose, lead and length in minutes (by clause id); and the register (person id ->
    mark, side and Group; names are read when shown). None for a document that is not a
    session's agenda. Three queries."""
    session = db.session.scalar(select(JointSession).where(JointSession.agenda_id == document.id))
    if session is None:
        return None
    items = db.session.scalars(
        select(AgendaItem)
        .join(Clause, Clause.id == AgendaItem.clause_id)
        .where(Clause.document_id == document.id, Clause.retired_at.is_(None))
    )
    return {
        "title": session.title,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "venue": session.venue,
        "is_off_site": session.is_off_site,
        "items": {
            str(item.clause_id): {
                "purpose": item.purpose.value,
                "lead": item.lead,
                "minutes": item.duration_minutes,
            }
            for item in items
        },
        "register": {
            str(row.user.id): {"mark": row.mark.value, "side": row.side, "group": row.group}
            for row in register(session)
            if row.mark is not None
        },
    }


# Agenda items and the clauses they discuss ------------------------------------------------


def _open_clause(clause: Clause) -> None:
    if clause.document.kind == DocumentKind.AGENDA:
        raise Invalid("Choose a clause of the Accord or the Protocol, not of an agenda.")
    clauses.require_live(clause)


def link_clause(item_clause: Clause, clause: Clause, *, by: User) -> bool:
    """Say that an agenda item discusses ``clause`` (of another document): True when it did
    not list it yet (the link is made and audited), False when it did (nothing changes: the
    same form sent twice, or two at once, which the agenda's lock serves one after the other).
    Raises ``DocumentNotEditable`` from the agenda's Submitted on, ``Invalid`` (not an agenda
    item, or a clause of an agenda), ``ClauseRetired``."""
    lock_editable(item_clause.document)
    item = db.session.get(AgendaItem, item_clause.id)
    if item is None:
        raise Invalid("That is not an agenda item.")
    _open_clause(clause)
    if clause in item.discusses:
        return False
    item.discusses.append(clause)
    audit.record(
        "agenda.clause_linked",
        actor=by,
        object_type="clause",
        object_id=item_clause.id,
        document_id=item_clause.document_id,
        summary=(
            f"Item {item_clause.number} discusses {clause.document.title}, clause {clause.number}"
        ),
        after={"clause_id": clause.id},
    )
    return True


def unlink_clause(item_clause: Clause, clause: Clause, *, by: User) -> bool:
    """The item no longer lists ``clause`` among those it discusses: True when it did (and
    the change is audited), False when it did not list it (nothing changes). Raises
    ``DocumentNotEditable`` from the agenda's Submitted on."""
    lock_editable(item_clause.document)
    item = db.session.get(AgendaItem, item_clause.id)
    if item is None or clause not in item.discusses:
        return False
    item.discusses.remove(clause)
    audit.record(
        "agenda.clause_unlinked",
        actor=by,
        object_type="clause",
        object_id=item_clause.id,
        document_id=item_clause.document_id,
        summary=(
            f"Item {item_clause.number} no longer lists {clause.document.title}, "
            f"clause {clause.number}"
        ),
        before={"clause_id": clause.id},
    )
    return True


def outcome_to_amendment(
    item_clause: Clause,
    target: Clause,
    heading: str,
    body: str,
    rationale: str,
    *,
    by: User,
) -> Amendment:
    """Turn an item's outcome into a proposed amendment to an existing clause of any open
    document; the amendment records the item it came from and the item lists the clause.
    Raises ``DocumentNotEditable`` from the item's agenda's Submitted on (its record is kept
    as it was), ``Invalid`` (a clause of an agenda), and whatever ``propose_amendment``
    raises (``DocumentNotOpen``, ``ClauseRetired``, ``AmendmentsStopped``, ``Unchanged``)."""
    lock_editable(item_clause.document)
    _open_clause(target)
    session = db.session.scalar(
        select(JointSession).where(JointSession.agenda_id == item_clause.document_id)
    )
    reason = rationale.strip() or (
        f"From item {item_clause.number} of the session “{session.title}”" if session else ""
    )
    amendment = amendments.propose_amendment(target, heading, body, reason, [], by=by)
    amendment.from_agenda_item_id = item_clause.id
    link_clause(item_clause, target, by=by)
    return amendment


@dataclass
class FromItem:
    """What came out of an agenda item: new clauses and proposed amendments."""

    clauses: list[Clause]
    amendments: list[Amendment]


def came_from(item_clause: Clause) -> FromItem:
    """The clauses and amendments made from the item's outcome (two queries)."""
    return FromItem(
        list(
            db.session.scalars(
                select(Clause)
                .where(Clause.from_agenda_item_id == item_clause.id)
                .options(joinedload(Clause.document))
            )
        ),
        list(
            db.session.scalars(
                select(Amendment)
                .where(Amendment.from_agenda_item_id == item_clause.id)
                .options(joinedload(Amendment.clause).joinedload(Clause.document))
            )
        ),
    )


@dataclass
class ItemSource:
    """The agenda item (and its session) a clause or amendment came from."""

    session: JointSession
    item: Clause


def source_of(item_clause_id: int | None) -> ItemSource | None:
    """The session and item behind ``from_agenda_item_id``, or None."""
    if item_clause_id is None:
        return None
    item = db.session.get(Clause, item_clause_id)
    if item is None:
        return None
    session = db.session.scalar(
        select(JointSession).where(JointSession.agenda_id == item.document_id)
    )
    return ItemSource(session, item) if session else None
