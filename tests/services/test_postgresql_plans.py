"""PostgreSQL plans every statement for its values: no server-side prepared statements
(riskreg/__init__.py ``_postgresql_connect``). With psycopg's default a pooled
connection prepares a statement after its 5th execution and PostgreSQL may then switch
to a generic plan: the heat-map page's overdue-measures finding took 150× longer on every
request after a connection's tenth (benchmarks/README.md, issue 14)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from riskreg.extensions import db


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    return db.engine


def test_the_apps_connections_never_prepare(postgresql, board):
    """A statement run twelve times on a pooled connection, and the heat-map page
    twelve times: nothing is prepared on the server (so nothing can fall to a generic
    plan)."""
    with postgresql.connect() as conn:
        assert conn.connection.dbapi_connection.prepare_threshold is None
        for _ in range(12):
            conn.execute(text("SELECT count(*) FROM unit WHERE path >= :lo AND path < :hi"),
                         {"lo": "/1/", "hi": "/10"})
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    assert prepared == 0
    for _ in range(12):
        assert board.get("/heatmaps/").status_code == 200
    prepared = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    assert prepared == 0
