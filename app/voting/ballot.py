"""The ballot for the whole document: choose on one page, check, cast together.

Without JavaScript the choices travel as form fields: the ballot posts them to the check page,
which carries them as hidden fields to "Cast these votes" (or back to the ballot to change
them); nothing is kept in the session. Each item's fields are named after its key
(``choice-c12``, ``reason-c12``, ``wording-c12``; ``a5`` for amendment 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.loaders import get_document_or_404
from app.models import Choice, Document
from app.rendering import is_htmx_request, render
from app.services import ballot as service
from app.text import normalise
from app.voting.forms import BallotForm
from app.voting.routes import bp

CHOICES = [
    (Choice.SUPPORT, "Support"),
    (Choice.OPPOSE, "Oppose"),
    (Choice.ABSTAIN, "Abstain"),
    (Choice.INTEREST, "Declare an interest"),
]
REASON_LIMIT = 500
_CHOOSE = "Choose Support, Oppose, Abstain or an interest for {name}"


@dataclass
class Entry:
    """One item as the ballot shows it: what is chosen (``choice`` "" for nothing), the reason
    typed for an interest, the wording the person chose on, and any error or refusal."""

    item: service.BallotItem
    choice: str = ""
    reason: str = ""
    wording: int | None = None
    choice_errors: list[str] = field(default_factory=list)  # shown by the choices
    reason_errors: list[str] = field(default_factory=list)  # shown by the reason's box
    refusal: str | None = None

    @property
    def errors(self) -> list[str]:
        """Every error of the item, the choice's first (the error summary's order)."""
        return [*self.choice_errors, *self.reason_errors]

    @property
    def changed(self) -> bool:
        mine = self.item.mine
        if not self.choice:
            return False
        if mine.choice is None or mine.choice.value != self.choice:
            return True
        return self.choice == Choice.INTEREST and (mine.interest_reason or "") != self.reason

    @property
    def label(self) -> str:
        return dict(CHOICES).get(Choice(self.choice), "") if self.choice else ""


def _prefilled(items: list[service.BallotItem]) -> list[Entry]:
    """The ballot pre-filled with the person's current votes."""
    return [
        Entry(
            item,
            item.mine.choice.value if item.mine.choice else "",
            item.mine.interest_reason or "",
            item.wording,
        )
        for item in items
    ]


def _read(items: list[service.BallotItem], form: MultiDict) -> list[Entry]:
    """The choices posted for each item, checked: a known choice, a reason (500 characters at
    most) for an interest. Unknown keys are ignored; a missing item is left unchosen."""
    entries = []
    for item in items:
        choice = form.get(f"choice-{item.key}", "")
        reason = normalise(form.get(f"reason-{item.key}", ""), multiline=True).strip()
        wording = form.get(f"wording-{item.key}", type=int)
        entry = Entry(item, "", reason, wording if item.amendment is None else None)
        if choice in {c.value for c, _ in CHOICES}:
            entry.choice = choice
        elif choice:
            entry.choice_errors.append(_CHOOSE.format(name=item.name))
        if entry.choice == Choice.INTEREST and not reason:
            entry.reason_errors.append(f"Say briefly why you have an interest in {item.name}")
        if len(reason) > REASON_LIMIT:
            entry.reason_errors.append(
                f"The reason for {item.name} must be 500 characters or fewer"
            )
        if item.amendment is None and entry.wording is None:
            entry.wording = item.wording
        if entry.choice != Choice.INTEREST:
            entry.reason = ""
        entries.append(entry)
    return entries


def _choices(entries: list[Entry], form: MultiDict) -> list[service.BallotChoice]:
    """The changed choices, and the choices posted for items no longer on the ballot (voting
    on them closed since), which the service refuses by name."""
    shown = {f"choice-{e.item.key}" for e in entries}
    valid = {c.value for c, _ in CHOICES}
    return [
        service.BallotChoice(
            e.item.key,
            Choice(e.choice),
            e.reason if e.choice == Choice.INTEREST else None,
            e.wording,
        )
        for e in entries
        if e.changed
    ] + [
        service.BallotChoice(name.removeprefix("choice-"), Choice(value))
        for name, value in form.items()
        if name.startswith("choice-") and name not in shown and value in valid
    ]


def _page(document: Document, entries: list[Entry], form: BallotForm, *, status=200, **extra):
    return render(
        "voting/ballot.html",
        document=document,
        entries=entries,
        choices=CHOICES,
        form=form,
        status=status,
        **extra,
    )


