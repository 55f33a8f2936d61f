from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import exists, or_, select

from app.boundaries import takes_import_body
from app.extensions import db
from app.forms import create_once
from app.importers import people as people_csv
from app.models import ListEntry, ListKind, Role, User, UserRole
from app.pagination import paginate
from app.people.forms import (
    AddListEntryForm,
    ConfirmForm,
    EditPersonForm,
    ImportConfirmForm,
    ImportForm,
    InvitationForm,
    InviteForm,
    RenameListEntryForm,
)
from app.permissions import (
    can_anonymise,
    can_export_personal_data,
    can_manage_people,
    can_reset_two_factor,
    require,
)
from app.personal_data.routes import archive_response
from app.rendering import render
from app.services import (
    DomainError,
    SentAgainChanged,
    account_tokens,
    accounts,
    leavers,
    people,
    people_import,
    personal_data,
    two_factor,
)
from app.services.shown import ShownChanged
from app.services.shown import digest as shown_digest
from app.sql import lowered, text_containing

bp = Blueprint("people", __name__)

PEOPLE_PAGE_SIZE = 50


def _person(user_id: int, may: Callable[[User | None], bool] = can_manage_people) -> User:
    """The person ``user_id``, for someone who ``may`` (a predicate of the viewer alone) act
    on people: 403 before the person is looked up, so that who may not cannot tell which
    people exist from a 404 (outside tester)."""
    require(may(current_user))
    return db.get_or_404(User, user_id)


def _changeable_person(
    user_id: int, may: Callable[[User | None], bool] = can_manage_people
) -> User:
    """``_person``, for a page or form that changes them: an anonymised account is refused at
    once (``people.Anonymised``, 409, with a link back to its page), before any form."""
    user = _person(user_id, may)
    if user.is_anonymised:
        error = people.Anonymised(user)
        error.links = [("Go back to the person's page", url_for("people.show", user_id=user.id))]
        raise error
    return user


@bp.get("/people")
def index():
    """Everyone, 50 to a page: filter by role and status, search by name or email."""
    require(can_manage_people(current_user))
    filters = {key: request.args.get(key, "").strip() for key in ("q", "role", "status")}
    query = select(User)
    if filters["q"]:
        query = query.where(
            or_(
                text_containing(User.display_name, filters["q"]),
                text_containing(User.email, filters["q"]),
            )
        )
    if filters["role"] in Role._value2member_map_:
        query = query.where(
            exists().where(UserRole.user_id == User.id, UserRole.role == Role(filters["role"]))
        )
    if filters["status"] in people.STATUSES:
        query = query.where(people.status_condition(filters["status"]))
    found = paginate(
        query.order_by(lowered(User.display_name), User.id),
        request.args.get("page", type=int),
        PEOPLE_PAGE_SIZE,
    )
    invitations = account_tokens.latest_invitations([user.id for user in found.items])
    return render(
        "people/index.html",
        people=[(user, people.status_of(user, invitations.get(user.id))) for user in found.items],
        filters=filters,
        roles=list(Role),
        statuses=people.STATUSES,
        page=found.number,
        pages=found.pages,
        total=found.total,
    )


@bp.route("/people/invite", methods=["GET", "POST"])
def invite():
    """Invite someone by email: they are added with their roles and set their own password."""
    require(can_manage_people(current_user))
    form = InviteForm()
    form.offer_lists()
    if form.validate_on_submit():

        def invite() -> tuple[str, str]:
            user = people.invite(
                form.email.data,
                form.name.data,
                form.roles.roles,
                by=current_user,
                **form.details,
            )
            return (
                url_for("people.show", user_id=user.id),
                f"{user.display_name} is invited. The link in the email to {user.email} works "
                f"once, for {accounts.invitation_lifetime().days} days.",
            )

        try:  # the same form sent again goes to the person, not "there is already an account"
            return create_once(form, invite, made="the person")
        except people.EmailTaken as error:
            db.session.rollback()
            form.email.errors = [str(error)]
    return render("people/invite.html", form=form)


