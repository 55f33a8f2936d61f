"""The results page: the query, filters that work without JavaScript, and results that
update in place with htmx (the URL follows, so the back button and shared links work)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.boundaries import as_whole_number
from app.forms import year_problem
from app.permissions import can_search, require
from app.rendering import is_htmx_request, render
from app.services import search as service

bp = Blueprint("search", __name__)


def _date(args: MultiDict, prefix: str) -> tuple[date | None, dict[str, str], str | None]:
    """A GOV.UK date input's day, month and year → (date or None, the parts as typed, error).
    The year must have 4 numbers (GOV.UK's pattern): "10000" is refused, not read as 1000."""
    parts = {
        part: args.get(f"{prefix}-{part}", "").strip()[:10] for part in ("day", "month", "year")
    }
    if not any(parts.values()):
        return None, parts, None
    if not all(parts.values()):
        return None, parts, "Enter a day, month and year, or leave all three empty"
    if not all(value.isascii() and value.isdigit() for value in parts.values()):
        return None, parts, "Enter a real date, for example 27 3 2025"
    if len(parts["year"]) != 4:
        return None, parts, "The year must include 4 numbers, for example 2025"
    if message := year_problem(int(parts["year"])):
        return None, parts, message
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts, None
    except ValueError:
        return None, parts, "Enter a real date, for example 27 3 2025"


def _query(args: MultiDict) -> tuple[str, bool]:
    """The search text, at most MAX_QUERY characters cut at a space (never mid-word), and
    whether it was cut."""
    text = args.get("q", "")
    if len(text) <= service.MAX_QUERY:
        return text, False
    cut = text[: service.MAX_QUERY + 1]
    return (cut.rsplit(None, 1)[0] if " " in cut.strip() else cut[: service.MAX_QUERY]), True


def _ids(values: list[str]) -> frozenset[int]:
    return frozenset(n for n in map(as_whole_number, values) if n is not None)


@bp.get("/search")
def index():
    """Search everything the person may read: ranked, highlighted, filtered, paged."""
    require(can_search(current_user))
    args = request.args
    text, shortened = _query(args)
    changed_from, from_parts, from_error = _date(args, "from")
    changed_to, to_parts, to_error = _date(args, "to")
    if changed_from and changed_to and changed_to < changed_from:
        changed_to, to_error = None, "The second date must be the same as or after the first"
    recommendation = args.get("recommendation", "")
    filters = service.Filters(
        kinds=frozenset(args.getlist("kind")) & frozenset(service.KINDS),
        document_ids=_ids(args.getlist("document")),
        recommendation_id=as_whole_number(recommendation),
        sides=frozenset(args.getlist("side")) & frozenset(service.SIDES),
        changed_from=changed_from,
        changed_to=changed_to,
    )
    results = service.search(current_user, text, filters, args.get("page", type=int))
    documents, recommendations = service.filter_choices(current_user)
    errors = {key: message for key, message in (("from", from_error), ("to", to_error)) if message}
    link_args = {
        "q": text,
        "kind": sorted(filters.kinds),
        "document": sorted(filters.document_ids),
        "recommendation": recommendation if filters.recommendation_id else "",
        "side": sorted(filters.sides),
        **{f"from-{k}": v for k, v in from_parts.items()},
        **{f"to-{k}": v for k, v in to_parts.items()},
    }
    return render(
        "search/index.html",
        blocks=["results", "announcement_oob"],
        in_place=is_htmx_request(),
        status=422 if errors else 200,
        text=text,
        shortened=shortened,
        max_query=service.MAX_QUERY,
        results=results,
        filters=filters,
        from_parts=from_parts,
        to_parts=to_parts,
        errors=errors,
        kinds=service.KINDS,
        sides=service.SIDES,
        documents=documents,
        recommendations=recommendations,
        link_args=link_args,
        has_filters=bool(
            filters.kinds
            or filters.document_ids
            or filters.recommendation_id
            or filters.sides
            or changed_from
            or changed_to
        ),
    )
