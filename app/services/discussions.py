"""Starting discussions, commenting, editing, withdrawing and moderating.

Every change raises the change marker of the clause (or, for a discussion on the whole document,
of the document) and stamps the changed row with the new value, so a live page can ask "what
changed since marker N?" with one small query.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, func, or_, select, update

from app.extensions import db
from app.models import (
    Clause,
    Comment,
    CommentRevision,
    Discussion,
    Document,
    Moderation,
    ModerationAction,
    Recommendation,
    User,
    utcnow,
)
from app.rules import is_within_edit_window
from app.services import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Unchanged,
    audit,
    notifications,
    require_editable,
    require_live,
    require_open,
    require_sent_unchanged,
)
from app.services.locks import lock_for_write
from app.services.shown import require_shown
from app.text import same_text

MAX_COMMENT_LENGTH = 10_000


class DiscussionLocked(Conflict):
    """A facilitator locked the discussion: it takes no more comments."""


class EditWindowClosed(Conflict):
    """The comment is older than the edit window, so it can no longer be changed."""


class CommentGone(Conflict):
    """The comment was withdrawn or hidden, so it can no longer be changed."""


class StaleComment(Conflict):
    """Someone (or another tab) changed the comment after this form was loaded."""

    def __init__(self, comment: Comment):
        super().__init__("This comment was changed after you opened it.")
        self.comment = comment


class NotAReplyTarget(Invalid):
    """Replies answer a top-level comment of the same discussion."""

    status = 400


def _lock(discussion: Discussion, *rows: Discussion | Comment) -> None:
    """Take the write locks for a change in the discussion (``locks.lock_for_write``: its
    document, then its clause) and read ``rows`` afresh under them."""
    lock_for_write(discussion.document, discussion.clause)
    for row in rows:
        db.session.refresh(row)


def bump_activity(discussion: Discussion, *, itself: bool = False) -> int:
    """Raise the marker of what the discussion belongs to and return its new value, which the
    discussion takes as its ``activity_mark`` (and, when the change is to the discussion
    ``itself`` rather than to a comment, as its ``state_mark``)."""
    table: type[Clause] | type[Document]
    if discussion.clause_id is not None:
        table, key = Clause, discussion.clause_id
    else:
        table, key = Document, discussion.document_id
    marker = db.session.execute(
        update(table)
        .where(table.id == key)
        .values(activity=table.activity + 1)
        .returning(table.activity)
    ).scalar_one()
    discussion.activity_mark = marker
    if itself:
        discussion.state_mark = marker
    return marker


def mark_document_moved(document: Document) -> None:
    """The markers of ``document``, its clauses and every discussion on them moved on, for a
    change of the document's state: who may comment, vote and moderate follows it, so each
    open clause and discussion page (and its poll) must show it. Three statements."""
    db.session.execute(
        update(Clause).where(Clause.document_id == document.id).values(activity=Clause.activity + 1)
    )
    db.session.execute(
        update(Document).where(Document.id == document.id).values(activity=Document.activity + 1)
    )
    clause_marker = select(Clause.activity).where(Clause.id == Discussion.clause_id)
    document_marker = select(Document.activity).where(Document.id == Discussion.document_id)
    db.session.execute(
        update(Discussion)
        .where(Discussion.document_id == document.id)
        .values(
            state_mark=func.coalesce(
                clause_marker.scalar_subquery(), document_marker.scalar_subquery()
            )
        )
    )


def require_discussable(document: Document, clause: Clause | None) -> None:
    """Raise DocumentNotOpen unless the document is Open for comment, ClauseRetired for a
    retired clause: for a route refusing early (as loaded), and ``start_discussion`` under
    the document's lock."""
    require_open(
        document, "Discussions can only be started while the document is Open for comment."
    )
    require_live(clause, "This clause is retired, so it takes no new discussions.")


def checked_comment(body: str) -> str:
    """A comment's text as kept (trimmed). Raises ``Invalid`` for none, or for more than
    ``MAX_COMMENT_LENGTH`` characters: the limit of the comment forms, kept here too for text
    that comes another way (a Word comment of 20,000 characters was saved)."""
    body = (body or "").strip()
    if not body:
        raise Invalid("Enter your comment")
    if len(body) > MAX_COMMENT_LENGTH:
        raise Invalid(f"Comments must be {MAX_COMMENT_LENGTH:,} characters or fewer")
    return body


