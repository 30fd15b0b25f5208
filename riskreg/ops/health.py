"""Liveness and readiness probes for load balancers and orchestrators.

``/healthz`` answers as long as the process serves requests (no database).
``/readyz`` checks the database, Redis (when the throttling counters live there) and that
the schema is at the newest Alembic revision. Both are unauthenticated, so the body says
no more than ``ok`` or the names of the failing checks; details go to the server log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("ops", __name__)
log = logging.getLogger("riskreg.ops")

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
CHECK_TIMEOUT_S = 2.0


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    checks: dict[str, Callable[[], bool]] = {"database": _database_ok,
                                             "migrations": _migrations_at_head}
    if current_app.config.get("RATELIMIT_STORAGE_URI", "").startswith(REDIS_SCHEMES):
        checks["redis"] = _redis_ok
    failing = []
    database_up = True
    for name, check in checks.items():
        if name == "migrations" and not database_up:
            failing.append(name)  # cannot tell without a database
            continue
        try:
            ok = check()
        except Exception as exc:  # any failure is "not ready", never a 500
            log.warning("readiness check %s failed: %s", name, type(exc).__name__)
            ok = False
        if not ok:
            failing.append(name)
            if name == "database":
                database_up = False
    if failing:
        return {"status": "failing", "failing": failing}, 503
    return {"status": "ok"}


def _database_ok() -> bool:
    """After a failure the migrations check is skipped, and the unit of work rolls back."""
    return db.session.execute(text("SELECT 1")).scalar() == 1


def _migrations_at_head() -> bool:
    """The revision stamped in the database is the migrations' head (none = not migrated)."""
    from alembic.migration import MigrationContext

    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    heads = _script_heads(str(current_app.extensions["migrate"].directory))
    if current != heads:
        log.warning("database revision %s, code expects %s",
                    sorted(current) or "none", sorted(heads))
        return False
    return True


@lru_cache(maxsize=4)
def _script_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migration scripts (they do not change while we run)."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(directory).resolve()))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _redis_ok() -> bool:
    import redis

    client = redis.Redis.from_url(current_app.config["RATELIMIT_STORAGE_URI"],
                                  socket_connect_timeout=CHECK_TIMEOUT_S,
                                  socket_timeout=CHECK_TIMEOUT_S)
    try:
        return bool(client.ping())
    finally:
        client.close()
