"""Recommendations administration: sources, imports (web and command line), edits with
history, retiring and deleting."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Recommendation, RecommendationRevision, RecommendationSource
from app.seed_data.recommendations import SOURCES
from tests import factories
from tests.helpers import assert_tables_scroll, current_menu_item, error_summary_targets
from tests.snapshots import snapshot

SEEDS = "/work/shared/seeds"
CPC_FILE = f"{SEEDS}/000_1533b1998af56bea.txt"
CR_FILE = f"{SEEDS}/001_8f7b2b0db4663696.txt"


@pytest.fixture
@snapshot
def council(app):
    """The five role accounts, the shipped recommendations and the Open Accord with the demo's
    wording (its clauses answer the recommendations the demo's do)."""
    with factories.built(app):
        factories.everyone()
        factories.document(clauses=factories.demo_clauses("ways-of-working-accord"))
    return app


def _recommendations(app, source_name: str) -> dict[str, dict]:
    with app.app_context():
        source = db.session.scalar(
            select(RecommendationSource).where(RecommendationSource.name == source_name)
        )
        return {
            r.letter: {
                "text": r.text,
                "theme": r.theme,
                "response": r.response,
                "timescale": r.timescale,
            }
            for r in source.recommendations
        }


def _shipped(short_name: str) -> dict[str, dict]:
    data = next(s for s in SOURCES if s["short_name"] == short_name)
    return {
        item["letter"]: {
            "text": item["text"],
            "theme": item["theme"] or "",
            "response": item["response"] or "",
            "timescale": item["timescale"],
        }
        for item in data["recommendations"]
    }


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- the command line --------------------------------------------------------------------------


def test_cli_imports_the_culture_review_exactly_as_the_shipped_seed_data(app):
    result = app.test_cli_runner().invoke(
        args=["recommendations", "import", CR_FILE, "--source", "Culture Review"]
    )
    assert result.exit_code == 0, result.output
    assert "A new source: Culture Review (CR)." in result.output
    assert "  + g)  [" in result.output
    assert "line 8: Culture Review Action Plan" in result.output  # shown, not dropped
    assert "25 new, 0 changed, 0 unchanged" in result.output
    assert _recommendations(app, "Culture Review") == _shipped("CR")


def test_cli_imports_the_corporate_peer_challenge_a_to_l(app):
    result = app.test_cli_runner().invoke(
        args=["recommendations", "import", CPC_FILE, "--source", "Corporate Peer Challenge"]
    )
    assert result.exit_code == 0, result.output
    imported = _recommendations(app, "Corporate Peer Challenge")
    assert sorted(imported) == list("abcdefghijkl")
    shipped = _shipped("CPC")
    assert {k: v["text"] for k, v in imported.items()} == {k: v["text"] for k, v in shipped.items()}
    with app.app_context():
        assert db.session.scalar(select(RecommendationSource.short_name)) == "CPC"


def test_cli_dry_run_prints_what_it_recognised_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(
        args=["recommendations", "import", CPC_FILE, "--source", "CPC report", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "Recognised 12 recommendations" in result.output
    assert "  + l)  " in result.output
    assert "could not be placed" in result.output and "CPC" in result.output
    assert "Dry run: nothing was saved" in result.output
    assert _count(app, RecommendationSource) == 0 and _count(app, Recommendation) == 0
    assert _count(app, AuditEvent) == 0


def test_cli_a_source_name_not_found_says_so_and_which_to_use(council):
    """Outside tester: the README's ``--source "Culture Review"`` (the shipped source is
    "Culture Review 2019") failed saying the short name "CR" was taken, a name never typed."""
    with council.app_context():
        shipped = db.session.scalars(select(RecommendationSource).filter_by(short_name="CR")).one()
        name = shipped.name
    result = council.test_cli_runner().invoke(
        args=["recommendations", "import", CR_FILE, "--source", "Culture Rev", "--dry-run"]
    )
    assert result.exit_code != 0
    assert "No source is called “Culture Rev”" in result.output
    assert f"--source “{name}”" in result.output and "--short-name" in result.output


def test_cli_reimporting_the_shipped_data_changes_nothing(council):
    result = council.test_cli_runner().invoke(
        args=["recommendations", "import", CR_FILE, "--source", "CR"]
    )
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 25 unchanged" in result.output and "Nothing to save" in result.output
    assert _count(council, RecommendationRevision) == 0


def test_cli_csv_by_its_ending_and_errors_exit_non_zero(app, tmp_path):
    good = tmp_path / "parks.csv"
    good.write_text("letter,text,theme\na,Open the parks,Parks\nb,Close the gates,Parks\n")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "recommendations",
            "import",
            str(good),
            "--source",
            "Parks Review",
            "--short-name",
            "PR",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "  + a)  [Parks] Open the parks" in result.output
    assert _recommendations(app, "Parks Review")["b"]["text"] == "Close the gates"

    bad = tmp_path / "bad.csv"
    bad.write_text("number,words\n1,First\n")
    result = runner.invoke(args=["recommendations", "import", str(bad), "--source", "Other"])
    assert result.exit_code != 0
    assert "no 'letter' or 'text' column" in result.output
    assert "No recommendations were recognised" in result.output

    latin = tmp_path / "latin.txt"
    latin.write_bytes("a) Caf\xe9 culture\n".encode("latin-1"))
    result = runner.invoke(args=["recommendations", "import", str(latin), "--source", "Other"])
    assert result.exit_code != 0 and "not UTF-8" in result.output

    taken = runner.invoke(
        args=[
            "recommendations",
            "import",
            str(good),
            "--source",
            "Pub Review",
            "--short-name",
            "pr",
        ]
    )
    assert taken.exit_code != 0 and "already has the short name" in taken.output
    assert _count(app, RecommendationSource) == 1


# --- the web: permissions ----------------------------------------------------------------------

ADMIN = "admin@example.org"
NOT_ADMINS = [
    "member@example.org",
    "officer@example.org",
    "facilitator@example.org",
    "standards@example.org",
]
ADMIN_ROUTES = [
    ("GET", "/recommendations/sources/new"),
    ("POST", "/recommendations/sources/new"),
    ("GET", "/recommendations/import"),
    ("POST", "/recommendations/import"),
    ("POST", "/recommendations/import/save"),
    ("GET", "/recommendations/culture-review/a/edit"),
    ("POST", "/recommendations/culture-review/a/edit"),
    ("GET", "/recommendations/culture-review/a/delete"),
    ("POST", "/recommendations/culture-review/a/delete"),
    ("GET", "/recommendations/culture-review/a/retire"),
    ("POST", "/recommendations/culture-review/a/retire"),
    ("POST", "/recommendations/culture-review/a/unretire"),
]


@pytest.mark.parametrize("email", NOT_ADMINS)
def test_only_admins_reach_the_admin_pages_and_see_their_controls(council, client, email):
    client.sign_in(email)
    events = _count(council, AuditEvent)
    for method, path in ADMIN_ROUTES:
        response = client.get(path) if method == "GET" else client.post_form(path, {})
        assert response.status_code == 403, (method, path)
    for path in ("/recommendations/", "/recommendations/culture-review/a"):
        page = client.get(path).get_data(as_text=True)
        assert "Import recommendations" not in page and "/edit" not in page
    assert _count(council, AuditEvent) == events


def test_every_admin_post_needs_the_csrf_token(council, client):
    client.sign_in(ADMIN)
    events = _count(council, AuditEvent)
    for method, path in ADMIN_ROUTES:
        if method == "POST":
            response = client.post(path, data={"reason": "x", "name": "X", "short_name": "X"})
            assert response.status_code == 400, path
    assert _count(council, AuditEvent) == events


def test_signed_out_people_are_sent_to_sign_in(council, client):
    response = client.get("/recommendations/import")
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


# --- the web: sources --------------------------------------------------------------------------


def test_admin_adds_a_source_and_taken_names_are_refused_by_the_field(council, client):
    client.sign_in(ADMIN)
    index = client.get("/recommendations/").get_data(as_text=True)
    assert "Add a recommendation source" in index and "Import recommendations" in index

    response = client.post_form(
        "/recommendations/sources/new",
        {"name": "Parks Review 2024", "short_name": "PR", "title": "Parks Review Action Plan"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/recommendations/import?source=parks-review-2024")
    with council.app_context():
        source = db.session.scalar(select(RecommendationSource).filter_by(short_name="PR"))
        assert (source.slug, source.title, source.position) == (
            "parks-review-2024",
            "Parks Review Action Plan",
            3,
        )

    taken = client.post_form(
        "/recommendations/sources/new", {"name": "Another review", "short_name": "cr"}
    )
    assert taken.status_code == 422
    page = taken.get_data(as_text=True)
    assert "govuk-error-summary" in page and 'href="#short_name"' in page
    assert "The source “Culture Review 2019” already has the short name “cr”" in page
    assert 'value="Another review"' in page  # what was typed is kept

    same_slug = client.post_form(
        "/recommendations/sources/new", {"name": "Parks review, 2024!", "short_name": "PR2"}
    )
    assert same_slug.status_code == 422 and "web address" in same_slug.get_data(as_text=True)
    empty = client.post_form("/recommendations/sources/new", {"name": "", "short_name": ""})
    assert empty.status_code == 422 and "Enter the source" in empty.get_data(as_text=True)
    assert _count(council, RecommendationSource) == 3


def test_admin_pages_are_under_recommendations_in_the_menu(council, client):
    client.sign_in(ADMIN)
    for path in (
        "/recommendations/sources/new",
        "/recommendations/import",
        "/recommendations/culture-review/a/edit",
        "/recommendations/culture-review/a/delete",
        "/recommendations/culture-review/a/retire",
    ):
        page = client.get(path).get_data(as_text=True)
        assert current_menu_item(page) == "Recommendations", path
    preview = client.post_form(
        "/recommendations/import", {"source": "culture-review", "text": "a) A new wording"}
    )
    assert current_menu_item(preview.get_data(as_text=True)) == "Recommendations"
    coverage = client.get("/recommendations/coverage").get_data(as_text=True)
    assert current_menu_item(coverage) == "Coverage"
    assert_tables_scroll(coverage)  # four columns and long themes: it scrolls at 320px
    assert 'class="govuk-select govuk-!-width-full" id="theme"' in coverage


def test_a_short_name_taken_in_another_case_of_an_accented_letter_is_refused(council, client):
    """SQLite's lower() changes only ASCII letters: "ÉR" and "ér" were two short names."""
    client.sign_in(ADMIN)
    made = client.post_form(
        "/recommendations/sources/new", {"name": "Élan Review", "short_name": "ÉR"}
    )
    assert made.status_code == 303
    taken = client.post_form(
        "/recommendations/sources/new", {"name": "Another review", "short_name": "ér"}
    )
    assert taken.status_code == 422
    assert "The source “Élan Review” already has the short name “ér”" in taken.get_data(
        as_text=True
    )


def test_too_long_source_details_are_named_by_their_fields_keeping_what_was_typed(council, client):
    client.sign_in(ADMIN)
    events = _count(council, AuditEvent)
    response = client.post_form(
        "/recommendations/sources/new",
        {"name": "Parks Review 2024", "short_name": "PARKSREVIEW24", "title": "T" * 256},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_summary_targets(page) == ["short_name", "title"]
    assert "12 characters or fewer" in page and "255 characters or fewer" in page
    assert 'value="Parks Review 2024"' in page and 'value="PARKSREVIEW24"' in page
    assert _count(council, RecommendationSource) == 2 and _count(council, AuditEvent) == events


def test_a_too_long_timescale_keeps_the_new_wording_in_the_form_and_saves_nothing(council, client):
    client.sign_in(ADMIN)
    original = _shipped("CR")["c"]
    response = client.post_form(
        "/recommendations/culture-review/c/edit",
        {"text": "My careful new wording", "timescale": "S" * 256, "version": "1"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_summary_targets(page) == ["timescale"]
    assert "My careful new wording</textarea>" in page and 'value="' + "S" * 256 in page
    assert _recommendations(council, "Culture Review 2019")["c"]["text"] == original["text"]
    assert _count(council, RecommendationRevision) == 0


# --- the web: imports --------------------------------------------------------------------------


def _new_source(app, name="Parks Review", short_name="PR") -> None:
    from app.services import recommendations as service

    with app.app_context():
        service.create_source(name, short_name, by=None)
        db.session.commit()


def _upload(client, source: str, filename: str, data: bytes, **extra):
    from io import BytesIO

    return client.post_form(
        "/recommendations/import",
        {"source": source, "upload": (BytesIO(data), filename), "text": "", **extra},
        content_type="multipart/form-data",
    )


CONFIRM_FIELDS = ("source", "content", "format", "fingerprint", "submission_key")


def _confirm_data(page: str) -> dict[str, str]:
    import re

    return {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)[1]
        for name in CONFIRM_FIELDS
    }


def _save(client, page: str, **overrides):
    return client.post_form("/recommendations/import/save", {**_confirm_data(page), **overrides})


def test_an_action_plan_at_the_size_limit_full_of_curly_quotes_previews_and_saves(council, client):
    """200,000 characters of three-byte ones are 600 KB, posted back as base64 to save: more
    than Werkzeug's default 500 KB for a form field, so the limit is the product's own."""
    _new_source(council)
    client.sign_in(ADMIN)
    line = "’“”— " * 1508  # 5 characters, 13 bytes: each a response (a text's limit is 5,000)
    letters = "abcdefghijklmnopqrstuvwxyz"
    # Each under a theme of its own: a group's rows all answered are one answer for all.
    text = "".join(f"Theme {letter}\n{letter})\tText {letter}\t{line}\n" for letter in letters)
    assert 190_000 < len(text) <= 200_000 and len(text.encode()) > 500_000
    preview = client.post_form(
        "/recommendations/import",
        {"source": "parks-review", "text": text},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    assert _save(client, preview.get_data(as_text=True)).status_code == 303
    assert len(_recommendations(council, "Parks Review")) == 26


def test_csv_import_previews_without_writing_then_saves_everything(council, client):
    _new_source(council)
    client.sign_in(ADMIN)
    data = (
        b"letter,text,theme,response,timescale\n"
        b'a,Open the parks at dawn,Access,"We agree.\n\nFrom May.",Spring 2025\n'
        b"b,Close the gates at dusk,Access,,\n"
    )
    events = _count(council, AuditEvent)
    preview = _upload(client, "parks-review", "parks.csv", data)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "2 recommendations recognised: 2 new, 0 changing existing ones, 0 unchanged" in page
    assert (
        "Open the parks at dawn" in page
        and "Spring 2025" in page
        and "Every line was placed" in page
    )
    assert "Save 2 recommendations" in page
    assert _count(council, Recommendation) == 37 and _count(council, AuditEvent) == events

    saved = _save(client, page)
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("/recommendations/#parks-review")
    imported = _recommendations(council, "Parks Review")
    assert imported["a"] == {
        "text": "Open the parks at dawn",
        "theme": "Access",
        "response": "We agree.\n\nFrom May.",
        "timescale": "Spring 2025",
    }
    assert imported["b"]["response"] == "" and imported["b"]["timescale"] is None
    index = client.get("/recommendations/").get_data(as_text=True)
    assert "2 recommendations saved to Parks Review: 2 added, 0 updated." in index
    with council.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "recommendations.imported" and event.after["added"] == ["a", "b"]
    # Saved twice (a double click, back and send again): the same answer, saying so.
    again = _save(client, page)
    assert again.status_code == 303 and again.location == saved.location
    assert "already sent" in client.get(again.location).get_data(as_text=True)
    assert _count(council, Recommendation) == 39


def test_csv_with_bad_rows_shows_them_with_their_rows_and_saves_the_good_ones(council, client):
    _new_source(council)
    client.sign_in(ADMIN)
    data = b"letter,text\na,Good one\n7,A number\nb,\na,Again\nc,Also good\n"
    page = _upload(client, "parks-review", "mixed.csv", data).get_data(as_text=True)
    assert "2 recommendations recognised: 2 new" in page
    assert "Row 3: &#39;7&#39; is not a letter a to z." in page
    assert "Row 5: a) is a duplicate of row 2." in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in page
    assert "7,A number" in page and "a,Again" in page
    assert "Save 2 recommendations" in page
    assert _save(client, page).status_code == 303
    assert sorted(_recommendations(council, "Parks Review")) == ["a", "c"]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "plan.csv",
            b"number,words\n1,First\n",
            "The CSV has no &#39;letter&#39; or &#39;text&#39;",
        ),
        ("plan.txt", "a) Caf\xe9\n".encode("latin-1"), "The file is not UTF-8 text"),
        ("plan.txt", b"   \n", "The file is empty"),
        ("plan.docx", b"a) Text", "The file must be a CSV file (.csv) or a text file (.txt)"),
        ("plan.txt", b"Just a title\nand some words\n", "No recommendations were recognised"),
    ],
)
def test_malformed_imports_are_refused_by_the_upload_field(
    council, client, filename, data, message
):
    _new_source(council)
    client.sign_in(ADMIN)
    response = _upload(client, "parks-review", filename, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and error_summary_targets(page) == ["upload"]
    assert _count(council, Recommendation) == 37


def test_empty_input_and_both_inputs_are_refused_keeping_the_text(council, client):
    from io import BytesIO

    client.sign_in(ADMIN)
    empty = client.post_form("/recommendations/import", {"source": "culture-review", "text": " "})
    assert empty.status_code == 422
    assert "Upload a file or paste the action plan" in empty.get_data(as_text=True)
    both = client.post_form(
        "/recommendations/import",
        {"source": "culture-review", "text": "a) Typed", "upload": (BytesIO(b"a) x"), "x.txt")},
        content_type="multipart/form-data",
    )
    page = both.get_data(as_text=True)
    assert both.status_code == 422 and "not both" in page and "a) Typed</textarea>" in page
    no_source = client.post_form("/recommendations/import", {"text": "a) Typed"})
    assert no_source.status_code == 422 and "Choose the source" in no_source.get_data(as_text=True)


PASTED = (
    "Parks Review Action Plan\n"
    "\n"
    "Opening hours\n"
    "a) Open the parks at dawn\n"
    "and close them at dusk\n"
    "b)\tLight the paths\tAgreed: lights by winter\tWinter 2025\n"
)


def test_pasted_text_import_shows_unplaced_lines_with_their_numbers(council, client):
    _new_source(council)
    client.sign_in(ADMIN)
    response = client.post_form(
        "/recommendations/import", {"source": "parks-review", "text": PASTED}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Open the parks at dawn and close them at dusk" in page
    assert "Lines that could not be placed" in page and "Parks Review Action Plan" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page
    assert _save(client, page).status_code == 303
    imported = _recommendations(council, "Parks Review")
    assert imported["a"]["theme"] == "Opening hours"
    assert imported["b"] == {
        "text": "Light the paths",
        "theme": "Opening hours",
        "response": "Agreed: lights by winter",
        "timescale": "Winter 2025",
    }


def test_both_seed_files_import_through_the_web(app, client):
    from app.models import Role
    from tests.helpers import make_user

    make_user(app, ADMIN, roles=(Role.ADMIN,))
    _new_source(app, "Culture Review", "CR")
    _new_source(app, "Corporate Peer Challenge", "CPC")
    client.sign_in(ADMIN)
    for slug, path in (("culture-review", CR_FILE), ("corporate-peer-challenge", CPC_FILE)):
        with open(path, "rb") as file:
            page = _upload(client, slug, path.rsplit("/", 1)[1], file.read()).get_data(as_text=True)
        assert _save(client, page).status_code == 303
    assert _recommendations(app, "Culture Review") == _shipped("CR")
    assert sorted(_recommendations(app, "Corporate Peer Challenge")) == list("abcdefghijkl")


def test_confirming_is_all_or_nothing(council, client, monkeypatch):
    from app.services import recommendations as service

    _new_source(council)
    client.sign_in(ADMIN)
    page = client.post_form(
        "/recommendations/import", {"source": "parks-review", "text": PASTED}
    ).get_data(as_text=True)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(service.audit, "record", broken)
    with pytest.raises(RuntimeError):
        _save(client, page)
    assert _recommendations(council, "Parks Review") == {}


def test_a_source_changed_after_the_preview_is_not_saved_blindly(council, client):
    _new_source(council)
    client.sign_in(ADMIN)
    page = client.post_form(
        "/recommendations/import", {"source": "parks-review", "text": PASTED}
    ).get_data(as_text=True)
    other = client.post_form(
        "/recommendations/import", {"source": "parks-review", "text": "a) Someone else's text"}
    ).get_data(as_text=True)
    assert _save(client, other).status_code == 303

    stale = _save(client, page)
    assert stale.status_code == 409
    assert "changed after your preview" in stale.get_data(as_text=True)
    assert _recommendations(council, "Parks Review")["a"]["text"] == "Someone else's text"
    assert _save(client, page, content="not base64!").status_code == 400
    # The refusals show no hidden workings as "What you wrote" (outside tester: the
    # fingerprint and the base64 of the file were offered to copy).
    for bad in ({"fingerprint": "f" * 64}, {"source": "no-such-source"}, {"format": "xlsx"}):
        refused = _save(client, page, **bad).get_data(as_text=True)
        assert "What you wrote" not in refused and 'id="kept-' not in refused, bad


def test_importing_into_an_existing_source_updates_letters_and_keeps_their_history(council, client):
    client.sign_in(ADMIN)
    shipped_b = _shipped("CR")["b"]
    page = client.post_form(
        "/recommendations/import",
        {
            "source": "culture-review",
            "text": "a) " + _shipped("CR")["a"]["text"] + "\nb) A new text for b\n",
        },
    ).get_data(as_text=True)
    assert "0 new, 1 changing an existing one, 1 unchanged" in page
    assert "Changes to existing recommendations" in page
    assert_tables_scroll(page)  # what was recognised, each change and the unplaced lines
    # Three columns (the theme, text, timescale and response share one), so the text is
    # readable at 320px; each "Changes" link says whose.
    assert page.count('<th scope="col" class="govuk-table__header">') == 3 + 3
    assert 'Changes<span class="govuk-visually-hidden"> to CR b</span>' in page
    assert shipped_b["text"] in page and "A new text for b" in page  # before and after
    assert "Save 1 recommendation<" in page
    assert _save(client, page).status_code == 303

    after = _recommendations(council, "Culture Review 2019")
    assert after["b"]["text"] == "A new text for b"
    # Theme and response are empty in the import: the current ones are kept.
    assert after["b"]["theme"] == shipped_b["theme"]
    assert after["b"]["response"] == shipped_b["response"]
    assert len(after) == 25  # nothing deleted
    with council.app_context():
        revisions = db.session.scalars(
            select(RecommendationRevision).order_by(RecommendationRevision.number)
        ).all()
        assert [(r.number, r.text) for r in revisions] == [
            (1, shipped_b["text"]),
            (2, "A new text for b"),
        ]
    show = client.get("/recommendations/culture-review/b").get_data(as_text=True)
    assert "Every wording of this recommendation" in show and "Wording 2" in show
    assert "Updated by an import" in show and "app-ins" in show


# --- editing -----------------------------------------------------------------------------------


def test_editing_keeps_every_wording_and_a_stale_form_gets_409(council, client):
    client.sign_in(ADMIN)
    form = client.get("/recommendations/culture-review/c/edit").get_data(as_text=True)
    assert 'name="version" value="1"' in form
    original = _shipped("CR")["c"]
    data = {
        "text": "Policy Cabinet meets monthly",
        "theme": original["theme"],
        "response": original["response"],
        "timescale": "Monthly",
        "reason": "Agreed at Cabinet",
        "version": "1",
    }
    saved = client.post_form("/recommendations/culture-review/c/edit", data)
    assert saved.status_code == 303
    page = client.get("/recommendations/culture-review/c").get_data(as_text=True)
    assert "Policy Cabinet meets monthly" in page
    assert "Wording 2" in page and "Wording 1" in page and "Agreed at Cabinet" in page
    assert "app-del" in page and "Timescale" in page

    stale = client.post_form(
        "/recommendations/culture-review/c/edit", {**data, "text": "My own version"}
    )
    assert stale.status_code == 409
    conflict = stale.get_data(as_text=True)
    assert "Someone else changed this recommendation" in conflict
    assert "Policy Cabinet meets monthly" in conflict and "My own version" in conflict
    assert 'name="version" value="2"' in conflict

    unchanged = client.post_form("/recommendations/culture-review/c/edit", {**data, "version": "2"})
    assert unchanged.status_code == 422 and "Nothing was changed" in unchanged.get_data(
        as_text=True
    )
    empty = client.post_form(
        "/recommendations/culture-review/c/edit", {**data, "text": "", "version": "2"}
    )
    assert empty.status_code == 422 and "Enter the recommendation" in empty.get_data(as_text=True)
    assert _count(council, RecommendationRevision) == 2


def test_revisions_are_append_only_in_the_database(council, client):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    client.sign_in(ADMIN)
    data = {"text": "Changed", "theme": "", "response": "", "timescale": "", "version": "1"}
    assert client.post_form("/recommendations/culture-review/d/edit", data).status_code == 303
    with council.app_context():
        for statement in (
            "UPDATE recommendation_revisions SET text = 'x'",
            "DELETE FROM recommendation_revisions",
        ):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()


# --- deleting and retiring ---------------------------------------------------------------------


def test_an_unlinked_recommendation_is_deleted_after_confirmation(council, client):
    _new_source(council)
    client.sign_in(ADMIN)
    page = client.post_form(
        "/recommendations/import", {"source": "parks-review", "text": PASTED}
    ).get_data(as_text=True)
    _save(client, page)
    shown = client.get("/recommendations/parks-review/a").get_data(as_text=True)
    assert 'href="/recommendations/parks-review/a/delete"' in shown
    linked = client.get("/recommendations/culture-review/a").get_data(as_text=True)
    assert "/delete" not in linked and 'href="/recommendations/culture-review/a/retire"' in linked
    confirm = client.get("/recommendations/parks-review/a/delete").get_data(as_text=True)
    assert "Are you sure you want to delete PR a?" in confirm
    assert _count(council, Recommendation) == 39
    deleted = client.post_form("/recommendations/parks-review/a/delete")
    assert deleted.status_code == 303
    assert sorted(_recommendations(council, "Parks Review")) == ["b"]
    assert client.get("/recommendations/parks-review/a").status_code == 404


def test_a_linked_or_reworded_recommendation_cannot_be_deleted_only_retired(seeded, client):
    from sqlalchemy.exc import IntegrityError

    client.sign_in(ADMIN)
    page = client.get("/recommendations/culture-review/g/delete").get_data(as_text=True)
    assert "CR g cannot be deleted: it is linked to 9 clauses, 1 session" in page
    assert "Retire CR g" in page and "Are you sure" not in page
    refused = client.post_form("/recommendations/culture-review/g/delete")
    assert refused.status_code == 409 and "Retire it instead" in refused.get_data(as_text=True)
    assert "g" in _recommendations(seeded, "Culture Review 2019")

    # Reworded but unlinked: its history is kept, so it is not deleted either.
    data = {"text": "Changed", "theme": "", "response": "", "timescale": "", "version": "1"}
    client.post_form("/recommendations/culture-review/e/edit", data)
    assert client.post_form("/recommendations/culture-review/e/delete").status_code == 409

    # The database refuses too.
    with seeded.app_context():
        linked = db.session.scalar(
            select(Recommendation)
            .join(Recommendation.source)
            .where(RecommendationSource.short_name == "CR", Recommendation.letter == "g")
        )
        db.session.delete(linked)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_retired_recommendations_stay_where_linked_but_are_not_offered(council, client):
    client.sign_in(ADMIN)
    missing = client.post_form("/recommendations/culture-review/g/retire", {"reason": ""})
    assert missing.status_code == 422 and "Say why" in missing.get_data(as_text=True)
    retired = client.post_form(
        "/recommendations/culture-review/g/retire", {"reason": "Answered by the Protocol"}
    )
    assert retired.status_code == 303
    show = client.get("/recommendations/culture-review/g").get_data(as_text=True)
    assert (
        "Retired" in show and "Answered by the Protocol" in show and "Bring back into use" in show
    )
    coverage = client.get("/recommendations/coverage?source=culture-review").get_data(as_text=True)
    assert "1 retired recommendation is listed last and not counted" in coverage
    assert "of 24 recommendations" in coverage

    client.sign_in("member@example.org")
    document = client.get("/documents/ways-of-working-accord").get_data(as_text=True)
    assert "CR g</span>" in document and "(retired)" in document  # still shown where linked
    new = client.get("/documents/ways-of-working-accord/discussions/new").get_data(as_text=True)
    assert "CR g: " not in new and "CR h: " in new  # not offered for new links

    client.sign_in("facilitator@example.org")
    with council.app_context():
        from app.models import Document, User
        from app.services import discussions

        cr_g = db.session.scalar(
            select(Recommendation)
            .join(Recommendation.source)
            .where(RecommendationSource.short_name == "CR", Recommendation.letter == "g")
        )
        document = db.session.scalar(select(Document).filter_by(slug="ways-of-working-accord"))
        member = db.session.scalar(select(User).filter_by(email="member@example.org"))
        discussion = discussions.start_discussion(
            document, None, "Roles", "Opening", [cr_g], by=member
        )
        db.session.commit()
        discussion_id = discussion.id
    relink = client.get(f"/discussions/{discussion_id}/recommendations").get_data(as_text=True)
    assert "CR g (retired): " in relink  # kept when editing an existing link

    client.sign_in(ADMIN)
    assert client.post_form("/recommendations/culture-review/g/unretire").status_code == 303
    client.sign_in("member@example.org")
    new = client.get("/documents/ways-of-working-accord/discussions/new").get_data(as_text=True)
    assert "CR g: " in new
    with council.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "recommendation.retired" in actions and "recommendation.unretired" in actions


def test_exports_leave_out_retired_recommendations_that_nothing_answers(council):
    from app.exports.build import build_model
    from app.models import Document, User
    from app.services import recommendations as service

    with council.app_context():
        admin = db.session.scalar(select(User).filter_by(email=ADMIN))
        accord = db.session.scalar(select(Document).filter_by(slug="ways-of-working-accord"))

        def labels():
            return {row.label for row in build_model(accord, agreed_only=False).coverage}

        assert {"CR a", "CR j"} <= labels()
        for letter in ("a", "j"):
            recommendation = db.session.scalar(
                select(Recommendation)
                .join(Recommendation.source)
                .where(RecommendationSource.short_name == "CR", Recommendation.letter == letter)
            )
            service.retire(recommendation, "Done", by=admin)
        db.session.flush()
        assert "CR a" in labels() and "CR j" not in labels()  # answered, so still shown
        db.session.rollback()


def test_loading_the_demo_again_keeps_an_edited_wording(council, client):
    client.sign_in(ADMIN)
    data = {"text": "Edited", "theme": "", "response": "", "timescale": "", "version": "1"}
    assert client.post_form("/recommendations/culture-review/f/edit", data).status_code == 303
    result = council.test_cli_runner().invoke(args=["seed-demo"])
    # (The first seed-demo also adds the demo's activity: discussions, voting, invitations.)
    assert result.exit_code == 0 and "recommendation" not in result.output
    assert _recommendations(council, "Culture Review 2019")["f"]["text"] == "Edited"
