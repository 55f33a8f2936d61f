"""Creating documents: the Ways of Working Accord, the Member/Officer Protocol, agendas."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, User
from app.services import Invalid, audit

# Paths under /documents/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})
SLUG_LENGTH = 80


def slug_words(text: str, length: int = SLUG_LENGTH) -> str:
    """``text`` as lower case ASCII words joined by hyphens, at most ``length`` characters
    (maybe empty): each letter spelt as people would in plain letters, by anyascii ("größe" →
    "grosse", "Łódź" → "lodz", "Доверие" → "doverie"), not dropped when it has no accent to
    take off."""
    from anyascii import anyascii

    words = re.sub(r"[^a-z0-9]+", "-", anyascii(text).lower()).strip("-")
    return words[:length].strip("-")


def slug_for(title: str) -> str:
    """A URL name from the title (``slug_words``), or "document" when it has no letters."""
    return slug_words(title) or "document"


def create_document(kind: DocumentKind, title: str, summary: str, *, by: User) -> Document:
    """A new Draft document. Two documents may not share a title; the slug is the title's, with
    a number added when another document (say, a session's agenda) already has it."""
    title, summary = title.strip(), summary.strip()
    if not title:
        raise Invalid("Enter the document's title")
    if db.session.scalar(select(Document.id).where(Document.title == title)) is not None:
        raise Invalid("A document with this title already exists. Choose another title")
    base = slug_for(title)
    taken = set(db.session.scalars(select(Document.slug).where(Document.slug.like(f"{base}%"))))
    taken |= RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    document = Document(
        kind=kind, title=title, slug=slug, summary=summary, status=DocumentStatus.DRAFT
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "document.created",
        actor=by,
        object_type="document",
        object_id=document.id,
        document_id=document.id,
        summary=f"{kind.label} “{title}” created as a Draft",
        after={"kind": kind.value, "title": title, "slug": slug},
    )
    return document
