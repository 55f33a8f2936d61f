"""Recommendations administration: sources, imports (web and command line), edits with
history, retiring and deleting."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Recommendation, RecommendationRevision, RecommendationSource
from app.seed_data.recommendations import SOURCES

SEEDS = "/work/shared/seeds"
CPC_FILE = f"{SEEDS}/000_1533b1998af56bea.txt"
CR_FILE = f"{SEEDS}/001_8f7b2b0db4663696.txt"


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


def test_cli_reimporting_the_shipped_data_changes_nothing(seeded):
    result = seeded.test_cli_runner().invoke(
        args=["recommendations", "import", CR_FILE, "--source", "CR"]
    )
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 25 unchanged" in result.output and "Nothing to save" in result.output
    assert _count(seeded, RecommendationRevision) == 0


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
