from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.discussions import bp
from app.discussions.forms import (
    CommentForm,
    ConfirmForm,
    EditCommentForm,
    HideCommentForm,
    RelinkForm,
    StartDiscussionForm,
    chosen_recommendations,
    recommendation_choices,
)
from app.discussions.live import live_marker, poll_or_sign_in
from app.extensions import db, is_htmx_request
from app.models import Amendment, Clause, Comment, Discussion, Document, Recommendation
from app.permissions import (
    can_comment,
    can_edit_comment,
    can_moderate,
    can_read_document,
    can_start_discussion,
    is_on_retired_clause,
    require,
)
from app.rendering import render
from app.services import DomainError, Unchanged
from app.services import discussions as service

SHOW = "discussions/show.html"


def _load_discussion(discussion_id: int) -> Discussion:
    discussion = db.first_or_404(
        select(Discussion)
        .where(Discussion.id == discussion_id)
        .options(
            joinedload(Discussion.document),
            joinedload(Discussion.clause),
            selectinload(Discussion.recommendations).joinedload(Recommendation.source),
        )
    )
    require(can_read_document(current_user, discussion.document))
    return discussion


def _load_comment(comment_id: int) -> Comment:
    comment = db.get_or_404(Comment, comment_id)
    require(can_read_document(current_user, comment.discussion.document))
    return comment


def _thread(discussion: Discussion, page: int) -> dict:
    """One page of top-level comments with all their replies, in a fixed number of queries."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    top_level = select(Comment).where(
        Comment.discussion_id == discussion.id, Comment.parent_id.is_(None)
    )
    total = db.session.scalar(select(func.count()).select_from(top_level.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    comments = db.session.scalars(
        top_level.order_by(Comment.created_at, Comment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(joinedload(Comment.author), joinedload(Comment.hidden_by))
    ).all()
    replies: dict[int, list[Comment]] = {comment.id: [] for comment in comments}
    if comments:
        for reply in db.session.scalars(
            select(Comment)
            .where(Comment.parent_id.in_(list(replies)))
            .order_by(Comment.created_at, Comment.id)
            .options(joinedload(Comment.author), joinedload(Comment.hidden_by))
        ):
            replies[reply.parent_id].append(reply)
    # Authors' roles (for badges) come with them: User.role_grants loads "selectin".
    return {"comments": comments, "replies": replies, "page": page, "pages": pages, "total": total}


def _page_context(discussion: Discussion, **forms) -> dict:
    page = request.args.get("page", 1, type=int)
    context = {
        "discussion": discussion,
        "document": discussion.document,
        "clause": discussion.clause,
        "marker": live_marker(discussion),
        "editing": None,
        "conflict": False,
        "thread_oob": False,
        "announcement": "",
        **_thread(discussion, page),
    }
    context.setdefault("comment_form", forms.pop("comment_form", None) or CommentForm())
    context.update(forms)
    reply_to = request.args.get("reply_to", type=int)
    context["reply_to"] = next(
        (
            c
            for c in context["comments"]
            if c.id == reply_to and can_comment(current_user, discussion)
        ),
        None,
    )
    edit_id = request.args.get("edit", type=int)
    editing = db.session.get(Comment, edit_id) if edit_id else None
    if (
        editing is not None
        and editing.discussion_id == discussion.id
        and can_edit_comment(current_user, editing)
    ):
        context["editing"] = editing
        context.setdefault(
            "edit_form", EditCommentForm(body=editing.body, edit_count=editing.edit_count)
        )
    return context


def _done(discussion: Discussion, message: str, anchor: str = "thread"):
    """After a change: the updated thread for htmx, else flash and redirect (303)."""
    if is_htmx_request():
        context = _page_context(discussion)
        context.update(
            reply_to=None,
            editing=None,
            comment_form=CommentForm(formdata=None),
            announcement=message,
            thread_oob=True,
        )
        return render(SHOW, blocks=["composer", "thread", "announcement_oob"], **context)
    flash(message, "success")
    page = request.args.get("page")
    return redirect(
        url_for(
            "discussions.show",
            discussion_id=discussion.id,
            **({"page": page} if page else {}),
            _anchor=anchor,
        ),
        303,
    )


@bp.get("/discussions/<int:discussion_id>")
def show(discussion_id: int):
    """A discussion: its comments and replies, and the form to add one."""
    discussion = _load_discussion(discussion_id)
    context = _page_context(discussion)
    block = "composer" if request.args.get("reply_to") or request.args.get("edit") else None
    return render(SHOW, block=block, **context)


@bp.get("/discussions/<int:discussion_id>/live")
def live(discussion_id: int):
    """The thread, for a page polling for changes: 304 Not Modified when nothing changed."""
    response = poll_or_sign_in("discussion", discussion_id)
    if response is not None:
        return response
    discussion = _load_discussion(discussion_id)
    context = _page_context(discussion)
    since = request.args.get("since", type=int)
    announcement = service.describe_changes(discussion, since) if since is not None else ""
    context["announcement"] = announcement
    response = render(SHOW, blocks=["thread", "announcement_oob"], **context)
    response.set_etag(str(context["marker"]))
    return response


@bp.route("/documents/<slug>/discussions/new", methods=["GET", "POST"])
def new(slug: str):
    """Start a discussion on a clause (``?clause=N``) or on the whole document."""
    document = db.first_or_404(select(Document).where(Document.slug == slug))
    require(can_read_document(current_user, document))
    clause = None
    clause_number = request.values.get("clause")
    if clause_number:
        clause = db.session.scalar(
            select(Clause).where(Clause.document_id == document.id, Clause.number == clause_number)
        )
        if clause is None or clause.is_retired:
            abort(404)
    amendment = None
    if request.values.get("amendment"):
        amendment = db.session.get(Amendment, request.values.get("amendment", type=int) or 0)
        if amendment is None or clause is None or amendment.clause_id != clause.id:
            abort(404)
    require(can_start_discussion(current_user, document))
    form = StartDiscussionForm()
    form.recommendations.choices = recommendation_choices()
    if request.method == "GET" and clause is not None and not form.recommendations.data:
        form.recommendations.data = [r.id for r in clause.recommendations]
    if form.validate_on_submit():
        existing = service.find_submitted(form.submission_key.data)
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
    status = 422 if form.errors else 200
    return render(
        "discussions/new.html", document=document, clause=clause, form=form, status=status
    )


@bp.post("/discussions/<int:discussion_id>/comments")
def comment(discussion_id: int):
    """Post a comment, or a reply when the form names the comment it answers."""
    discussion = _load_discussion(discussion_id)
    if discussion.is_locked and can_start_discussion(current_user, discussion.document):
        abort(
            409, "This discussion is locked, so no more comments can be added. Nothing was posted."
        )
    if is_on_retired_clause(discussion) and can_start_discussion(current_user, discussion.document):
        abort(
            409,
            "This clause is retired, so its discussions take no more comments. Nothing was posted.",
        )
    require(can_comment(current_user, discussion))
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, form.parent_id.data)
        if parent is None or parent.discussion_id != discussion.id:
            abort(400, "You can only reply to a comment in this discussion.")
        if parent.parent_id is not None:
            abort(400, "You can reply to a comment, but not to a reply.")
    if form.validate_on_submit():
        if service.find_submitted(form.submission_key.data) is None:
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
        return _done(discussion, "Your reply was posted." if parent else "Your comment was posted.")
    context = _page_context(discussion, comment_form=form)
    context["reply_to"] = parent
    return render(SHOW, block="composer", status=422, **context)


@bp.post("/comments/<int:comment_id>/edit")
def edit_comment(comment_id: int):
    """Change one's own comment within the edit window; a stale form gets 409 with both texts."""
    comment = _load_comment(comment_id)
    discussion = _load_discussion(comment.discussion_id)
    if comment.author_id != current_user.id:
        abort(403)
    form = EditCommentForm()
    if not can_edit_comment(current_user, comment):
        if (
            not comment.is_withdrawn
            and not comment.is_hidden
            and can_comment(current_user, discussion)
        ):
            abort(409, "The time for changing this comment has passed.")
        abort(403)
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
            return _done(discussion, "Your comment was changed.", anchor=f"comment-{comment.id}")
    context = _page_context(discussion, edit_form=form)
    context["editing"] = comment
    return render(SHOW, block="composer", status=422, **context)


