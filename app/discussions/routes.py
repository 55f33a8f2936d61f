from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from app import fragments
from app.boundaries import posted_action
from app.discussions import threads
from app.discussions.forms import (
    CommentForm,
    EditCommentForm,
    HideCommentForm,
    RelinkForm,
    StartDiscussionForm,
)
from app.extensions import db
from app.forms import ConfirmForm, chosen_recommendations, recommendation_choices
from app.loaders import (
    get_clause_or_404,
    get_comment_or_404,
    get_discussion_or_404,
    get_document_or_404,
)
from app.models import Amendment, Comment, Discussion, ViewedKind
from app.page_notes import changes_at
from app.pagination import LAST_PAGE_ASKED
from app.permissions import (
    can_comment,
    can_edit_comment,
    can_moderate,
    can_offer_comment,
    can_offer_comment_edit,
    can_start_discussion,
    require,
)
from app.rendering import is_htmx_request, live_response, render
from app.services import Invalid, Unchanged, last_views
from app.services import discussions as service
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest
from app.shared_cache import cache_get
from app.templating import tasks_done_by_this_page
from app.transactions import write_after_reading

bp = Blueprint("discussions", __name__)

SHOW = "discussions/show.html"


def _thread(discussion: Discussion, page: int | None, *, from_cache: bool) -> dict:
    """One page of top-level comments (oldest first) with their first replies.

    ``from_cache``: the page's list of comments as the shared cache keeps it, found with one
    statement (``threads.summarise_page``); when the cache has no copy, the comments are loaded
    (two statements more) and the template keeps what it renders under ``thread_key``. Else
    the comments are loaded in two statements (``threads.load_page``)."""
    viewer = fragments.thread_viewer(discussion)
    context: dict = {
        "viewer": viewer,
        "thread_key": None,
        "thread_html": None,
        "reading_mark_covers": False,
        "tasks_done": 0,
        "seen_until": None,
    }
    if from_cache:
        summary = threads.summarise_page(discussion, page, current_user.id, current_user.roles)
        context["reading_mark_covers"] = summary.reading_mark_covers
        context["tasks_done"] = summary.tasks_done
        context["seen_until"] = last_views.seen_until(summary.newest)
        key = fragments.thread_key(summary, discussion, discussion.clause, viewer)
        edits_close = fragments.edit_links_close(summary.first_editable, viewer)
        changes_at(edits_close)  # an Edit link goes: a page kept whole is made again
        html = cache_get(key)
        if html is not None:
            return {
                **context,
                "thread_html": html,
                "comments": [],
                "replies": {},
                "reply_counts": {},
                "page": summary.number,
                "pages": summary.pages,
                "total": summary.total,
                "marker": summary.etag,
                "since": summary.mark,
                "edits_close": edits_close,
            }
        context["thread_key"] = key
        page = summary.number
    found = threads.load_page(discussion, page)
    return {
        **context,
        "comments": found.comments,
        "replies": found.replies,
        "reply_counts": found.reply_counts,
        "page": found.number,
        "pages": found.pages,
        "total": found.total,
        "marker": found.etag,
        "since": found.mark,
        "edits_close": edits_close
        if from_cache
        else fragments.edit_links_close(
            threads.first_editable(discussion, current_user.id), viewer
        ),
    }


