from __future__ import annotations

import tempfile

from flask import Blueprint, Response, redirect, send_file, url_for
from flask_login import current_user

from app.models import User, utcnow
from app.permissions import can_download_own_data, require
from app.personal_data.forms import DownloadForm
from app.rendering import render
from app.services import personal_data

bp = Blueprint("personal_data", __name__, url_prefix="/account/your-data")


def archive_response(user: User) -> Response:
    """The ZIP of ``user``'s data as a download: built in a temporary file (deleted when the
    response is closed), never cached."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response)
    personal_data.write_archive(user, spool)
    spool.seek(0)
    response = send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=personal_data.archive_name(user, utcnow().date()),
        max_age=0,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
def show():
    """What "Download your data" gives you, and the button."""
    require(can_download_own_data(current_user))
    return render(
        "personal_data/show.html",
        form=DownloadForm(formdata=None),
        kinds=personal_data.KINDS,
    )


@bp.post("")
def download():
    """A ZIP of everything Accord holds about you, as JSON and CSV."""
    require(can_download_own_data(current_user))
    form = DownloadForm()
    if not form.validate_on_submit():
        return redirect(url_for("personal_data.show"), 303)
    return archive_response(current_user)
