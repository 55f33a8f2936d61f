"""Change markers for what many pages show: a counter that moves on with every change to it.

A live page's ETag is made of the markers of what it shows (``app.rendering.live_etag``). Its
own clause, discussion and comments carry theirs; what every page shows of people (names,
Groups, job titles, roles: on comment cards, in voter lists and counts) moves the ``people``
row here, so a rename or a role given to someone else reaches open pages at their next poll.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class MarkerName(StrEnum):
    PEOPLE = "people"


class ChangeMarker(Base):
    """One counter (``name``: a ``MarkerName``), moved on by ``app.services.markers``. Its
    rows are made by the migration that made the table (and by the tests' empty database)."""

    __tablename__ = "change_markers"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    mark: Mapped[int] = mapped_column(default=0)