def start_discussion(
    document: Document,
    clause: Clause | None,
    title: str,
    body: str,
    recommendations: list[Recommendation],
    *,
    by: User,
    submission_key: str | None = None,
    amendment=None,
) -> Discussion:
    """A new discussion with its opening comment, answering at least one recommendation.

    On a clause, on a proposed amendment to a clause, or (no clause) on the whole document.
    Raises DocumentNotOpen unless the document is Open for comment, ClauseRetired for a retired
    clause, Invalid for a clause of another document or no recommendation."""
    lock_for_write(document, clause)
    require_discussable(document, clause)
    if clause is not None and clause.document_id != document.id:
        raise Invalid(document.worded("That clause is not part of this document."))
    if not recommendations:
        raise Invalid("Choose at least one recommendation the discussion answers.")
    discussion = Discussion(
        document=document,
        clause=clause,
        title=title.strip(),
        started_by=by,
        recommendations=list(recommendations),
        state_mark=0,
    )
    db.session.add(discussion)
    db.session.flush()
    audit.record(
        "discussion.started",
        actor=by,
        object_type="discussion",
        object_id=discussion.id,
        document_id=document.id,
        summary=f"Discussion “{discussion.title}” started",
        after={
            "title": discussion.title,
            "clause_id": discussion.clause_id,
            "recommendations": [r.label for r in recommendations],
        },
    )
    add_comment(discussion, body, by=by, submission_key=submission_key)
    notifications.discussion_started(discussion, by=by)
    return discussion


def add_comment(
    discussion: Discussion,
    body: str,
    *,
    by: User,
    parent: Comment | None = None,
    submission_key: str | None = None,
) -> Comment:
    """A comment, or a reply to a comment (one level of replies).

    Raises DocumentNotOpen unless the document is Open for comment, DiscussionLocked,
    ClauseRetired when the discussion's clause is retired, NotAReplyTarget."""
    _lock(discussion, discussion)
    require_takes_comments(discussion, "Comments can only be added")
    body = checked_comment(body)
    if parent is not None:
        if parent.discussion_id != discussion.id:
            raise NotAReplyTarget("You can only reply to a comment in this discussion.")
        if parent.parent_id is not None:
            raise NotAReplyTarget("You can reply to a comment, but not to a reply.")
    comment = Comment(
        discussion=discussion,
        parent=parent,
        author=by,
        body=body.strip(),
        clause_revision_number=discussion.clause.revision_number if discussion.clause else None,
        submission_key=submission_key,
    )
    db.session.add(comment)
    comment.created_mark = comment.activity_mark = bump_activity(discussion)
    db.session.flush()
    audit.record(
        "comment.posted",
        actor=by,
        object_type="comment",
        object_id=comment.id,
        document_id=discussion.document_id,
        summary=f"{'Reply' if parent else 'Comment'} in “{discussion.title}”",
        after={"body": comment.body, "parent_id": comment.parent_id},
    )
    if parent is not None:
        notifications.comment_replied(comment, by=by)
    return comment


def require_takes_comments(
    discussion: Discussion, what: str = "Comments can only be added"
) -> None:
    """The discussion takes comments (and changes to them): its document is Open for comment,
    it is not locked and its clause, if any, is not retired. Raises DocumentNotOpen,
    ClauseRetired, DiscussionLocked: for a route refusing early (as loaded), and the services
    under the discussion's lock."""
    require_open(discussion.document, f"{what} while the document is Open for comment.")
    require_live(
        discussion.clause, "This clause is retired, so its discussions take no more comments."
    )
    if discussion.is_locked:
        raise DiscussionLocked("This discussion is locked, so no more comments can be added.")


def require_changeable(
    comment: Comment, by: User, verb: str = "change", participle: str = "changed"
) -> None:
    """One's own live comment, within the edit window, in a discussion that takes comments:
    raises Forbidden for someone else's, as ``require_takes_comments``, CommentGone,
    EditWindowClosed. For a route refusing early (as loaded), and the services under the
    comment's lock."""
    if comment.author_id != by.id:
        raise Forbidden(f"Only its author can {verb} a comment.")
    require_takes_comments(comment.discussion, f"Comments can only be {participle}")
    if comment.is_withdrawn or comment.is_hidden:
        raise CommentGone("This comment was withdrawn or hidden, so it can no longer change.")
    if not is_within_edit_window(comment):
        minutes = current_app.config["COMMENT_EDIT_WINDOW_MINUTES"]
        raise EditWindowClosed(
            "The time for changing this comment has passed: comments can be changed or "
            f"withdrawn for {minutes} minute{'' if minutes == 1 else 's'} after they are posted."
        )


