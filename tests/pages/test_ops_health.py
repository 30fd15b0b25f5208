"""/healthz and /readyz (riskreg/ops/health.py): public, cheap, no data, 503 when not ready.

The limiter is one object shared by every app in the process, and ``create_app`` hands it
the new app's settings: so these tests change ``RATELIMIT_STORAGE_URI`` in ``app.config``
after the app is made (``/readyz`` reads it per request) rather than in its config class.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from limits import parse as parse_limit

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.extensions import db
from tests.conftest import DEMO_USERS, redirects_to_login


def make_app(url: str, **settings) -> Flask:
    class ProbeConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS: dict = {}
        REQUEST_LOG = False

    for key, value in settings.items():
        setattr(ProbeConfig, key, value)
    return create_app(ProbeConfig)


@pytest.fixture
def migrated(tmp_path) -> Iterator[Flask]:
    """An app on a SQLite file migrated to head with Alembic (no data needed)."""
    app = make_app(f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_without_a_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite3'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_ok_on_a_migrated_database(migrated):
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_names_migrations_not_at_head(migrated):
    with migrated.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = '0002'"))
        db.session.commit()
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "failing": ["migrations"]}


def test_readyz_on_the_suites_schema_says_not_migrated(client):
    """The suite builds its schema with create_all(): no Alembic revision, so not at head."""
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "failing": ["migrations"]}


def test_readyz_without_a_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite3'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"status": "failing", "failing": ["database", "migrations"]}
    assert "no-such-dir" not in response.get_data(as_text=True)


def test_readyz_checks_redis_when_the_limiter_uses_it(migrated):
    migrated.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "failing": ["redis"]}
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_readyz_with_a_reachable_redis(migrated):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379 (tests/run-all.sh starts one)")
    migrated.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    assert migrated.test_client().get("/readyz").status_code == 200


def test_probes_answer_while_sign_in_is_throttled(client, app):
    limit = parse_limit(app.config["LOGIN_FAILURE_LIMIT"]).amount
    for _ in range(limit + 1):
        client.login(DEMO_USERS["owner"], "wrong-password")
    assert client.login(DEMO_USERS["owner"], "wrong-password").status_code == 429
    assert [client.get("/healthz").status_code for _ in range(limit + 2)] == [200] * (limit + 2)
    assert {client.get("/readyz").status_code for _ in range(limit + 2)} == {503}  # not 429


def test_probes_are_get_only_and_public(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405  # not a CSRF 400: nothing to post
    assert client.post("/readyz").status_code == 405
    assert not redirects_to_login(client.get("/healthz"))
