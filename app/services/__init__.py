"""Plain functions that change state. They never commit: the route does, once per request."""


class DomainError(Exception):
    """A rule of the domain refused the change; the message is for the person who asked."""
