from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask_login import current_user

from app.boundaries import takes_import_body
from app.exports.render import MIME_TYPES
from app.extensions import db
from app.loaders import get_clause_or_404, get_document_or_404
from app.models import Document
from app.permissions import can_suggest_in_word, require
from app.rendering import render
from app.services import amendments
from app.services.clauses import live_clauses
from app.word.forms import ConfirmForm, UploadForm

bp = Blueprint("word", __name__)

MAX_FILE_BYTES = 5 * 1024 * 1024  # a marked-up working text is well under 1 MB
CHOOSE_FILE = "Select the Word file you downloaded for suggestions"
TOO_BIG = "The selected file must be smaller than 5 MB"
EMPTY = "The selected file is empty"


def _document(slug: str) -> Document:
    document = get_document_or_404(slug)
    require(can_suggest_in_word(current_user, document))
    amendments.check_document_takes_amendments(document)  # why not now (409)
    return document


@bp.get("/documents/<slug>/word/download")
def download(slug: str):
    """The working text (or the clause named by ``?clause=``) as a .docx for suggestions."""
    document = _document(slug)
    number = request.args.get("clause")
    if number:
        clause = get_clause_or_404(document, number)
        if clause.is_retired:
            return redirect(url_for("word.upload", slug=slug), 303)
        amendments.check_amendments_open(clause)  # its amendments stopped: why (409)
        name = f"{document.slug}-{document.short_item_noun}-{clause.number}"
        clauses, stem = [clause], f"{name}-for-suggestions"
    else:
        clauses, stem = live_clauses(document), f"{document.slug}-for-suggestions"
    from app.word.download import suggestions_docx  # python-docx: only when a file is made

    response = send_file(
        io.BytesIO(suggestions_docx(document, clauses)),
        mimetype=MIME_TYPES["docx"],
        as_attachment=True,
        download_name=f"{stem}.docx",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _uploaded_bytes(form: UploadForm) -> bytes | None:
    """The file's bytes, or None with the field's error set."""
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [CHOOSE_FILE]
        return None
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        form.file.errors = [TOO_BIG]
        return None
    if not data:
        form.file.errors = [EMPTY]
        return None
    return data


@bp.route("/documents/<slug>/word/upload", methods=["GET", "POST"])
@takes_import_body
def upload(slug: str):
    """Upload a .docx with tracked changes; the preview shows what it would create, saving
    nothing."""
    from app.word.preview import make_preview, sign  # reading a file: only when one is sent
    from app.word.reading import WordFileError, read_upload

    document = _document(slug)
    form = UploadForm()
    if form.validate_on_submit():
        data = _uploaded_bytes(form)
        if data is not None:
            try:
                preview = make_preview(document, read_upload(data))
            except WordFileError as error:
                form.file.errors = [str(error)]
            else:
                return render(
                    "word/preview.html",
                    document=document,
                    preview=preview,
                    form=ConfirmForm(formdata=None, preview=sign(preview, current_user.id)),
                    status=200,
                )
    elif request.method == "POST" and not form.file.errors:
        form.file.errors = [CHOOSE_FILE]
    return render("word/upload.html", document=document, form=form)


@bp.post("/documents/<slug>/word/confirm")
@takes_import_body
def confirm(slug: str):
    """Create the previewed suggestions and comments, as the uploader: all or nothing."""
    from app.word import apply  # reading a file: only when one is sent
    from app.word.preview import unsign

    document = _document(slug)
    form = ConfirmForm()
    preview = unsign(form.preview.data or "", current_user.id, document.id)
    if preview is None:
        flash(
            "That preview has expired or is not yours. Nothing was saved: upload the file again.",
            "info",
        )
        return redirect(url_for("word.upload", slug=slug), 303)
    if not form.validate_on_submit():
        return render("word/preview.html", document=document, preview=preview, form=form)
    try:
        created = apply.create_suggestions(
            preview, current_user, reason=form.reason.data or "", key=form.submission_key.data
        )
    except apply.NotCreated as error:
        db.session.rollback()
        return render(
            "word/preview.html",
            document=document,
            preview=preview,
            form=form,
            not_created=str(error),
            status=error.status,
        )
    db.session.commit()
    counts = [
        f"{len(created.suggestions)} suggestion{'s' if len(created.suggestions) != 1 else ''}",
        f"{len(created.comments)} comment{'s' if len(created.comments) != 1 else ''}",
    ]
    flash(f"Your {' and '.join(counts)} from Word are saved.", "success")
    return redirect(url_for("documents.show", slug=slug), 303)
