"""Passage suggestions and passage comments on a clause (``app.services.passages``)."""