def why_unchangeable(comment: Comment, by: User) -> str | None:
    """Why ``by`` can no longer edit or withdraw ``comment`` (the words the refusal would
    use: its edit window closed, it was hidden), or None when they still can."""
    try:
        require_changeable(comment, by, "change", "changed")
    except DomainError as refusal:
        return str(refusal)
    return None


def find_submitted(
    submission_key: str | None, *, body: str | None = None, title: str | None = None
) -> Comment | None:
    """The comment a form with this key already made, if it was sent before. ``body`` (and a
    new discussion's ``title``), when given, are what the form carries this time: other words
    than the first sending's raise SentAgainChanged (``require_sent_unchanged``)."""
    if not submission_key:
        return None
    earlier = db.session.scalar(select(Comment).where(Comment.submission_key == submission_key))
    if earlier is not None and body is not None:
        sent = [(earlier.body, body)]
        if title is not None:
            sent.append((earlier.discussion.title, title))
        require_sent_unchanged(sent, "the comment")
    return earlier


def edit_comment(comment: Comment, body: str, *, by: User, seen_edit_count: int | None) -> Comment:
    """Replace the text of one's own comment within the edit window; the old text is kept.

    Raises Forbidden for someone else's comment; DocumentNotOpen, DiscussionLocked,
    ClauseRetired as add_comment; CommentGone, EditWindowClosed; StaleComment when the comment
    changed after ``seen_edit_count`` (None, a form that did not say, is stale too)."""
    _lock(comment.discussion, comment.discussion, comment)
    require_changeable(comment, by, "change", "changed")
    if comment.edit_count != seen_edit_count:
        raise StaleComment(comment)
    body = checked_comment(body)
    if same_text(body, comment.body):
        raise Unchanged("Nothing was changed.")
    db.session.add(
        CommentRevision(comment=comment, number=comment.edit_count + 1, body=comment.body)
    )
    audit.record(
        "comment.edited",
        actor=by,
        object_type="comment",
        object_id=comment.id,
        document_id=comment.discussion.document_id,
        summary="Comment edited",
        before={"body": comment.body},
        after={"body": body},
    )
    comment.body = body
    comment.edit_count += 1
    comment.edited_at = utcnow()
    comment.activity_mark = bump_activity(comment.discussion)
    return comment


def withdraw_comment(comment: Comment, *, by: User) -> Comment:
    """The author takes their comment back; its place stays, marked as withdrawn. Raises as
    edit_comment."""
    _lock(comment.discussion, comment.discussion, comment)
    require_changeable(comment, by, "withdraw", "withdrawn")
    comment.withdrawn_at = utcnow()
    comment.activity_mark = bump_activity(comment.discussion)
    audit.record(
        "comment.withdrawn",
        actor=by,
        object_type="comment",
        object_id=comment.id,
        document_id=comment.discussion.document_id,
        summary="Comment withdrawn",
    )
    return comment


def require_moderatable(discussion: Discussion) -> None:
    """Raise DocumentNotEditable once the document is submitted: for a route refusing early
    (as loaded), and the services."""
    require_editable(
        discussion.document,
        "Discussions can only be moderated before the document goes to the Standards Committee.",
    )


def _record(
    action: ModerationAction,
    discussion: Discussion,
    by: User,
    reason: str = "",
    comment: Comment | None = None,
) -> None:
    db.session.add(
        Moderation(action=action, discussion=discussion, comment=comment, reason=reason, by=by)
    )
    target = ("comment", comment.id) if comment is not None else ("discussion", discussion.id)
    audit.record(
        f"{target[0]}.{action.value}",
        actor=by,
        object_type=target[0],
        object_id=target[1],
        document_id=discussion.document_id,
        summary=f"{action.value.capitalize()}: “{discussion.title}”"
        + (f" ({reason})" if reason else ""),
        after={"reason": reason} if reason else None,
    )


