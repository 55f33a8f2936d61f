"""Open data for Freedom of Information requests: CSV and JSON from plain rows.

The functions take lists of dicts (built by ``app.exports.build.open_data``), never the ORM, and
return bytes ready to send.

CSV: UTF-8 with a byte order mark (so Excel reads the accents in "Zoë"), a header row, CRLF line
endings and minimal quoting. Text that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as OWASP advises) gets a leading
apostrophe: "=SUM(A1)" is written as "'=SUM(A1)". Numbers are not text and are written as they
are. ``None`` is an empty cell and booleans are ``true``/``false``.

JSON: UTF-8 (not \\u escapes), keys sorted, indented by 2, ending with a newline.

In both, a timestamp is ISO 8601 in UTC to the second with a "Z": ``2026-03-03T10:00:00Z`` (a
timestamp without a zone is taken to be UTC already); a date is ``2026-03-03``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from enum import Enum

OPEN_DATA_TABLES: dict[str, list[str]] = {
    "discussions": [
        "id",
        "document",
        "clause",
        "title",
        "started_by",
        "started_by_role",
        "created_at",
        "locked",
        "recommendations",
    ],
    "comments": [
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
    ],
    "votes": [
        "item_type",
        "item_id",
        "clause",
        "voter",
        "side",
        "group",
        "choice",
        "interest_reason",
        "cast_at",
        "wording",
        "set_aside",
    ],
    "amendments": [
        "id",
        "clause",
        "proposer",
        "proposer_role",
        "status",
        "created_at",
        "decided_at",
        "decision_reason",
        "rule_verdict",
        "heading",
        "text",
    ],
}

# Characters that make a spreadsheet treat a cell as a formula (OWASP's CSV injection advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def iso_timestamp(value: datetime) -> str:
    """'2026-03-03T10:00:00Z': UTC to the second; a naive datetime is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value: object) -> object:
    """Dates as ISO text and enums as their values; everything else unchanged."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def csv_cell(value: object) -> str:
    """One CSV cell's text, defused if a spreadsheet would run it as a formula."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(rows: list[dict], columns: list[str]) -> bytes:
    """The rows as CSV (UTF-8 with BOM, CRLF) in the order of ``columns``; missing keys: empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json_default(value: object) -> object:
    plain = _plain(value)
    if plain is not value:
        return plain
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def to_json(data: dict) -> bytes:
    """``data`` as JSON (UTF-8, sorted keys, indent 2); datetimes become ISO 8601 UTC with Z."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2, default=_json_default)
    return (text + "\n").encode("utf-8")
