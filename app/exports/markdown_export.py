"""The export as one Markdown file: the same content as the print page, as plain text.

Clause bodies are written as they were typed (they are Markdown already) unless they hold what
the pages never show (raw HTML, images, links other than http(s) and mailto): those are written
as the Markdown of what the page shows (``app.markdown.export_markdown``). Plain text (headings,
names, recommendations) has ``<``, ``[`` and ``]`` escaped (``export_text``). The annexes'
recommendation coverage and voting record are Markdown tables; the clause history is a list
under each clause.

Tracked changes ("Changes since Version N") use CriticMarkup, which reads well as plain text and
does not clash with the Markdown in the clauses: ``{--deleted words--}`` and
``{++inserted words++}``; a replaced run is the deletion followed by the insertion. The words
marked are exactly those ``app.diff.redline`` marks in the PDF and print page.

The output depends only on the model, so a version always exports the same Markdown (apart from
its "Generated" date).
"""

from __future__ import annotations

import html
import re

from app.diff import redline_inline
from app.diff import source_redline as redline
from app.exports.model import ExportModel
from app.exports.printing import (
    accepted_against_rule,
    agenda_line,
    amendment_label,
    answers_text,
    change_note,
    checkpoint_text,
    early_closes,
    session_rows,
    side_count_text,
    unanswered,
    w3c_date,
    when,
)
from app.markdown import export_markdown, export_text, is_safe_markdown

_HIDDEN = re.compile(r'<span class="govuk-visually-hidden">.*?</span>', re.S)
_CRITIC = {
    '<del class="app-del">': "{--",
    "</del>": "--}",
    '<ins class="app-ins">': "{++",
    "</ins>": "++}",
    "</p>\n<p>": "\n\n",
    "<br>\n": "\n",
}
_CRITIC_PATTERN = re.compile("|".join(re.escape(tag) for tag in _CRITIC))


def critic_markup(redline_html: str) -> str:
    """A redline's HTML (from app.diff) as CriticMarkup text."""
    text = _HIDDEN.sub("", str(redline_html))
    text = _CRITIC_PATTERN.sub(lambda match: _CRITIC[match.group()], text)
    text = text.removeprefix("<p>").removesuffix("</p>")
    return html.unescape(text)


