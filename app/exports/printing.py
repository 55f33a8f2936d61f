"""The print-friendly HTML page and the PDF made from it with WeasyPrint.

``render_print_html`` fills ``templates/exports/print.html``: with Flask's ``render_template``
inside an application context, or else with a Jinja environment set up the same way (the
templates folder, autoescaping, ``trim_blocks``/``lstrip_blocks`` and the ``markdown`` filter),
so both give the same page. ``render_pdf`` renders that page with ``static/css/print.css``
loaded from disk; WeasyPrint may load nothing else.

The PDF is tagged and declares PDF/UA-1 (WeasyPrint's ``pdf_variant="pdf/ua-1"``, which turns
on ``pdf_tags`` and writes PDF 1.7 with XMP metadata): headings, paragraphs, lists and tables
are in the structure tree, the language comes from ``<html lang="en-GB">``, the document title
is shown instead of the file name, and headings become bookmarks. Its metadata come from the
page's head: ``<title>`` (Title), ``<meta name="author">`` (Author: the council),
``<meta name="description">`` (Subject) and ``<meta name="dcterms.created">`` /
``dcterms.modified`` (CreationDate, ModDate), set to the model's ``generated_at``, so the same
model always gives the same bytes.

The helpers below turn parts of the model into plain text; the Markdown export uses them too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

from flask import has_app_context, render_template
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.diff import redline, redline_inline
from app.exports.model import AmendmentRecord, ExportModel, SideCount
from app.markdown import render_markdown
from app.templating import LONDON, london_time

ROOT = Path(__file__).resolve().parents[2]
PRINT_CSS = ROOT / "static" / "css" / "print.css"
TEMPLATE = "exports/print.html"

# WeasyPrint's options for the PDF (see the module docstring).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}

_PURPOSES = {"decision", "discussion", "information", "noting", "agreement", "approval"}


# Plain-text helpers, shared with the Markdown export ------------------------------------------


def w3c_date(value: datetime) -> str:
    """'2026-03-03T10:00:00Z': the W3C date-time WeasyPrint reads from dcterms.created."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(value: datetime | None) -> str:
    """'3 March 2026 at 10:00am' in the council's time zone, or '' when there is none."""
    return london_time(value) if value else ""


def checkpoint_text(model: ExportModel) -> str:
    """'1234:3fa4… (1234 events; Version published, 3 March 2026 at 10:00am)', or why none."""
    point = model.checkpoint
    if point is None:
        return "None recorded (the version was published before checkpoints were kept)"
    moment = f", {when(point.when)}" if point.when else ""
    return f"{point.pin} ({point.count} events; {point.what}{moment})"


def side_count_text(count: SideCount | None) -> str:
    """'4 support, 1 oppose, 0 abstain, 0 declared an interest (7 eligible)'."""
    if count is None:
        return "No vote"
    return (
        f"{count.support} support, {count.oppose} oppose, {count.abstain} abstain, "
        f"{count.interest} declared an interest ({count.eligible} eligible)"
    )


def answers_text(recommendations: tuple[str, ...]) -> str:
    return ", ".join(recommendations)


def _clock(value: object) -> str:
    if isinstance(value, datetime):
        value = (value.astimezone(LONDON) if value.tzinfo else value).time()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _duration(value: object) -> str:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value} minute{'' if value == 1 else 's'}"
    return str(value).strip()


def _day(value: object) -> str:
    if isinstance(value, datetime):
        value = (value.astimezone(LONDON) if value.tzinfo else value).date()
    if isinstance(value, date):
        return f"{value:%A} {value.day} {value:%B %Y}"
    return str(value).strip()


def agenda_line(agenda: dict | None) -> str:
    """'10:00 (30 minutes), for discussion, led by Zoë Brontë'; missing parts are left out.

    ``agenda`` may have ``start`` (a time, datetime or text), ``duration`` (minutes, or text),
    ``purpose`` ("discussion", "decision", ... become "for discussion"; other text is kept as
    written) and ``lead`` (a name).
    """
    if not agenda:
        return ""
    parts = []
    start = _clock(agenda["start"]) if agenda.get("start") not in (None, "") else ""
    duration = _duration(agenda["duration"]) if agenda.get("duration") not in (None, "") else ""
    if start and duration:
        parts.append(f"{start} ({duration})")
    elif start or duration:
        parts.append(start or duration)
    purpose = str(agenda.get("purpose") or "").strip()
    if purpose:
        parts.append(f"for {purpose.lower()}" if purpose.lower() in _PURPOSES else purpose)
    lead = str(agenda.get("lead") or "").strip()
    if lead:
        parts.append(f"led by {lead}")
    line = ", ".join(parts)
    # "For discussion, led by ..." when there is no time; our own words only are capitalised.
    return line[:1].upper() + line[1:] if line.startswith(("for ", "led by ")) else line


def session_rows(session: dict | None) -> list[tuple[str, str]]:
    """An agenda's meeting as (label, value) rows: Meeting, Date, Time, Venue (when given)."""
    if not session:
        return []
    rows = []
    if session.get("title"):
        rows.append(("Meeting", str(session["title"]).strip()))
    if session.get("date"):
        rows.append(("Date", _day(session["date"])))
    start = _clock(session["start"]) if session.get("start") else ""
    end = _clock(session["end"]) if session.get("end") else ""
    if start and end:
        rows.append(("Time", f"{start} to {end}"))
    elif start:
        rows.append(("Time", f"From {start}"))
    elif end:
        rows.append(("Time", f"Until {end}"))
    if session.get("venue"):
        rows.append(("Venue", str(session["venue"]).strip()))
    rows.extend(session.get("register") or [])  # the register taken on the day, if any
    return rows


