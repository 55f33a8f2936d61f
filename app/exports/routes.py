from __future__ import annotations

import io

from flask import Blueprint, abort, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from app.boundaries import as_whole_number
from app.exports import stored
from app.exports.forms import ExportForm
from app.exports.render import MIME_TYPES, render_export
from app.extensions import db
from app.loaders import get_document_or_404
from app.models import Document, DocumentVersion
from app.permissions import can_export_version, can_export_working_text, require
from app.rendering import render

bp = Blueprint("exports", __name__)

OPEN_DATA = ("discussions", "comments", "votes", "amendments")
FRIENDLY_ERRORS = {
    "format": "Choose a format: Word, PDF, Markdown or the print-friendly page",
    "version": "Choose a version you can export",
    "clauses": "Choose whether to export the agreed text or all clauses",
    "annexes": "Choose whether to include the annexes",
    "changes_since": "Choose a published version to show the changes since",
}


def _document(slug: str) -> Document:
    document = get_document_or_404(slug)
    require(can_export_version(current_user, document))
    return document


def _form(document: Document, formdata=None) -> ExportForm:
    versions = db.session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc())
    ).all()
    form = ExportForm(formdata=formdata)
    form.about(document)
    choices = {
        str(v.number): f"Version {v.number} (published {v.published_at:%-d %B %Y})"
        for v in versions
    }
    if can_export_working_text(current_user, document):
        choices = {"working": "The working text, as it is now"} | choices
    form.version.choices = choices
    form.changes_since.choices = {"": "Do not show changes"} | {
        str(v.number): f"Version {v.number}" for v in versions
    }
    if formdata is None and choices:
        # What a facilitator wants now: while voting is open, the working text with each
        # clause's status (the agreed text would be nearly empty); else the newest version.
        form.version.data = next(iter(choices))  # the working text, for a facilitator
        if document.voting_open and form.version.data == "working":
            form.clauses.data = "all"
    return form


@bp.get("/documents/<slug>/export")
def choose(slug: str):
    """Choose a format, a version and what to include."""
    document = _document(slug)
    form = _form(document)
    return render(
        "exports/choose.html",
        document=document,
        form=form,
        can_export_data=can_export_working_text(current_user, document),
    )


def _changes_not_earlier(form: ExportForm) -> str | None:
    """Why the changes cannot be shown since the chosen version: it is the exported version or
    a later one (a redline backwards, titled "Changes since Version 2" on Version 1)."""
    since, version = form.changes_since.data, form.version.data
    if not since or not version or version == "working" or form.changes_since.errors:
        return None
    since_number, version_number = as_whole_number(since), as_whole_number(version)
    if since_number is None or version_number is None:
        return None
    from app.exports.build import not_earlier  # when it is asked (see ``download``)

    return not_earlier(version_number, since_number)


@bp.get("/documents/<slug>/export/download")
def download(slug: str):
    """The export itself, as a download (or the print page, for HTML)."""
    from app.exports.build import ExportError, build_model, find_version  # when one is made

    document = _document(slug)
    form = _form(document, formdata=request.args)
    valid = form.validate()
    if not form.version.data:  # an address typed or cut short: no version named
        form.version.errors = [*form.version.errors, FRIENDLY_ERRORS["version"]]
        valid = False
    backwards = _changes_not_earlier(form)
    if not valid or backwards:
        for field, message in FRIENDLY_ERRORS.items():
            if form[field].errors:
                form[field].errors = [document.worded(message)]
        if backwards:
            form.changes_since.errors = [backwards]
        return render(
            "exports/choose.html",
            document=document,
            form=form,
            status=422,
            can_export_data=can_export_working_text(current_user, document),
        )
    version = (
        None if form.version.data == "working" else find_version(document, int(form.version.data))
    )
    if version is None:
        require(can_export_working_text(current_user, document))
    try:
        since = (
            find_version(document, int(form.changes_since.data))
            if (form.changes_since.data)
            else None
        )
    except ExportError:
        abort(404)
    options = {
        "agreed_only": form.clauses.data != "all",
        "include_annexes": form.annexes.data != "no",
    }
    paper = form.paper()
    fmt = form.format.data
    key = (
        None
        if version is None  # the working text changes: never stored
        else stored.export_key(document, version, fmt, since=since, paper=paper, **options)
    )
    found = stored.stored_export(key) if key is not None else None
    if found is None:
        model = build_model(document, version=version, changes_since=since, paper=paper, **options)
        stem = f"{document.slug}-{model.filename_stem.split('-', 1)[1]}"
        body = render_export(model, fmt, css_href=url_for("static", filename="css/print.css"))
        if key is not None:
            stored.store_export(key, stem, body)
    else:
        stem, body = found
    if fmt == "html":
        return body, 200, {"Content-Type": "text/html; charset=utf-8"}
    return _file(body, stem, fmt)


def _file(body: bytes | str, stem: str, extension: str):
    data = body.encode() if isinstance(body, str) else body
    response = send_file(
        io.BytesIO(data),
        mimetype=MIME_TYPES[extension],
        as_attachment=True,
        download_name=f"{stem}.{extension}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/documents/<slug>/export/<table>.csv")
def data_csv(slug: str, table: str):
    """One table of open data, as CSV that opens correctly in Excel."""
    from app.exports.build import open_data  # when one is made

    document = _document(slug)
    require(can_export_working_text(current_user, document))
    if table not in OPEN_DATA:
        abort(404)
    rows = open_data(document, for_facilitator=current_user.is_facilitator)[table]
    return _file(render_export(rows, "csv", table=table), f"{document.slug}-{table}", "csv")


@bp.get("/documents/<slug>/export/data.json")
def data_json(slug: str):
    """All the open data of a document, as JSON."""
    from app.exports.build import open_data  # when one is made

    document = _document(slug)
    require(can_export_working_text(current_user, document))
    data = {
        "document": document.slug,
        "title": document.title,
        **open_data(document, for_facilitator=current_user.is_facilitator),
    }
    return _file(render_export(data, "json"), f"{document.slug}-data", "json")