@bp.get("/people/<int:user_id>")
def show(user_id: int):
    """A person: details, roles, where their account stands, and what can be done."""
    user = _person(user_id)
    invitation = account_tokens.latest_invitations([user.id]).get(user.id)
    return render(
        "people/show.html",
        person=user,
        account=people.status_of(user, invitation),
        invitation=invitation,
        is_last_admin=people.is_last_active_admin(user),
        two_factor=two_factor.credential_of(user),
        form=ConfirmForm(formdata=None),
        invitation_form=InvitationForm(formdata=None),
    )


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    """Change a person's details and roles (the last administrator keeps the admin role)."""
    user = _changeable_person(user_id)
    form = EditPersonForm(obj=user, name=user.display_name)
    form.offer_lists(user)
    if request.method == "GET":
        form.version.data = people.details_version(user)
    if form.validate_on_submit():
        try:
            changed = people.update_person(
                user,
                by=current_user,
                name=form.name.data,
                email=form.email.data,
                roles=form.roles.roles,
                seen_version=form.version.data,  # "": the form did not say, so stale
                **form.details,
            )
        except people.PersonChanged:
            db.session.rollback()
            form.version.data = people.details_version(user)  # saving again means over these
            return render("people/edit.html", form=form, person=user, conflict=True, status=409)
        except people.EmailTaken as error:
            db.session.rollback()
            form.email.errors = [str(error)]
        except people.LastAdmin as error:
            db.session.rollback()
            form.roles.errors = [str(error)]
        else:
            db.session.commit()
            message = f"{user.display_name}'s details are saved." if changed else "Nothing changed."
            if "email" in changed and not user.password_hash and user.active:
                message += (
                    " The invitation sent to the old address no longer works: send a new one."
                )
            flash(message, "success" if changed else "info")
            if not can_manage_people(current_user):  # an admin who gave up the role
                return redirect(url_for("main.home"), 303)
            return redirect(url_for("people.show", user_id=user.id), 303)
    return render("people/edit.html", form=form, person=user, conflict=False)


