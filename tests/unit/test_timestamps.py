"""Timestamps read back from SQLite: ``UTCDateTime``'s one-step reading gives what the general
way (SQLAlchemy's ISO 8601 parse, then UTC when no zone is stored) gives, for every form of
text a database row could hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.dialects import sqlite

from app.models.base import UTCDateTime

STORED = [
    "2026-11-30 10:11:12.123456",  # as SQLAlchemy writes it
    "2026-11-30 10:11:12",  # CURRENT_TIMESTAMP
    "2026-11-30 10:11:12.123",
    "2026-11-30T10:11:12",
    "2026-11-30T10:11:12.123456+00:00",  # written with an offset (by hand, say)
    "2026-11-30T10:11:12+01:00",
    "2026-11-30 10:11:12Z",
    "2026-11-30",  # a date alone: Python parses it with "+00:00" as a naive midnight
    "2026-11-30 10:11",
]


def _general(value):
    """The reading before: SQLite's parse, then ``process_result_value``."""
    parsed = sqlite.DATETIME().result_processor(sqlite.dialect(), None)(value)
    return UTCDateTime().process_result_value(parsed, sqlite.dialect())


@pytest.mark.parametrize("stored", STORED)
def test_each_stored_form_reads_as_the_general_way_reads_it(stored):
    read = UTCDateTime()._cached_result_processor(sqlite.dialect(), None)
    assert read(stored) == _general(stored)
    assert read(stored).utcoffset() == _general(stored).utcoffset()


@pytest.mark.parametrize("stored", ["not a time", "2026-13-01 00:00:00", 20261130])
def test_what_the_general_way_refuses_is_refused_alike(stored):
    read = UTCDateTime()._cached_result_processor(sqlite.dialect(), None)
    with pytest.raises((TypeError, ValueError)) as general:
        _general(stored)
    with pytest.raises(general.type):
        read(stored)


def test_none_reads_as_none_and_a_round_trip_keeps_the_instant(tmp_path):
    read = UTCDateTime()._cached_result_processor(sqlite.dialect(), None)
    assert read(None) is None
    engine = create_engine(f"sqlite:///{tmp_path / 'times.db'}")
    summer = timezone(timedelta(hours=1))
    written = datetime(2026, 6, 1, 9, 30, 15, 250, tzinfo=summer)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (at DATETIME)"))
        connection.execute(
            text("INSERT INTO t VALUES (:at)").bindparams(
                bindparam("at", written, type_=UTCDateTime())
            )
        )
        back = connection.execute(text("SELECT at FROM t").columns(at=UTCDateTime())).scalar_one()
    engine.dispose()
    assert back == written
    assert back.tzinfo == UTC
