"""Migration 0011 (period_lock): on an existing register it adds the table, its lookup
index and its rules, and downgrading removes exactly that. On a fresh SQLite file, or a
scratch schema of the PostgreSQL test database (the ``empty_db`` of test_migrations)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import PeriodLock, Unit, User
from tests.test_migrations import empty_db  # noqa: F401 (the fixture)

NOW = datetime(2022, 6, 1, tzinfo=UTC)
T1 = Period.parse("2022-T1").key


def _register() -> None:
    with db.engine.begin() as conn:
        conn.execute(insert(Unit.__table__), [
            dict(id=1, code="R", name="Region", kind="region", parent_id=None, path="/1/",
                 depth=0, created_at=NOW),
            dict(id=2, code="R-B", name="Styrelse", kind="board", parent_id=1, path="/1/2/",
                 depth=1, created_at=NOW)])
        conn.execute(insert(User.__table__), [dict(
            id=1, email="s@example.org", name="S", password_hash="x", active=True,
            session_token="t", created_at=NOW)])


def _lock(**values) -> None:
    row = dict(period=T1, unit_id=2, locked=True, source="board", locked_at=NOW,
               locked_by_id=1, version=1) | values
    with db.engine.begin() as conn:
        conn.execute(insert(PeriodLock.__table__), [row])


def test_0011_adds_the_table_its_lookup_and_its_rules(empty_db):  # noqa: F811
    with empty_db.app_context():
        upgrade(revision="0008")
        _register()
        assert "period_lock" not in inspect(db.engine).get_table_names()
        upgrade(revision="0011")
        inspector = inspect(db.engine)
        unique = {tuple(u["column_names"]) for u in
                  inspector.get_unique_constraints("period_lock")}
        assert ("period", "unit_id") in unique  # the "is p locked for u" lookup
        _lock()
        with pytest.raises(IntegrityError):  # one row per (period, unit)
            _lock()
        with pytest.raises(IntegrityError):  # reopened without a reason
            _lock(unit_id=1, locked=False)
        with pytest.raises(IntegrityError):
            _lock(unit_id=1, source="elsewhere")
        _lock(unit_id=1, locked=False, reopened_at=NOW, reopened_by_id=1,
              reopen_reason="Rättelse")
        downgrade(revision="0008")
        assert "period_lock" not in inspect(db.engine).get_table_names()
        assert {"unit", "user_account"} <= set(inspect(db.engine).get_table_names())