@bp.route("/comments/<int:comment_id>/withdraw", methods=["GET", "POST"])
def withdraw_comment(comment_id: int):
    """Withdraw one's own comment, after a confirmation page."""
    comment = _load_comment(comment_id)
    require(can_edit_comment(current_user, comment))
    form = ConfirmForm()
    if form.validate_on_submit():
        service.withdraw_comment(comment, by=current_user)
        db.session.commit()
        return _done(
            comment.discussion, "Your comment was withdrawn.", anchor=f"comment-{comment.id}"
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
    comment = _load_comment(comment_id)
    require(can_moderate(current_user, comment.discussion) and not comment.is_hidden)
    form = HideCommentForm()
    if form.validate_on_submit():
        service.hide_comment(comment, form.reason.data, by=current_user)
        db.session.commit()
        return _done(comment.discussion, "The comment is hidden.", anchor=f"comment-{comment.id}")
    return render(
        "discussions/hide.html",
        form=form,
        comment=comment,
        discussion=comment.discussion,
        status=422 if form.errors else 200,
    )


@bp.post("/comments/<int:comment_id>/unhide")
def unhide_comment(comment_id: int):
    comment = _load_comment(comment_id)
    require(can_moderate(current_user, comment.discussion) and comment.is_hidden)
    service.unhide_comment(comment, by=current_user)
    db.session.commit()
    return _done(comment.discussion, "The comment is shown again.", anchor=f"comment-{comment.id}")


@bp.post("/discussions/<int:discussion_id>/lock")
def lock(discussion_id: int):
    """Lock (or, with ``unlock``, reopen) a discussion to new comments."""
    discussion = _load_discussion(discussion_id)
    require(can_moderate(current_user, discussion))
    locked = request.form.get("action") != "unlock"
    service.set_locked(discussion, locked, by=current_user)
    db.session.commit()
    return _done(
        discussion,
        "The discussion is locked." if locked else "The discussion is open for comments again.",
    )


@bp.route("/discussions/<int:discussion_id>/recommendations", methods=["GET", "POST"])
def relink(discussion_id: int):
    """A facilitator changes which recommendations the discussion answers."""
    discussion = _load_discussion(discussion_id)
    require(can_moderate(current_user, discussion))
    form = RelinkForm()
    form.recommendations.choices = recommendation_choices(
        keep=[r.id for r in discussion.recommendations]
    )
    if request.method == "GET":
        form.recommendations.data = [r.id for r in discussion.recommendations]
    if form.validate_on_submit():
        try:
            service.relink(
                discussion, chosen_recommendations(form.recommendations.data), by=current_user
            )
        except DomainError as error:
            form.recommendations.errors = [str(error)]
        else:
            db.session.commit()
            return _done(discussion, "The recommendations this discussion answers were changed.")
    return render(
        "discussions/relink.html",
        form=form,
        discussion=discussion,
        status=422 if form.errors else 200,
    )