@bp.post("/people/<int:user_id>/invitation")
def resend_invitation(user_id: int):
    """Send a new invitation link; the earlier one stops working. The button sent twice sends
    one (``create_once``): a second would stop the first email's link working."""
    user = _changeable_person(user_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        return redirect(url_for("people.show", user_id=user.id), 303)

    def send() -> tuple[str, str]:
        accounts.send_invitation(user, by=current_user)
        return (
            url_for("people.show", user_id=user.id),
            f"A new invitation is on its way to {user.email}. Earlier links no longer work.",
        )

    try:
        return create_once(form, send, made="the invitation")
    except accounts.AlreadySetUp as error:
        flash(f"{error} No invitation was sent.", "info")
    return redirect(url_for("people.show", user_id=user.id), 303)


def _confirm_page(user: User, action: str, form: ConfirmForm, *, error: str | None = None):
    return render(
        "people/confirm.html",
        person=user,
        action=action,
        form=form,
        error=error,
        status=409 if error else 200,
    )


@bp.route("/people/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate(user_id: int):
    """Confirm, then stop the person signing in (their contributions keep their name)."""
    user = _changeable_person(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirm_page(user, "deactivate", form)
    try:
        changed = people.deactivate(user, by=current_user)
    except people.LastAdmin as error:
        db.session.rollback()
        return _confirm_page(user, "deactivate", form, error=str(error))
    if not changed:  # a second click, another tab
        flash(f"{user.display_name} is already deactivated: nothing changed.", "info")
        return redirect(url_for("people.show", user_id=user.id), 303)
    db.session.commit()
    flash(
        f"{user.display_name} is deactivated and signed out. Their comments and votes keep "
        "their name.",
        "success",
    )
    return redirect(url_for("people.show", user_id=user.id), 303)


@bp.route("/people/<int:user_id>/reactivate", methods=["GET", "POST"])
def reactivate(user_id: int):
    """Confirm, then let a deactivated person sign in again."""
    user = _changeable_person(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirm_page(user, "reactivate", form)
    if not people.reactivate(user, by=current_user):  # a second click, another tab
        flash(f"{user.display_name} is already active: nothing changed.", "info")
        return redirect(url_for("people.show", user_id=user.id), 303)
    db.session.commit()
    flash(f"{user.display_name} can sign in again.", "success")
    return redirect(url_for("people.show", user_id=user.id), 303)


@bp.route("/people/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
def reset_two_factor(user_id: int):
    """Confirm, then reset a person's second factor (a lost phone): they are signed out, told
    by email, and set it up again at their next sign-in."""
    user = _changeable_person(user_id, can_reset_two_factor)
    if two_factor.credential_of(user) is None:
        flash(f"{user.display_name} has no two-factor sign-in to reset.", "info")
        return redirect(url_for("people.show", user_id=user.id), 303)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirm_page(user, "reset-two-factor", form)
    two_factor.reset(user, by=current_user)
    db.session.commit()
    flash(
        f"{user.display_name}'s two-factor sign-in is reset and they are signed out. "
        f"An email to {user.email} tells them.",
        "success",
    )
    return redirect(url_for("people.show", user_id=user.id), 303)


@bp.post("/people/<int:user_id>/personal-data")
def export_personal_data(user_id: int):
    """A subject access request: the ZIP the person would download themself (audited: who,
    whose, when)."""
    user = _person(user_id, can_export_personal_data)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("people.show", user_id=user.id), 303)
    personal_data.record_subject_access(user, by=current_user)
    db.session.commit()
    return archive_response(user)


@bp.route("/people/<int:user_id>/anonymise", methods=["GET", "POST"])
def anonymise(user_id: int):
    """Warn and confirm, then anonymise a person who has left: their name becomes "Former
    Member" (or the like), their contact details go and sign-in ends; their contributions
    stay."""
    user = _changeable_person(user_id)
    require(can_anonymise(current_user, user))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirm_page(user, "anonymise", form)
    try:
        leavers.anonymise(user, by=current_user)
    except people.LastAdmin as error:
        db.session.rollback()
        return _confirm_page(user, "anonymise", form, error=str(error))
    db.session.commit()
    flash(
        f"The account is anonymised: it now shows as {user.display_name}. Their comments, "
        "votes and amendments stay, under that name.",
        "success",
    )
    return redirect(url_for("people.show", user_id=user.id), 303)


def _uploaded_text(form: ImportForm) -> str:
    upload = form.file.data
    if upload and getattr(upload, "filename", ""):
        return people_csv.decode(upload.read(people_csv.MAX_CHARACTERS * 4 + 1))
    return form.text.data or ""


@bp.route("/people/import", methods=["GET", "POST"])
@takes_import_body
def import_people():
    """Upload or paste a CSV file; the preview shows what would happen, writing nothing."""
    require(can_manage_people(current_user))
    form = ImportForm()
    if form.validate_on_submit():
        try:
            text = _uploaded_text(form)
            if not text.strip():
                form.file.errors = ["Choose a CSV file to upload, or paste the CSV"]
            else:
                plan = people_import.preview(text, add_new_groups=form.add_new_groups.data)
                return render(
                    "people/import_preview.html",
                    plan=plan,
                    form=ImportConfirmForm(
                        formdata=None,
                        text=text,
                        send_invitations="yes" if form.send_invitations.data else "",
                        add_new_groups="yes" if form.add_new_groups.data else "",
                        shown=shown_digest(people_import.plan_shown(plan)),
                    ),
                    send_invitations=form.send_invitations.data,
                    status=422 if plan.rejected else 200,
                )
        except people_csv.ImportFileError as error:
            form.file.errors = [str(error)]
    return render(
        "people/import.html",
        form=form,
        columns=people_csv.COLUMNS,
    )


@bp.post("/people/import/confirm")
@takes_import_body
def confirm_import():
    """Import the previewed file: planned again now, and all or nothing. The button confirms
    the preview: when the plan made now is not the one it showed (people or lists changed
    since), nothing is imported and the page previews the import as it now is (409)."""
    require(can_manage_people(current_user))
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("people.import_people"), 303)
    send_invitations = form.send_invitations.data == "yes"

    def import_people() -> tuple[str, str]:
        result = people_import.apply(
            form.text.data or "",
            by=current_user,
            send_invitations=send_invitations,
            add_new_groups=form.add_new_groups.data == "yes",
            seen=form.shown.data or "",
        )
        message = f"Imported {len(result.created)} new and {len(result.changed)} changed people."
        if result.invited:
            message += f" {result.invited} invitations are on their way."
        return url_for("people.index"), message

    try:
        return create_once(form, import_people, made="the import")
    except people_import.PlanChanged as changed:  # the import as it now is, to check again
        db.session.rollback()
        form.shown.data = shown_digest(people_import.plan_shown(changed.plan))
        return render(
            "people/import_preview.html",
            plan=changed.plan,
            form=form,
            send_invitations=send_invitations,
            changed=str(changed),
            status=409,
        )
    except people_import.ImportRejected as rejected:
        db.session.rollback()
        return render(
            "people/import_preview.html",
            plan=rejected.plan,
            form=form,
            send_invitations=send_invitations,
            nothing_imported=str(rejected),
            status=422,
        )
    except people_csv.ImportFileError as error:
        db.session.rollback()
        flash(f"{error} Nothing was imported.", "info")
        return redirect(url_for("people.import_people"), 303)


# Managed lists ------------------------------------------------------------------------------


def _kind(kind: str) -> ListKind:
    require(can_manage_people(current_user))
    if kind not in ListKind._value2member_map_:
        abort(404)
    return ListKind(kind)


def _lists_page(kind: ListKind, form: AddListEntryForm, status: int = 200):
    return render(
        "people/lists.html",
        kind=kind,
        kinds=list(ListKind),
        entries=people.list_entries(kind),
        form=form,
        status=status,
    )


@bp.route("/people/lists/<kind>", methods=["GET", "POST"])
def lists(kind: str):
    """A managed list (political Groups, wards, services): add, rename and retire names."""
    list_kind = _kind(kind)
    form = AddListEntryForm().for_list(list_kind)
    if form.validate_on_submit():

        def add() -> tuple[str, str]:
            entry = people.add_list_entry(list_kind, form.name.data, by=current_user)
            return (
                url_for("people.lists", kind=list_kind.value) + f"#entry-{entry.id}",
                f"“{entry.name}” is on the list of {list_kind.label}.",
            )

        try:  # the same form sent again goes to the list, not "it is already on the list"
            return create_once(form, add, made="the name")
        except SentAgainChanged:  # the form's key: the error page shows what it carried
            raise
        except DomainError as error:
            form.name.errors = [str(error)]
    return _lists_page(list_kind, form, 422 if form.errors else 200)


def _entry(entry_id: int) -> ListEntry:
    require(can_manage_people(current_user))
    return db.get_or_404(ListEntry, entry_id)


@bp.route("/people/lists/entries/<int:entry_id>/rename", methods=["GET", "POST"])
def rename_entry(entry_id: int):
    """Rename a name on a list, and on everyone who has it (onto another name: merge)."""
    entry = _entry(entry_id)
    kind = ListKind(entry.kind)
    form = RenameListEntryForm(name=entry.name).for_list(kind)
    if request.method != "POST":  # drawn now: it carries the name it shows
        form.shown.data = shown_digest(people.list_entry_shown(entry))
    if form.validate_on_submit():
        before = entry.name
        try:
            changed = people.rename_list_entry(
                entry, form.name.data, by=current_user, seen=form.shown.data or ""
            )
        except ShownChanged as error:  # renamed meanwhile: what it is called now, name kept
            db.session.rollback()
            entry = _entry(entry_id)
            form.shown.data = shown_digest(people.list_entry_shown(entry))
            return render(
                "people/rename_entry.html",
                entry=entry,
                kind=kind,
                form=form,
                changed=str(error),
                status=409,
            )
        except DomainError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            kept = people.find_list_entry(kind, form.name.data)  # a merge keeps the other's
            now = kept.name if kept else form.name.data.strip()
            flash(
                f"“{before}” is now “{now}”, for {changed} "
                f"{'person' if changed == 1 else 'people'}.",
                "success",
            )
            return redirect(url_for("people.lists", kind=kind.value), 303)
    return render(
        "people/rename_entry.html",
        entry=entry,
        kind=kind,
        form=form,
    )


@bp.post("/people/lists/entries/<int:entry_id>/<any(retire, reinstate):action>")
def change_entry(entry_id: int, action: str):
    """Retire a name (no longer offered; people keep it) or offer it again."""
    entry = _entry(entry_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if action == "retire":
            people.retire_list_entry(entry, by=current_user)
            message = f"“{entry.name}” is retired: it is no longer offered."
        else:
            people.reinstate_list_entry(entry, by=current_user)
            message = f"“{entry.name}” is offered again."
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("people.lists", kind=ListKind(entry.kind).value), 303)
