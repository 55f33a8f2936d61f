"""Versions, moving documents through their states, the Standards Committee's review, and the
audit trail: one blueprint, its views in one module per part.

The blueprint ``bp`` is in ``blueprint``; importing this package imports the modules that add
their views to it."""

from app.review import audit_trail, committee, moves, versions
from app.review.blueprint import bp

__all__ = ["audit_trail", "bp", "committee", "moves", "versions"]
