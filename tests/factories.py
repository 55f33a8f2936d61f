"""Factories: the few objects a test needs, made through the real services so they obey the
same rules as the app (a document reaches Submitted by publishing a version and moving, not by
setting its status).

Every function runs inside an app context, like the services: it flushes, never commits, and
returns the model object. Keyword arguments override the defaults. Wrap a group of them in
``built(app)`` to push a context and commit at the end::

    with factories.built(app):
        protocol = factories.document(title="Member/Officer Protocol", clauses=4)
        factories.voting_opened(protocol)

The people for each role default to the demo accounts' emails and names
(``member@example.org``, ``facilitator@example.org`` …), so ``client.sign_in`` reads the same as
with the demo world; a second person of a role gets ``member-2@example.org`` and so on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pyotp
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Amendment,
    Audience,
    Clause,
    Comment,
    Decision,
    Discussion,
    Document,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    JointSession,
    Purpose,
    Recommendation,
    Role,
    User,
)
from app.seed_data.demo import DEMO_PEOPLE, DOCUMENTS
from app.services import (
    accounts,
    amendments,
    discussions,
    documents,
    joint_sessions,
    lifecycle,
    passages,
    people,
    seeding,
    two_factor,
    voting,
)
from app.services import clauses as clause_service
from tests.helpers import PASSWORD

S = DocumentStatus
# The five demo accounts, one for each role: email, name and details.
ROLE_ACCOUNTS = {Role(person["roles"][0]): person for person in DEMO_PEOPLE[:5]}
DETAILS = ("group", "ward", "job_title", "service", "is_independent_person")
# Headings and bodies for the clauses a document gets when a test does not name them.
CLAUSES = (
    ("Trust", "Members and Officers trust each other's roles."),
    ("Roles", "Members set direction; Officers advise and deliver."),
    ("Respect", "Members and Officers disagree about ideas, never about people."),
    ("Early sharing", "Officers share emerging proposals early with the Members concerned."),
    ("Raising concerns", "Either side may raise a concern with the Chief Executive."),
)


def stock_clauses(count: int) -> list[tuple[str, str]]:
    """``count`` (heading, body) pairs: the five in CLAUSES, then numbered ones."""
    extra = [(f"Clause {n}", f"The wording of clause {n}.") for n in range(6, count + 1)]
    return [*CLAUSES, *extra][:count]


def demo_clauses(slug: str) -> list[tuple[str, str, list[str]]]:
    """The (heading, body, recommendations answered) of each clause of the demo document with
    this slug, for a test that reads its wording (``member-officer-protocol``,
    ``ways-of-working-accord``)."""
    data = next(d for d in DOCUMENTS if d["slug"] == slug)
    return [(item["heading"], item["body"], item["answers"]) for item in data["clauses"]]


@contextmanager
def built(app) -> Iterator[None]:
    """Push an app context for building, and commit what was built when the block ends."""
    with app.app_context():
        yield
        db.session.commit()


# People ----------------------------------------------------------------------------------


def person(
    role: Role | str = Role.MEMBER,
    *,
    email: str | None = None,
    roles: Sequence[Role | str] | None = None,
    display_name: str | None = None,
    password: str | None = PASSWORD,
    active: bool = True,
    **details,
) -> User:
    """A person holding ``role`` (or all of ``roles``), with the demo account's email, name and
    Group/ward or job title/service for that role unless overridden."""
    role = Role(role)
    account = ROLE_ACCOUNTS[role]
    if email is None:
        # The first free of "officer@…", "officer-2@…", …: the taken ones in one statement
        # (asking for each in turn made a hundred people cost five thousand statements).
        local, domain = account["email"].split("@")
        taken = set(
            db.session.scalars(
                select(func.lower(User.email)).where(User.email.like(f"{local}%@{domain}"))
            )
        )
        email, n = account["email"], 2
        while email in taken:
            email = f"{local}-{n}@{domain}"
            n += 1
    if display_name is None:
        display_name = account["display_name"]
        if email != account["email"]:
            display_name = email.split("@")[0].replace(".", " ").replace("-", " ").title()
    details = {key: account[key] for key in DETAILS} | details
    user = people.create_user(
        email,
        display_name,
        {Role(r) for r in (roles or (role,))},
        password=password,
        **details,
    )
    user.active = active
    return user


def member(**overrides) -> User:
    """A Member with a Group and a ward (``Labour Group``, ``Parr``)."""
    return person(Role.MEMBER, **overrides)


def officer(**overrides) -> User:
    """An Officer with a job title and a service."""
    return person(Role.OFFICER, **overrides)


def facilitator(**overrides) -> User:
    return person(Role.FACILITATOR, **overrides)


def standards(**overrides) -> User:
    """A Standards Committee member (an Independent Person)."""
    return person(Role.STANDARDS, **overrides)


def admin(**overrides) -> User:
    return person(Role.ADMIN, **overrides)


def everyone() -> dict[Role, User]:
    """One person for each role (the five demo accounts), by role."""
    return {role: person(role) for role in Role}


def demo_people(*emails: str) -> list[User]:
    """The demo people with these emails (``graham.tyldesley@example.org`` …), with their demo
    roles, Group and ward or job title and service; all of them when no email is given."""
    chosen = [p for p in DEMO_PEOPLE if not emails or p["email"] in emails]
    assert len(chosen) == (len(emails) or len(DEMO_PEOPLE)), "not a demo person"
    return [
        person(
            person_["roles"][0],
            roles=person_["roles"],
            email=person_["email"],
            display_name=person_["display_name"],
            **{key: person_[key] for key in DETAILS},
        )
        for person_ in chosen
    ]


def someone(role: Role | str) -> User:
    """The first active person holding ``role``, made if there is none (who acts in a factory
    when the test does not say)."""
    role = Role(role)
    found = next(
        (
            u
            for u in db.session.scalars(select(User).order_by(User.id))
            if u.active and u.has_role(role)
        ),
        None,
    )
    return found or person(role)


def user(email: str) -> User:
    """The person with this email (who must exist)."""
    found = accounts.find_user_by_email(email)
    assert found is not None, f"no person {email}"
    return found


@dataclass
class SecondFactor:
    """What a person with two-factor sign-in holds: the secret in their app, and their
    recovery codes."""

    secret: str
    recovery_codes: list[str]

    def code(self, offset: int = 0) -> str:
        """The app's code ``offset`` steps from the service's clock (``two_factor._clock``)."""
        step = two_factor.current_step() + offset
        return pyotp.TOTP(self.secret).at(step * two_factor.STEP_SECONDS)


def two_factor_on(user: User) -> SecondFactor:
    """Switch two-factor sign-in on for ``user`` through the services, confirming with the
    previous step's code, so that the current step's code is still unused for signing in."""
    two_factor.start_enrolment(user)
    secret = two_factor.pending_secret(user)
    assert secret is not None
    first = pyotp.TOTP(secret).at((two_factor.current_step() - 1) * two_factor.STEP_SECONDS)
    return SecondFactor(secret, two_factor.confirm_enrolment(user, first))


# Recommendations -------------------------------------------------------------------------


def recommendation(label: str = "CR g") -> Recommendation:
    """A shipped recommendation by its short label ("CR g", "CPC d"); loads both shipped sources
    the first time."""
    return recommendations(label)[0]


def recommendations(*labels: str) -> list[Recommendation]:
    """Shipped recommendations by label, loading both shipped sources when one is missing."""
    by_label = {r.label: r for r in db.session.scalars(select(Recommendation))}
    if any(label not in by_label for label in labels) or not by_label:
        by_label = seeding.load_recommendations(seeding.SeedReport())
    return [by_label[label] for label in labels]


# Documents -------------------------------------------------------------------------------


def document(
    status: DocumentStatus | str = S.OPEN,
    *,
    title: str = "Ways of Working Accord",
    kind: DocumentKind | str = DocumentKind.ACCORD,
    summary: str = "How Members and Officers work together.",
    clauses: int | Sequence[tuple[str, str] | tuple[str, str, Sequence[str]]] = 3,
    answers: Sequence[str] = ("CR g",),
    referred_back: str | None = None,
    by: User | None = None,
) -> Document:
    """A document with clauses (a number of stock ones, or ``(heading, body)`` pairs, each
    answering the ``answers`` recommendations, or ``(heading, body, answers)``), moved to
    ``status`` the way people move it: a facilitator opens, closes, publishes and submits; the
    committee recommends; an admin adopts.
    ``referred_back="reasons"`` submits it and has the committee refer it back (it is then Open
    with those reasons). The slug is the title's (“Member/Officer Protocol” →
    ``member-officer-protocol``)."""
    status = S(status)
    by = by or someone(Role.FACILITATOR)
    made = documents.create_document(DocumentKind(kind), title, summary, by=by)
    pairs = stock_clauses(clauses) if isinstance(clauses, int) else clauses
    answering = [tuple(labels[0] if labels else answers) for _, _, *labels in pairs]
    every = sorted({label for labels in answering for label in labels})
    found = dict(zip(every, recommendations(*every), strict=True)) if every else {}
    if pairs:  # added as a facilitator adds them, in one go (one lock, one renumbering)
        clause_service.new_clauses(
            made,
            [
                clause_service.ClauseDraft(heading, body, [found[label] for label in labels])
                for (heading, body, *_), labels in zip(pairs, answering, strict=True)
            ],
            by=by,
        )
    if referred_back is not None:
        move_to(made, S.SUBMITTED, by=by)
        lifecycle.decide(
            made,
            Decision.REFER_BACK,
            lifecycle.council_today(),
            by=someone(Role.STANDARDS),
            reasons=referred_back,
        )
    move_to(made, status, by=by)
    db.session.flush()
    return made


_new_document = document


def _version_to_submit(document: Document, by: User) -> DocumentVersion:
    """A version of the text as it is now: published, or the newest when it is the same
    (``lifecycle.VersionUnchanged``), as a facilitator would choose it."""
    try:
        with db.session.begin_nested():
            return lifecycle.publish_version(document, by=by, note="For the committee")
    except lifecycle.VersionUnchanged as unchanged:
        return unchanged.version


def move_to(
    document: Document, status: DocumentStatus | str, *, by: User | None = None
) -> Document:
    """Move ``document`` forward to ``status`` through each state between (publishing the version
    to submit when it has none); a document already there stays."""
    status = S(status)
    order = [S.DRAFT, S.OPEN, S.CLOSED, S.SUBMITTED, S.RECOMMENDED, S.ADOPTED]
    assert order.index(document.status) <= order.index(status), "factories only move forward"
    by = by or someone(Role.FACILITATOR)
    while document.status != status:
        step = order[order.index(document.status) + 1]
        if step == S.SUBMITTED:
            version = _version_to_submit(document, by)
            lifecycle.move(document, step, by=by, version=version)
        elif step == S.RECOMMENDED:
            lifecycle.decide(
                document, Decision.RECOMMEND, lifecycle.council_today(), by=someone(Role.STANDARDS)
            )
        elif step == S.ADOPTED:
            lifecycle.adopt(document, lifecycle.council_today(), by=someone(Role.ADMIN))
        else:
            lifecycle.move(document, step, by=by)
        db.session.flush()
    return document


def add_clause(
    document: Document,
    heading: str = "A new clause",
    body: str = "Its wording.",
    *,
    recommendations: Sequence[Recommendation] | None = None,
    by: User | None = None,
) -> Clause:
    """A clause added by a facilitator at the end of ``document`` (answering CR g unless told)."""
    clause = clause_service.new_clause(
        document,
        heading,
        body,
        by=by or someone(Role.FACILITATOR),
        recommendations=list(recommendations)
        if recommendations is not None
        else [recommendation()],
    )
    db.session.flush()
    return clause


def new_wording(clause: Clause, body: str = "A new wording.", *, by: User | None = None):
    """A facilitator rewords ``clause`` (its heading kept) from the wording it has now."""
    return amendments.edit_clause(
        clause,
        clause.heading,
        body,
        "Clearer",
        by=by or someone(Role.FACILITATOR),
        seen_revision=clause.revision_number,
    )


def find_document(slug: str) -> Document:
    """The document with this slug (which must exist)."""
    return db.session.scalars(select(Document).filter_by(slug=slug)).one()


def clause(document: Document, number: str = "1") -> Clause:
    """The clause of ``document`` with this number."""
    return db.session.scalars(
        select(Clause).filter_by(document_id=document.id, number=number)
    ).one()


_clause_numbered = clause


# Taking part -----------------------------------------------------------------------------


def discussion(
    document: Document | None = None,
    clause: Clause | None = None,
    *,
    title: str = "Trust and tone",
    body: str = "How should we hold each other to this?",
    comments: int | Sequence[str] = 0,
    answers: Sequence[str] = ("CR g",),
    by: User | None = None,
) -> Discussion:
    """A discussion on ``clause`` (or on the whole ``document``; a new Open document when
    neither is given) with its opening comment by ``by`` (a Member) and ``comments`` more: a
    number of stock ones or their bodies, each by a new Officer."""
    if document is None:
        document = clause.document if clause is not None else _new_document()
    started = discussions.start_discussion(
        document, clause, title, body, recommendations(*answers), by=by or someone(Role.MEMBER)
    )
    bodies = (
        [f"Comment {n}" for n in range(1, comments + 1)] if isinstance(comments, int) else comments
    )
    for text in bodies:
        comment(started, text)
    db.session.flush()
    return started


def comment(
    discussion: Discussion,
    body: str = "A comment",
    *,
    by: User | None = None,
    parent: Comment | None = None,
) -> Comment:
    """A comment (or a reply to ``parent``) by ``by`` (the first Officer, made if needed)."""
    made = discussions.add_comment(discussion, body, by=by or someone(Role.OFFICER), parent=parent)
    db.session.flush()
    return made


def amendment(
    clause: Clause | None = None,
    *,
    heading: str = "",
    body: str = "A new wording.",
    rationale: str = "Clearer.",
    answers: Sequence[str] = ("CR g",),
    by: User | None = None,
) -> Amendment:
    """An amendment proposed by ``by`` (a Member) to ``clause`` (clause 1 of a new Open document
    when not given); an empty heading keeps the clause's."""
    if clause is None:
        clause = _clause_numbered(_new_document())
    made = amendments.propose_amendment(
        clause, heading, body, rationale, recommendations(*answers), by=by or someone(Role.MEMBER)
    )
    db.session.flush()
    return made


