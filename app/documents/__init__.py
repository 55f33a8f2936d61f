"""Reading documents and their clauses; creating documents and managing their clauses.

The blueprint ``bp`` is in ``blueprint``; importing this package imports the modules that add
their views to it."""

from app.documents import manage, routes
from app.documents.blueprint import bp

__all__ = ["bp", "manage", "routes"]
