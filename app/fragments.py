"""Rendered comment cards, kept in the shared cache (Flask-Caching) under keys made of
everything that changes what a card shows.

A card's key holds the comment's own change marker (``Comment.activity_mark``, moved on by an
edit, withdrawal, hide or unhide), its edit count, hidden and withdrawn state and stored-HTML
policy version; its author's name, group, job title and roles (the badges); the clause wording
it is set against; the relative times it shows ("5 minutes ago"); and the viewer's class: what
they may do to it (reply, edit, moderate, see the audit trail) and whether it is their own;
and what renders it: the running sanitiser policy (``app.markdown.POLICY_VERSION``: a release
that tightens it never shows HTML kept under the older one) and a digest of the templates.
Nothing else reaches the card, so a change anywhere makes a new key, on this host or another:
correctness never depends on one process, and stale entries simply age out.

A whole page's list of comments (the cards, their "Show more replies" links and the page
links) is kept too, under a key made the same way from ``threads.summarise_page``, one cheap
statement that reads what the cards show without loading them: each shown comment's marker,
counts, relative times and author's name and badges, the reply counts, the page's marker and
number of pages, and the viewer's class (with who they are only where a card on the page is
their own, and then whether its edit window is open). A page whose list is cached costs that
statement instead of loading and rendering fifty comments.

The document page's clause cards are kept another way (``kept_cards``): each card is first
gathered into a named tuple of everything it shows (``app.documents.cards.ClauseCard``), which
its macro reads and nothing else, so the card's value is its key.

The cache is Redis (``CACHE_REDIS_URL``) where one is configured, else a cache in each process
(``SimpleCache``; the tests use it, so they exercise the cache). The card's one form (Unhide)
carries a placeholder for its CSRF token, replaced with the viewer's own token on the way out,
so that nothing cached holds one person's token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2.runtime import Macro
from markupsafe import Markup

from app import markdown as sanitiser
from app.discussions.threads import PageSummary, ShownComment
from app.models import Clause, Comment, Discussion, User
from app.permissions import (
    can_offer_comment,
    can_offer_comment_edit,
    can_offer_moderation,
    can_see_audit,
)
from app.rules import edit_window, is_within_edit_window
from app.services.voting import Tally
from app.shared_cache import cache_get, cache_get_many, cache_set, cache_set_many
from app.templating import time_ago

# Where the viewer's CSRF token goes in a cached card. A tag no one can type: people's text
# reaches a page escaped ("<" as "&lt;") or through the sanitiser, which keeps only its own
# tags, so the placeholder is never found in what someone wrote (a name, a comment, a reason).
CSRF_PLACEHOLDER = Markup("<accord-csrf-token>")
# Bump when the code that renders a card or a list changes what they show (a filter, a
# permission the viewer's class is made of); a change to their templates needs nothing, as
# the keys carry a digest of the templates' source (``templates_digest``).
FRAGMENT_VERSION = 1
FRAGMENT_TEMPLATES = (
    "documents/show.html",
    "_macros/documents.html",
    "discussions/show.html",
    "voting/panel.html",
    "_macros/comments.html",
    "_macros/people.html",
    "_macros/pagination.html",
)


def _digest_of_templates(app) -> str:
    environment = app.jinja_env
    sources = [environment.loader.get_source(environment, name)[0] for name in FRAGMENT_TEMPLATES]
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]


def templates_digest() -> str:
    """A digest of the source of the templates cards and lists are rendered from (read once,
    when the app is made), so that hosts running two releases side by side (a rolling
    deployment) never share a fragment."""
    return current_app.extensions["fragment_templates"]


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
        can_comment=bool(can_offer_comment(user, discussion)),
        can_moderate=can_offer_moderation(user, discussion),
        can_see_audit=can_see_audit(user),
    )


def edit_links_close(first_editable: datetime | None, viewer: Viewer) -> datetime | None:
    """When the first of ``viewer``'s Edit and Withdraw links goes (its edit window closes,
    ``rules.edit_window``: the page changes with nothing written), from when their first live
    comment still in its window was posted (``threads.PageSummary.first_editable`` or
    ``threads.first_editable``: the whole thread's, so a reply behind "Show more replies"
    counts too); None when the page shows them none. It goes into the page's ETag
    (``app.rendering.until_part``), so an open page's poll is answered afresh then."""
    if first_editable is None or viewer.user_id is None or not viewer.can_comment:
        return None
    return first_editable + edit_window()


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
        FRAGMENT_VERSION,
        templates_digest(),
        sanitiser.POLICY_VERSION,
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


