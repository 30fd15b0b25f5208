"""Operations: health probes, request logs, backup and restore (issue 15).

Settings of this package (read from the environment unless the app's config sets them):

* ``REQUEST_LOG`` (``RISKREG_REQUEST_LOG``): one JSON line per request on stderr; ``0``
  switches it off.
* ``FILES_DIR`` (``RISKREG_FILES_DIR``): the directory of uploaded files (evidence), copied
  into backups as ``files/``.
* ``PG_BIN_DIR`` (``RISKREG_PG_BIN_DIR``): where ``pg_dump``/``pg_restore`` live when not on
  ``PATH`` (e.g. ``/usr/lib/postgresql/16/bin``).
"""

from __future__ import annotations

import os

from flask import Flask

_OFF = {"0", "off", "false", "no"}


def configure_ops(app: Flask) -> None:
    """Defaults from the environment; values already in app.config win (tests, dict configs)."""
    app.config.setdefault(
        "REQUEST_LOG", os.environ.get("RISKREG_REQUEST_LOG", "1").strip().lower() not in _OFF)
    app.config.setdefault("FILES_DIR", os.environ.get("RISKREG_FILES_DIR") or None)
    app.config.setdefault("PG_BIN_DIR", os.environ.get("RISKREG_PG_BIN_DIR") or None)


def init_ops(app: Flask) -> None:
    """Settings, the /healthz and /readyz blueprint, and the request log."""
    from ..extensions import csrf, limiter
    from .health import bp as health_bp
    from .request_log import init_request_log

    configure_ops(app)
    # Probes are cheap GETs that change nothing: never throttled, no CSRF token.
    limiter.exempt(health_bp)
    csrf.exempt(health_bp)
    app.register_blueprint(health_bp)
    init_request_log(app)
