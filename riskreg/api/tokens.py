"""Personal read-only API tokens: shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..auth.permissions import PermissionDenied
from ..extensions import db
from ..models.risks import ApiToken
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError

PREFIX = "rr_"
MAX_ACTIVE = 10


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns it with the secret, which is never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_("Give the token a name of at most 100 characters."), "name")
    if len(active_tokens(user)) >= MAX_ACTIVE:
        raise ServiceError(_("You have %(n)d active tokens: revoke one first.", n=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(user, "api_token", token.id, "create", None, {"name": name,
                                                               "prefix": token.prefix})
    db.session.commit()
    return token, secret


def revoke_token(user: User, token: ApiToken) -> None:
    if token.user_id != user.id:
        raise PermissionDenied()
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(user, "api_token", token.id, "revoke", {"revoked": False}, {"revoked": True})
    db.session.commit()


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())))


def user_for_token(secret: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user
