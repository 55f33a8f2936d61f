"""What marks a .docx as Accord's: the clause tags and the file's signature.

Each clause is a block content control (``w:sdt``) whose tag is
``accord:clause:<clause id>:rev:<revision number>``. The file carries three document variables
(``w:docVars`` in ``word/settings.xml``, which Word keeps when it saves): ``AccordDocument`` (the
document's slug), ``AccordClauses`` (``<id>:<revision>`` for each clause, comma separated, in
order) and ``AccordSignature``, an HMAC-SHA256 of the other two keyed by ``SECRET_KEY``. A file
whose signature does not match was not downloaded from this Accord (or its variables were
edited), and is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import current_app

DOCUMENT_VAR = "AccordDocument"
CLAUSES_VAR = "AccordClauses"
SIGNATURE_VAR = "AccordSignature"
_TAG = re.compile(r"accord:clause:(\d{1,10}):rev:(\d{1,10})")
_PAIR = re.compile(r"(\d{1,10}):(\d{1,10})")


@dataclass(frozen=True)
class ClauseMark:
    """A clause as downloaded: its id and the revision number of its wording then."""

    clause_id: int
    revision: int

    @property
    def tag(self) -> str:
        return f"accord:clause:{self.clause_id}:rev:{self.revision}"


def parse_tag(tag: str | None) -> ClauseMark | None:
    """The clause a content control's tag names, or None when it is not an Accord tag."""
    match = _TAG.fullmatch(tag or "")
    return ClauseMark(int(match[1]), int(match[2])) if match else None


def clauses_value(marks: list[ClauseMark]) -> str:
    return ",".join(f"{mark.clause_id}:{mark.revision}" for mark in marks)


def parse_clauses_value(value: str) -> list[ClauseMark] | None:
    """The marks in an ``AccordClauses`` value, or None when it is malformed."""
    if not value:
        return []
    marks = []
    for part in value.split(","):
        match = _PAIR.fullmatch(part)
        if match is None:
            return None
        marks.append(ClauseMark(int(match[1]), int(match[2])))
    return marks


def signature(slug: str, clauses: str) -> str:
    """Hex HMAC-SHA256 of the slug and clauses value, keyed by ``SECRET_KEY``."""
    key = hashlib.sha256(b"accord-word-file:" + current_app.config["SECRET_KEY"].encode()).digest()
    message = f"accord-word:v1\n{slug}\n{clauses}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_signed(slug: str, clauses: str, claimed: str) -> bool:
    """Whether ``claimed`` is this Accord's signature of the slug and clauses."""
    return hmac.compare_digest(signature(slug, clauses), claimed or "")
