"""The commands commit what they create: read back through a connection of its own, on a
database file of its own (the shared test database runs everything in one transaction, where
an uncommitted write would look saved)."""

from __future__ import annotations

import sqlite3

import pytest

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.extensions import db


@pytest.fixture
def file_app(tmp_path):
    from flask_migrate import upgrade

    path = tmp_path / "cli.sqlite3"
    config = type("FileConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def _rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_create_org_and_create_user_are_committed(file_app):
    app, path = file_app
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-org", "KOM", "Testkommunen"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "admin@kom.example", "--role", "admin",
                                 "--unit", "KOM"], input="a-long-cli-password\n")
    assert result.exit_code == 0, result.output
    assert _rows(path, "SELECT code, name FROM unit") == [("KOM", "Testkommunen")]
    assert _rows(path, "SELECT email FROM user_account") == [("admin@kom.example",)]
    assert _rows(path, "SELECT role FROM role_assignment") == [("admin",)]
    assert len(_rows(path, "SELECT id FROM risk_scale")) == 1
    actions = [a for (a,) in _rows(path, "SELECT action FROM audit_event ORDER BY id")]
    assert actions == ["create", "create"]


def test_a_refused_command_saves_nothing(file_app):
    app, path = file_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-org", "KOM", "Testkommunen"]).exit_code == 0
    result = runner.invoke(args=["create-user", "admin@kom.example", "--role", "admin",
                                 "--unit", "KOM"], input="short\n")
    assert result.exit_code != 0 and "10" in result.output  # at least 10 characters
    assert _rows(path, "SELECT email FROM user_account") == []
    assert len(_rows(path, "SELECT id FROM audit_event")) == 1  # the organisation only
