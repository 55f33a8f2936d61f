"""gunicorn's settings for Accord (a Python file, as gunicorn reads it: ``--config``).

The systemd unit (deploy/systemd/accord@.service) adds ``--bind ADDRESS:PORT``; the same file
serves every instance on a machine.
"""

import glob
import multiprocessing
import os
import tempfile

# Sync workers, gunicorn's usual count for the machine's cores; WEB_CONCURRENCY overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A request may take this long before its worker is replaced. The app bounds its own waits on
# PostgreSQL and Redis well below it (DATABASE_CONNECT_TIMEOUT_SECONDS,
# RATELIMIT_STORAGE_TIMEOUT_SECONDS), so people see the product's 503 page, not gunicorn's 500.
timeout = 60
# On stop (SIGTERM) or reload (SIGHUP), requests in flight get this long to finish.
graceful_timeout = 30
# gunicorn 27 opens a control socket at one path per user by default
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), so a second instance on the same
# machine would take over the first one's. Each instance gets its own under its systemd
# RuntimeDirectory (/run/accord-PORT); started any other way, it opens none.
_runtime_directory = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime_directory:
    control_socket = os.path.join(_runtime_directory, "gunicorn.ctl")
else:
    control_socket_disable = True
# Logs go to standard error (the journal under systemd). The app writes one JSON line per
# request itself (LOG_FORMAT=json: app/observability.py), so gunicorn's access log is off.
accesslog = None
errorlog = "-"

# /metrics under several workers: each worker writes its numbers to files in this folder and
# a scrape adds them up (prometheus_client's multiprocess mode). The folder is this
# instance's own, emptied when the instance starts; a worker that exits is marked dead so its
# gauges stop counting.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    if _runtime_directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(_runtime_directory, "metrics")
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="accord-metrics-")


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for stale in glob.glob(os.path.join(folder, "*.db")):
        os.remove(stale)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
