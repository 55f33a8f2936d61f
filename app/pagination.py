"""One page of a list that can grow (people, audit events): a count, then the page's rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    pages: int
    total: int


# A page number past this is no page there is (nor, as an offset, a number PostgreSQL takes):
# numbers typed into an address are clamped to 1..LAST_PAGE_ASKED before any query.
LAST_PAGE_ASKED = 1_000_000


def paginate(query: Select, requested: int | None, per_page: int) -> Page:
    """The rows of page ``requested`` of an ordered ``query`` (two queries), the number clamped
    to the pages there are, so a stale ``?page=9`` shows the last page rather than nothing."""
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    pages = max(1, -(-total // per_page))
    number = min(max(requested or 1, 1), pages, LAST_PAGE_ASKED)
    items = db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(items), number, pages, total)
