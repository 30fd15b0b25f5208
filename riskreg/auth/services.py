"""Sign-in and the users' own account."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models.types import utcnow
from ..models.users import User
from . import passwords


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_token() -> str:
    return secrets.token_hex(16)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    return user


def record_login(user: User, password: str) -> None:
    """Stamp the login and upgrade the hash if the parameters changed."""
    user.last_login_at = utcnow()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record(user, "user", user.id, "login")
    db.session.commit()


def set_language(user: User, language: str) -> None:
    old = user.language
    if old == language:
        return
    user.language = language
    audit.record(user, "user", user.id, "language", {"language": old}, {"language": language})
    db.session.commit()
