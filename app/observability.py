"""What operators watch: a request id, one JSON log line per request, and Prometheus metrics.

Request id: taken from ``X-Request-ID`` when a trusted proxy (``TRUSTED_PROXIES``) sent a
well-formed one (nginx sends its ``$request_id``), else made here; returned in the
``X-Request-ID`` header, shown on error pages, and carried by every log line of the request.

Logs (``LOG_FORMAT=json``, the default in production): one JSON object per line on standard
error, through the standard ``logging`` module. Each request writes one line (logger
``accord.requests``) with its time, request id, method, route (the endpoint name, never the
path with its ids), status, duration in milliseconds and the signed-in person's id: never the
query string, form contents, passwords, tokens or email addresses.

Metrics: ``/metrics`` in Prometheus' text format (prometheus_client). Under gunicorn each
worker writes its numbers to ``PROMETHEUS_MULTIPROC_DIR`` (deploy/gunicorn.conf.py sets it and
marks a finished worker's files dead), and a scrape adds them up. The endpoint answers only
a bearer token (``METRICS_TOKEN``) or an address in ``METRICS_ALLOWED_NETWORKS``; with
neither set it is 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import inspect as sa_inspect

from app.auth.login_sessions import POLL_ENDPOINTS
from app.metrics import LIVE_POLLS, REQUEST_SECONDS, REQUESTS, metrics_registry

REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; a UUID has hyphens. Anything else is replaced.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
UNMATCHED_ROUTE = "unmatched"  # a 404 without a route: not the raw path (unbounded labels)

log = logging.getLogger("accord.requests")


def _networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in value.replace(",", " ").split()]


def metrics_allowed() -> None:
    """Aborts unless the request may read the metrics: 404 when no protection is set (the
    endpoint is off), 401 without the bearer token, 403 from outside the allowed networks."""
    token = current_app.config["METRICS_TOKEN"]
    networks = _networks(current_app.config["METRICS_ALLOWED_NETWORKS"])
    if not token and not networks:
        abort(404)
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            address = None
        if address is not None and any(address in network for network in networks):
            return
    if token and not networks:
        abort(Response("A bearer token is needed.\n", 401, {"WWW-Authenticate": "Bearer"}))
    abort(403)


def metrics_response() -> Response:
    """The metrics in Prometheus' text format."""
    metrics_allowed()
    return Response(generate_latest(metrics_registry()), mimetype=CONTENT_TYPE_LATEST)


# Request ids and the request log ------------------------------------------------------------


def current_request_id() -> str | None:
    return getattr(g, "request_id", None) if has_request_context() else None


def request_id_from(given: str, trusted_proxies: int) -> str:
    """The request's id: ``given`` (its ``X-Request-ID`` header) when a trusted proxy sent a
    well-formed one, else a new one (32 hex digits)."""
    if trusted_proxies and _WELL_FORMED_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def _start_request(trusted_proxies: int) -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER, ""), trusted_proxies)
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    """The signed-in person's id when this request loaded them (no query of its own)."""
    user = g.get("_login_user")
    # From the identity map's key, not ``user.id`` nor ``is_authenticated``: after a view has
    # committed (which expires every loaded object) either would load the person again, one
    # more statement a page. An anonymous visitor is no mapped object.
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    if state is None or not state.identity:
        return None
    return state.identity[0]


def count_request(
    status_code: int,
    *,
    request_id: str,
    method: str,
    route: str,
    seconds: float,
    user_id: int | None,
) -> None:
    """Count an answered request in the metrics and write its log line.

    ``route`` is the endpoint's name (``UNMATCHED_ROUTE`` for none), ``seconds`` the time the
    request took so far and ``user_id`` the signed-in person's, if known. Both the ordinary
    request (``_finish_request``) and the unchanged poll (``app.polls``) end here; each
    gives its response the ``X-Request-ID`` header itself.
    """
    status = str(status_code)
    REQUESTS.labels(route, status).inc()
    REQUEST_SECONDS.labels(route, status).observe(seconds)
    if route in POLL_ENDPOINTS:
        LIVE_POLLS.labels(status).inc()
    log.info(
        "%s %s %s",
        method,
        route,
        status,
        extra={
            "fields": {
                "method": method,
                "route": route,
                "status": status_code,
                "duration_ms": round(seconds * 1000, 1),
                "user_id": user_id,
            },
            "request_id": request_id,  # also outside a request context (the poll's)
        },
    )


def _finish_request(response: Response) -> Response:
    request_id = current_request_id()
    if request_id is None:  # a response made before our before_request ran
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    count_request(
        response.status_code,
        request_id=request_id,
        method=request.method,
        route=request.endpoint or UNMATCHED_ROUTE,
        seconds=time.perf_counter() - g.request_started,
        user_id=_user_id(),
    )
    return response


# Logging --------------------------------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Gives every record made during a request that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request id, the
    record's ``fields`` (``extra={"fields": {...}}``) and any exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _AccordHandler(logging.StreamHandler):
    """The JSON handler this module installs on the root logger (found again by its class)."""


def json_handler(stream=None) -> logging.Handler:
    handler = _AccordHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def init_logging(app: Flask) -> None:
    """With ``LOG_FORMAT=json``, the root logger writes JSON lines to standard error at
    ``LOG_LEVEL`` (default INFO); any other value leaves logging as Python and Flask set it."""
    if app.config["LOG_FORMAT"] != "json":
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _AccordHandler)]:
        root.removeHandler(handler)
    root.addHandler(json_handler())
    root.setLevel(app.config["LOG_LEVEL"])


def init_observability(app: Flask) -> None:
    init_logging(app)
    hops = app.config["TRUSTED_PROXIES"]
    # First of all, so a request refused by an earlier check still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: _start_request(hops))
    app.after_request(_finish_request)

    @app.context_processor
    def request_id() -> dict:
        return {"request_id": current_request_id()}
