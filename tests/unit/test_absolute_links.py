"""Absolute links are built in one place, on PUBLIC_URL, never from the request's Host."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
FROM_THE_REQUEST = re.compile(r"(?<!\w)_external\s*=\s*True|request\.(host_url|url_root|host\b)")
# The one builder (on PUBLIC_URL) and the same-site check of a referrer (compares, builds none).
ALLOWED = {"mail.py", "errors.py"}


def test_no_module_builds_an_absolute_link_from_the_request():
    offenders = [
        f"{path.relative_to(APP)}:{number}"
        for path in APP.rglob("*.py")
        if path.name not in ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FROM_THE_REQUEST.search(line)
    ]
    assert offenders == [], "use app.mail.external_url (PUBLIC_URL) instead"
