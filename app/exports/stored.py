"""Exports of published versions, made once and served again from the shared cache.

A published version's text never changes (its ``content_hash`` names it), so its export is
made once for each set of options (format, agreed text or all clauses, annexes, the version the
changes are shown since, the committee-paper details). Its annexes record votes, amendments and
declarations that can still move while the document is live, so the key also carries the
document's status, the sum of its clauses' change markers (raised by every vote, amendment
and new wording), for an agenda's version published before versions kept its session (see
``_live_agenda``) a digest of the session as it is now, and the ``people`` marker (the annexes
name voters, proposers and the makers of wordings: a rename or an anonymisation makes them
again): once the document is submitted or adopted only a change to people moves them, and
the file is served again until it expires.
Exports of the working text are never stored.

The cache is the one of ``app.extensions`` (Redis where configured): a file made on one host is
served by every other, and a change anywhere makes a new key rather than a stale file.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Clause, Document, DocumentKind, DocumentVersion
from app.services.markers import people_mark
from app.shared_cache import cache_get, cache_set

if TYPE_CHECKING:
    from app.exports.model import CommitteePaper

FORMAT_VERSION = 2  # bump when an export's layout changes, so stored files are made again


def export_key(
    document: Document,
    version: DocumentVersion,
    fmt: str,
    *,
    agreed_only: bool,
    include_annexes: bool,
    since: DocumentVersion | None,
    paper: CommitteePaper | None,
) -> str:
    """The cache key of this export of ``version`` (one statement, for the clauses' markers
    and the ``people`` marker: the annexes name people, and a rename or an anonymisation must
    reach every export at once)."""
    clause_marks = db.session.execute(
        select(
            func.coalesce(func.sum(Clause.activity), 0), func.count(Clause.id), people_mark()
        ).where(Clause.document_id == document.id)
    ).one()
    parts = (
        FORMAT_VERSION,
        version.content_hash,
        version.number,
        fmt,
        agreed_only,
        include_annexes,
        since.content_hash if since is not None else None,
        repr(paper),
        document.status.value,
        document.activity,
        tuple(clause_marks),
        current_app.config["COUNCIL_NAME"],
        _live_agenda(document, version),
    )
    return "export:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _live_agenda(document: Document, version: DocumentVersion) -> str | None:
    """For an agenda's version published before versions kept their session's details, timing
    and register (``joint_sessions.frozen_agenda``), which its exports then read as they are
    now: a digest of them, so that a change makes the file again. None for every other
    version (three queries for such an agenda, none otherwise)."""
    if document.kind != DocumentKind.AGENDA or "session" in version.content:
        return None
    from app.services import joint_sessions, lifecycle

    return lifecycle.hash_content(joint_sessions.frozen_agenda(document) or {})


def stored_export(key: str) -> tuple[str, bytes | str] | None:
    """The stored (file name stem, body) under ``key``, if there is one."""
    return cache_get(key)


def store_export(key: str, stem: str, body: bytes | str) -> None:
    cache_set(key, (stem, body))
