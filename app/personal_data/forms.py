from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from app.forms import AccordForm


class DownloadForm(AccordForm):
    """The CSRF token and the "Download your data" button."""

    submit = SubmitField("Download your data", widget=GovSubmitInput())
