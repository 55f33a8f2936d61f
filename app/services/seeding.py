"""Loading the shipped recommendations and the demonstration data. Safe to run again."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    Recommendation,
    RecommendationSource,
    Role,
)
from app.seed_data.demo import DEMO_PEOPLE, DOCUMENTS
from app.seed_data.recommendations import SOURCES
from app.services import clauses, people


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated" + "".join(
            f"\n  created {item}" for item in self.created
        )


def load_recommendations(report: SeedReport) -> dict[str, Recommendation]:
    """Upsert both sources and their recommendations; return them by label ('CR g')."""
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
                recommendation = Recommendation(source=source, letter=item["letter"])
                db.session.add(recommendation)
                report.created.append(f"recommendation {data['short_name']} {item['letter']}")
            recommendation.text = item["text"]
            recommendation.theme = item["theme"]
            recommendation.response = item["response"]
            recommendation.timescale = item["timescale"]
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
    return report