def suggestion(
    clause: Clause,
    quote: str,
    replacement: str,
    *,
    reason: str = "Clearer.",
    answers: Sequence[str] = ("CR g",),
    prefix: str = "",
    suffix: str = "",
    by: User | None = None,
) -> Amendment:
    """A passage suggestion by ``by`` (a Member): ``quote`` in ``clause`` becomes
    ``replacement``."""
    made = passages.suggest_change(
        clause,
        by=by or someone(Role.MEMBER),
        quote=quote,
        replacement=replacement,
        reason=reason,
        recommendations=recommendations(*answers),
        prefix=prefix,
        suffix=suffix,
    )
    db.session.flush()
    return made


def passage_comment(
    clause: Clause, quote: str, body: str = "What counts as this?", *, by: User | None = None
) -> Comment:
    """A comment on a passage of ``clause`` by ``by`` (an Officer)."""
    made = passages.comment_on_passage(
        clause, by=by or someone(Role.OFFICER), quote=quote, body=body
    )
    db.session.flush()
    return made


def voting_opened(
    document: Document | None = None, *, closes_at: datetime | None = None, by: User | None = None
) -> Document:
    """Voting opened on ``document`` (a new Open document when not given) by a facilitator."""
    document = document or _new_document()
    voting.open_voting(document, by=by or someone(Role.FACILITATOR), closes_at=closes_at)
    db.session.flush()
    return document


