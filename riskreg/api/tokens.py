"""Personal read-only API tokens: shown once, stored as a SHA-256 digest.

``last_used_at`` is stamped after the response has been sent, in a short transaction of its
own, at most once a minute per token (the UPDATE's condition holds that across workers):
reading through the API stays a read, and the stamp costs the request nothing."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, after_this_request, current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from .. import audit
from ..auth.permissions import PermissionDenied
from ..extensions import db
from ..models.risks import ApiToken
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError

PREFIX = "rr_"
MAX_ACTIVE = 10
STAMP_EVERY = timedelta(minutes=1)


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
    return token, secret


def revoke_token(user: User, token: ApiToken) -> None:
    if token.user_id != user.id:
        raise PermissionDenied()
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(user, "api_token", token.id, "revoke", {"revoked": False}, {"revoked": True})


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
    if current_app.config.get("API_TOKEN_STAMP", True):
        _stamp_after_response(current_app._get_current_object(), token.id)
    return token.user


def _stamp_after_response(app: Flask, token_id: int) -> None:
    @after_this_request
    def _later(response):
        response.call_on_close(lambda: stamp_used(app, token_id))
        return response


def stamp_used(app: Flask, token_id: int) -> None:
    """Set the token's ``last_used_at`` unless it was set less than a minute ago."""
    now = utcnow()
    try:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(
                update(ApiToken)
                .where(ApiToken.id == token_id,
                       or_(ApiToken.last_used_at.is_(None),
                           ApiToken.last_used_at < now - STAMP_EVERY))
                .values(last_used_at=now))
    except Exception:  # a stamp is a convenience: never an error for the client
        app.logger.warning("could not stamp API token %s", token_id, exc_info=True)