def _load(slug: str) -> tuple[Document, list[service.BallotItem]]:
    document = get_document_or_404(slug)  # the service refuses non-voters and closed voting
    return document, service.ballot_items(current_user, document)


@bp.route("/documents/<slug>/ballot", methods=["GET", "POST"])
def ballot(slug: str):
    """Every clause and amendment open for voting on one page, pre-filled with the person's
    votes; its POST checks the choices and shows them to check (or, from the check page's
    "Change", shows the ballot again with them)."""
    document, items = _load(slug)
    form = BallotForm()
    if request.method == "GET":
        return _page(document, _prefilled(items), form)
    if not form.validate_on_submit():
        return _page(document, _prefilled(items), form, status=400)
    entries = _read(items, request.form)
    if request.form.get("action") == "change":
        return _page(document, entries, form)
    errors = [error for entry in entries for error in entry.errors]
    if not errors and not any(entry.changed for entry in entries):
        errors = ["Choose how you vote on at least one item, or change one of your votes"]
        return _page(document, entries, form, status=422, nothing_chosen=errors[0])
    if errors:
        return _page(document, entries, form, status=422)
    return render("voting/ballot_check.html", document=document, entries=entries, form=BallotForm())


@bp.post("/documents/<slug>/ballot/cast")
def cast_ballot(slug: str):
    """Cast the checked choices together, in one transaction: all or none. When one is refused
    (voting closed on it meanwhile, its wording changed), nothing is cast and the ballot shows
    again with the choices kept and each refusal by its item (409)."""
    document, items = _load(slug)
    form = BallotForm()
    entries = _read(items, request.form)
    if not form.validate_on_submit() or any(entry.errors for entry in entries):
        return _page(document, entries, form, status=422)
    try:
        cast = service.cast_ballot(current_user, document, _choices(entries, request.form))
    except service.BallotRefused as refused:
        db.session.rollback()
        items = service.ballot_items(current_user, document)
        kept = _read(items, request.form)
        shown = {entry.item.key for entry in kept}
        for entry in kept:
            entry.refusal = refused.refusals.get(entry.item.key)
            if entry.refusal:
                entry.wording = entry.item.wording  # choose again on the wording shown now
        gone = [reason for key, reason in refused.refusals.items() if key not in shown]
        return _page(document, kept, BallotForm(), status=409, refused=str(refused), gone=gone)
    db.session.commit()
    flash(
        f"Your {cast} {'vote is' if cast == 1 else 'votes are'} recorded."
        if cast
        else "Your votes are unchanged.",
        "success",
    )
    return redirect(url_for("documents.show", slug=document.slug) + "#voting", 303)


@bp.post("/documents/<slug>/ballot/items/<key>")
def save_ballot_item(slug: str, key: str):
    """Cast one item of the ballot at once ("Save this vote now"), through the same
    all-or-nothing service as the whole ballot. With htmx only the item's section is sent, and
    it is put back as it now is (the page's status region says what happened); without
    JavaScript the whole ballot comes here and is shown again, its other choices kept."""
    document, items = _load(slug)
    item = next((found for found in items if found.key == key), None)
    if item is None:
        abort(404)  # not on this person's ballot (voting on it closed, or no such item)
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)
    entries = _read(items, request.form)
    entry = next(found for found in entries if found.item.key == key)
    status, saved, announcement = 200, None, ""
    if not entry.choice:
        entry.choice_errors = [_CHOOSE.format(name=item.name)]
    if entry.errors:
        status, announcement = 422, entry.errors[0]
    elif entry.changed:
        try:
            service.cast_ballot(current_user, document, _choices([entry], MultiDict()))
        except service.BallotRefused as refused:
            db.session.rollback()
            entry.refusal = refused.refusals.get(key) or str(refused)
            status, announcement = 409, entry.refusal
        else:
            db.session.commit()
            fresh = next(
                found for found in service.ballot_items(current_user, document) if found.key == key
            )
            entry = _prefilled([fresh])[0]
            saved = f"Saved: {entry.label}"
            announcement = f"{entry.label} on {item.name} is saved."
    else:
        saved = announcement = f"Your vote on {item.name} is already {entry.label}."
    if is_htmx_request():
        html = render_template(
            "voting/ballot_item.html",
            entry=entry,
            choices=CHOICES,
            document=document,
            saved=saved,
            announcement=announcement,
        )
        return make_response(html, status)
    # The ballot again, this item as it now is and the other choices as they were made (not
    # a redirect: the choices not yet cast live only in this form).
    entries = [entry if found.item.key == key else found for found in entries]
    return _page(document, entries, form, status=status, saved_message=saved and announcement)