def require_hideable(comment: Comment, *, hidden: bool = False) -> None:
    """Raise ``Conflict`` unless the comment is shown (``hidden`` False: it may be hidden) or
    hidden (True: it may be shown again), as it was read: for a route before its form, and
    the services under the discussion's locks (two facilitators at once: the second is told)."""
    if comment.is_hidden and not hidden:
        raise Conflict("This comment is already hidden.")
    if hidden and not comment.is_hidden:
        raise Conflict("This comment is not hidden, so there is nothing to show again.")


def hide_comment(comment: Comment, reason: str, *, by: User) -> Comment:
    """A facilitator hides a comment; the reason shows in its place. Raises DocumentNotEditable
    from Submitted on (moderation changes the record the committee reviews), Conflict when it
    is already hidden (``require_hideable``)."""
    _lock(comment.discussion, comment)
    require_moderatable(comment.discussion)
    require_hideable(comment)
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = utcnow(), by, reason.strip()
    _record(ModerationAction.HIDE, comment.discussion, by, reason.strip(), comment)
    comment.activity_mark = bump_activity(comment.discussion)
    return comment


def unhide_comment(comment: Comment, *, by: User) -> Comment:
    """A facilitator shows a hidden comment again. Raises as hide_comment (Conflict when it
    is not hidden)."""
    _lock(comment.discussion, comment)
    require_moderatable(comment.discussion)
    require_hideable(comment, hidden=True)
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = None, None, None
    _record(ModerationAction.UNHIDE, comment.discussion, by, comment=comment)
    comment.activity_mark = bump_activity(comment.discussion)
    return comment


def set_locked(discussion: Discussion, locked: bool, *, by: User) -> Discussion:
    """Lock a discussion (no more comments) or unlock it. Raises as hide_comment."""
    _lock(discussion, discussion)
    require_moderatable(discussion)
    discussion.locked_at, discussion.locked_by = (utcnow(), by) if locked else (None, None)
    _record(ModerationAction.LOCK if locked else ModerationAction.UNLOCK, discussion, by)
    bump_activity(discussion, itself=True)
    return discussion


RELINK_CHANGED = (
    "Another facilitator changed the recommendations this discussion answers after you opened "
    "the page, so yours were not saved. The ones it answers now are shown below and your ticks "
    "are still in the boxes: save again to replace them."
)


def relink_shown(discussion: Discussion) -> dict:
    """What the recommendations form was drawn with (``app.services.shown``): the ids of the
    recommendations the discussion answers."""
    return {"recommendations": sorted(r.id for r in discussion.recommendations)}


def relink(
    discussion: Discussion,
    recommendations: list[Recommendation],
    *,
    by: User,
    seen: str | None = None,
) -> None:
    """Change which recommendations a discussion answers (at least one). ``seen``, when given,
    is the digest of the links the form was drawn with (``relink_shown``): links changed since
    are never replaced unseen (``ShownChanged``, 409). Raises as hide_comment, and Invalid for
    no recommendation."""
    _lock(discussion)
    db.session.refresh(discussion, ["recommendations"])  # the links as saved, under the lock
    require_moderatable(discussion)
    if seen is not None:
        require_shown(relink_shown(discussion), seen, RELINK_CHANGED)
    if not recommendations:
        raise Invalid("Choose at least one recommendation the discussion answers.")
    before = ", ".join(r.label for r in discussion.recommendations)
    discussion.recommendations = list(recommendations)
    _record(ModerationAction.RELINK, discussion, by, f"was: {before}")
    bump_activity(discussion, itself=True)


def describe_changes(discussion: Discussion, since: int, shown: Select | None = None) -> str:
    """What changed in the discussion after marker ``since``, for a screen-reader announcement;
    with ``shown`` (a query of top-level comment ids: a page of the thread), only among those
    comments and their replies."""
    query = select(Comment).where(
        Comment.discussion_id == discussion.id, Comment.activity_mark > since
    )
    if shown is not None:
        query = query.where(or_(Comment.id.in_(shown), Comment.parent_id.in_(shown)))
    changed = db.session.scalars(query).all()
    new = sum(1 for c in changed if c.created_mark > since)
    other = len(changed) - new
    parts = []
    if new:
        parts.append(f"{new} new comment{'s' if new != 1 else ''}")
    if other:
        parts.append(f"{other} comment{'s' if other != 1 else ''} changed")
    if discussion.state_mark > since and not changed:
        parts.append("the discussion changed")
    return (", ".join(parts).capitalize() + ".") if parts else ""
