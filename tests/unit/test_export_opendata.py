"""Open data: CSV that spreadsheets open safely and JSON that reads back as it was written."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone

from app.exports.opendata import OPEN_DATA_TABLES, csv_cell, to_csv, to_json

COLUMNS = ["id", "author", "text", "created_at", "hidden"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_a_bom_and_uses_crlf():
    data = to_csv([{"id": 1, "author": "Zoë Brontë", "text": "Cymraeg: ŵ ŷ"}], COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 2 and b"\n" not in data.replace(b"\r\n", b"")
    assert read_csv(data) == [COLUMNS, ["1", "Zoë Brontë", "Cymraeg: ŵ ŷ", "", ""]]


def test_formulas_are_defused_with_an_apostrophe():
    texts = ["=SUM(A1)", "+1", "-1", "@x", "\tTab", "\rReturn", '=HYPERLINK("http://x")']
    data = to_csv([{"text": text} for text in texts], ["text"])
    assert [row[0] for row in read_csv(data)[1:]] == ["'" + text for text in texts]


def test_ordinary_text_and_numbers_are_left_alone():
    rows = [
        {"id": -3, "text": "Members – and Officers", "author": "a=b"},
        {"id": 2.5, "text": "'already quoted", "author": " =not first"},
    ]
    parsed = read_csv(to_csv(rows, ["id", "text", "author"]))
    assert parsed[1:] == [
        ["-3", "Members – and Officers", "a=b"],
        ["2.5", "'already quoted", " =not first"],
    ]


def test_commas_quotes_and_newlines_round_trip():
    text = 'She said, "no".\nSecond line\r\nThird, with “curly” quotes'
    rows = [{"id": 1, "author": "Brontë, Zoë", "text": text}]
    data = to_csv(rows, COLUMNS)
    assert read_csv(data)[1][:3] == ["1", "Brontë, Zoë", text]


def test_csv_cells_for_dates_booleans_and_none():
    when = datetime(2026, 3, 3, 10, 0, 5, 123456, tzinfo=UTC)
    rows = [{"id": 1, "created_at": when, "hidden": True}, {"id": 2, "hidden": False}]
    parsed = read_csv(to_csv(rows, COLUMNS))
    assert parsed[1] == ["1", "", "", "2026-03-03T10:00:05Z", "true"]
    assert parsed[2] == ["2", "", "", "", "false"]
    assert csv_cell(None) == "" and csv_cell(date(2026, 3, 3)) == "2026-03-03"
    bst = timezone(timedelta(hours=1))
    assert csv_cell(datetime(2026, 6, 1, 11, 0, tzinfo=bst)) == "2026-06-01T10:00:00Z"
    assert csv_cell(datetime(2026, 6, 1, 11, 0)) == "2026-06-01T11:00:00Z", "naive is UTC"


def test_json_round_trips_with_iso_timestamps():
    when = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    data = {
        "document": "ways-of-working",
        "comments": [
            {"id": 1, "author": "Zoë Brontë", "created_at": when, "edited_at": None},
            {"id": 2, "text": "=SUM(A1)", "created_at": when + timedelta(minutes=5)},
        ],
        "generated": date(2026, 3, 3),
    }
    out = to_json(data)
    text = out.decode("utf-8")
    assert "Zoë Brontë" in text, "not \\u escapes"
    assert '"created_at": "2026-03-03T10:00:00Z"' in text
    assert text.index('"comments"') < text.index('"document"') < text.index('"generated"')
    assert text.endswith("}\n") and '\n  "comments": [' in text
    back = json.loads(out)
    assert back["comments"][1]["created_at"] == "2026-03-03T10:05:00Z"
    assert back["comments"][1]["text"] == "=SUM(A1)", "JSON is data, not a spreadsheet"
    assert back["comments"][0]["edited_at"] is None
    assert back["generated"] == "2026-03-03"
    parsed = datetime.fromisoformat(back["comments"][0]["created_at"])
    assert parsed == when
    assert to_json(data) == out, "deterministic"


def test_open_data_tables_name_their_columns():
    assert set(OPEN_DATA_TABLES) == {"discussions", "comments", "votes", "amendments"}
    assert OPEN_DATA_TABLES["comments"] == [
        "id",
        "discussion_id",
        "parent_id",
        "author",
        "author_role",
        "created_at",
        "edited_at",
        "withdrawn",
        "hidden",
        "text",
    ]
    assert "interest_reason" in OPEN_DATA_TABLES["votes"]
    header = read_csv(to_csv([], OPEN_DATA_TABLES["votes"]))
    assert header == [OPEN_DATA_TABLES["votes"]]
