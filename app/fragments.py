"""Rendered comment cards, kept in the shared cache (Flask-Caching) under keys made of
everything that changes what a card shows.

A card's key holds the comment's own change marker (``Comment.activity_mark``, moved on by an
edit, withdrawal, hide or unhide), its edit count, hidden and withdrawn state and stored-HTML
policy version; its author's name, group, job title and roles (the badges); the clause wording
it is set against; the relative times it shows ("5 minutes ago"); and the viewer's class: what
they may do to it (reply, edit, moderate, see the audit trail) and whether it is their own.
Nothing else reaches the card, so a change anywhere makes a new key, on this host or another:
correctness never depends on one process, and stale entries simply age out.

The cache is Redis (``CACHE_REDIS_URL``) where one is configured, else a cache in each process
(``SimpleCache``; the tests use it, so they exercise the cache). The card's one form (Unhide)
carries a placeholder for its CSRF token, replaced with the viewer's own token on the way out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2.runtime import Macro
from markupsafe import Markup

from app.models import Clause, Comment, Discussion, User
from app.permissions import can_comment, can_edit_comment, can_moderate, can_see_audit
from app.shared_cache import cache_get, cache_set
from app.templating import time_ago

CSRF_PLACEHOLDER = "__accord_csrf_token__"
CARD_VERSION = 1  # bump when the comment card's template changes


@dataclass(frozen=True)
class Viewer:
    """What the person looking at a thread may do there (the same for every card on it)."""

    user_id: int | None
    can_comment: bool
    can_moderate: bool
    can_see_audit: bool


def thread_viewer(discussion: Discussion) -> Viewer:
    """The signed-in person's class on ``discussion``: three permission checks for the page
    instead of three for each card."""
    user = current_user if current_user.is_authenticated else None
    return Viewer(
        user_id=user.id if user is not None else None,
        can_comment=bool(can_comment(user, discussion)),
        can_moderate=can_moderate(user, discussion),
        can_see_audit=can_see_audit(user),
    )


def _person(user: User | None) -> tuple:
    if user is None:
        return ()
    return (
        user.id,
        user.display_name,
        user.group,
        user.job_title,
        user.is_independent_person,
        tuple(sorted(role.value for role in user.roles)),
    )


def card_key(
    comment: Comment,
    discussion: Discussion,
    clause: Clause | None,
    viewer: Viewer,
    *,
    is_reply: bool,
    can_edit: bool,
) -> str:
    """The cache key of ``comment``'s card as ``viewer`` sees it (see the module's notes)."""
    parts = (
        CARD_VERSION,
        comment.id,
        comment.activity_mark,
        comment.edit_count,
        comment.html_version,
        comment.hidden_at is not None,
        comment.withdrawn_at is not None,
        comment.edited_at is not None,
        comment.clause_revision_number,
        _person(comment.author),
        _person(comment.hidden_by),
        time_ago(comment.created_at),
        time_ago(comment.hidden_at),
        discussion.id,
        discussion.document.slug,
        (clause.number, clause.revision_number) if clause is not None else None,
        is_reply,
        viewer.can_comment,
        viewer.can_moderate,
        viewer.can_see_audit,
        comment.author_id == viewer.user_id,
        can_edit,
    )
    return "card:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_card(
    macro: Macro,
    comment: Comment,
    discussion: Discussion,
    clause: Clause | None,
    viewer: Viewer,
    is_reply: bool = False,
) -> Markup:
    """The card ``macro`` renders for ``comment``, from the cache when it holds it."""
    own = comment.author_id == viewer.user_id
    can_edit = own and can_edit_comment(current_user, comment)
    key = card_key(comment, discussion, clause, viewer, is_reply=is_reply, can_edit=can_edit)
    html = cache_get(key)
    if html is None:
        html = str(
            macro(
                comment,
                discussion,
                clause,
                viewer=viewer,
                can_edit=can_edit,
                is_reply=is_reply,
                csrf=CSRF_PLACEHOLDER,
            )
        )
        cache_set(key, html)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)  # rendered by the autoescaping template


def init_fragments(app) -> None:
    app.jinja_env.globals["thread_viewer"] = thread_viewer
    app.jinja_env.globals["cached_card"] = cached_card