def _shown_parts(comment: ShownComment, viewer: Viewer) -> tuple:
    own = comment.author_id == viewer.user_id
    return (
        comment.id,
        comment.parent_id,
        comment.activity_mark,
        comment.edit_count,
        comment.html_version,
        comment.hidden_at is not None,
        comment.withdrawn_at is not None,
        comment.clause_revision_number,
        comment.author_id,
        comment.author_name,
        comment.author_group,
        comment.author_job_title,
        comment.author_is_independent_person,
        tuple(sorted((comment.roles or "").split(","))),
        comment.hidden_by_name,
        time_ago(comment.created_at),
        time_ago(comment.hidden_at),
        own,
        own and is_within_edit_window(comment),
    )


def thread_key(
    summary: PageSummary, discussion: Discussion, clause: Clause | None, viewer: Viewer
) -> str:
    """The cache key of the list of comments on ``summary``'s page as ``viewer`` sees it (see
    the module's notes)."""
    owns_one = any(comment.author_id == viewer.user_id for comment in summary.shown)
    parts = (
        FRAGMENT_VERSION,
        templates_digest(),
        sanitiser.POLICY_VERSION,
        discussion.id,
        discussion.document.slug,
        (clause.number, clause.revision_number) if clause is not None else None,
        summary.number,
        summary.pages,
        summary.mark,
        summary.reply_counts,
        viewer.can_comment,
        viewer.can_moderate,
        viewer.can_see_audit,
        viewer.user_id if owns_one else None,
        tuple(_shown_parts(comment, viewer) for comment in summary.shown),
    )
    return "thread:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def with_csrf(html: str) -> Markup:
    """``html`` (rendered by the autoescaping templates) with the viewer's own CSRF token in
    place of the placeholder."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)


def kept_thread(key: str | None, html: str) -> Markup:
    """The list of comments just rendered (with placeholders for tokens), kept under ``key``
    (None: not to be kept), with the viewer's token in place."""
    if key is not None:
        cache_set(key, str(html))
    return with_csrf(html)


def cached_card(
    macro: Macro,
    comment: Comment,
    discussion: Discussion,
    clause: Clause | None,
    viewer: Viewer,
    is_reply: bool = False,
    fill_csrf: bool = True,
) -> Markup:
    """The card ``macro`` renders for ``comment``, from the cache when it holds it; with the
    placeholder for the token left in place when ``fill_csrf`` is false (the list it is in is
    kept, and filled, as a whole)."""
    own = comment.author_id == viewer.user_id
    can_edit = own and can_offer_comment_edit(current_user, comment)
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
    return with_csrf(html) if fill_csrf else Markup(html)


def kept_voters(macro: Macro, tally: Tally) -> Markup:
    """The "Who voted how" list of ``tally`` as ``macro`` renders it, from the cache when the
    tally came from it (``Tally.cache_key``: it moves with every vote on the item, and with
    any change to people, so the list is never older than the counts beside it). A clause
    with 200 voters renders 200 lines: a fifth of its page. The viewer's own vote is marked
    "(you)", so their id is part of the key when they are among the voters."""
    if tally.cache_key is None:
        return Markup(macro(tally))
    me = current_user.id
    voted = any(voter.id == me for voter, _ in tally.voters)
    key = (
        "voters:"
        + hashlib.sha256(
            repr(
                (FRAGMENT_VERSION, templates_digest(), tally.cache_key, me if voted else None)
            ).encode()
        ).hexdigest()
    )
    html = cache_get(key)
    if html is None:
        html = str(macro(tally))
        cache_set(key, html)
    return Markup(html)


def kept_cards(macro: Macro, cards: Sequence[tuple], kind: str) -> Markup:
    """Each of ``cards`` as ``macro`` renders it, joined, from the cache where it holds them.

    A card here is a named tuple of plain values that is everything its macro shows
    (``app.documents.cards.ClauseCard``), so its key is its own value with the templates'
    digest: readers who would see the same card share it, and any change to what it shows is
    another key. All are read in one round trip and the missing ones written in one."""
    made_by = repr((FRAGMENT_VERSION, templates_digest()))
    keys = [
        f"{kind}:" + hashlib.sha256(f"{made_by}{card!r}".encode()).hexdigest() for card in cards
    ]
    found = cache_get_many(keys)
    made: dict[str, str] = {}
    for index, (key, card) in enumerate(zip(keys, cards, strict=True)):
        if found[index] is None:
            found[index] = made[key] = str(macro(card))
    if made:
        cache_set_many(made)
    return Markup("".join(found))


def init_fragments(app) -> None:
    app.extensions["fragment_templates"] = _digest_of_templates(app)
    app.jinja_env.globals["thread_viewer"] = thread_viewer
    app.jinja_env.globals["cached_card"] = cached_card
    app.jinja_env.globals["kept_thread"] = kept_thread
    app.jinja_env.globals["kept_voters"] = kept_voters
    app.jinja_env.globals["kept_cards"] = kept_cards
    app.jinja_env.filters["with_csrf"] = with_csrf
