"""Prometheus metrics (prometheus_client), created once per process and registered nowhere: a
scrape collects this process's (one process) or the files every gunicorn worker wrote to
``PROMETHEUS_MULTIPROC_DIR`` (several; deploy/gunicorn.conf.py sets it), plus the notification
backlog counted at scrape time. Served by ``/metrics`` (app/observability.py)."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, select
from sqlalchemy.pool import Pool

# ------------------------------------------------------------------------------------
# Created once per process, registered nowhere: a scrape collects them (one process) or the
# files every worker wrote (several; see metrics_registry).

REQUESTS = Counter(
    "accord_requests", "Requests answered, by route and status.", ["route", "status"], registry=None
)
REQUEST_SECONDS = Histogram(
    "accord_request_duration_seconds",
    "Time to answer a request, by route and status.",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
LIVE_POLLS = Counter(
    "accord_live_polls",
    "Live-page polls answered, by status (304: nothing changed).",
    ["status"],
    registry=None,
)
EMAILS = Counter(
    "accord_emails", "Emails handed to the mail backend, by outcome.", ["outcome"], registry=None
)
DATABASE_CONNECTIONS = Gauge(
    "accord_database_connections_checked_out",
    "Database connections checked out of the pools now (all live workers).",
    multiprocess_mode="livesum",
    registry=None,
)
_OWN = (REQUESTS, REQUEST_SECONDS, LIVE_POLLS, EMAILS, DATABASE_CONNECTIONS)

for outcome in ("sent", "failed"):
    EMAILS.labels(outcome)  # present (at 0) from the start, so a rate can be taken


@event.listens_for(Pool, "checkout")
def _connection_out(dbapi_connection, connection_record, connection_proxy) -> None:
    DATABASE_CONNECTIONS.inc()


@event.listens_for(Pool, "checkin")
def _connection_in(dbapi_connection, connection_record) -> None:
    DATABASE_CONNECTIONS.dec()


def email_outcome(sent: bool) -> None:
    """Count an email handed to the backend (``sent``) or refused by it."""
    EMAILS.labels("sent" if sent else "failed").inc()


class _ThisProcess:
    """The metrics of this process, for a registry (when not under several workers)."""

    def collect(self):
        for metric in _OWN:
            yield from metric.collect()


class _Backlog:
    """The notification backlog, counted when scraped: notifications neither emailed nor read
    (what the next digest run has to send)."""

    def collect(self):
        from app.extensions import db
        from app.models import Notification

        count = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.emailed_at.is_(None), Notification.read_at.is_(None))
        )
        gauge = GaugeMetricFamily(
            "accord_notification_backlog", "Notifications neither emailed nor read yet."
        )
        gauge.add_metric([], count or 0)
        yield gauge


def metrics_registry() -> CollectorRegistry:
    """Every worker's metrics (``PROMETHEUS_MULTIPROC_DIR``) or this process's, and the
    backlog."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_Backlog())
    return registry
