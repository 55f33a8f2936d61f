"""Confirming an upload: the one place the Word round trip calls the passages service.

``create_suggestions(preview, by, *, reason, key) -> Created`` makes, for each clause of the
preview that is ready (``Preview.ready``), its passage suggestions
(``passages.suggest_change``) and passage comments (``passages.comment_on_passage``), all
attributed to ``by`` (the uploader; Word's author names are not used). It checks first, under
the services' own locks, that each clause is still at the wording the file was downloaded on.
Raises ``NotCreated`` (409 when a clause moved on, else 422) naming the clause when anything
cannot be made; the route then rolls back, so it is all or nothing. ``key`` (the confirm
form's one-time key) makes each item's submission key, so the same confirmation sent twice
creates nothing more. Word's text is stored cleaned up and escaped for Markdown
(``preview.word_markdown``): it shows as typed.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field

from app.extensions import db
from app.models import Amendment, Clause, Comment, Document, User
from app.services import DomainError, Invalid
from app.text import upper_first
from app.word.preview import Preview, word_markdown

DEFAULT_REASON = "Suggested with tracked changes in Word."


class NotCreated(Invalid):
    """Something in the preview could not be created; nothing was (the message says what)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass
class Created:
    suggestions: list[Amendment] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _key(key: str, kind: str, clause_id: int, index: int) -> str:
    return "word-" + hashlib.sha256(f"{key}:{kind}:{clause_id}:{index}".encode()).hexdigest()[:48]


def create_suggestions(preview: Preview, by: User, *, reason: str = "", key: str = "") -> Created:
    """Create the preview's suggestions and comments (module docstring)."""
    created = Created()
    reason = reason.strip() or DEFAULT_REASON
    for plan in preview.ready:
        clause = db.session.get(Clause, plan.clause_id)
        if clause is None or clause.document_id != preview.document_id:
            document = db.session.get_one(Document, preview.document_id)
            raise NotCreated(
                document.worded(f"Clause {plan.number} is no longer in this document."), 409
            )
        if clause.revision_number != plan.revision:
            raise NotCreated(
                f"{upper_first(clause.short_name)} changed while you were checking the preview. "
                "Upload the file again to see what it would do now.",
                409,
            )
        # Imported here: the passages service imports the amendments service.
        passages = importlib.import_module("app.services.passages")

        try:
            for index, suggestion in enumerate(plan.suggestions):
                created.suggestions.append(
                    passages.suggest_change(
                        clause,
                        by=by,
                        quote=suggestion.quote,
                        replacement=word_markdown(suggestion.replacement),
                        reason=reason,
                        recommendations=list(clause.recommendations),
                        prefix=suggestion.prefix,
                        suffix=suggestion.suffix,
                        submission_key=_key(key, "s", clause.id, index) if key else None,
                    )
                )
            for index, comment in enumerate(plan.comments):
                created.comments.append(
                    passages.comment_on_passage(
                        clause,
                        by=by,
                        quote=comment.quote,
                        body=word_markdown(comment.body),
                        prefix=comment.prefix,
                        suffix=comment.suffix,
                        submission_key=_key(key, "c", clause.id, index) if key else None,
                    )
                )
        except DomainError as error:
            raise NotCreated(f"{upper_first(clause.short_name)}: {error}", error.status) from error
    return created
