"""The CSV import's parsing and planning: pure, so every rule is checked without a database."""

from __future__ import annotations

import pytest

from app.importers.people import ImportFileError, decode, parse, plan
from app.models import Role

HEADER = "name,email,roles,group,ward,title,service\n"


def planned(text: str, existing: dict | None = None):
    return plan(parse(text), existing or {})


def existing_person(
    email, name="Jo Bloggs", roles=("member",), *, active=True, password=True, **details
):
    record = {
        "email": email,
        "name": name,
        "roles": sorted(Role(role) for role in roles),
        "group": details.get("group"),
        "ward": details.get("ward"),
        "job_title": details.get("job_title"),
        "service": details.get("service"),
        "active": active,
        "has_password": password,
        "is_independent_person": False,
    }
    return {email: record}


def test_a_valid_file_plans_one_creation_per_row():
    result = planned(
        HEADER
        + "Jo Bloggs,jo@example.org,member,Labour Group,Parr,,\n"
        + "Sam Patel,Sam.Patel@Example.org,officer,,,Assistant Director,Legal\n"
        + "Alex Green,alex@example.org,member;standards,Green Party,Eccleston,,\n"
        + "Kim Lee,kim@example.org,facilitator admin,,,,\n"
    )
    assert [p.action for p in result.rows] == ["create"] * 4
    assert result.rows[1].row.key == "sam.patel@example.org"
    assert result.rows[2].row.roles == {Role.MEMBER, Role.STANDARDS}
    assert result.rows[3].row.roles == {Role.FACILITATOR, Role.ADMIN}
    assert result.can_import and result.to_write == 4


def test_header_names_are_case_insensitive_in_any_order_with_a_bom():
    raw = "\ufeffEMAIL,Roles,Name,Ward,Group\r\njo@example.org,Member,Jo,Parr,Labour Group\r\n"
    text = decode(raw.encode())
    [row] = parse(text).rows
    assert (row.name, row.email, row.group, row.ward) == (
        "Jo",
        "jo@example.org",
        "Labour Group",
        "Parr",
    )
    assert row.line == 2


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Jo,not-an-email,member,Lab,Parr,,", "correct format"),
        (",jo@example.org,member,Lab,Parr,,", "name"),
        ("Jo,jo@example.org,,,,,", "No roles"),
        ("Jo,jo@example.org,councillor,,,,", "Unknown role “councillor”"),
        ("Jo,jo@example.org,member,,Parr,,", "political Group"),
        ("Jo,jo@example.org,member,Lab,,,", "ward"),
        ("Jo,jo@example.org,officer,,,,Legal", "job title"),
        ("Jo,jo@example.org,officer,,,Director,", "service"),
        ("Jo,jo@example.org,facilitator,Lab,Parr,,", "only for Members"),
        ("Jo,jo@example.org,standards,,,Director,Legal", "only for Officers"),
        ("J" * 121 + ",jo@example.org,admin,,,,", "120 characters or fewer"),
    ],
)
def test_each_rejected_row_says_why(line, reason):
    [row] = planned(HEADER + line + "\n").rows
    assert row.action == "reject"
    assert any(reason in text for text in row.reasons), row.reasons


def test_a_mixed_file_lists_created_changed_unchanged_and_rejected():
    existing = {
        **existing_person("jo@example.org", group="Labour Group", ward="Parr"),
        **existing_person("sam@example.org", "Sam Patel", group="Labour Group", ward="Parr"),
    }
    result = planned(
        HEADER
        + "Jo Bloggs,JO@example.org,member,Labour Group,Parr,,\n"  # unchanged
        + "Sam Patel,sam@example.org,member;standards,Green Party,Parr,,\n"  # changed
        + "New Person,new@example.org,officer,,,Director,Legal\n"  # created
        + "Bad,bad,member,,,,\n",  # rejected
        existing,
    )
    assert [p.action for p in result.rows] == ["unchanged", "change", "create", "reject"]
    change = result.changed[0]
    assert change.changes["Group"] == ("Labour Group", "Green Party")
    assert change.changes["roles"] == ([Role.MEMBER], [Role.MEMBER, Role.STANDARDS])
    assert "ward" not in change.changes
    assert not result.can_import  # all or nothing
    assert result.to_write == 2


