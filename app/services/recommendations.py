"""Administering recommendations: sources, imports, edits that keep history, retiring, deleting.

An import never deletes: letters new to the source are added, letters it has already are
updated (their earlier wording kept as a revision) and letters the file leaves out stay as they
are. A value the file leaves empty (no response, say) keeps the current one, so a file that only
corrects texts does not wipe the responses; clear a value by editing the recommendation.

History starts at the first change: the wording a recommendation was loaded with is written as
revision 1 then, next to the new wording. A recommendation that was never changed and that no
clause, discussion, amendment or session answers may be deleted (a mistaken import); otherwise it
can only be retired, which keeps it where it is linked and stops it being offered for new links.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.importers.recommendations import (
    ImportResult,
    ParsedRecommendation,
    parse_csv,
    parse_plain_text,
)
from app.models import (
    Recommendation,
    RecommendationRevision,
    RecommendationSource,
    User,
    amendment_recommendations,
    clause_recommendations,
    discussion_recommendations,
    session_recommendations,
    utcnow,
)
from app.services import DomainError, Unchanged, audit
from app.services.documents import slug_words

FIELDS = ("text", "theme", "response", "timescale")
FIELD_LABELS = {"text": "Text", "theme": "Theme", "response": "Response", "timescale": "Timescale"}
FORMATS = ("csv", "text")
MAX_IMPORT_CHARS = 200_000

LINKS = {
    "clauses": clause_recommendations,
    "discussions": discussion_recommendations,
    "amendments": amendment_recommendations,
    "sessions": session_recommendations,
}


class SourceTaken(DomainError):
    """A source's name, short name or slug is already used; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class StaleRecommendation(DomainError):
    """The recommendation changed after the form was loaded: nothing is overwritten."""

    def __init__(self, recommendation: Recommendation):
        super().__init__("Someone else changed this recommendation after you opened it.")
        self.recommendation = recommendation


class PlanChanged(DomainError):
    """The source changed between the preview and the confirmation."""


class CannotDelete(DomainError):
    pass


# --- sources -----------------------------------------------------------------------------------


def slug_for(name: str) -> str:
    """'Culture Review 2019' → 'culture-review-2019', every letter in plain letters
    ('Überprüfung' → 'uberprufung'; ``documents.slug_words``)."""
    return slug_words(name)


def short_name_for(name: str) -> str:
    """Initials of the name's capitalised words: 'Corporate Peer Challenge' → 'CPC'."""
    initials = "".join(word[0] for word in name.split() if word[:1].isupper())
    return (initials or name.strip()[:1].upper())[:12]


def find_source(key: str) -> RecommendationSource | None:
    """A source by its name, short name or slug, whatever the case."""
    key = key.strip().lower()
    return next(
        (
            source
            for source in db.session.scalars(select(RecommendationSource))
            if key in (source.name.lower(), source.short_name.lower(), source.slug)
        ),
        None,
    )


def check_source(name: str, short_name: str) -> None:
    """Refuse a name, short name or slug another source has (case-insensitively)."""
    name, short_name = name.strip(), short_name.strip()
    if not name:
        raise SourceTaken("name", "Enter the source's name")
    if not short_name:
        raise SourceTaken("short_name", "Enter a short name, for example CR")
    if not slug_for(name):
        raise SourceTaken("name", "The name must contain letters or digits")
    # Compared in Python: SQLite's lower() changes only ASCII letters ("É" stays "É"). The
    # sources are a handful, read in one query.
    sources = db.session.scalars(select(RecommendationSource)).all()
    checks = (
        ("name", lambda s: s.name.lower() == name.lower(), f"name “{name}”"),
        (
            "short_name",
            lambda s: s.short_name.lower() == short_name.lower(),
            f"short name “{short_name}”",
        ),
        ("name", lambda s: s.slug == slug_for(name), "web address this name gives"),
    )
    for field_name, same, what in checks:
        other = next((source for source in sources if same(source)), None)
        if other is not None:
            raise SourceTaken(
                field_name,
                f"The source “{other.name}” already has the {what}: choose another",
            )


def create_source(name: str, short_name: str, title: str = "", *, by: User | None):
    """Add a report whose recommendations the council answers (at the end of the list)."""
    check_source(name, short_name)
    last = db.session.scalar(select(func.max(RecommendationSource.position))) or 0
    source = RecommendationSource(
        name=name.strip(),
        short_name=short_name.strip(),
        slug=slug_for(name),
        title=title.strip(),
        position=last + 1,
    )
    db.session.add(source)
    db.session.flush()
    audit.record(
        "recommendation_source.created",
        actor=by,
        object_type="recommendation_source",
        object_id=source.id,
        summary=f"Added the recommendation source {source.name} ({source.short_name})",
        after={"name": source.name, "short_name": source.short_name, "title": source.title},
    )
    return source


