"""What every template can use: the permission predicates, Markdown, dates."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import ChainMap
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import Flask, g, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from jinja2 import Template
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from markupsafe import Markup
from werkzeug.security import safe_join
from wtforms import Field, HiddenField

from app.audit_words import action_label
from app.markdown import markdown_filter, shown_words
from app.page_notes import changes_at, note_server_time
from app.pages import PAGES
from app.permissions import PREDICATES, can_read_document
from app.rendering import is_htmx_request, live_etag
from app.rules import is_two_factor_required
from app.services import tasks
from app.services.leavers import former_name
from app.text import percent_text, upper_first

LONDON = ZoneInfo("Europe/London")


class ImportingTemplate(Template):
    """Jinja's template, with ``{% from "x.html" import y %}`` made cheap.

    Each such import asks whether the importing page has globals the imported template lacks
    (then it needs a module of its own, rendered afresh). Jinja works that out as a set
    difference against a ``ChainMap`` of the 70 or so globals, one Python-level lookup at a
    time: with seven imports a page, about half a millisecond. Here the same question is asked
    of each of the chain's dictionaries in C, and only when the answer is yes does Jinja's own
    code run (to make that module). The answer is almost always no: every template shares the
    environment's globals."""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and not _globals_beyond(ctx.globals_keys, self.globals):
            ctx = None
        return super()._get_default_module(ctx)


def _globals_beyond(keys: set[str], available: Mapping[str, object]) -> bool:
    """Whether any of ``keys`` is missing from ``available`` (a dict or a ``ChainMap``)."""
    maps = available.maps if isinstance(available, ChainMap) else [available]
    missing = keys
    for names in maps:
        missing = missing.difference(names)
        if not missing:
            return False
    return bool(missing)


def recommendation_url(recommendation) -> str:
    """The address of a recommendation's page, built once a request for each: a document page
    shows the same few recommendations' chips on many of its sixty clauses, and ``url_for``
    was a seventh of the page."""
    urls: dict[tuple[str, str], str] = g.setdefault("recommendation_urls", {})
    key = (recommendation.source.slug, recommendation.letter)
    if key not in urls:
        urls[key] = url_for("recommendations.show", source=key[0], letter=key[1])
    return urls[key]


# A clause number that an address carries as it is (no character Werkzeug would quote): an
# automatic number, one fixed by hand (``clauses.FIXED_NUMBER``) or a retired clause's.
PLAIN_NUMBER = re.compile(r"[0-9A-Za-z.-]+")
NUMBER_PLACEHOLDER = "NUMBER"


def clause_url(document, clause) -> str:
    """The address of ``clause``'s page: the document's address for its clauses built once a
    request, the number put in its place (a document page links sixty clauses; each
    ``url_for`` ran Flask's URL defaults and Werkzeug's builder). A number with any other
    character goes through ``url_for``."""
    if not PLAIN_NUMBER.fullmatch(clause.number):
        return url_for("documents.clause", slug=document.slug, number=clause.number)
    bases: dict[str, tuple[str, str]] = g.setdefault("clause_urls", {})
    if document.slug not in bases:
        url = url_for("documents.clause", slug=document.slug, number=NUMBER_PLACEHOLDER)
        before, _, after = url.rpartition(NUMBER_PLACEHOLDER)
        bases[document.slug] = (before, after)
    before, after = bases[document.slug]
    return before + clause.number + after


