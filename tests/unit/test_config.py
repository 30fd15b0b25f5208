"""Configuration: production refuses to start without a secret key."""

import pytest

from riskreg import create_app
from riskreg.config import Config, ConfigError, DevelopmentConfig, TestConfig, config_for_env


class ProductionWithoutSecret(Config):
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = "sqlite://"


class ProductionWithEmptySecret(ProductionWithoutSecret):
    SECRET_KEY = ""


@pytest.mark.parametrize("config", [ProductionWithoutSecret, ProductionWithEmptySecret])
def test_production_without_secret_key_refuses_to_start(config):
    with pytest.raises(ConfigError) as info:
        create_app(config)
    assert "RISKREG_SECRET_KEY" in str(info.value)


def test_production_from_the_environment_refuses_without_secret(monkeypatch):
    monkeypatch.delenv("RISKREG_ENV", raising=False)
    with pytest.raises(ConfigError):
        create_app({"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_check_accepts_production_with_a_secret():
    Config.check({"ENV_NAME": "production", "SECRET_KEY": "a-long-random-value"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [("production", Config), ("development", DevelopmentConfig), ("test", TestConfig),
     ("something-else", Config), (None, Config)],
)
def test_config_follows_riskreg_env(monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv("RISKREG_ENV", raising=False)
    else:
        monkeypatch.setenv("RISKREG_ENV", env)
    assert config_for_env() is expected


@pytest.mark.parametrize("config", [DevelopmentConfig, TestConfig])
def test_development_and_tests_have_a_key_of_their_own(config):
    assert config.SECRET_KEY
    Config.check({"ENV_NAME": config.ENV_NAME, "SECRET_KEY": config.SECRET_KEY})


def test_production_defaults_are_safe():
    assert Config.ENV_NAME == "production"
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.BABEL_DEFAULT_LOCALE == "sv"
    assert Config.BABEL_DEFAULT_TIMEZONE == "Europe/Stockholm"
    assert not getattr(Config, "TESTING", False)
