"""One JSON line per request on stderr, through the ``riskreg.request`` logger.

Fields: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``request_id``, ``method``, ``path``
(never the query string: search text may name people), ``status``, ``duration_ms`` and
``user_id`` (null when the request did not load a signed-in user). Nothing else: no
headers, cookies, form fields, IP addresses or messages.

The request id is the caller's ``X-Request-ID`` when it looks like an id, else a new one;
it is sent back in the ``X-Request-ID`` response header either way. Successful probes
(``/healthz``, ``/readyz``) are not logged: orchestrators call them every few seconds.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request

LOGGER_NAME = "riskreg.request"
HEADER = "X-Request-ID"
# Letters, digits and . _ : - only, at most 128 characters: no spaces, quotes or newlines.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_PROBES = frozenset({"/healthz", "/readyz"})
_MAX_PATH = 512

log = logging.getLogger(LOGGER_NAME)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (so that test capture sees it)."""

    def __init__(self) -> None:
        super().__init__()
        self.riskreg_request_log = True

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _install_handler() -> None:
    """Once per process: the logger writes bare JSON lines to stderr, not via the root."""
    if not any(getattr(h, "riskreg_request_log", False) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def request_id_from(header: str | None) -> str:
    """The caller's id when it is sane, else a new random one."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _user_id() -> int | None:
    """The signed-in user's id if this request loaded the user (never loads it here: that
    would cost a query on pages that do not need it)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


def init_request_log(app: Flask) -> None:
    if app.config.get("REQUEST_LOG", True):
        _install_handler()

    def _start() -> None:
        g.request_id = request_id_from(request.headers.get(HEADER))
        g.request_started = time.perf_counter()

    # First of all before_request functions, so that the time covers the others (throttling).
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[HEADER] = request_id
        if not app.config.get("REQUEST_LOG", True):
            return response
        if request.path in _PROBES and response.status_code < 400:
            return response
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        log.info(json.dumps({
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "info",
            "logger": LOGGER_NAME,
            "request_id": request_id,
            "method": request.method[:16],
            "path": request.path[:_MAX_PATH],
            "status": response.status_code,
            "duration_ms": round(duration, 1) if duration is not None else None,
            "user_id": _user_id(),
        }))
        return response