# Joint sessions --------------------------------------------------------------------------


def joint_session(
    *,
    title: str = "Roles workshop",
    theme: str = "Roles",
    day: date | None = None,
    days_ahead: int = 40,
    start: time = time(10),
    end: time = time(12),
    venue: str = "Town Hall",
    is_off_site: bool = True,
    audience: Audience = Audience.BOTH,
    facilitator_name: str = "LGA",
    facilitator_is_external: bool = True,
    answers: Sequence[str] = (),
    items: Sequence[tuple[str, int]] = (("Welcome", 30), ("Workshop", 45), ("Decisions", 60)),
    published: bool = True,
    by: User | None = None,
) -> JointSession:
    """A joint session ``days_ahead`` from today with an agenda of ``items`` (heading, minutes),
    published (its agenda Open, invitations sent) unless ``published=False``."""
    by = by or someone(Role.FACILITATOR)
    session = joint_sessions.create_session(
        title=title,
        theme=theme,
        day=day or date.today() + timedelta(days=days_ahead),
        start=start,
        end=end,
        venue=venue,
        is_off_site=is_off_site,
        audience=audience,
        facilitator_name=facilitator_name,
        facilitator_is_external=facilitator_is_external,
        recommendations=recommendations(*answers),
        by=by,
    )
    for heading, minutes in items:
        joint_sessions.add_item(
            session,
            heading,
            "Text",
            purpose=Purpose.DISCUSSION,
            lead="CEX",
            duration_minutes=minutes,
            by=by,
        )
    if published:
        joint_sessions.publish_agenda(session, by=by)
    db.session.flush()
    return session
