from __future__ import annotations

from typing import Self

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import AccordForm, shown_field, submission_key_field, text_field, version_field
from app.models import ListKind, Role
from app.services.people import LIST_NAME_LIMIT, known_names, person_problems

ROLE_CHOICES = {role.value: role.label for role in Role}


class RolesField(SelectMultipleField):
    """A checkbox per role; the rules (at least one) are the service's."""

    widget = GovCheckboxesInput()
    data: list[str] | None

    def pre_validate(self, form) -> None:
        self.data = [value for value in self.data or [] if value in Role._value2member_map_]

    @property
    def roles(self) -> set[Role]:
        return {Role(value) for value in self.data or []}


class ListField(SelectField):
    """A name chosen from a managed list (``ListKind``); an empty choice is left to the
    person rules, which say what the role needs."""

    widget = GovSelect()

    def __init__(self, label: str, kind: ListKind, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.kind = kind

    def offer(self, names: list[str], current: str | None) -> None:
        """Offer the list's current names, and the person's own if it was retired since."""
        offered = list(names)
        if current and current not in offered:
            offered.append(current)
        self.choices = [("", f"Choose a {self.kind.singular}")] + [(n, n) for n in offered]

    def pre_validate(self, form) -> None:
        if self.data and self.data not in {value for value, _ in self.choices or []}:
            raise ValidationError(
                f"Choose a {self.kind.singular} from the list (an administrator adds new ones "
                f"under {self.kind.label})"
            )


class PersonForm(AccordForm):
    """A person's details and roles, checked by the rules the CSV import uses too."""

    name = StringField("Name", widget=GovTextInput())
    email = EmailField("Email address", widget=GovTextInput())
    roles = RolesField("Roles", choices=ROLE_CHOICES)
    # Lengths and the details each role needs are checked by ``person_problems`` in validate.
    group = ListField("Political Group", ListKind.GROUP)
    ward = ListField("Ward", ListKind.WARD)
    job_title = StringField("Job title", widget=GovTextInput())
    service = ListField("Service", ListKind.SERVICE)
    is_independent_person = BooleanField(
        "An Independent Person (not a councillor, not staff)", widget=GovCheckboxInput()
    )

    def offer_lists(self, person=None) -> None:
        """Fill the Group, ward and service choices from the managed lists."""
        names = known_names()
        for kind, field in (
            (ListKind.GROUP, self.group),
            (ListKind.WARD, self.ward),
            (ListKind.SERVICE, self.service),
        ):
            field.offer(names[kind], getattr(person, kind.column, None) if person else None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        problems = person_problems(
            name=self.name.data or "",
            email=self.email.data or "",
            roles=self.roles.roles,
            group=self.group.data,
            ward=self.ward.data,
            job_title=self.job_title.data,
            service=self.service.data,
            is_independent_person=self.is_independent_person.data,
        )
        for name, message in problems.items():
            field = getattr(self, name)
            if field.errors:  # already says what is wrong with the choice
                continue
            if message not in field.errors:
                field.errors = [*field.errors, message]
        return valid and not problems

    @property
    def details(self) -> dict:
        return {
            "group": self.group.data,
            "ward": self.ward.data,
            "job_title": self.job_title.data,
            "service": self.service.data,
            "is_independent_person": self.is_independent_person.data,
        }


class InviteForm(PersonForm):
    submission_key = submission_key_field()
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class EditPersonForm(PersonForm):
    # The ``details_version`` the form was drawn from (see ``people.update_person``).
    version = version_field(number=False)
    submit = SubmitField("Save the changes", widget=GovSubmitInput())


class ConfirmForm(AccordForm):
    """A confirmation step: the CSRF token and a button."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class InvitationForm(ConfirmForm):
    """Send a new invitation: a button, with the one-time key of the page it is on, so that a
    double click sends one email, not two of which the first no longer works."""

    submission_key = submission_key_field()


class ImportForm(AccordForm):
    file = FileField("Upload a CSV file", widget=GovFileInput())
    text = StringField(
        "Or paste the CSV",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=400_000, message="Paste at most 400,000 characters: split the file up"),
        ],
    )
    send_invitations = BooleanField(
        "Email an invitation to each person created", widget=GovCheckboxInput(), default=True
    )
    add_new_groups = BooleanField("Add new Groups named in the file", widget=GovCheckboxInput())
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


class ImportConfirmForm(AccordForm):
    """The confirm step carries the file's text, planned again when it is posted, and the
    digest of the plan its preview showed."""

    text = HiddenField()
    send_invitations = HiddenField()
    add_new_groups = HiddenField()
    shown = shown_field()  # the plan the preview showed (``people_import.plan_shown``)
    submission_key = submission_key_field()  # sent twice, it imports once (``create_once``)
    submit = SubmitField("Import", widget=GovSubmitInput())


class ListEntryForm(AccordForm):
    """Add a name to a managed list, or rename one."""

    name = text_field("Name", "Enter the name")
    submit = SubmitField("Add", widget=GovSubmitInput())

    def for_list(self, kind: ListKind) -> Self:
        """The name's length limit is the list's (``people.LIST_NAME_LIMIT``), in the
        service's words, so a Group name is never told two limits."""
        limit = LIST_NAME_LIMIT[kind]
        self.name.validators = [
            DataRequired(message="Enter the name"),
            Length(max=limit, message=f"The name must be {limit} characters or fewer"),
        ]
        return self


class AddListEntryForm(ListEntryForm):
    """Add a name to a managed list, with the form's one-time key."""

    submission_key = submission_key_field()


class RenameListEntryForm(ListEntryForm):
    """Rename a name on a managed list, from a page showing its name."""

    shown = shown_field()  # the name the page showed (``people.list_entry_shown``)
