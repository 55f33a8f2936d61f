"""Each test makes its own app, and each app's Jinja environment compiled every template it
rendered from source (parsed, turned into Python, compiled): over a quarter of a typical web
test's time. The templates are the same for every app the tests make, so the test processes
keep each compiled template in ``SHARED`` (Jinja's own bytecode cache, in memory), for every
later app. The app itself is untouched.

Jinja keys a template's code by its name and checks it against a checksum of the source, so
a template whose source differs (a council's own pages directory, a file a test writes) is
compiled afresh. Every test app's environment has the same options (``trim_blocks``,
``lstrip_blocks``, the same extensions), which the compiled code depends on.
"""

from __future__ import annotations

import threading

from jinja2.bccache import Bucket, BytecodeCache


class MemoryBytecodeCache(BytecodeCache):
    """Jinja's bytecode cache in a dictionary (the live server's threads share it)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()


SHARED = MemoryBytecodeCache()
