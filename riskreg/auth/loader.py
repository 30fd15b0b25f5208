"""Flask-Login wiring: a user id plus a session token that changes with the password, and
the server-side record of this sign-in (riskreg/auth/sessions.py)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..extensions import login_manager
from ..ids import parse_id
from ..models.users import User
from . import sessions


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    sessions.init_sessions(app)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    raw_id, _, token = user_id.partition(":")
    uid = parse_id(raw_id)
    if uid is None or not token:
        return None
    return sessions.load_user(uid, token)
