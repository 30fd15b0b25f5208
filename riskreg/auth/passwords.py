"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@cache
def _hasher_for(time_cost: int | None, memory_cost: int | None) -> tuple[PasswordHasher, str]:
    kwargs = {k: v for k, v in (("time_cost", time_cost), ("memory_cost", memory_cost)) if v}
    hasher = PasswordHasher(**kwargs)
    # Verified against when the e-mail is unknown, so both paths cost the same time.
    return hasher, hasher.hash("riskreg-dummy-password")


def _hasher() -> tuple[PasswordHasher, str]:
    """argon2id with its defaults; tests lower the cost through ARGON2_* settings."""
    cfg = current_app.config if has_app_context() else {}
    return _hasher_for(cfg.get("ARGON2_TIME_COST"), cfg.get("ARGON2_MEMORY_COST"))

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher()[0].check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    return None
