"""Votes, declared interests, the ballot for the whole document, and facilitators' control of
voting and the agreement rule. The blueprint ``bp`` is in ``routes``; importing this package
imports ``ballot``, which adds its views to it."""

from app.voting import ballot, routes

__all__ = ["ballot", "routes"]
