"""Files kept between requests: large exports made in the background (a job: a JSON state
file and the workbook) and uploaded imports between their preview and their confirm (a
stash). Both live under ``RISKREG_XLSX_DIR`` (default instance/xlsx), keyed by a random
token, owned by the user who made them, and removed after ``MAX_AGE`` seconds.

A background export runs in a thread of the process that was asked (its own app context
and database session); with ``RISKREG_XLSX_INLINE_JOBS`` (the tests, whose requests share
one connection) it runs inside the request, through the same code. A job a restart
interrupted is reported as failed, never as running for ever.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from ..config import INSTANCE_DIR

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_AGE = 6 * 3600  # seconds a job's file or an import's stash is kept
STALE_RUNNING = 300  # seconds: a job "running" without progress this long has died
# (progress is written every 500 rows; a worker restarted mid-job leaves such a state)


def root() -> Path:
    path = Path(current_app.config.get("RISKREG_XLSX_DIR") or INSTANCE_DIR / "xlsx")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dir(kind: str) -> Path:
    path = root() / kind
    path.mkdir(exist_ok=True)
    return path


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]


def valid_token(token: str) -> bool:
    return bool(TOKEN.match(token or ""))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def sweep(kind: str) -> None:
    """Remove the files of ``kind`` older than MAX_AGE."""
    limit = time.time() - MAX_AGE
    for path in _dir(kind).iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


# -- background exports ------------------------------------------------------------------
def job_paths(token: str) -> tuple[Path, Path]:
    d = _dir("jobs")
    return d / f"{token}.json", d / f"{token}.xlsx"


def job_state(token: str, user_id: int) -> dict | None:
    """The job's state for its owner (None: no such job, or another user's)."""
    if not valid_token(token):
        return None
    meta, _file = job_paths(token)
    state = _read_json(meta)
    if state is None or state.get("user_id") != user_id:
        return None
    if state["state"] == "running" and time.time() - state.get("updated", 0) > STALE_RUNNING:
        state["state"] = "failed"
    return state


def start_job(user_id: int, filename: str, total: int,
              work: Callable[[Path, Callable[[int], None]], int]) -> str:
    """Start ``work(path, progress)`` writing the workbook; returns the job's token."""
    sweep("jobs")
    token = new_token()
    meta, target = job_paths(token)
    state: dict[str, Any] = {"user_id": user_id, "filename": filename, "total": total,
                             "done": 0, "state": "running", "updated": time.time()}
    _write_json(meta, state)

    def progress(n: int) -> None:
        state.update(done=n, updated=time.time())
        _write_json(meta, state)

    def run() -> None:
        partial = target.with_suffix(".part")
        try:
            rows = work(partial, progress)
            os.replace(partial, target)
            state.update(done=rows, state="done", updated=time.time())
        except Exception:  # the job's state says it failed; the log has the trace
            current_app.logger.exception("xlsx export job %s failed", token)
            partial.unlink(missing_ok=True)
            state.update(state="failed", updated=time.time())
        _write_json(meta, state)

    background(f"xlsx-{token[:6]}", run)
    return token


def background(name: str, run: Callable[[], None]) -> None:
    """Run ``run`` in a thread with its own app context, request context (for the
    translations, in the asking user's language) and database session; inline with
    ``RISKREG_XLSX_INLINE_JOBS`` (default in testing: the tests' requests share one
    connection)."""
    from flask_babel import force_locale, get_locale

    app = current_app._get_current_object()
    if app.config.get("RISKREG_XLSX_INLINE_JOBS", app.testing):
        run()
        return
    locale = str(get_locale() or app.config.get("BABEL_DEFAULT_LOCALE", "sv"))

    def in_thread() -> None:
        from ..extensions import db

        with app.test_request_context(), force_locale(locale):
            try:
                run()
            finally:
                db.session.remove()

    threading.Thread(target=in_thread, name=name, daemon=True).start()


# -- import stash ----------------------------------------------------------------------
def stash(user_id: int, data: bytes, meta: dict) -> str:
    sweep("imports")
    token = new_token()
    d = _dir("imports")
    (d / f"{token}.xlsx").write_bytes(data)
    _write_json(d / f"{token}.json", {**meta, "user_id": user_id, "created": time.time()})
    return token


def unstash(token: str, user_id: int) -> tuple[bytes, dict] | None:
    if not valid_token(token):
        return None
    d = _dir("imports")
    meta = _read_json(d / f"{token}.json")
    if meta is None or meta.get("user_id") != user_id:
        return None
    try:
        return (d / f"{token}.xlsx").read_bytes(), meta
    except OSError:
        return None


def drop_stash(token: str) -> None:
    if valid_token(token):
        d = _dir("imports")
        for suffix in (".xlsx", ".json", ".plan.json"):
            (d / f"{token}{suffix}").unlink(missing_ok=True)


def stash_state(token: str, **changes) -> dict | None:
    """Update the stash's state (planning → ready | refused | failed, progress)."""
    path = _dir("imports") / f"{token}.json"
    meta = _read_json(path)
    if meta is None:
        return None
    meta.update(changes, updated=time.time())
    _write_json(path, meta)
    return meta


def save_plan(token: str, plan: dict) -> None:
    _write_json(_dir("imports") / f"{token}.plan.json", plan)


def load_plan(token: str) -> dict | None:
    return _read_json(_dir("imports") / f"{token}.plan.json") if valid_token(token) else None
