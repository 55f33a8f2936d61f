"""Reading and writing the shared cache so that its being down costs speed, never a page.

The cache (``app.extensions.cache``: Redis in production) only saves work: every value in it
can be made again. When Redis cannot be reached, a read is a miss and a write is skipped, with a
warning in the log (issue 19: "the rest of the product keeps working" while Redis is down).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from app.extensions import cache

log = logging.getLogger(__name__)
T = TypeVar("T")


def unreachable() -> tuple[type[Exception], ...]:
    """Redis's errors when Redis is the cache (its client is imported then); else none can
    happen. Importing the client here would cost every command-line start 40 ms."""
    errors = sys.modules.get("redis.exceptions")
    return (errors.RedisError,) if errors is not None else ()


def cache_get(key: str) -> Any:
    """The cached value of ``key``, or None when there is none or the cache is unreachable."""
    try:
        return cache.get(key)
    except unreachable() as error:
        log.warning("The shared cache could not be read (%s): making the value again", error)
        return None


def cache_set(key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` (default time-out); skipped when the cache is unreachable."""
    try:
        cache.set(key, value)
    except unreachable() as error:
        log.warning("The shared cache could not be written (%s)", error)


def cache_get_many(keys: Sequence[str]) -> list[Any]:
    """The cached values of ``keys``, in order (None for each one not held); all None when the
    cache is unreachable. One round trip to Redis."""
    if not keys:
        return []
    try:
        return list(cache.get_many(*keys))
    except unreachable() as error:
        log.warning("The shared cache could not be read (%s): making the values again", error)
        return [None] * len(keys)


def cache_set_many(values: Mapping[str, Any]) -> None:
    """Keep each of ``values`` under its key (default time-out); skipped when the cache is
    unreachable. One round trip to Redis."""
    if not values:
        return
    try:
        cache.set_many(dict(values))
    except unreachable() as error:
        log.warning("The shared cache could not be written (%s)", error)


def cached(key: str, make: Callable[[], T]) -> T:
    """``key``'s value from the cache, or ``make()``'s, kept under ``key`` for the next reader;
    made every time while the cache is unreachable."""
    found = cache_get(key)
    if found is None:
        found = make()
        cache_set(key, found)
    return found
