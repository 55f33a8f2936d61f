"""Each test makes its own app, so its own engine, and SQLAlchemy keeps compiled statements per
engine (``Engine._compiled_cache``, keyed by the engine's dialect object): every test compiled
each statement it ran afresh, about a fifth of a web test's time. The tests' engines on one
database have dialects of the same class, made with the same options and talking to the same
server, so the test processes keep compiled statements in ``SHARED``, keyed by the dialect's
class instead of the object, for every later engine. The app itself is untouched: a served
process has one engine.

A compiled statement names the dialect it was compiled by; executing it on another engine's
connection uses that connection's own dialect (``DefaultExecutionContext._init_compiled``), so
only the SQL text and the type processors are shared, and those are the same for every dialect
of the class. The mappers' own caches of flush statements (INSERT, UPDATE, DELETE) are kept the
same way (``share_mapper_caches``).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.util import LRUCache


class ByDialectClass(LRUCache):
    """SQLAlchemy's LRU cache of compiled statements whose keys (``(dialect, cache_key, …)``)
    are looked up by the dialect's class. Thread-safe as ``LRUCache`` is (the live server's
    threads share it)."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._sharing = threading.Lock()

    @staticmethod
    def _shared_key(key: Any) -> Any:
        return (type(key[0]), *key[1:])

    def get(self, key: Any, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(self._shared_key(key), default)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._sharing:
            super().__setitem__(self._shared_key(key), value)


SHARED = ByDialectClass(5000)


def share_compiled_statements(engine: Engine) -> None:
    """``engine`` compiles each statement once a test process (``SHARED``)."""
    if engine._compiled_cache is not None:
        engine._compiled_cache = SHARED


def share_mapper_caches() -> None:
    """Each model's mapper keeps its flush statements by the dialect's class: its cache is a
    memoised property, which SQLAlchemy reads from the mapper's ``__dict__``."""
    import app.models  # noqa: F401  (every model mapped)
    from app.extensions import db

    for mapper in db.Model.registry.mappers:
        mapper.__dict__["_compiled_cache"] = ByDialectClass(mapper._compiled_cache_size)
