"""Configuration from the environment (RISKREG_*)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from limits import parse as parse_limit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


# The largest workbook the spreadsheet import accepts (riskreg/reports/importing.py).
IMPORT_MAX_BYTES = 20 * 1024 * 1024

class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _default_sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'riskreg.sqlite3'}"


def _env_int(name: str, default: int) -> int | str:
    """A whole number from the environment; anything else is left for ``Config.check``."""
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        return raw


class Config:
    ENV_NAME = "production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("RISKREG_DATABASE_URL") or _default_sqlite_url()
    SECRET_KEY = os.environ.get("RISKREG_SECRET_KEY")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("RISKREG_INSECURE_COOKIES") != "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")
    RATELIMIT_STORAGE_URI = os.environ.get("RISKREG_RATELIMIT_STORAGE_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins: per address and account (locks out one account, from one address)
    # and per address across accounts (password spraying; an office behind one NAT address
    # shares it, so it is kept higher).
    LOGIN_FAILURE_LIMIT = "5 per 5 minutes"
    LOGIN_ADDRESS_FAILURE_LIMIT = os.environ.get("RISKREG_LOGIN_ADDRESS_LIMIT",
                                                 "20 per 10 minutes")
    # How many proxies in front of Riskreg set X-Forwarded-For/-Proto (0: trust none).
    RISKREG_TRUSTED_PROXIES = _env_int("RISKREG_TRUSTED_PROXIES", 0)
    # A sign-in ends after this long without a request, and this long after it began.
    RISKREG_SESSION_IDLE_MINUTES = _env_int("RISKREG_SESSION_IDLE_MINUTES", 30)
    RISKREG_SESSION_MAX_HOURS = _env_int("RISKREG_SESSION_MAX_HOURS", 12)
    PAGE_SIZE = 50
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    # Fixed "today" for demos and tests (ISO date); None = the real date.
    RISKREG_TODAY = os.environ.get("RISKREG_TODAY")
    # Spreadsheets (riskreg/reports/): where background exports and stashed imports are
    # kept between requests (default instance/xlsx), and above how many rows an export
    # runs in the background.
    RISKREG_XLSX_DIR = os.environ.get("RISKREG_XLSX_DIR") or None
    RISKREG_XLSX_BACKGROUND_ROWS = _env_int("RISKREG_XLSX_BACKGROUND_ROWS", 5000)
    # Stamp API tokens' last_used_at after the response (off only in the test harness,
    # whose requests share one connection and one outer transaction).
    API_TOKEN_STAMP = True
    # Evidence files of control runs: where they are kept (outside the web root) and the
    # largest accepted; a request body may be a little larger (the form's other fields),
    # beyond that Werkzeug answers 413 before the view runs.
    RISKREG_EVIDENCE_DIR = os.environ.get("RISKREG_EVIDENCE_DIR") or str(
        Path(os.environ["RISKREG_FILES_DIR"]) / "evidence" if os.environ.get("RISKREG_FILES_DIR")
        else INSTANCE_DIR / "evidence")
    RISKREG_EVIDENCE_MAX_BYTES = _env_int("RISKREG_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    # Reminder mails (flask send-reminders): the SMTP server, the sender, and the address
    # people reach Riskreg at (for the links in the mails). Read by riskreg/reminders/mail.py.
    RISKREG_SMTP_HOST = os.environ.get("RISKREG_SMTP_HOST")
    RISKREG_SMTP_PORT = _env_int("RISKREG_SMTP_PORT", 587)
    RISKREG_SMTP_USER = os.environ.get("RISKREG_SMTP_USER")
    RISKREG_SMTP_PASSWORD = os.environ.get("RISKREG_SMTP_PASSWORD")
    RISKREG_SMTP_STARTTLS = os.environ.get("RISKREG_SMTP_STARTTLS", "1") != "0"
    RISKREG_MAIL_FROM = os.environ.get("RISKREG_MAIL_FROM")
    RISKREG_BASE_URL = os.environ.get("RISKREG_BASE_URL")

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start in production without a real secret key, or with a session
        timeout or proxy count that is not a whole number in range."""
        for name, least in (("RISKREG_SESSION_IDLE_MINUTES", 1),
                            ("RISKREG_SESSION_MAX_HOURS", 1), ("RISKREG_TRUSTED_PROXIES", 0),
                            ("RISKREG_SMTP_PORT", 1), ("RISKREG_XLSX_BACKGROUND_ROWS", 0)):
            value = config.get(name, least)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ConfigError(f"{name} must be a whole number of at least {least}.")
        evidence = config.get("RISKREG_EVIDENCE_MAX_BYTES", 1)
        if not isinstance(evidence, int) or isinstance(evidence, bool) or evidence < 1:
            raise ConfigError("RISKREG_EVIDENCE_MAX_BYTES must be a whole number of bytes.")
        if config.get("MAX_CONTENT_LENGTH") is None:  # the largest upload, and the form
            config["MAX_CONTENT_LENGTH"] = max(evidence, IMPORT_MAX_BYTES) + 1024 * 1024
        for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_ADDRESS_FAILURE_LIMIT"):
            try:
                parse_limit(str(config.get(name, "1 per minute")))
            except ValueError as exc:
                raise ConfigError(f"{name}: not a rate limit such as '20 per 10 minutes'."
                                  ) from exc
        if config.get("ENV_NAME") == "production" and not config.get("SECRET_KEY"):
            raise ConfigError(
                "RISKREG_SECRET_KEY is not set. Set it to a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`) "
                "before starting Riskreg in production."
            )


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("RISKREG_SECRET_KEY") or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"  # nosec B105: the test configuration's key, never production
    SQLALCHEMY_DATABASE_URI = os.environ.get("RISKREG_TEST_DATABASE_URL") or "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = True
    # Cheap hashes in tests only (argon2id still); production uses argon2-cffi's defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    RISKREG_EVIDENCE_DIR = os.environ.get("RISKREG_TEST_EVIDENCE_DIR") or str(
        Path(tempfile.gettempdir()) / f"riskreg-test-evidence-{os.getpid()}")


def config_for_env() -> type[Config]:
    name = os.environ.get("RISKREG_ENV", "production")
    return {"development": DevelopmentConfig, "test": TestConfig}.get(name, Config)