def _cell(text: object) -> str:
    """Text that is safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(export_text(text).split()).replace("|", "\\|")


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _title_block(model: ExportModel) -> list[str]:
    lines = [
        f"# {export_text(model.title)}",
        "",
        f"- Council: {model.council}",
        f"- Document: {model.kind_label}",
        f"- Version: {model.version_label}",
        f"- Status: {model.status_label}",
        f"- Generated {when(model.generated_at)} ({w3c_date(model.generated_at)})",
        f"- Content hash (SHA-256): `{model.content_hash}`",
        f"- Audit trail checkpoint: {checkpoint_text(model)}",
        "",
    ]
    if model.agreed_only:
        lines += [model.worded("The agreed text: clauses agreed by Members and Officers."), ""]
    rows = session_rows(model.session)
    if rows:
        lines += ["## The meeting", ""]
        lines += [f"- {label}: {export_text(value)}" for label, value in rows]
        lines.append("")
    return lines


def _clauses(model: ExportModel) -> list[str]:
    lines: list[str] = []
    for clause in model.clauses:
        lines += [f"## {clause.number}. {export_text(clause.heading)}", ""]
        line = agenda_line(clause.agenda)
        if line:
            lines += [f"*{export_text(line)}*", ""]
        body = export_markdown(clause.body).strip("\n")
        if body.strip():
            lines += [body, ""]
        meta = []
        if model.shows_clause_status:
            meta.append(f"Status: {clause.status}")
        if clause.recommendations:
            meta.append(f"Answers: {answers_text(clause.recommendations)}")
        if meta:
            # Two trailing spaces: a Markdown line break between the two lines.
            lines += ["  \n".join(meta), ""]
    if not model.clauses:
        empty = (
            "No clauses have been agreed yet."
            if model.agreed_only
            else "This document has no clauses yet."
        )
        lines += [f"*{model.worded(empty)}*", ""]
    return lines


def _changes(model: ExportModel) -> list[str]:
    lines = [
        f"## Changes since {model.changes_since}",
        "",
        "Deleted words are marked {--like this--} and inserted words {++like this++}.",
        "",
    ]
    changes = [change for change in model.changes if change.kind != "unchanged"]
    for change in changes:
        old_heading, new_heading = change.old_heading or "", change.new_heading or ""
        old_body, new_body = change.old_body or "", change.new_body or ""
        if not (is_safe_markdown(old_body) and is_safe_markdown(new_body)):
            old_body, new_body = export_markdown(old_body), export_markdown(new_body)
        if change.kind == "added":
            old_heading = old_body = ""
        elif change.kind == "removed":
            new_heading = new_body = ""
        lines += [
            f"### {change.number}. {export_text(change.new_heading or change.old_heading)}",
            "",
            model.worded(change_note(change.kind, change.number)),
            "",
        ]
        if change.kind == "moved":
            continue
        if old_heading != new_heading:
            heading = critic_markup(redline_inline(old_heading, new_heading))
            lines += [f"Heading: {export_text(heading)}", ""]
        body = critic_markup(redline(old_body, new_body))
        if body.strip():
            lines += [body, ""]
    if not changes:
        lines += [model.worded(f"No clause has changed since {model.changes_since}."), ""]
    return lines


def _annexes(model: ExportModel) -> list[str]:
    lines = [model.worded("## Annex A: Clause history"), ""]
    with_history = [clause for clause in model.clauses if clause.history]
    for clause in with_history:
        lines += [f"### {clause.number}. {export_text(clause.heading)}", ""]
        lines += [
            f"- {when(entry.when)}: {export_text(entry.what)}"
            if entry.when
            else f"- {export_text(entry.what)}"
            for entry in clause.history
        ]
        lines.append("")
    if not with_history:
        lines += [model.worded("No history has been recorded for these clauses."), ""]

    lines += ["## Annex B: Recommendation coverage", ""]
    for source, rows in model.coverage_by_source:
        if source:
            lines += [f"### {export_text(source)}", ""]
        lines += _table(
            ["Recommendation", "What it asks", "Answered by"],
            [
                [
                    row.label,
                    row.text,
                    model.worded(f"Clause {', '.join(row.clauses)}")
                    if row.clauses
                    else "Not answered",
                ]
                for row in rows
            ],
        )
        lines.append("")
    if model.coverage:
        lines += ["### Recommendations not yet answered", ""]
        missing = unanswered(model)
        lines += [f"- {export_text(row.label)}: {export_text(row.text)}" for row in missing] or [
            model.worded("Every recommendation is answered by at least one clause.")
        ]
        lines.append("")
    else:
        lines += ["No recommendations have been recorded.", ""]

    lines += ["## Annex C: Voting record", ""]
    if model.voting_record:
        lines += _table(
            [model.worded("Clause"), "Members", "Officers", "Outcome", "Date closed"],
            [
                [
                    f"{record.number}. {record.heading}",
                    side_count_text(record.members),
                    side_count_text(record.officers),
                    record.outcome_text,
                    when(record.closed_at) if record.closed_at else "Not closed",
                ]
                for record in model.voting_record
            ],
        )
        lines.append("")
        lines += [f"- {export_text(line)}" for line in early_closes(model)]
        lines += [""] if early_closes(model) else []
    else:
        lines += [model.worded("No clause has been put to a vote."), ""]
    lines += ["### Amendments", ""]
    if model.amendment_record:
        lines += _table(
            ["Amendment", "Members", "Officers", "Outcome", "Decided"],
            [
                [
                    amendment_label(model, record),
                    side_count_text(record.members),
                    side_count_text(record.officers),
                    record.outcome,
                    when(record.decided_at) if record.decided_at else "Not decided",
                ]
                for record in model.amendment_record
            ],
        )
        lines.append("")
        lines += [f"- {export_text(line)}" for line in accepted_against_rule(model)]
        lines += [""] if accepted_against_rule(model) else []
    else:
        lines += ["No amendment has been proposed.", ""]
    lines += ["### Declarations of interest", ""]
    if model.declarations:
        lines += _table(
            ["Who", "On", "Reason given", "When"],
            [
                [d.name, d.item, d.reason, when(d.when) if d.when else ""]
                for d in model.declarations
            ],
        )
        lines.append("")
    else:
        lines += ["No interest has been declared.", ""]
    return lines


def render_markdown_export(model: ExportModel) -> str:
    """The whole export as Markdown text (ends with one newline)."""
    lines = _title_block(model) + _clauses(model)
    if model.changes_since:
        lines += _changes(model)
    if model.include_annexes:
        lines += _annexes(model)
    return "\n".join(lines).rstrip("\n") + "\n"
