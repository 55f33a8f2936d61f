"""The Culture Review and Corporate Peer Challenge recommendations.

The blueprint ``bp`` is in ``blueprint``; importing this package imports the modules that add
their views to it."""

from app.recommendations import admin, routes
from app.recommendations.blueprint import bp

__all__ = ["admin", "bp", "routes"]
