"""One unit of work per request: the one place that commits or rolls back what a request
changed (the command line and the demo seed aside).

Services change the session, call ``audit.record`` and flush; they never commit or roll
back. ``create_app`` makes the app a :class:`UnitOfWorkFlask`, which runs every view (and a
before-request hook that answers by itself) through :func:`run_view`: a writing request
(POST, PUT, PATCH, DELETE) whose answer is below 400 is committed; any other outcome (an
exception, a refused form, a read) is rolled back, a read at the request's teardown. So a
write that spans many objects (a measure and its links, a control run and its items, an
import) is all or nothing by construction, and a read can never write. A stale version
becomes the 409 page here, whichever feature raised it. The spirit is indico's
``RH.process``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, flash, g, make_response, request
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.exc import StaleDataError

from .errors import render_error
from .extensions import db
from .services import ServiceError
from .versioning import StaleVersion, conflict_response
from .web import form_error

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def finish(rv: Any) -> Any:
    """Commit a successful write request's changes; roll back everything else. A read is
    never committed: whatever it might have flushed is discarded when the request's session
    is removed (Flask-SQLAlchemy rolls back at teardown), and its loaded objects stay fresh
    for the after-request hooks."""
    if request.method not in WRITE_METHODS:
        return rv
    response = make_response(rv)
    if response.status_code >= 400:
        db.session.rollback()
    else:
        db.session.commit()
    return response


def run_view(view: Callable[[], Any]) -> Any:
    """Call the view in the unit of work."""
    try:
        return finish(view())
    except StaleVersion as exc:
        db.session.rollback()
        return conflict_response(exc)
    except StaleDataError:  # a versioned write that did not go through versioning.flush
        db.session.rollback()
        return render_error(409)
    except BaseException:
        db.session.rollback()
        raise


@dataclass(frozen=True)
class Attempt:
    """What :func:`attempt` did: ``ok`` (also its truth value) and the write's result."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def attempt(write: Callable[[], Any], form=None) -> Attempt:
    """Run a service write. A refusal (ServiceError) undoes whatever the write had changed
    and is shown on ``form`` (or flashed when there is none). A stale version propagates
    to :func:`run_view` (409)."""
    try:
        value = write()
        db.session.flush()
    except ServiceError as exc:
        db.session.rollback()
        if form is None:
            flash(exc.message, "error")
        else:
            form_error(form, exc)
        return Attempt(False)
    return Attempt(True, value)


class UnitOfWorkFlask(Flask):
    """Flask whose view dispatch runs in one unit of work (see the module docstring)."""

    def preprocess_request(self):
        """A before-request hook that answers itself (e.g. a timed-out session's redirect)
        ends the unit of work by the same rule as a view."""
        rv = super().preprocess_request()
        return None if rv is None else finish(rv)

    def dispatch_request(self):
        return run_view(super().dispatch_request)


def reading_before_writes() -> bool:
    """Is the request inside :func:`before_writing` (SQLite then begins without the write
    lock)?"""
    return bool(g.get("_uow_reading_before_writes"))


@contextmanager
def before_writing() -> Iterator[None]:
    """Reads a writing request makes before it writes, in a transaction of their own that
    ends (rolled back: it wrote nothing) before the writes begin.

    On SQLite a writing request takes the write lock with its first statement (BEGIN
    IMMEDIATE) and keeps it to the commit. A slow step between the reads and the writes
    (argon2 checking a password takes a good part of a second, by design) then holds up
    every other writer, and beyond SQLite's busy timeout they fail with "database is
    locked": 20 sign-ins at once under gunicorn answered 500. Inside this block the
    transaction begins without the lock; on PostgreSQL the slow step no longer sits in an
    open transaction either. Use it before the request's first write only (nothing may be
    pending); objects read in it are expired at its end and reload in the write's own
    transaction."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("before_writing() after the request began to write")
    db.session.rollback()  # a read begun with the write lock ends here
    g._uow_reading_before_writes = True
    try:
        yield
    finally:
        g._uow_reading_before_writes = False
        db.session.rollback()


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block changed, or roll it all back: for the command line, the demo
    seed and tests, which run outside a request."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


# -- files written in a unit of work ------------------------------------------------------
# A file that belongs to rows of the database (a control run's evidence) is written before
# the commit (so a committed row always has its file) and removed again when its unit of
# work ends without committing: a refused form, an exception, a failed commit. A hard crash
# between the write and the commit can still leave a file no row names (harmless: nothing
# links to it).
_FILES = "riskreg.uow.files"


def write_file(path: Path, data: bytes, session: Session | None = None) -> None:
    """Write ``data`` to ``path`` for the current unit of work: to a temporary name first,
    flushed to disk and renamed (a reader never sees a part of it), and removed again if
    the unit of work does not commit."""
    session = session or db.session()
    temp = path.with_name(f".{path.name}.part")
    with open(temp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    session.info.setdefault(_FILES, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    """The unit of work ended without a commit (its root transaction ended and the files
    are still listed: after_commit would have taken them off)."""
    if transaction.parent is not None or _FILES not in session.info:
        return
    for path in session.info.pop(_FILES):
        path.unlink(missing_ok=True)
