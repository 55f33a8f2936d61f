"""Reading people from a CSV file and planning what importing them would do (pure: nothing is
read from or written to the database, so the preview shows exactly what would happen).

The file has a header row (column names in any case, in any order): ``name``, ``email`` and
``roles`` are required; ``group``, ``ward``, ``title`` and ``service`` are optional. Roles are
separated by ``;``, ``,`` or spaces ("member;standards"). It is UTF-8, with or without the byte
order mark Excel writes.

``parse`` reads the text into rows, each with the problems it has on its own; ``plan`` decides
each row (created, changed, unchanged, rejected) against the people already in Accord, which the
caller passes in. ``app.services.people_import`` reads those people and writes a plan.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from app.importers import CsvProblem, csv_rows
from app.models import ListKind, Role
from app.services import DomainError
from app.services.accounts import normalise_email
from app.services.people import details_for, email_problem, person_problems
from app.text import normalise

COLUMNS = ("name", "email", "roles", "group", "ward", "title", "service")
REQUIRED_COLUMNS = ("name", "email", "roles")
# Column names people are likely to type for the same thing.
ALIASES = {"job title": "title", "job_title": "title", "role": "roles", "e-mail": "email"}
ROLE_WORDS = {
    **{role.value: role for role in Role},
    "councillor": None,  # a common slip, refused with a hint below
    "administrator": Role.ADMIN,
}
MAX_ROWS = 2_000
# Under Werkzeug's 500 KB limit on a form field, which the confirm step posts the text in.
MAX_CHARACTERS = 400_000
# What a row can change about an existing person (and how the preview names it).
CHANGEABLE = {
    "name": "name",
    "roles": "roles",
    "group": "Group",
    "ward": "ward",
    "job_title": "job title",
    "service": "service",
}


class ImportFileError(DomainError):
    """The file as a whole cannot be read (not CSV, no header, missing columns, too big)."""


@dataclass
class Row:
    """One data row as typed, with the problems found in it alone."""

    line: int  # the row's number in the spreadsheet (the header is row 1)
    name: str
    email: str
    roles_text: str
    roles: frozenset[Role]
    group: str
    ward: str
    job_title: str
    service: str
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return normalise_email(self.email)


@dataclass
class ParsedFile:
    rows: list[Row]
    ignored_columns: list[str]


@dataclass
class PlannedRow:
    row: Row
    action: str  # create, change, unchanged, reject
    reasons: list[str] = field(default_factory=list)
    changes: dict[str, tuple] = field(default_factory=dict)  # label -> (before, after)
    person: dict | None = None  # the existing person's record, for change and unchanged


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    ignored_columns: list[str] = field(default_factory=list)
    # Names the file uses that are not on their managed lists, added when it is imported:
    # wards and services always, Groups only when the administrator ticked the box.
    new_names: dict[ListKind, list[str]] = field(default_factory=dict)
    known_groups: list[str] = field(default_factory=list)
    unknown_groups: list[str] = field(default_factory=list)  # rejected: not on the list

    def _with(self, action: str) -> list[PlannedRow]:
        return [planned for planned in self.rows if planned.action == action]

    @property
    def created(self) -> list[PlannedRow]:
        return self._with("create")

    @property
    def changed(self) -> list[PlannedRow]:
        return self._with("change")

    @property
    def unchanged(self) -> list[PlannedRow]:
        return self._with("unchanged")

    @property
    def rejected(self) -> list[PlannedRow]:
        return self._with("reject")

    @property
    def to_write(self) -> int:
        return len(self.created) + len(self.changed)

    @property
    def can_import(self) -> bool:
        return not self.rejected and self.to_write > 0


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."
        ) from error


def _split_roles(text: str) -> tuple[frozenset[Role], list[str]]:
    roles, problems = set(), []
    for word in re.split(r"[;,\s]+", text.strip().lower()):
        if not word:
            continue
        role = ROLE_WORDS.get(word)
        if role is None:
            hint = " (a councillor is “member”)" if word == "councillor" else ""
            problems.append(
                f"Unknown role “{word}”{hint}: use member, officer, facilitator, standards or admin"
            )
        else:
            roles.add(role)
    return frozenset(roles), problems


def parse(text: str) -> ParsedFile:
    """Read the CSV text into rows, each with the problems it has on its own."""
    text = text.lstrip("\ufeff")
    if len(text) > MAX_CHARACTERS:
        raise ImportFileError(
            f"The file is too big: import at most {MAX_ROWS:,} people "
            f"({MAX_CHARACTERS // 1000:,} KB) at a time."
        )
    if "\x00" in text:
        raise ImportFileError("The file is not a CSV file: save it from Excel as CSV UTF-8.")
    try:
        records = csv_rows(text)
    except CsvProblem as error:
        raise ImportFileError(str(error)) from error
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        raise ImportFileError("The file is empty: it needs a header row and one row per person.")
    header = [ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in records[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing and len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        raise ImportFileError(
            "The columns are separated by semicolons or tabs, not commas. In Excel, save the "
            "file as “CSV UTF-8 (Comma delimited)”."
        )
    if missing:
        raise ImportFileError(
            "The first row must name the columns, including "
            + ", ".join(f"“{column}”" for column in missing)
            + f". The columns are: {', '.join(COLUMNS)}."
        )
    duplicated = sorted({column for column in header if column and header.count(column) > 1})
    if duplicated:
        raise ImportFileError(f"The column “{duplicated[0]}” appears more than once.")
    position = {column: header.index(column) for column in COLUMNS if column in header}
    ignored = [
        name.strip()
        for name, column in zip(records[0], header, strict=True)
        if column not in COLUMNS
    ]
    rows = []
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, often at the end of a file

        def cell(column: str, record=record) -> str:
            index = position.get(column)
            if index is None or index >= len(record):
                return ""
            return normalise(record[index], multiline=False)

        roles, problems = _split_roles(cell("roles"))
        rows.append(
            Row(
                line=line,
                name=cell("name"),
                email=cell("email"),
                roles_text=cell("roles"),
                roles=roles,
                group=cell("group"),
                ward=cell("ward"),
                job_title=cell("title"),
                service=cell("service"),
                problems=problems,
            )
        )
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} people: split it up.")
    if not rows:
        raise ImportFileError("The file has a header row but nobody in it.")
    return ParsedFile(rows, ignored)


def _row_problems(row: Row) -> list[str]:
    """Everything wrong with the row on its own, in words for the preview."""
    found = person_problems(
        name=row.name,
        email=row.email,
        roles=row.roles,
        group=row.group,
        ward=row.ward,
        job_title=row.job_title,
        service=row.service,
    )
    if "roles" in found:
        found["roles"] = (
            "No known role" if row.problems else "No roles: give at least one role"
        ) + " (member, officer, facilitator, standards or admin)"
    problems = list(row.problems) + list(found.values())
    if Role.MEMBER not in row.roles and (row.group or row.ward):
        problems.append(
            "A Group and ward are only for Members: add the member role or leave them out"
        )
    if Role.OFFICER not in row.roles and (row.job_title or row.service):
        problems.append(
            "A job title and service are only for Officers: add the officer role or leave them out"
        )
    return problems


def _record_of(row: Row, existing: dict | None) -> dict:
    """What the person would be after the row is applied (the fields a row can change)."""
    details = details_for(
        row.roles,
        group=row.group,
        ward=row.ward,
        job_title=row.job_title,
        service=row.service,
        is_independent_person=bool(existing and existing.get("is_independent_person")),
    )
    return {
        "name": row.name,
        "roles": sorted(row.roles),
        "group": details["group"],
        "ward": details["ward"],
        "job_title": details["job_title"],
        "service": details["service"],
    }


def _can_act_as_admin(record: dict) -> bool:
    return "admin" in record["roles"] and record["active"] and record.get("has_password", False)


# Each managed list and the row's field that names one of its entries.
_LIST_ATTRIBUTES = (
    (ListKind.GROUP, "group"),
    (ListKind.WARD, "ward"),
    (ListKind.SERVICE, "service"),
)


def _known_spelling(
    rows: list[Row],
    known: Mapping[ListKind, list[str]],
    add_new_groups: bool,
    retired: Mapping[ListKind, list[str]],
) -> tuple[dict[ListKind, list[str]], dict[int, str]]:
    """Give each row's Group, ward and service the list's spelling (any case, any spacing),
    a retired name's too; returns the names to add to (or offer again on) the lists and, by
    row, the reason an unknown or retired Group rejects it."""
    new: dict[ListKind, list[str]] = {kind: [] for kind in ListKind}
    refused: dict[int, str] = {}
    for kind, attribute in _LIST_ATTRIBUTES:
        spelling = {" ".join(name.split()).lower(): name for name in known.get(kind, [])}
        former = {" ".join(name.split()).lower(): name for name in retired.get(kind, [])}
        for row in rows:
            typed = " ".join(getattr(row, attribute).split())
            if not typed:
                continue
            if typed.lower() in spelling:
                setattr(row, attribute, spelling[typed.lower()])
                continue
            if typed.lower() in former:
                typed = former[typed.lower()]
                if kind == ListKind.GROUP and not add_new_groups:
                    setattr(row, attribute, typed)
                    refused[row.line] = (
                        f"The Group “{typed}” is retired. Offer it again in the Groups first, "
                        "or tick “Add new Groups named in the file”"
                    )
                    continue
            elif kind == ListKind.GROUP and not add_new_groups:
                listed = ", ".join(known.get(kind, [])) or "none yet"
                refused[row.line] = (
                    f"Unknown Group “{typed}” (the known Groups are: {listed}). Add it to the "
                    "Groups first, or tick “Add new Groups named in the file”"
                )
                continue
            spelling[typed.lower()] = typed
            setattr(row, attribute, typed)
            new[kind].append(typed)
    return {kind: names for kind, names in new.items() if names}, refused


def _named_by_rows_to_write(
    new_names: dict[ListKind, list[str]], planned_rows: list[PlannedRow]
) -> dict[ListKind, list[str]]:
    """The new names some row that will be written uses: a rejected row adds nothing."""
    used = {
        kind: {getattr(p.row, attribute) for p in planned_rows if p.action != "reject"}
        for kind, attribute in _LIST_ATTRIBUTES
    }
    kept = {kind: [n for n in names if n in used[kind]] for kind, names in new_names.items()}
    return {kind: names for kind, names in kept.items() if names}


def plan(
    parsed: ParsedFile,
    existing: Mapping[str, dict],
    known: Mapping[ListKind, list[str]] | None = None,
    *,
    add_new_groups: bool = False,
    retired: Mapping[ListKind, list[str]] | None = None,
    admins: Collection[str] | None = None,
) -> ImportPlan:
    """Decide each row: create, change, unchanged or reject (with its reasons).

    ``existing`` maps lower-case email addresses to the people already in Accord (their
    ``person_record`` with ``has_password`` and ``is_independent_person``). ``known`` holds
    the current names of the managed lists: a Group not among them rejects its row (with the
    row number and the known names) unless ``add_new_groups``; a new ward or service is
    added. ``retired`` holds the lists' retired names: one named in any case takes the list's
    spelling and is offered again (a Group only with ``add_new_groups``). Without ``known``
    the lists are not consulted. ``admins``: the lower-case email addresses of everyone who
    can act as an administrator now, in the file or not (without it, those in ``existing``):
    a row taking the role from the last of them is rejected."""
    first_line: dict[str, int] = {}
    planned_rows = []
    new_names: dict[ListKind, list[str]] = {}
    refused: dict[int, str] = {}
    if known is not None:
        new_names, refused = _known_spelling(parsed.rows, known, add_new_groups, retired or {})
    for row in parsed.rows:
        reasons = _row_problems(row)
        if row.line in refused and Role.MEMBER in row.roles:
            reasons.append(refused[row.line])
        if email_problem(row.email) is None:
            if row.key in first_line:
                reasons.append(f"The same email address as row {first_line[row.key]}")
            else:
                first_line[row.key] = row.line
        person = existing.get(row.key)
        if reasons:
            planned_rows.append(PlannedRow(row, "reject", reasons, person=person))
            continue
        if person is None:
            planned_rows.append(PlannedRow(row, "create"))
            continue
        after = _record_of(row, person)
        changes = {
            label: (person[key], after[key])
            for key, label in CHANGEABLE.items()
            if person[key] != after[key]
        }
        action = "change" if changes else "unchanged"
        planned_rows.append(PlannedRow(row, action, changes=changes, person=person))
    _keep_an_admin(planned_rows, existing, admins)
    unknown = sorted({r.row.group for r in planned_rows if r.row.line in refused})
    return ImportPlan(
        planned_rows,
        parsed.ignored_columns,
        new_names=_named_by_rows_to_write(new_names, planned_rows),
        known_groups=list((known or {}).get(ListKind.GROUP, [])),
        unknown_groups=unknown,
    )


def _keep_an_admin(
    planned_rows: list[PlannedRow], existing: Mapping[str, dict], admins: Collection[str] | None
) -> None:
    """Reject the rows that would leave nobody able to sign in as an administrator."""
    demoting = [
        planned
        for planned in planned_rows
        if planned.action == "change"
        and planned.person is not None
        and _can_act_as_admin(planned.person)
        and Role.ADMIN not in planned.row.roles
    ]
    if not demoting:
        return
    demoted = {planned.row.key for planned in demoting}
    if admins is None:
        admins = [email for email, record in existing.items() if _can_act_as_admin(record)]
    remaining = [email for email in admins if email not in demoted]
    if not remaining:
        for planned in demoting:
            planned.action = "reject"
            planned.reasons.append(
                "This would leave no active administrator: keep the admin role, or make someone "
                "else an administrator first"
            )
