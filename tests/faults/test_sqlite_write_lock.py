"""A sign-in checks (and upgrades) the password hash without holding SQLite's write lock.

Found by tests/faults/test_concurrency.py: 20 sign-ins at once under gunicorn on SQLite
answered 3 × 500 ("database is locked" at BEGIN IMMEDIATE). A writing request took the
write lock with its first statement, the user's SELECT, and kept it while argon2 checked
the password; the others queued past SQLite's busy timeout. ``uow.before_writing()`` now
runs the reads and the hashing first, without the lock.

Here, on a SQLite file of the test's own: while the sign-in checks or upgrades the hash,
another connection takes the write lock at once (before the fix: "database is locked").
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from riskreg import create_app
from riskreg.auth import passwords
from riskreg.config import TestConfig
from riskreg.extensions import db
from riskreg.models import User
from riskreg.seed import DEMO_PASSWORD, seed_demo
from riskreg.uow import before_writing
from tests.conftest import DEMO_USERS, Client
from tests.faults.live import suite_kind

sqlite_pass_only = pytest.mark.skipif(suite_kind() != "sqlite",
                                      reason="SQLite's write lock: runs in the SQLite pass")


def _file_app(path: Path, **settings) -> Flask:
    config = type("FileConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REQUEST_LOG": False, **settings})
    app = create_app(config)
    app.test_client_class = Client
    return app


def _another_writer_gets_the_lock(path: Path) -> str:
    """Try to take the write lock from another connection, waiting at most 0.2 s."""
    conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return "free"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        conn.close()


@sqlite_pass_only
def test_a_sign_in_hashes_without_holding_the_write_lock(tmp_path, monkeypatch):
    path = tmp_path / "lock.sqlite3"
    with _file_app(path).app_context():  # hashes made with the tests' cheap parameters
        db.create_all()
        seed_demo()
        db.session.commit()
        old_hash = db.session.scalar(select(User.password_hash)
                                     .where(User.email == DEMO_USERS["owner"]))
        db.engine.dispose()
    # Other argon2 parameters than the stored hash's: the sign-in upgrades the hash too.
    app = _file_app(path, ARGON2_TIME_COST=2)
    seen: list[tuple[str, str]] = []

    def watched(name: str, original):
        def call(*args, **kwargs):
            seen.append((name, _another_writer_gets_the_lock(path)))
            return original(*args, **kwargs)
        return call

    monkeypatch.setattr(passwords, "verify_password",
                        watched("verify", passwords.verify_password))
    monkeypatch.setattr(passwords, "hash_password", watched("hash", passwords.hash_password))
    try:
        client = app.test_client()
        assert client.login(DEMO_USERS["owner"]).status_code == 302
        assert seen == [("verify", "free"), ("hash", "free")]
        with app.app_context():
            new_hash = db.session.scalar(select(User.password_hash)
                                         .where(User.email == DEMO_USERS["owner"]))
            assert new_hash != old_hash and "t=2," in new_hash
            assert passwords.verify_password(new_hash, DEMO_PASSWORD)
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_before_writing_refuses_a_request_that_began_to_write(app):
    with app.test_request_context("/login", method="POST"):
        db.session.add(User(email="half@example.org", name="Half", password_hash="x"))
        with pytest.raises(RuntimeError), before_writing():
            pass
        db.session.rollback()
