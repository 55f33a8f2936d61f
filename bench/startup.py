"""How long the command line takes to start: ``flask --app wsgi --help`` (which imports the app,
makes it and lists its commands) and a bare ``import wsgi`` (what each gunicorn worker does),
each run ``BENCH_ROUNDS`` times (default 10) in a new process. Prints the median and the
fastest wall-clock time and the median CPU time; nothing is asserted. The goal (issue 20) is a
start under 0.5 s.

Run with ``make bench`` (or ``python -m bench.startup``). The machine's other load shows in
the figures, so compare runs made together.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMMANDS = {
    "flask --app wsgi --help": [str(BIN / "flask"), "--app", "wsgi", "--help"],
    "import wsgi": [sys.executable, "-c", "import wsgi"],
}


def _run(command: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user and system, of the child) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "ACCORD_ENV": "development"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    print(f"Start-up, {ROUNDS} runs each (load average {os.getloadavg()[0]:.2f})")
    for name, command in COMMANDS.items():
        _run(command)  # once to warm the file cache
        runs = [_run(command) for _ in range(ROUNDS)]
        walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
        print(
            f"  {name:<26} median {statistics.median(walls):.3f} s, "
            f"fastest {min(walls):.3f} s, CPU {statistics.median(cpus):.3f} s"
        )


if __name__ == "__main__":
    main()