def london_time(value: datetime | None) -> str:
    """'23 November 2026 at 2:05pm', in the council's time zone."""
    if value is None:
        return ""
    local = (
        value.astimezone(LONDON) if value.tzinfo else value.replace(tzinfo=UTC).astimezone(LONDON)
    )
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def time_ago(value: datetime | None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago'; older shows the date. On an
    open page each ``<time data-ago>`` is written again in these words as time passes
    (``ago`` in static/js/accord.js: change both together)."""
    if value is None:
        return ""
    seconds = int((datetime.now(UTC) - value).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return london_time(value).split(" at ")[0]
            changes_at(value + timedelta(seconds=(count + 1) * size))
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    changes_at(value + timedelta(seconds=60))
    return "just now"


_BLANK_WIDGETS: dict[tuple, Markup] = {}


def blank_widget(field: Field, params: dict | None = None) -> Markup:
    """``field`` rendered by its GOV.UK widget with ``params``, as ``field(params=params)``.

    A blank field (no data, nothing submitted, no errors) renders the same every time for the
    same form field and ``params``: a pure function of them, so it is rendered once per process
    and kept (a character-count textarea costs about a tenth of a discussion page otherwise).
    A field with anything in it is rendered afresh."""
    if field.errors or field.raw_data or field.data:
        return field(params=params or {})
    key = (
        type(field),
        type(field.widget),
        field.id,
        field.name,
        field.label.text,
        field.description,
        repr(field.render_kw),
        repr(field.flags),
        repr(params),
    )
    found = _BLANK_WIDGETS.get(key)
    if found is None:
        found = _BLANK_WIDGETS[key] = Markup(field(params=params or {}))
        if len(_BLANK_WIDGETS) > 256:  # a fixed set of forms: this never grows in use
            _BLANK_WIDGETS.clear()
    return found


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


def _shown_if_invisible(found: re.Match[str]) -> str:
    """A character that prints nothing or turns the text around (Unicode's format characters:
    zero-width spaces and joiners, bidi overrides; the line and paragraph separators) as its
    JSON escape, ``\\u200b``; any other as itself."""
    character = found.group()
    if unicodedata.category(character) in ("Cf", "Zl", "Zp"):
        return json.dumps(character)[1:-1]
    return character


def as_json(value: object) -> str:
    """``value`` (a recorded before/after value) as JSON a person can read: keys sorted, text
    as written (an apostrophe stays ``'``, not Jinja ``tojson``'s ``\\u0027``), to be escaped
    by the template like any other text. Characters that print nothing or reorder the text
    are shown escaped, so two values that differ only by them never look the same."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return _BEYOND_ASCII.sub(_shown_if_invisible, text)


def iso_time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else ""


def readable(clauses: Iterable) -> list:
    """The ``clauses`` (anything with a ``document``) whose document the signed-in person may
    read (``permissions.can_read_document``): a link to a clause of a Draft document, which
    a facilitator may make, is never shown, title and all, to those who may not read it."""
    user = current_user if current_user.is_authenticated else None
    return [clause for clause in clauses if can_read_document(user, clause.document)]


def server_time() -> str:
    """The time now by the server's clock (``iso_time``): pages carry it so that their script
    keeps relative times ("5 minutes ago", ``time_ago``) true by this clock, not the
    computer's (static/js/accord.js)."""
    return note_server_time(iso_time(datetime.now(UTC)))


def _header_counts() -> tuple[int, int]:
    """(unread notifications, tasks) of the signed-in person: one statement per page, and
    none for fragments or pages that do not show the header."""
    if "header_counts" not in g:
        g.header_counts = (
            tasks.header_counts(current_user) if current_user.is_authenticated else (0, 0)
        )
    return g.header_counts


def tasks_done_by_this_page(done: int) -> None:
    """Leave out of the header's task count the ``done`` tasks this page does: a page that
    completes a task by being read is made before it records the reading, and its header
    should show what is left."""
    if done:
        unread, count = _header_counts()
        g.header_counts = (unread, max(count - done, 0))


def unread_notification_count() -> int:
    """The signed-in person's unread notifications, for the header."""
    return _header_counts()[0]


def task_count() -> int:
    """How many tasks the signed-in person has ("Your tasks" in the header)."""
    return _header_counts()[1]


@cache
def _file_fingerprint(path: str, modified_ns: int) -> str:
    """The first 12 hex digits of the SHA-256 of the file at ``path`` as it was at
    ``modified_ns`` (its modification time, so an edited file gets a new fingerprint)."""
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def static_fingerprint(static_folder: str, filename: str) -> str | None:
    """The fingerprint of a static file, or None when there is no such file."""
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        modified_ns = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _file_fingerprint(path, modified_ns)


def passage_words(text: str | None, limit: int = 160) -> str:
    """A quoted passage (Markdown source) in the words the page shows (``shown_words``: no
    "**" or list markers), on one line, cut at ``limit`` characters with "…" (escaped as
    text)."""
    words = " ".join(shown_words(text or "").split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def error_summary(form: FlaskForm, params: dict | None = None) -> dict:
    """govuk-frontend-wtf's ``wtforms_errors`` (the error summary's parameters for ``form``)
    with every link going where focus can land: an error summary's link moves focus to its
    field, and a hidden field (a form's one-time key sent too long) has nowhere to go (its
    message is listed as text), and a date's goes to its day box."""
    summary = wtforms_errors(form, params or {})
    hidden = {f"#{field.id}" for field in form if isinstance(field, HiddenField)}
    # A date's link goes to its day box: its own id is the fieldset's <div>, which takes no
    # focus, so the link went nowhere (outside tester).
    dates = {f"#{f.id}": f"#{f.name}-day" for f in form if isinstance(f.widget, GovDateInput)}
    summary["errorList"] = [
        {key: value for key, value in item.items() if key != "href"}
        if item.get("href") in hidden
        else {**item, "href": dates[item["href"]]}
        if item.get("href") in dates
        else item
        for item in summary["errorList"]
    ]
    return summary


def init_templating(app: Flask) -> None:
    app.jinja_env.template_class = ImportingTemplate

    @app.url_defaults
    def fingerprint_static_urls(endpoint: str, values: dict) -> None:
        """``url_for('static', filename=...)`` carries ``?v=`` and the file's content hash, so
        a proxy may cache the file for a year (deploy/nginx/accord.conf.template) and a
        changed file is fetched afresh under its new address."""
        if endpoint != "static" or "v" in values or app.static_folder is None:
            return
        fingerprint = static_fingerprint(app.static_folder, values.get("filename", ""))
        if fingerprint is not None:
            values["v"] = fingerprint

    app.jinja_env.globals.update(PREDICATES)
    app.jinja_env.globals["is_two_factor_required"] = is_two_factor_required
    app.jinja_env.globals["former_name"] = former_name
    app.jinja_env.globals["wtforms_errors"] = error_summary
    app.jinja_env.globals["blank_widget"] = blank_widget
    app.jinja_env.globals["live_etag"] = live_etag
    app.jinja_env.globals["is_htmx_request"] = is_htmx_request
    app.jinja_env.globals["recommendation_url"] = recommendation_url
    app.jinja_env.globals["unread_notification_count"] = unread_notification_count
    app.jinja_env.globals["task_count"] = task_count
    app.jinja_env.globals["server_time"] = server_time
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.filters["london_time"] = london_time
    app.jinja_env.filters["passage_words"] = passage_words
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["ago"] = time_ago
    app.jinja_env.filters["iso"] = iso_time
    app.jinja_env.filters["as_json"] = as_json
    app.jinja_env.filters["readable"] = readable
    app.jinja_env.filters["upper_first"] = upper_first
    app.jinja_env.filters["percent"] = percent_text

    @app.context_processor
    def council():
        return {
            "council_name": app.config["COUNCIL_NAME"],
            "footer_pages": PAGES,
            "service_name": "Accord",
            "london": LONDON,
        }
