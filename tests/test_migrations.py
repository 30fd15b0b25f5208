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
from sqlalchemy import create_engine, inspect, text

from riskreg import create_app
from riskreg.config import TestConfig
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
