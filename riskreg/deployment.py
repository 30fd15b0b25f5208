"""How Riskreg sits in its deployment: the proxies in front of it, and whether sign-in
throttling can count across worker processes.

* ``RISKREG_TRUSTED_PROXIES=N`` (default 0) trusts the last N entries of
  X-Forwarded-For / X-Forwarded-Proto (werkzeug's ProxyFix). Without it, those headers are
  ignored: anyone could otherwise send a fresh address with every attempt and escape
  the sign-in limits.
* The limiter's ``memory://`` storage counts per process. With several workers each keeps
  its own counters, so an attacker gets N times the attempts. ``check_workers`` refuses
  that combination (gunicorn.conf.py calls it with gunicorn's worker count); the app logs
  a loud warning at start whenever production runs on ``memory://``.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

MEMORY_WARNING = (
    "RATELIMIT storage is memory:// in production: sign-in throttling counts per process, "
    "so with several workers (gunicorn -w N) an attacker gets N times the attempts and "
    "the limits differ between requests. Set RISKREG_RATELIMIT_STORAGE_URL to a shared "
    "store, e.g. redis://127.0.0.1:6379."
)


class DeploymentError(RuntimeError):
    """This combination of settings must not serve requests."""


def is_memory_storage(uri: str | None) -> bool:
    return (uri or "memory://").startswith("memory://")


def check_workers(workers: int, storage_uri: str | None) -> None:
    """Refuse several worker processes that would each keep their own sign-in counters."""
    if workers > 1 and is_memory_storage(storage_uri):
        raise DeploymentError(
            f"{workers} workers with RATELIMIT storage memory://: each worker would count "
            "failed sign-ins on its own. Set RISKREG_RATELIMIT_STORAGE_URL to a shared "
            "store (e.g. redis://127.0.0.1:6379) or run one worker.")


def init_deployment(app: Flask) -> None:
    proxies = app.config.get("RISKREG_TRUSTED_PROXIES") or 0
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    if app.config.get("ENV_NAME") == "production" and is_memory_storage(
            app.config.get("RATELIMIT_STORAGE_URI")):
        app.logger.warning("\n%s\n%s\n%s", "!" * 78, MEMORY_WARNING, "!" * 78)
