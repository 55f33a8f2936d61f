"""Loading the shipped recommendations and the demonstration data. Safe to run again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AgendaItem,
    Audience,
    Clause,
    Comment,
    Discussion,
    Document,
    DocumentKind,
    DocumentStatus,
    JointSession,
    Purpose,
    Recommendation,
    RecommendationSource,
    Role,
    User,
    VotingEvent,
    utcnow,
)
from app.seed_data.demo import DEMO_DISCUSSIONS, DEMO_PEOPLE, DEMO_VOTING, DOCUMENTS
from app.seed_data.recommendations import SOURCES
from app.services import (
    accounts,
    clauses,
    discussions,
    joint_sessions,
    notifications,
    people,
    voting,
)


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated" + "".join(
            f"\n  created {item}" for item in self.created
        )


def load_recommendations(report: SeedReport) -> dict[str, Recommendation]:
    """Upsert both sources and add missing recommendations; return them by label ('CR g')."""
    by_label: dict[str, Recommendation] = {}
    for position, data in enumerate(SOURCES, start=1):
        source = db.session.scalar(
            select(RecommendationSource).where(RecommendationSource.slug == data["slug"])
        )
        if source is None:
            source = RecommendationSource(slug=data["slug"])
            db.session.add(source)
            report.created.append(f"source {data['name']}")
        source.name, source.short_name = data["name"], data["short_name"]
        source.title, source.position = data.get("title", ""), position
        existing = {r.letter: r for r in source.recommendations}
        for item in data["recommendations"]:
            recommendation = existing.get(item["letter"])
            if recommendation is None:
                # An existing one keeps its wording: an admin may have edited it since.
                recommendation = Recommendation(
                    source=source,
                    letter=item["letter"],
                    text=item["text"],
                    theme=item["theme"],
                    response=item["response"],
                    timescale=item["timescale"],
                )
                db.session.add(recommendation)
                report.created.append(f"recommendation {data['short_name']} {item['letter']}")
            by_label[f"{data['short_name']} {item['letter']}"] = recommendation
    db.session.flush()
    return by_label


def _demo_person(email: str) -> User:
    """A demo person that load_demo has made sure exists."""
    user = accounts.find_user_by_email(email)
    assert user is not None, email
    return user


def load_demo(password: str) -> SeedReport:
    """Recommendations, demo people and the demo documents (opened, so Members can take part).

    Existing people keep their password and existing documents keep their clauses, so running
    it again changes nothing that people have since done.
    """
    report = SeedReport()
    recommendations = load_recommendations(report)
    facilitator = None
    for person in DEMO_PEOPLE:
        user = accounts.find_user_by_email(person["email"])
        details: dict[str, Any] = {
            key: person[key]
            for key in ("group", "ward", "job_title", "service", "is_independent_person")
        }
        roles = {Role(role) for role in person["roles"]}
        if user is None:
            user = people.create_user(
                person["email"], person["display_name"], roles, password=password, **details
            )
            report.created.append(f"person {person['email']}")
        if Role.FACILITATOR in roles and facilitator is None:
            facilitator = user
    assert facilitator is not None, "the demo people include a facilitator"
    db.session.flush()
    for data in DOCUMENTS:
        document = db.session.scalar(select(Document).where(Document.slug == data["slug"]))
        if document is not None:
            continue
        document = Document(
            kind=DocumentKind(data["kind"]),
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            status=DocumentStatus.OPEN,
        )
        db.session.add(document)
        clauses.add_clauses(
            document,
            [
                clauses.ClauseDraft(
                    item["heading"],
                    item["body"],
                    [recommendations[label] for label in item["answers"]],
                )
                for item in data["clauses"]
            ],
            by=facilitator,
        )
        report.created.append(f"document {data['slug']}")
    db.session.flush()
    _demo_sessions(facilitator, recommendations, report)
    return report


def _demo_sessions(facilitator: User, recommendations: dict, report: SeedReport) -> None:
    """The demo agenda belongs to a session a month from now, its items timed and led."""
    for data in DOCUMENTS:
        if data["kind"] != "agenda":
            continue
        agenda = db.session.scalar(select(Document).where(Document.slug == data["slug"]))
        if agenda is None or db.session.scalar(
            select(JointSession.id).where(JointSession.agenda_id == agenda.id)
        ):
            continue
        day = (utcnow() + timedelta(days=30)).date()
        session = JointSession(
            title=data["title"].removeprefix("Themed joint session: "),
            theme=joint_sessions.shorten(data["summary"]),
            starts_at=joint_sessions.london(day, time(9, 30)),
            ends_at=joint_sessions.london(day, time(12, 30)),
            venue="Carlton Suite, Town Hall, St Helens",
            is_off_site=False,
            audience=Audience.BOTH,
            facilitator_name="Local Government Association",
            facilitator_is_external=True,
            agenda=agenda,
            created_by_id=facilitator.id,
            recommendations=[recommendations[label] for label in ("CR d", "CR g", "CR h")],
        )
        db.session.add(session)
        for clause in agenda.clauses:
            minutes = re.search(r"\((\d+) minutes\)", clause.body)
            first_word = clause.heading.split(":")[0].lower()
            purpose = {
                "workshop": Purpose.WORKSHOP,
                "discussion": Purpose.DISCUSSION,
                "decision": Purpose.DECISION,
            }.get(first_word, Purpose.INFORMATION)
            db.session.add(
                AgendaItem(
                    clause=clause,
                    purpose=purpose,
                    lead="Local Government Association",
                    duration_minutes=int(minutes[1]) if minutes else 15,
                )
            )
        report.created.append(f"session {session.title}")


def load_demo_activity(report: SeedReport) -> None:
    """A few discussions, voting open on the Protocol and the session's invitations, made
    through the services so that the demo people have notifications waiting (the demo Member:
    a reply, a new discussion, voting opened, an invitation). Each is done once.
    """
    facilitator = _demo_person("facilitator@example.org")
    for data in DEMO_DISCUSSIONS:
        document = db.session.scalar(select(Document).where(Document.slug == data["document"]))
        if document is None or db.session.scalar(
            select(Discussion.id).where(
                Discussion.document_id == document.id, Discussion.title == data["title"]
            )
        ):
            continue
        clause = db.session.execute(
            select(Clause).where(Clause.document_id == document.id, Clause.number == data["clause"])
        ).scalar_one()
        discussion = discussions.start_discussion(
            document,
            clause,
            data["title"],
            data["opening"]["body"],
            list(clause.recommendations),
            by=_demo_person(data["opening"]["by"]),
        )
        db.session.flush()
        opening = db.session.scalar(select(Comment).where(Comment.discussion_id == discussion.id))
        for reply in data["replies"]:
            discussions.add_comment(
                discussion, reply["body"], by=_demo_person(reply["by"]), parent=opening
            )
            db.session.flush()
        report.created.append(f"discussion {data['title']}")
    protocol = db.session.scalar(select(Document).where(Document.slug == DEMO_VOTING["document"]))
    if protocol is not None and not db.session.scalar(
        select(VotingEvent.id).where(VotingEvent.document_id == protocol.id).limit(1)
    ):
        closes_on = (utcnow() + timedelta(days=DEMO_VOTING["closes_in_days"])).date()
        voting.open_voting(
            protocol, by=facilitator, closes_at=joint_sessions.london(closes_on, time(17))
        )
        report.created.append(f"voting on {protocol.slug}")
    for session in db.session.scalars(select(JointSession)):
        invited = session.agenda.status == DocumentStatus.OPEN and notifications.session_published(
            session, by=facilitator
        )
        if invited:
            report.created.append(f"invitations to {session.title}")
    db.session.flush()
