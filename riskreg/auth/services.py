"""Sign-in and the users' own account: passwords, language. Services flush; the request's
unit of work (uow.py) commits."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError
from . import passwords
from .permissions import can_administer_unit, require


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


def upgraded_hash(user: User, password: str) -> str | None:
    """A hash of ``password`` with today's parameters when the stored one has older ones
    (slow like the check: the login computes it before it writes)."""
    if not passwords.needs_rehash(user.password_hash):
        return None
    return passwords.hash_password(password)


def record_login(user: User, checked_hash: str, upgraded: str | None = None) -> None:
    """Stamp the login; store ``upgraded`` (see ``upgraded_hash``) unless the password
    changed since ``checked_hash`` was verified."""
    user.last_login_at = utcnow()
    if upgraded is not None and user.password_hash == checked_hash:
        user.password_hash = upgraded
    audit.record(user, "user", user.id, "login")


def set_language(user: User, language: str) -> None:
    old = user.language
    if old == language:
        return
    user.language = language
    audit.record(user, "user", user.id, "language", {"language": old}, {"language": language})


def set_password(actor: User | None, user: User, password: str) -> None:
    """A new password (the user's own, or set by an administrator over all the user's
    units); it ends the user's open sessions."""
    if actor is not None and actor.id != user.id:
        require(all(can_administer_unit(actor, a.unit) for a in user.assignments))
    if passwords.password_problem(password):
        raise ServiceError(
            _("The password must have at least %(n)d characters.", n=passwords.MIN_LENGTH),
            "password",
        )
    user.password_hash = passwords.hash_password(password)
    user.session_token = new_session_token()
    audit.record(actor, "user", user.id, "password", None, None)
