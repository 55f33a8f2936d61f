"""Loading the shipped recommendations and the demonstration data. Safe to run again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AgendaItem,
    Audience,
    Document,
    DocumentKind,
    DocumentStatus,
    JointSession,
    Purpose,
    Recommendation,
    RecommendationSource,
    Role,
    utcnow,
)
from app.seed_data.demo import DEMO_PEOPLE, DOCUMENTS
from app.seed_data.recommendations import SOURCES
from app.services import clauses, people, sessions


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


def load_demo(password: str) -> SeedReport:
    """Recommendations, demo people and the demo documents (opened, so Members can take part).

    Existing people keep their password and existing documents keep their clauses, so running
    it again changes nothing that people have since done.
    """
    report = SeedReport()
    recommendations = load_recommendations(report)
    facilitator = None
    for person in DEMO_PEOPLE:
        user = people.find_user_by_email(person["email"])
        details = {
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
        for item in data["clauses"]:
            clauses.add_clause(
                document,
                item["heading"],
                item["body"],
                by=facilitator,
                recommendations=[recommendations[label] for label in item["answers"]],
            )
            db.session.flush()
        report.created.append(f"document {data['slug']}")
    db.session.flush()
    _demo_sessions(facilitator, recommendations, report)
    return report


def _demo_sessions(facilitator, recommendations: dict, report: SeedReport) -> None:
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
            theme=data["summary"][:200],
            starts_at=sessions.london(day, time(9, 30)),
            ends_at=sessions.london(day, time(12, 30)),
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