# --- imports -----------------------------------------------------------------------------------


def format_for(filename: str) -> str:
    """The format a file's ending implies: .csv is CSV, anything else plain text."""
    return "csv" if filename.lower().endswith(".csv") else "text"


def parse(content: str | bytes, fmt: str) -> ImportResult:
    """Read an import in ``fmt`` ('csv' or 'text'); problems that stop it are in ``problems``."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return parse_csv(content) if fmt == "csv" else parse_plain_text(content)


def _values(item: ParsedRecommendation) -> dict[str, str | None]:
    return {
        "text": item.text,
        "theme": item.theme or "",
        "response": item.response or "",
        "timescale": item.timescale or None,
    }


def wording(recommendation: Recommendation | RecommendationRevision) -> dict[str, str | None]:
    return {name: getattr(recommendation, name) for name in FIELDS}


@dataclass
class Change:
    """One letter of an import: new (``before`` is None) or changing an existing one."""

    letter: str
    after: dict[str, str | None]
    before: dict[str, str | None] | None = None
    recommendation: Recommendation | None = None

    @property
    def changed_fields(self) -> list[str]:
        if self.before is None:
            return list(FIELDS)
        return [name for name in FIELDS if self.before[name] != self.after[name]]


@dataclass
class ImportPlan:
    """What saving an import would do; nothing is written to build it."""

    result: ImportResult
    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def to_save(self) -> int:
        return len(self.new) + len(self.changed)

    @property
    def rows(self) -> list[Change]:
        """Every recognised letter that would be saved, in letter order."""
        return sorted(self.new + self.changed, key=lambda c: (len(c.letter), c.letter))

    @property
    def recognised(self) -> list[tuple[Change, str]]:
        """Every recognised letter with what saving does to it: 'new', 'changed', 'unchanged'."""
        saved = {c.letter: c for c in self.new + self.changed}
        return [
            (saved[item.letter], "new" if saved[item.letter].before is None else "changed")
            if item.letter in saved
            else (Change(item.letter, _values(item)), "unchanged")
            for item in self.result.recommendations
        ]


def plan_import(source: RecommendationSource | None, result: ImportResult) -> ImportPlan:
    """Compare what a file gives with the source's recommendations (``None``: a new source)."""
    existing = {r.letter: r for r in source.recommendations} if source is not None else {}
    plan = ImportPlan(result)
    for item in result.recommendations:
        after = _values(item)
        current = existing.get(item.letter)
        if current is None:
            plan.new.append(Change(item.letter, after))
            continue
        before = wording(current)
        # An empty value in the file keeps the current one.
        merged = {name: after[name] or before[name] for name in FIELDS}
        change = Change(item.letter, merged, before, current)
        if change.changed_fields:
            plan.changed.append(change)
        else:
            plan.unchanged.append(item.letter)
    seen = [
        (item.letter, existing[item.letter].version if item.letter in existing else 0)
        for item in result.recommendations
    ]
    key = json.dumps([source.id if source is not None else None, seen])
    plan.fingerprint = hashlib.sha256(key.encode()).hexdigest()[:32]
    return plan


def apply_import(
    source: RecommendationSource, plan: ImportPlan, *, by: User | None, seen: str | None = None
) -> ImportPlan:
    """Save a plan: all of it (the route commits once) or, if refused, nothing.

    ``seen`` is the fingerprint of the plan the admin confirmed; if the source changed since,
    the plan is refused rather than saving something they did not see.
    """
    if seen is not None and seen != plan.fingerprint:
        raise PlanChanged(
            "The recommendations of this source changed after your preview. Check the new "
            "preview and save again."
        )
    if not plan.to_save:
        raise DomainError("There is nothing new or changed to save.")
    for change in plan.new:
        db.session.add(Recommendation(source=source, letter=change.letter, **change.after))
    for change in plan.changed:
        assert change.recommendation is not None  # a changed letter has its recommendation
        _revise(change.recommendation, change.after, by=by, reason="Updated by an import")
    db.session.flush()
    audit.record(
        "recommendations.imported",
        actor=by,
        object_type="recommendation_source",
        object_id=source.id,
        summary=(
            f"Imported {source.short_name}: {len(plan.new)} added, {len(plan.changed)} updated"
        ),
        after={
            "added": [c.letter for c in plan.new],
            "updated": [c.letter for c in plan.changed],
        },
    )
    return plan


# --- editing -----------------------------------------------------------------------------------


