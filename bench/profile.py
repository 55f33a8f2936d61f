"""Profile one page of the load benchmark's data under cProfile (``python -m bench.profile
discussion|clause|document|poll [requests]``): prints the top functions by cumulative time and
the mean time a request in the test client. Set ``BENCH_DATABASE_URL`` for PostgreSQL."""

from __future__ import annotations

import cProfile
import gc
import os
import pstats
import sys
import tempfile
import time

from bench.load import _build, _pages, _signed_in


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "discussion"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as directory:
        from bench import demo_app

        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{directory}/bench.db")
        app = demo_app(directory, SQLALCHEMY_DATABASE_URI=url)
        ids = _build(app)
        pages = _pages(app, ids)
        client = _signed_in(app)
        path, headers = pages[name]
        for _ in range(20):
            client.get(path, headers=headers)
        gc.collect()
        gc.freeze()  # as wsgi.py does after start-up: the collector skips what start-up made
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for _ in range(count):
            client.get(path, headers=headers)
        profile.disable()
        took = (time.perf_counter() - start) / count
        print(f"{name}: {took * 1000:.2f} ms a request under the profiler")
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            client.get(path, headers=headers)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"{name}: {wall / count * 1000:.2f} ms, {cpu / count * 1000:.2f} ms CPU without")
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(int(os.environ.get("TOP", "60")))


if __name__ == "__main__":
    main()
