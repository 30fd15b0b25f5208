"""``flask db upgrade`` on an empty database gives exactly the models' schema; downgrade
to base works. Runs on a fresh SQLite file, or on a scratch schema of the PostgreSQL test
database when RISKREG_TEST_DATABASE_URL is set (never on the shared test database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, text

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.domain.periods import Period
from riskreg.extensions import db


def _app_for(url: str, engine_options: dict) -> Flask:
    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = engine_options

    return create_app(MigrationConfig)


@pytest.fixture
def empty_db(tmp_path) -> Iterator[Flask]:
    """An app on an empty database of the kind the suite runs on."""
    url = TestConfig.SQLALCHEMY_DATABASE_URI
    if url.startswith("sqlite"):
        app = _app_for(f"sqlite:///{tmp_path / 'migrations.sqlite3'}", {})
        yield app
        with app.app_context():
            db.engine.dispose()
        return
    schema = f"riskreg_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    app = _app_for(url, {"connect_args": {"options": f"-csearch_path={schema}"}})
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def schema_differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_upgrade_gives_exactly_the_models_schema(empty_db):
    with empty_db.app_context():
        assert tables() == set()
        result = empty_db.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        assert tables() == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
        assert schema_differences() == []


def test_downgrade_to_base_and_up_again(empty_db):
    with empty_db.app_context():
        upgrade()
        downgrade(revision="base")
        assert tables() <= {"alembic_version"}
        upgrade()
        assert schema_differences() == []


def test_every_constraint_is_named_by_the_convention(empty_db):
    """Constraint names come from the naming convention, so later batch migrations can
    refer to them on SQLite and PostgreSQL alike."""
    with empty_db.app_context():
        upgrade()
        inspector = inspect(db.engine)
        for table in db.metadata.sorted_tables:
            for fk in inspector.get_foreign_keys(table.name):
                assert fk["name"] and fk["name"].startswith(f"fk_{table.name}_"), fk
            for uq in inspector.get_unique_constraints(table.name):
                assert uq["name"] and uq["name"].startswith(f"uq_{table.name}_"), uq


def test_the_comparison_notices_a_difference(empty_db):
    """Guard for the guard: a column the migrations lack is reported."""
    from sqlalchemy import Column, MetaData, String

    with empty_db.app_context():
        upgrade()
        changed = MetaData(naming_convention=db.metadata.naming_convention)
        for table in db.metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["unit"].append_column(Column("not_migrated", String(10)))
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), changed)
        assert [d[0] for d in diffs] == ["add_column"]
        assert diffs[0][3].name == "not_migrated"


def test_0009_backfills_the_stored_state_from_the_assessments(empty_db):
    """An existing register (at 0005) gets risk_state from its assessments: closed rows,
    open rows and an archived risk, equal to what the application derives (0009), with
    ``prev`` and ``until`` on every row of the archived risk (0016)."""
    from datetime import UTC, datetime

    from sqlalchemy import column, insert, select, table

    from riskreg.models import Plan, RiskState, Unit, User
    from riskreg.risks import state

    now = datetime(2022, 6, 1, tzinfo=UTC)
    with empty_db.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            conn.execute(insert(Unit.__table__), [
                dict(id=1, code="R", name="Region", kind="region", parent_id=None, path="/1/",
                     depth=0, created_at=now),
                dict(id=2, code="R-B", name="Styrelse", kind="board", parent_id=1,
                     path="/1/2/", depth=1, created_at=now)])
            conn.execute(insert(User.__table__), [dict(
                id=1, email="o@example.org", name="O", password_hash="x", active=True,
                session_token="t", created_at=now)])
            conn.execute(insert(Plan.__table__), [dict(id=1, unit_id=2, name="Plan",
                                                       start_year=2020, end_year=2023)])
            # the tables as they are at 0005 (later migrations add columns to the models)
            risk_0005 = table("risk", *(column(c) for c in (
                "id", "kind", "plan_id", "number", "unit_id", "owner_id", "event",
                "created_at", "updated_at", "version", "archived_at", "archived_in")))
            assessment_0005 = table("risk_assessment", *(column(c) for c in (
                "risk_id", "period", "likelihood", "consequence", "value", "assessed_at")))
            conn.execute(insert(risk_0005), [dict(
                id=i, kind="unit", plan_id=1, number=i, unit_id=2, owner_id=1,
                event=f"Risk {i}", created_at=now, updated_at=now, version=1,
                archived_at=now if i == 3 else None,
                archived_in=Period(2022, 2).key if i == 3 else None) for i in (1, 2, 3)])
            conn.execute(insert(assessment_0005), [dict(
                risk_id=r, period=Period.parse(p).key, likelihood=lk, consequence=c,
                value=lk * c, assessed_at=now)
                for r, p, lk, c in (
                    (1, "2021-T2", 2, 2), (1, "2022-T1", 3, 3), (2, "2022-T2", 1, 4),
                    (3, "2021-T3", 4, 4), (3, "2022-T1", 2, 2))])
        upgrade()
        assert state.differences() == []
        assert db.session.scalar(select(func.count()).select_from(RiskState)) == 6
        archived = db.session.execute(select(RiskState.period, RiskState.until, RiskState.prev)
                                      .where(RiskState.risk_id == 3)
                                      .order_by(RiskState.period)).all()
        t3, t2 = Period(2021, 3), Period(2022, 2)
        assert archived == [(0, t2, t3.key * 10000 + 404), (t3.key, t2, None)]