def _revise(
    recommendation: Recommendation, values: dict, *, by: User | None, reason: str
) -> RecommendationRevision:
    """Give a recommendation a new wording, keeping the earlier ones as revisions."""
    if not recommendation.revisions:
        first = RecommendationRevision(
            recommendation=recommendation,
            number=recommendation.version,
            reason="The wording as first loaded, recorded at its first change",
            created_at=utcnow(),
            **wording(recommendation),
        )
        db.session.add(first)
    for name in FIELDS:
        setattr(recommendation, name, values[name])
    recommendation.version += 1
    revision = RecommendationRevision(
        recommendation=recommendation,
        number=recommendation.version,
        reason=reason[:500],
        created_by=by,
        **values,
    )
    db.session.add(revision)
    return revision


def edit_recommendation(
    recommendation: Recommendation,
    values: dict[str, str | None],
    reason: str,
    *,
    by: User,
    seen_version: int | None,
) -> RecommendationRevision:
    """An admin rewords a recommendation, refused if it changed since they loaded it
    (``seen_version``; None, a form that did not say, is refused as stale too)."""
    if recommendation.version != seen_version:
        raise StaleRecommendation(recommendation)
    values = {
        "text": " ".join((values.get("text") or "").split()),
        "theme": " ".join((values.get("theme") or "").split()),
        "response": (values.get("response") or "").strip().replace("\r\n", "\n"),
        "timescale": " ".join((values.get("timescale") or "").split()) or None,
    }
    if not values["text"]:
        raise DomainError("Enter the recommendation's text")
    before = wording(recommendation)
    if values == before:
        raise Unchanged("Nothing was changed.")
    revision = _revise(recommendation, values, by=by, reason=reason.strip() or "Edited")
    db.session.flush()
    audit.record(
        "recommendation.edited",
        actor=by,
        object_type="recommendation",
        object_id=recommendation.id,
        summary=f"Edited {recommendation.label} (wording {revision.number})",
        before={k: v for k, v in before.items() if before[k] != values[k]},
        after={k: v for k, v in values.items() if before[k] != values[k]},
    )
    return revision


# --- links, retiring, deleting -----------------------------------------------------------------


def link_counts(recommendation: Recommendation) -> dict[str, int]:
    """How many clauses, discussions, amendments and sessions are linked to it (any document)."""
    return {
        name: db.session.execute(
            select(func.count())
            .select_from(table)
            .where(table.c.recommendation_id == recommendation.id)
        ).scalar_one()
        for name, table in LINKS.items()
    }


def deletion_refusal(recommendation: Recommendation) -> str | None:
    """Why the recommendation cannot be deleted, or None if it can."""
    linked = [
        f"{n} {name if n != 1 else name[:-1]}"
        for name, n in link_counts(recommendation).items()
        if n
    ]
    if linked:
        return (
            f"{recommendation.label} cannot be deleted: it is linked to {', '.join(linked)}. "
            "Retire it instead: it stays where it is linked but is not offered for new links."
        )
    if recommendation.revisions:
        return (
            f"{recommendation.label} cannot be deleted: its earlier wordings are kept as its "
            "history. Retire it instead."
        )
    return None


def delete_recommendation(recommendation: Recommendation, *, by: User) -> None:
    """Delete a recommendation nothing links to and that was never changed (a mistake)."""
    refusal = deletion_refusal(recommendation)
    if refusal:
        raise CannotDelete(refusal)
    audit.record(
        "recommendation.deleted",
        actor=by,
        object_type="recommendation",
        object_id=recommendation.id,
        summary=f"Deleted {recommendation.label}",
        before={"letter": recommendation.letter, **wording(recommendation)},
    )
    db.session.delete(recommendation)
    db.session.flush()


def retire(recommendation: Recommendation, reason: str, *, by: User) -> None:
    """Stop offering a recommendation for new links; it stays where it is linked."""
    if recommendation.is_retired:
        raise DomainError(f"{recommendation.label} is already retired.")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the recommendation is retired")
    recommendation.retired_at = utcnow()
    recommendation.retired_by = by
    recommendation.retirement_reason = reason
    audit.record(
        "recommendation.retired",
        actor=by,
        object_type="recommendation",
        object_id=recommendation.id,
        summary=f"Retired {recommendation.label}: {reason}",
    )


def unretire(recommendation: Recommendation, *, by: User) -> None:
    """Offer a retired recommendation for new links again."""
    if not recommendation.is_retired:
        raise DomainError(f"{recommendation.label} is not retired.")
    recommendation.retired_at = None
    recommendation.retired_by = None
    recommendation.retirement_reason = None
    audit.record(
        "recommendation.unretired",
        actor=by,
        object_type="recommendation",
        object_id=recommendation.id,
        summary=f"Brought {recommendation.label} back into use",
    )
