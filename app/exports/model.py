"""What an export contains, built once from the database and rendered by each format.

The renderers (Word, PDF/HTML, Markdown) take an ExportModel and never query the database, so
every format says the same thing, and a published version always exports the same text (only
the generation date differs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from app.models.documents import DocumentKind
from app.text import normalise


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    what: str  # e.g. "Wording 2 by Amina Shah: Amendment 4 by Sarah Whitfield accepted"


@dataclass(frozen=True)
class ExportClause:
    number: str
    heading: str
    body: str  # Markdown
    recommendations: tuple[str, ...]  # labels: "CR g", "CPC d"
    status: str  # "Agreed", "Not agreed", "Not voted on"
    history: tuple[HistoryEntry, ...] = ()
    # Agenda items only: their start time, duration, purpose and lead, for the printed agenda.
    agenda: dict | None = None


@dataclass(frozen=True)
class SideCount:
    support: int
    oppose: int
    abstain: int
    interest: int
    eligible: int


@dataclass(frozen=True)
class VotingRecord:
    number: str
    heading: str
    members: SideCount | None
    officers: SideCount | None
    outcome: str  # "Agreed", "Not agreed", "Not voted on", "Voted on an earlier wording"
    closed_at: datetime | None
    close_reason: str = ""  # why voting closed before its announced time, if it did
    wording: int | None = None  # the clause wording the outcome applies to
    set_aside: str = ""  # "9 set aside (cast on an earlier wording)", or ""

    @property
    def outcome_text(self) -> str:
        """The outcome with the wording it applies to and the votes set aside."""
        text = self.outcome + (f" on wording {self.wording}" if self.wording else "")
        return text + (f"; {self.set_aside}" if self.set_aside else "")


@dataclass(frozen=True)
class AmendmentRecord:
    """How an amendment was decided, for the voting annex."""

    number: int  # the amendment's id, as shown in Accord ("Amendment 4")
    clause: str  # the clause number it amends
    proposer: str
    status: str  # "Open", "Accepted", "Rejected", "Withdrawn"
    members: SideCount | None
    officers: SideCount | None
    outcome: str  # "Agreed", "Not agreed", "Not voted on"
    decided_at: datetime | None
    against_rule_reason: str = ""  # why it was accepted although the rule did not agree it


@dataclass(frozen=True)
class Declaration:
    """A declared interest: who, on what, why (the reason they gave), and when."""

    name: str
    item: str  # "Clause 3" or "Amendment 4 (clause 3)"
    reason: str
    when: datetime | None


@dataclass(frozen=True)
class CommitteePaper:
    """The committee-paper details a council prints on an appendix (all optional)."""

    committee: str = ""  # "Standards Committee"
    meeting_date: date | None = None
    agenda_item: str = ""  # "7"
    appendix: str = ""  # "B"
    author: str = ""  # "Jo Bloggs, Head of Democratic Services"

    @property
    def reference(self) -> str:
        """'Appendix B to agenda item 7, Standards Committee, 12 March 2027'; parts left out
        when not given; '' when nothing is."""
        head = f"Appendix {self.appendix}" if self.appendix else ""
        if self.agenda_item:
            head = (
                f"{head} to agenda item {self.agenda_item}"
                if head
                else (f"Agenda item {self.agenda_item}")
            )
        meeting = ", ".join(
            part
            for part in (
                self.committee,
                f"{self.meeting_date.day} {self.meeting_date:%B %Y}" if self.meeting_date else "",
            )
            if part
        )
        return ", ".join(part for part in (head, meeting) if part)

    @property
    def rows(self) -> list[tuple[str, str]]:
        """(label, value) for the cover: only the details given."""
        values = [
            ("Committee", self.committee),
            (
                "Meeting date",
                f"{self.meeting_date.day} {self.meeting_date:%B %Y}" if self.meeting_date else "",
            ),
            ("Agenda item", self.agenda_item),
            ("Appendix", self.appendix),
            ("Report author", self.author),
        ]
        return [(label, value) for label, value in values if value]


@dataclass(frozen=True)
class CoverageRow:
    label: str  # "CR g"
    letter: str
    text: str
    clauses: tuple[str, ...]  # clause numbers that answer it; empty when unanswered
    source: str = ""  # "Culture Review 2019": the annex has a section per source


@dataclass(frozen=True)
class ClauseDiff:
    """One clause's change between an earlier version and this one (for tracked changes)."""

    kind: str  # "added", "removed", "changed", "moved", "moved and changed", "unchanged"
    number: str
    old_heading: str | None
    new_heading: str | None
    old_body: str | None
    new_body: str | None
    # Who made the change and when: the proposer of the last amendment accepted into it (or
    # whoever last edited it), for the Word export's tracked changes. None: not known.
    author: str | None = None
    changed_at: datetime | None = None


