from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional

from app.forms import AccordForm
from app.models import Role
from app.services.people import person_problems

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


class PersonForm(AccordForm):
    """A person's details and roles, checked by the rules the CSV import uses too."""

    name = StringField("Name", widget=GovTextInput())
    email = EmailField("Email address", widget=GovTextInput())
    roles = RolesField("Roles", choices=ROLE_CHOICES)
    # Lengths and the details each role needs are checked by ``person_problems`` in validate.
    group = StringField("Political Group", widget=GovTextInput())
    ward = StringField("Ward", widget=GovTextInput())
    job_title = StringField("Job title", widget=GovTextInput())
    service = StringField("Service", widget=GovTextInput())
    is_independent_person = BooleanField(
        "An Independent Person (not a councillor, not staff)", widget=GovCheckboxInput()
    )

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
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class EditPersonForm(PersonForm):
    submit = SubmitField("Save the changes", widget=GovSubmitInput())


class ConfirmForm(AccordForm):
    """A confirmation step: the CSRF token and a button."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


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
    submit = SubmitField("Preview the import", widget=GovSubmitInput())


class ImportConfirmForm(AccordForm):
    """The confirm step carries the file's text, planned again when it is posted."""

    text = HiddenField()
    send_invitations = HiddenField()
    submit = SubmitField("Import", widget=GovSubmitInput())
