"""Issue 15, item 4: sign-in throttling per address across accounts, X-Forwarded-For only
from configured proxies, and no per-process counters behind several workers."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import current_app, request
from limits import parse as parse_limit

from riskreg import create_app
from riskreg.config import ConfigError, TestConfig
from riskreg.deployment import MEMORY_WARNING, DeploymentError, check_workers
from tests.conftest import DEMO_USERS, RiskregTestConfig

ROOT = Path(__file__).resolve().parents[2]


def address_limit() -> int:
    return parse_limit(current_app.config["LOGIN_ADDRESS_FAILURE_LIMIT"]).amount


def account_limit() -> int:
    return parse_limit(current_app.config["LOGIN_FAILURE_LIMIT"]).amount


def _spray(c, count: int, **kwargs) -> list[int]:
    """``count`` failed sign-ins, each on another (unknown) account."""
    return [c.login(f"gissning{i}@norrbotten.example", "wrong-password", **kwargs).status_code
            for i in range(count)]


def test_failures_across_accounts_from_one_address_are_throttled(app):
    c = app.test_client()
    assert address_limit() > account_limit()  # one locked account does not lock the address
    assert set(_spray(c, address_limit())) == {401}
    assert c.login("ytterligare@norrbotten.example", "wrong-password").status_code == 429
    # the address waits now, even with a right password
    assert app.test_client().login(DEMO_USERS["board"]).status_code == 429
    # another address does not
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    assert other.login(DEMO_USERS["board"]).status_code == 302


def test_x_forwarded_for_is_not_trusted_by_default(app):
    c = app.test_client()
    for i in range(address_limit()):
        c.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{i}"
        assert c.login(f"gissning{i}@norrbotten.example", "wrong-password").status_code == 401
    c.environ_base["HTTP_X_FORWARDED_FOR"] = "192.0.2.250"
    assert c.login(DEMO_USERS["board"]).status_code == 429


def test_the_address_limit_is_configurable(app, monkeypatch):
    monkeypatch.setitem(current_app.config, "LOGIN_ADDRESS_FAILURE_LIMIT", "2 per 10 minutes")
    c = app.test_client()
    assert _spray(c, 2) == [401, 401]
    assert c.login(DEMO_USERS["board"]).status_code == 429


# -- proxies -----------------------------------------------------------------------------
def _app_with(**settings):
    config = type("ProxyConfig", (RiskregTestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                                        "SQLALCHEMY_ENGINE_OPTIONS": {},
                                                        **settings})
    app = create_app(config)

    @app.route("/_whoami")
    def _whoami():
        return {"addr": request.remote_addr, "scheme": request.scheme}

    return app


def test_one_trusted_proxy_gives_the_client_address_and_scheme():
    c = _app_with(RISKREG_TRUSTED_PROXIES=1).test_client()
    response = c.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7",
                                          "X-Forwarded-Proto": "https"})
    assert response.get_json() == {"addr": "198.51.100.7", "scheme": "https"}


def test_without_trusted_proxies_the_headers_are_ignored():
    c = _app_with().test_client()
    response = c.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9",
                                          "X-Forwarded-Proto": "https"})
    assert response.get_json() == {"addr": "127.0.0.1", "scheme": "http"}


@pytest.mark.parametrize("value", [-1, "two"])
def test_a_bad_proxy_count_is_refused(value):
    with pytest.raises(ConfigError):
        TestConfig.check({"ENV_NAME": "test", "RISKREG_TRUSTED_PROXIES": value})


def test_a_bad_address_limit_is_refused():
    with pytest.raises(ConfigError):
        TestConfig.check({"ENV_NAME": "test", "LOGIN_ADDRESS_FAILURE_LIMIT": "many"})


# -- memory:// storage and several workers -------------------------------------------------
def test_production_on_memory_storage_warns_loudly(caplog):
    config = {"ENV_NAME": "production", "SECRET_KEY": "x" * 32, "TESTING": False,
              "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"}
    with caplog.at_level(logging.WARNING):
        create_app(config)
    assert MEMORY_WARNING in caplog.text


def test_production_on_redis_does_not_warn(caplog):
    config = {"ENV_NAME": "production", "SECRET_KEY": "x" * 32, "TESTING": False,
              "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    with caplog.at_level(logging.WARNING):
        create_app(config)
    assert MEMORY_WARNING not in caplog.text


@pytest.mark.parametrize(("workers", "uri", "refused"), [
    (4, None, True), (2, "memory://", True), (1, "memory://", False),
    (4, "redis://127.0.0.1:6379", False)])
def test_several_workers_need_shared_storage(workers, uri, refused):
    if refused:
        with pytest.raises(DeploymentError):
            check_workers(workers, uri)
    else:
        check_workers(workers, uri)


def test_gunicorn_refuses_several_workers_on_memory_storage(monkeypatch):
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    errors: list[str] = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=4),
                             log=SimpleNamespace(error=lambda *a: errors.append(a[0] % a[1:])))
    monkeypatch.delenv("RISKREG_RATELIMIT_STORAGE_URL", raising=False)
    with pytest.raises(SystemExit):
        hooks["on_starting"](server)
    assert "memory://" in errors[0]
    monkeypatch.setenv("RISKREG_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379")
    hooks["on_starting"](server)  # starts