def change_note(kind: str, number: str) -> str:
    """What happened to a clause, in words: 'Added as clause 4.', 'Moved to clause 2.'"""
    return {
        "added": f"Added as clause {number}.",
        "removed": "Removed.",
        "changed": "Wording changed.",
        "moved": f"Moved to clause {number}; wording unchanged.",
        "moved and changed": f"Moved to clause {number}, and its wording changed.",
    }.get(kind, kind.capitalize() + ".")


def early_closes(model: ExportModel) -> list[str]:
    """One line per clause whose voting closed before its announced time, with the reason:
    '3. Trust: voting closed before its announced time. Why: the meeting moved.'"""
    return [
        f"{record.number}. {record.heading}: voting closed before its announced time. "
        f"Why: {record.close_reason}"
        for record in model.voting_record
        if record.close_reason
    ]


def amendment_label(model: ExportModel, record: AmendmentRecord) -> str:
    """An amendment's row heading in the voting annex: 'Amendment 4 to clause 3, proposed by
    Sarah Whitfield: accepted' (an agenda's says "item")."""
    return (
        model.worded(f"Amendment {record.number} to clause {record.clause}")
        + f", proposed by {record.proposer}: {record.status.lower()}"
    )


def accepted_against_rule(model: ExportModel) -> list[str]:
    """One line per amendment accepted although the agreement rule did not agree it, with the
    reason given (shared/DOMAIN.md: "accepting an amendment that the rule does not agree needs
    a reason", shown to the Standards Committee): 'Amendment 4 to clause 3 was accepted
    although the agreement rule did not agree it. Why: the Group leaders agreed it.'"""
    return [
        model.worded(f"Amendment {record.number} to clause {record.clause}")
        + " was accepted although the agreement rule did not agree it. "
        + f"Why: {record.against_rule_reason}"
        for record in model.amendment_record
        if record.against_rule_reason
    ]


def unanswered(model: ExportModel):
    return [row for row in model.coverage if not row.clauses]


# Rendering -----------------------------------------------------------------------------------

_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_LONG_RUN = re.compile(r"[^\s<>&]{30,}")
_BREAK = "\u200b"  # a zero-width space: a place a line may break, and nothing else


def breakable(html: str) -> Markup:
    """``html`` (already safe) with a break opportunity every 20 characters of any run of 30
    or more without a space, in text only (not in tags or entities). WeasyPrint will not
    break a word that runs across elements ("**Account**ability…", half bold), even with
    ``overflow-wrap: anywhere``; this lets it wrap at the margin."""

    def split(match: re.Match) -> str:
        run = match.group()
        return _BREAK.join(run[i : i + 20] for i in range(0, len(run), 20))

    parts = _TAG_OR_TEXT.split(str(html))
    return Markup(
        "".join(part if part.startswith("<") else _LONG_RUN.sub(split, part) for part in parts)
    )


_standalone: Environment | None = None


def _standalone_environment() -> Environment:
    """Outside an app context: the app's Jinja settings, with only what print.html uses."""
    global _standalone
    if _standalone is None:
        environment = Environment(
            loader=FileSystemLoader(ROOT / "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.filters["markdown"] = render_markdown
        _standalone = environment
    return _standalone


def render_print_html(model: ExportModel, css_href: str) -> str:
    """The standalone print page; ``css_href`` is where print.css is (a URL or file:// URI).

    Uses the app's templates inside an application context; works without one too.
    """
    context = _context(model, css_href)
    if has_app_context():
        return render_template(TEMPLATE, **context)
    return _standalone_environment().get_template(TEMPLATE).render(**context)


def _context(model: ExportModel, css_href: str) -> dict:
    return {
        "model": model,
        "css_href": css_href,
        "created": w3c_date(model.generated_at),
        "generated": when(model.generated_at),
        "redline": redline,
        "breakable": breakable,
        "redline_inline": redline_inline,
        "agenda_line": agenda_line,
        "session_rows": session_rows(model.session),
        "side_count_text": side_count_text,
        "checkpoint": checkpoint_text(model),
        "answers_text": answers_text,
        "change_note": change_note,
        "when": when,
        "unanswered": unanswered(model),
        "early_closes": early_closes(model),
        "against_rule": accepted_against_rule(model),
        "amendment_label": amendment_label,
        "changes": [change for change in model.changes if change.kind != "unchanged"],
    }


def _fetcher():
    """WeasyPrint may read print.css and nothing else: no file, no network, whatever links say."""
    from weasyprint import URLFetcher

    allowed = PRINT_CSS.as_uri()

    class PrintCssOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.split("?")[0].split("#")[0] != allowed:
                raise ValueError(f"Exports do not load {url}")
            return super().fetch(url, headers)

    return PrintCssOnly()


def layout_pdf(model: ExportModel):
    """The export laid out by WeasyPrint (a ``weasyprint.document.Document``: its pages and
    their boxes), before it is written as a PDF."""
    from weasyprint import HTML  # imported here: it is slow to import and only PDFs need it

    html = render_print_html(model, PRINT_CSS.as_uri())
    document = HTML(string=html, base_url=PRINT_CSS.parent.as_uri() + "/", url_fetcher=_fetcher())
    return document.render(**{k: v for k, v in PDF_OPTIONS.items() if k == "pdf_tags"})


def render_pdf(model: ExportModel) -> bytes:
    """The export as a tagged A4 PDF (bytes); A4 landscape pages for the voting annex."""
    return layout_pdf(model).write_pdf(**PDF_OPTIONS)