@dataclass(frozen=True)
class AuditCheckpointLine:
    """The audit trail's head pinned by this export: recorded when the version was published,
    decided or adopted (``when`` and ``what`` say which), or read at export time for the
    working text."""

    count: int
    head_hash: str
    what: str  # "Version published", "Adopted by Full Council", "When this export was made"
    when: datetime | None

    @property
    def pin(self) -> str:
        return f"{self.count}:{self.head_hash}"


@dataclass(frozen=True)
class ExportModel:
    council: str  # "St Helens Council"
    title: str
    kind: str  # "accord", "protocol", "agenda"
    kind_label: str  # "Ways of Working Accord"
    version_label: str  # "Version 2" or "Working text (not a published version)"
    version_number: int | None
    status_label: str  # "Open for comment", ...
    content_hash: str  # SHA-256 of the version's (or working text's) content
    generated_at: datetime  # the only thing that differs between two exports of a version
    clauses: tuple[ExportClause, ...]
    agreed_only: bool  # True: "the agreed text" (clauses agreed by vote only)
    include_annexes: bool
    voting_record: tuple[VotingRecord, ...] = ()
    coverage: tuple[CoverageRow, ...] = ()  # every source's, source by source
    changes_since: str | None = None  # "Version 1": tracked changes against it
    changes: tuple[ClauseDiff, ...] = field(default_factory=tuple)
    session: dict | None = None  # an agenda's joint session: title, date, times, venue
    # None: a version published before checkpoints were recorded.
    checkpoint: AuditCheckpointLine | None = None
    paper: CommitteePaper | None = None  # committee-paper details, on the cover and header
    amendment_record: tuple[AmendmentRecord, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    # False for the public copy of an adopted version: the adopted text, without how each
    # clause's vote went (the voting record is not published).
    clause_statuses: bool = True

    def worded(self, text: str) -> str:
        """A fixed ``text`` written of clauses, in this document's words: "agenda item" in an
        agenda's export (``DocumentKind.worded``)."""
        return DocumentKind(self.kind).worded(text)

    @property
    def shows_clause_status(self) -> bool:
        """Whether each clause says its status ("Agreed", "Not agreed", …): in a working-text
        or whole-version export for the council's papers, never in the agreed text alone nor
        in the public copy."""
        return self.clause_statuses and not self.agreed_only

    @property
    def running_header(self) -> str:
        """The header of every page: title, version and, when given, the paper's reference."""
        reference = self.paper.reference if self.paper else ""
        return " – ".join(part for part in (self.title, self.version_label, reference) if part)

    @property
    def running_footer(self) -> str:
        """The footer before the page number: the content hash."""
        return f"SHA-256 {self.content_hash}"

    @property
    def coverage_by_source(self) -> list[tuple[str, list[CoverageRow]]]:
        """The coverage rows grouped by source name, in the order they come."""
        groups: dict[str, list[CoverageRow]] = {}
        for row in self.coverage:
            groups.setdefault(row.source, []).append(row)
        return list(groups.items())

    @property
    def filename_stem(self) -> str:
        version = f"v{self.version_number}" if self.version_number else "working-text"
        return f"{self.kind}-{version}"


T = TypeVar("T")


def printable(value: T) -> T:
    """``value`` (an ExportModel, open data rows, or any dataclass, dict, list or tuple of them)
    with every string normalised by ``app.text.normalise`` (multi-line): no control
    characters, LF line breaks, NFC. Every export passes through it, so text stored before
    the text rule (or written by a script) never puts a box in a PDF or joins words in Word.
    Hashes and dates are untouched: they are not changed by normalising."""
    clean: Any
    if isinstance(value, str):
        clean = normalise(value, multiline=True)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        clean = dataclasses.replace(
            value, **{f.name: printable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    elif isinstance(value, dict):
        clean = {key: printable(item) for key, item in value.items()}
    elif isinstance(value, list | tuple):
        clean = type(value)(printable(item) for item in value)
    else:
        clean = value
    return clean