def test_duplicate_emails_in_the_file_are_rejected_whatever_their_case():
    result = planned(
        HEADER + "Jo,jo@example.org,admin,,,,\n" + "Jo Again,Jo@Example.ORG,admin,,,,\n"
    )
    assert [p.action for p in result.rows] == ["create", "reject"]
    assert result.rows[1].reasons == ["The same email address as row 2"]


def test_the_last_active_administrator_cannot_be_demoted_by_a_file():
    existing = existing_person("boss@example.org", "Boss", ("admin",))
    [row] = planned(HEADER + "Boss,boss@example.org,facilitator,,,,\n", existing).rows
    assert row.action == "reject" and "no active administrator" in row.reasons[0]
    # With another administrator who can sign in, the change is fine.
    existing |= existing_person("other@example.org", "Other", ("admin",))
    [row] = planned(HEADER + "Boss,boss@example.org,facilitator,,,,\n", existing).rows
    assert row.action == "change"
    # An administrator who has not set a password yet does not count.
    existing["other@example.org"]["has_password"] = False
    [row] = planned(HEADER + "Boss,boss@example.org,facilitator,,,,\n", existing).rows
    assert row.action == "reject"


def test_blank_lines_are_skipped_and_unknown_columns_are_reported():
    parsed = parse("name,email,roles,phone\n\nJo,jo@example.org,admin,0123\n,,,\n")
    assert [row.line for row in parsed.rows] == [3]
    assert parsed.ignored_columns == ["phone"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name,email\nJo,jo@example.org\n", "“roles”"),
        ("Jo,jo@example.org,member\n", "“name”, “email”, “roles”"),
        ("name,email,roles\n", "nobody in it"),
        ("name,email,roles,email\nJo,a@b.org,admin,c@d.org\n", "more than once"),
        ("name,email,roles\n" + "Jo,jo@example.org,admin\n" * 2_001, "more than 2,000"),
        ("\x00\x01PK binary", "not a CSV file"),
        ("name,email,roles\n" + "x" * 400_001, "too big"),
        # Outside tester: an unclosed quote read the rest of the file into one cell, and a
        # cell over 131,072 characters was refused in Python's words.
        (
            'name,email,roles\n"Jo,jo@example.org,standards\nSam,sam@example.org,admin\n',
            "quotation mark on line 2 is not closed",
        ),
        ("name,email,roles\nJo," + "x" * 140_000 + ",admin\n", "longer than"),
    ],
)
def test_malformed_files_are_refused_as_a_whole(text, message):
    with pytest.raises(ImportFileError, match=message):
        parse(text)


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(ImportFileError, match="not UTF-8"):
        decode("name,email,roles\nJosé,jose@example.org,member\n".encode("latin-1"))


def test_500_rows_plan_quickly_and_correctly():
    lines = [
        f"Member {n},member{n}@example.org,member,Labour Group,Ward {n % 18},," for n in range(500)
    ]
    result = planned(HEADER + "\n".join(lines) + "\n")
    assert len(result.created) == 500 and result.can_import


def test_only_rows_to_be_imported_add_names_to_the_lists():
    """A rejected row's new service or ward is not added (nor said to be, in the preview):
    only rows that will be written add to the lists."""
    from app.models import ListKind

    result = plan(
        parse(
            HEADER
            + "Sam Patel,not-an-email,officer,,,Assistant Director,Legal\n"
            + "Jo Bloggs,jo@example.org,member,Labour Group,Parr,,\n"
            + "Ann Cole,ann@example.org,officer,,,Head of Service,Finance\n"
        ),
        {},
        {ListKind.GROUP: ["Labour Group"], ListKind.WARD: [], ListKind.SERVICE: []},
    )
    assert [p.action for p in result.rows] == ["reject", "create", "create"]
    assert result.new_names == {ListKind.WARD: ["Parr"], ListKind.SERVICE: ["Finance"]}
