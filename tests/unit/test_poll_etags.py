"""Which ETag a browser sent still describes a live page (``app.polls.unexpired``)."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_etags

from app import polls

NOW = 1_764_590_000
ETAG = "17-2-p7-u12-r3"


@pytest.fixture(autouse=True)
def stopped_clock(monkeypatch):
    monkeypatch.setattr(polls, "clock", lambda: NOW)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (f'"{ETAG}"', ETAG),
        (f'"other", "{ETAG}"', ETAG),
        (f'"{ETAG}-e{NOW + 1}"', f"{ETAG}-e{NOW + 1}"),
        (f'"{ETAG}-e{NOW}"', None),  # that second has come
        (f'"{ETAG}-e{NOW - 60}"', None),
        (f'"{ETAG}-x{NOW + 60}"', None),
        (f'"17-2-p7-u12-r31-e{NOW + 60}"', None),  # another person's roles
        (f'"{ETAG}-e{NOW + 60}-e{NOW + 60}"', None),
        (f'"{ETAG}-e"', None),
        (f'"{ETAG}-e²³"', None),  # digits to str.isdigit, not to int
        (f'"{ETAG}-e{"9" * 5000}"', None),  # past int()'s limit on digits
        (f'"{ETAG}-e-{NOW + 60}"', None),
        (f'W/"{ETAG}-e{NOW + 60}"', None),  # weak: never this page's
        ("*", ETAG),
        ('""', None),  # an empty tag, which Werkzeug reads as None: was a 500
        ('"", "x"', None),
        (f'"", "{ETAG}-e{NOW + 1}"', f"{ETAG}-e{NOW + 1}"),
    ],
)
def test_a_sent_etag_describes_the_page_until_the_time_it_carries(sent, kept):
    assert polls.unexpired(parse_etags(sent), ETAG) == kept