def _page_of(discussion: Discussion, parent: Comment | None) -> int:
    """The page that shows a reply to ``parent``, or (``parent`` None) the newest top-level
    comment: the last page."""
    shown_before = select(func.count(Comment.id)).where(
        Comment.discussion_id == discussion.id, Comment.parent_id.is_(None)
    )
    if parent is not None:
        shown_before = shown_before.where(
            or_(
                Comment.created_at < parent.created_at,
                and_(Comment.created_at == parent.created_at, Comment.id <= parent.id),
            )
        )
    count = db.session.execute(shown_before).scalar_one()
    return max(1, -(-count // current_app.config["COMMENTS_PER_PAGE"]))


def _page_showing(comment: Comment) -> int:
    """The page that shows ``comment``: its own, or (a reply) its top-level comment's."""
    root = db.session.get(Comment, comment.parent_id) if comment.parent_id else comment
    return _page_of(comment.discussion, root)


def _is_composing() -> bool:
    """The address asks for a reply to a comment, or an edit of one, in the composer."""
    return bool(request.args.get("reply_to") or request.args.get("edit"))


def _page_context(discussion: Discussion, page: int | None = None, **forms) -> dict:
    page = page or request.args.get("page", 1, type=int)
    context = {
        "discussion": discussion,
        "document": discussion.document,
        "clause": discussion.clause,
        "editing": None,
        "edit_refused": None,
        "conflict": False,
        "thread_oob": False,
        "announcement": "",
        # Replying or editing shows the comment in the composer: the comments are loaded.
        **_thread(discussion, page, from_cache=not _is_composing()),
    }
    context.setdefault("comment_form", forms.pop("comment_form", None) or CommentForm())
    context.update(forms)
    reply_to = request.args.get("reply_to", type=int)
    context["reply_to"] = next(
        (
            c
            for c in context["comments"]
            if c.id == reply_to and can_offer_comment(current_user, discussion)
        ),
        None,
    )
    edit_id = request.args.get("edit", type=int)
    editing = db.session.get(Comment, edit_id) if edit_id else None
    if (
        editing is not None
        and editing.discussion_id == discussion.id
        and can_offer_comment_edit(current_user, editing)
    ):
        context["editing"] = editing
        context.setdefault(
            "edit_form", EditCommentForm(body=editing.body, edit_count=editing.edit_count)
        )
    elif (
        editing is not None
        and editing.discussion_id == discussion.id
        and editing.author_id == current_user.id
    ):
        # An Edit link followed after its window closed (a page left open): say so.
        context["edit_refused"] = service.why_unchangeable(editing, current_user)
    return context


def _done(discussion: Discussion, message: str, anchor: str = "thread", page: int | None = None):
    """After a change: the updated thread (its ``page``, else the one asked for) for htmx, else
    flash and redirect (303) to that page."""
    if is_htmx_request():
        context = _page_context(discussion, page)
        context.update(
            reply_to=None,
            editing=None,
            comment_form=CommentForm(formdata=None),
            announcement=message,
            thread_oob=True,
        )
        return render(SHOW, blocks=["composer", "thread", "announcement_oob"], **context)
    flash(message, "success")
    page = page or request.args.get("page", type=int)
    return redirect(
        url_for(
            "discussions.show",
            discussion_id=discussion.id,
            page=page or None,
            _anchor=anchor,
        ),
        303,
    )


@bp.get("/discussions/<int:discussion_id>")
def show(discussion_id: int):
    """A discussion: its comments and replies, and the form to add one. The reader's reading
    mark is recorded unless it already covers the discussion; the header leaves out the
    tasks that reading it does."""
    discussion = get_discussion_or_404(discussion_id)
    context = _page_context(discussion)
    if _is_composing():
        return render(SHOW, block="composer", **context)
    reading = threads.Reading(
        context["reading_mark_covers"], context["seen_until"], context["tasks_done"]
    )
    return _read(discussion, reading, lambda: render(SHOW, **context))


def _read(discussion: Discussion, reading: threads.Reading, page: Callable[[], Response]):
    """``page()``, a page showing part of ``discussion``, with the reader's reading mark
    recorded after it unless it already covers the discussion (its header leaves out the
    tasks the reading does)."""
    if reading.covers:
        return page()
    tasks_done_by_this_page(reading.done)
    response = page()
    with write_after_reading():
        last_views.record_view(
            current_user,
            ViewedKind.DISCUSSION,
            discussion.id,
            discussion.document_id,
            seen_until=reading.seen_until,
        )
    return response


@bp.get("/discussions/<int:discussion_id>/live")
def live(discussion_id: int):
    """The thread, for a page polling for changes: 304 Not Modified when nothing changed."""
    page = request.args.get("page", 1, type=int)
    discussion = get_discussion_or_404(discussion_id)
    context = _page_context(discussion)
    since = request.args.get("since", type=int)
    announcement = (
        service.describe_changes(discussion, since, threads.shown_roots(discussion.id, page))
        if since is not None
        else ""
    )
    context["announcement"] = announcement
    response = render(SHOW, blocks=["thread", "announcement_oob"], **context)
    return live_response(response, context["marker"], context["edits_close"])


@bp.get("/comments/<int:comment_id>")
def where_comment_is(comment_id: int):
    """Where a comment is shown now (a notification's link): its discussion's page with it,
    or for a reply past those shown under its comment, the page of replies that has it."""
    found = get_comment_or_404(comment_id)  # 404, or 403 when its document is not theirs
    page, replies_start = threads.where_shown(found)
    anchor = f"#comment-{found.id}"
    if replies_start is not None:
        where = url_for("discussions.replies", comment_id=found.parent_id, start=replies_start)
    elif page > 1:
        where = url_for("discussions.show", discussion_id=found.discussion_id, page=page)
    else:
        where = url_for("discussions.show", discussion_id=found.discussion_id)
    return redirect(where + anchor)


@bp.get("/comments/<int:comment_id>/replies")
def replies(comment_id: int):
    """The replies to a comment from ``start`` on, a page at a time ("Show more replies"): the
    page with the comment, or for htmx only the next replies to add in place."""
    parent = get_comment_or_404(comment_id)
    if parent.parent_id is not None:
        abort(404)
    discussion = get_discussion_or_404(parent.discussion_id)
    start = min(max(request.args.get("start", 0, type=int), 0), LAST_PAGE_ASKED)
    shown, total = threads.load_replies(parent, start, current_app.config["REPLIES_PER_PAGE"])
    reading = threads.reading_of(discussion.id, current_user.id, current_user.roles)
    return _read(
        discussion,
        reading,
        lambda: render(
            "discussions/replies.html",
            blocks=["more_replies", "announcement_oob"],
            in_place=is_htmx_request(),
            announcement=f"{len(shown)} more {'reply' if len(shown) == 1 else 'replies'} shown",
            discussion=discussion,
            document=discussion.document,
            clause=discussion.clause,
            parent=parent,
            shown=shown,
            start=start,
            total=total,
            next_start=start + len(shown),
        ),
    )


@bp.route("/documents/<slug>/discussions/new", methods=["GET", "POST"])
def new(slug: str):
    """Start a discussion on a clause (``?clause=N``) or on the whole document."""
    document = get_document_or_404(slug)
    clause = None
    clause_number = request.values.get("clause")
    if clause_number:
        clause = get_clause_or_404(document, clause_number)  # retired: refused below, why
    amendment = None
    if request.values.get("amendment"):
        amendment = db.session.get(Amendment, request.values.get("amendment", type=int) or 0)
        if amendment is None or clause is None or amendment.clause_id != clause.id:
            abort(404)
    require(can_start_discussion(current_user, document))
    service.require_discussable(document, clause)  # why not, before any form (409)
    form = StartDiscussionForm()
    form.recommendations.choices = recommendation_choices()
    if request.method == "GET" and clause is not None and not form.recommendations.data:
        form.recommendations.data = [r.id for r in clause.recommendations]
    if form.validate_on_submit():
        existing = service.find_submitted(
            form.submission_key.data, body=form.body.data, title=form.title.data
        )
        if existing is not None:
            return redirect(url_for("discussions.show", discussion_id=existing.discussion_id), 303)
        discussion = service.start_discussion(
            document,
            clause,
            form.title.data,
            form.body.data,
            chosen_recommendations(form.recommendations.data),
            by=current_user,
            submission_key=form.submission_key.data,
            amendment=amendment,
        )
        db.session.commit()
        flash("Your discussion has started.", "success")
        return redirect(url_for("discussions.show", discussion_id=discussion.id), 303)
    return render("discussions/new.html", document=document, clause=clause, form=form)


@bp.post("/discussions/<int:discussion_id>/comments")
def comment(discussion_id: int):
    """Post a comment, or a reply when the form names the comment it answers."""
    discussion = get_discussion_or_404(discussion_id)
    require(can_comment(current_user, discussion))
    service.require_takes_comments(discussion)  # why not, before the form is read (409)
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, form.parent_id.data)
        if parent is None:
            abort(400, "You can only reply to a comment in this discussion.")
    if form.validate_on_submit():
        if service.find_submitted(form.submission_key.data, body=form.body.data) is None:
            try:
                service.add_comment(
                    discussion,
                    form.body.data,
                    by=current_user,
                    parent=parent,
                    submission_key=form.submission_key.data,
                )
                db.session.commit()
            except IntegrityError:  # the same form, sent twice at once: keep the first
                db.session.rollback()
        message = "Your reply was posted." if parent else "Your comment was posted."
        return _done(discussion, message, page=_page_of(discussion, parent))
    context = _page_context(discussion, comment_form=form)
    context["reply_to"] = parent if parent and parent.discussion_id == discussion.id else None
    return render(SHOW, block="composer", status=422, **context)


@bp.post("/comments/<int:comment_id>/edit")
def edit_comment(comment_id: int):
    """Change one's own comment within the edit window; a stale form gets 409 with both texts."""
    comment = get_comment_or_404(comment_id)
    discussion = get_discussion_or_404(comment.discussion_id)
    require(can_edit_comment(current_user, comment))
    service.require_changeable(comment, current_user)  # why not, before the form (409)
    form = EditCommentForm()
    if form.validate_on_submit():
        try:
            service.edit_comment(
                comment, form.body.data, by=current_user, seen_edit_count=form.edit_count.data
            )
        except service.StaleComment:
            context = _page_context(discussion, edit_form=form)
            context["editing"], context["conflict"] = comment, True
            return render(SHOW, block="composer", status=409, **context)
        except Unchanged as error:
            form.body.errors = [str(error)]
        else:
            db.session.commit()
            return _done(
                discussion,
                "Your comment was changed.",
                anchor=f"comment-{comment.id}",
                page=_page_showing(comment),
            )
    context = _page_context(discussion, edit_form=form)
    context["editing"] = comment
    return render(SHOW, block="composer", status=422, **context)


@bp.route("/comments/<int:comment_id>/withdraw", methods=["GET", "POST"])
def withdraw_comment(comment_id: int):
    """Withdraw one's own comment, after a confirmation page (offered only while it can be)."""
    comment = get_comment_or_404(comment_id)
    require(can_edit_comment(current_user, comment))
    service.require_changeable(comment, current_user, "withdraw", "withdrawn")
    form = ConfirmForm()
    if form.validate_on_submit():
        service.withdraw_comment(comment, by=current_user)
        db.session.commit()
        return _done(
            comment.discussion,
            "Your comment was withdrawn.",
            anchor=f"comment-{comment.id}",
            page=_page_showing(comment),
        )
    return render(
        "discussions/confirm.html",
        form=form,
        comment=comment,
        discussion=comment.discussion,
        action="withdraw",
    )


@bp.route("/comments/<int:comment_id>/hide", methods=["GET", "POST"])
def hide_comment(comment_id: int):
    """A facilitator hides a comment, giving the reason shown in its place."""
    comment = get_comment_or_404(comment_id)
    require(can_moderate(current_user, comment.discussion))
    service.require_moderatable(comment.discussion)  # why not now (409), before the form
    service.require_hideable(comment)
    form = HideCommentForm()
    if form.validate_on_submit():
        service.hide_comment(comment, form.reason.data, by=current_user)
        db.session.commit()
        return _done(
            comment.discussion,
            "The comment is hidden.",
            anchor=f"comment-{comment.id}",
            page=_page_showing(comment),
        )
    return render(
        "discussions/hide.html",
        form=form,
        comment=comment,
        discussion=comment.discussion,
    )


@bp.post("/comments/<int:comment_id>/unhide")
def unhide_comment(comment_id: int):
    comment = get_comment_or_404(comment_id)
    require(can_moderate(current_user, comment.discussion))
    service.require_moderatable(comment.discussion)
    service.require_hideable(comment, hidden=True)
    service.unhide_comment(comment, by=current_user)
    db.session.commit()
    return _done(
        comment.discussion,
        "The comment is shown again.",
        anchor=f"comment-{comment.id}",
        page=_page_showing(comment),
    )


@bp.post("/discussions/<int:discussion_id>/lock")
def lock(discussion_id: int):
    """Lock (or, with ``unlock``, reopen) a discussion to new comments."""
    discussion = get_discussion_or_404(discussion_id)
    require(can_moderate(current_user, discussion))
    service.require_moderatable(discussion)
    locked = posted_action("lock", "unlock") == "lock"
    service.set_locked(discussion, locked, by=current_user)
    db.session.commit()
    return _done(
        discussion,
        "The discussion is locked." if locked else "The discussion is open for comments again.",
    )


@bp.route("/discussions/<int:discussion_id>/recommendations", methods=["GET", "POST"])
def relink(discussion_id: int):
    """A facilitator changes which recommendations the discussion answers."""
    discussion = get_discussion_or_404(discussion_id)
    require(can_moderate(current_user, discussion))
    service.require_moderatable(discussion)  # why not now (409), before the form
    form = RelinkForm()
    form.recommendations.choices = recommendation_choices(
        keep=[r.id for r in discussion.recommendations]
    )
    if request.method == "GET":  # drawn now: it carries the links it shows
        form.recommendations.data = [r.id for r in discussion.recommendations]
        form.shown.data = shown_digest(service.relink_shown(discussion))
    if form.validate_on_submit():
        try:
            service.relink(
                discussion,
                chosen_recommendations(form.recommendations.data),
                by=current_user,
                seen=form.shown.data or "",
            )
        except ShownChanged as error:  # changed meanwhile: the links now beside the ticks made
            db.session.rollback()
            discussion = get_discussion_or_404(discussion_id)
            form.recommendations.choices = recommendation_choices(
                keep=[r.id for r in discussion.recommendations] + form.recommendations.data
            )
            form.shown.data = shown_digest(service.relink_shown(discussion))
            return render(
                "discussions/relink.html",
                form=form,
                discussion=discussion,
                changed=str(error),
                status=409,
            )
        except Invalid as error:
            form.recommendations.errors = [str(error)]
        else:
            db.session.commit()
            return _done(discussion, "The recommendations this discussion answers were changed.")
    return render(
        "discussions/relink.html",
        form=form,
        discussion=discussion,
    )
