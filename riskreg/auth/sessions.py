"""Sign-in sessions: a server-side record per sign-in, an idle timeout and an absolute
lifetime.

* ``sign_in`` starts a fresh cookie session and a ``user_session`` row (random secret in
  the signed cookie, its digest in the table). ``load_user`` reads the user and checks the
  row in one statement, so a cookie whose sign-in has ended (sign-out, timeout, lifetime)
  no longer works, even when replayed.
* Activity is stamped in the signed cookie (at most once a minute), never in the
  database: a GET writes nothing. ``check_age`` runs before every request and ends a
  session that was idle too long or is older than its lifetime: the next request goes to
  sign-in with a message (401 JSON under /api/).
* A form POSTed after a timeout is kept on the ended record (without the CSRF token or
  anything that looks like a secret); after the same user signs in again, ``next=`` points
  at the form with ``restore=1`` and ``restored_formdata`` fills it in
  (``riskreg.forms.FlaskForm``).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from .. import audit
from ..extensions import db
from ..models.sessions import UserSession
from ..models.types import utcnow
from ..models.users import User

SID = "_rr_sid"  # the secret of this sign-in (its digest is user_session.id)
STARTED = "_rr_started"  # when the sign-in began (epoch seconds)
SEEN = "_rr_seen"  # the last request (epoch seconds, refreshed at most once a minute)
RESUME = "_rr_resume"  # after a timeout: the ended sign-in that kept a posted form
RESTORE_ARG = "restore"
SEEN_RESOLUTION = 60
MAX_STASH = 64_000  # characters of kept form input; more is not kept
_SECRET_NAMES = ("csrf", "password", "secret", "token")
_KEEP_ACROSS_SIGN_IN = ("lang",)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _idle_seconds() -> int:
    return int(current_app.config["RISKREG_SESSION_IDLE_MINUTES"]) * 60


def _max_seconds() -> int:
    return int(current_app.config["RISKREG_SESSION_MAX_HOURS"]) * 3600


# -- sign-in and sign-out ----------------------------------------------------------------
def _fresh_cookie_session() -> None:
    """Clear the cookie session (new CSRF token), keeping the chosen language."""
    kept = {k: session[k] for k in _KEEP_ACROSS_SIGN_IN if k in session}
    session.clear()
    session.update(kept)


def sign_in(user: User) -> UserSession:
    """Log ``user`` in with a fresh session and record the sign-in (the caller commits).
    Input kept from this browser's timed-out sign-in of the same user comes along."""
    resume = session.get(RESUME)
    _fresh_cookie_session()
    if user.language:
        session.pop("lang", None)
    secret = secrets.token_urlsafe(32)
    record = UserSession(id=digest(secret), user_id=user.id, created_at=utcnow())
    if isinstance(resume, str):
        old = db.session.scalar(select(UserSession).where(
            UserSession.id == digest(resume), UserSession.user_id == user.id))
        if old is not None and old.stash is not None:
            record.stash_path, record.stash = old.stash_path, old.stash
    db.session.add(record)
    login_user(user)
    now = int(time.time())
    session.update({SID: secret, STARTED: now, SEEN: now})
    return record


def end(user: User | None, reason: str, stash: tuple[str, list] | None = None) -> None:
    """End the current sign-in on the server (sign-out or a timed-out POST); the unit of
    work commits it with the redirect that follows."""
    secret = session.get(SID)
    if not getattr(user, "is_authenticated", False) or not isinstance(secret, str):
        return
    values: dict = {"ended_at": utcnow(), "end_reason": reason}
    if stash is not None:
        values["stash_path"], values["stash"] = stash
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.id == digest(secret), UserSession.user_id == user.id,
               UserSession.ended_at.is_(None))
        .values(**values)).rowcount
    if ended:
        audit.record(user, "user", user.id, reason if reason == "logout" else "session_end",
                     None, None if reason == "logout" else {"reason": reason})


def sign_out(user: User | None) -> None:
    """End this sign-in (not the user's other devices) and clear the cookie session."""
    end(user, "logout")
    logout_user()
    _fresh_cookie_session()


# -- loading the signed-in user ------------------------------------------------------------
def load_user(user_id: int, token: str) -> User | None:
    """The active user of this cookie, read together with its live sign-in record."""
    secret = session.get(SID)
    if not isinstance(secret, str):
        return None
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.id == digest(secret),
               UserSession.ended_at.is_(None),
               UserSession.created_at > utcnow() - timedelta(seconds=_max_seconds()))
        # The roles come along: every page asks them (permission rules, the menu).
        .options(selectinload(User.assignments))).first()
    if row is None:
        return None
    user, record = row
    if user.session_token != token or not user.active:
        return None
    g.user_session = record
    return user


# -- timeouts -------------------------------------------------------------------------------
def _timed_out() -> str | None:
    """"idle", "lifetime" or None for the signed-in cookie of this request."""
    now = time.time()
    started, seen = session.get(STARTED), session.get(SEEN)
    if not isinstance(started, int) or now - started > _max_seconds():
        return "lifetime"
    if not isinstance(seen, int) or now - seen > _idle_seconds():
        return "idle"
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN] = int(now)
    return None


def _stash() -> list[list[str]] | None:
    """The posted fields worth keeping, or None (sign-in pages, secrets, files, too big)."""
    if (request.endpoint or "").startswith("auth.") or request.path.startswith("/api/"):
        return None
    fields = [[k, v] for k, v in request.form.items(multi=True)
              if not any(word in k.lower() for word in _SECRET_NAMES)]
    if not fields or sum(len(k) + len(v) for k, v in fields) > MAX_STASH:
        return None
    return fields


def _accepts_get() -> bool:
    rule = request.url_rule
    return rule is not None and "GET" in (rule.methods or ())


def _message(reason: str) -> str:
    if reason == "idle":
        return _("You were signed out after %(minutes)d minutes without activity. "
                 "Sign in again.", minutes=_idle_seconds() // 60)
    return _("You were signed out: a sign-in lasts at most %(hours)d hours. Sign in again.",
             hours=_max_seconds() // 3600)


def _user_of_cookie() -> User | None:
    """The user the (signed) cookie names, whatever the state of the sign-in."""
    from ..ids import parse_id

    uid = parse_id(str(session.get("_user_id", "")).partition(":")[0])
    return db.session.get(User, uid) if uid is not None else None


def check_age():
    """Before each request: end a signed-in session that timed out (see module doc)."""
    if "_user_id" not in session or request.endpoint == "static":
        return None
    reason = _timed_out()
    if reason is None:
        return None
    message = _message(reason)
    stash = None
    target = None
    if request.method == "POST":
        user = _user_of_cookie()
        fields = _stash() if user is not None and _accepts_get() else None
        if fields is not None:
            stash = (request.path, fields)
        end(user, reason, stash)
    elif request.method == "GET" and not (request.endpoint or "").startswith("auth."):
        target = request.full_path.rstrip("?")
    resume = session.get(SID) if stash else None
    logout_user()
    _fresh_cookie_session()
    if request.path.startswith("/api/"):
        from ..errors import abort_with

        abort_with(401, message)
    flash(message, "info")
    if resume:
        session[RESUME] = resume
        target = f"{request.path}?{RESTORE_ARG}=1"
        flash(_("What you had filled in is kept and shown again after you sign in."), "info")
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))


def restored_formdata() -> MultiDict | None:
    """The kept input for the form on this page, when the URL asks for it (``restore=1``)."""
    if request.method != "GET" or request.args.get(RESTORE_ARG) != "1":
        return None
    from flask_login import current_user

    if not current_user.is_authenticated:  # loads the user and the sign-in record
        return None
    record: UserSession | None = g.get("user_session")
    if record is None or record.stash is None or record.stash_path != request.path:
        return None
    return MultiDict([(k, v) for k, v in record.stash])


def init_sessions(app: Flask) -> None:
    # After CSRF protection (a forged post is refused before anything is kept).
    app.before_request(check_age)


# -- housekeeping --------------------------------------------------------------------------
def prune(keep_days: int, now: datetime | None = None) -> int:
    """Delete sign-in records that ended, or whose lifetime ran out, more than
    ``keep_days`` ago; one audit event says how many. Records of live sign-ins are
    never touched (a lifetime is at most ``RISKREG_SESSION_MAX_HOURS``). The caller runs
    it in a unit of work (``flask prune-sessions`` is meant for cron)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=keep_days)
    expired = cutoff - timedelta(seconds=_max_seconds())
    rows = db.session.execute(
        delete(UserSession).where(or_(UserSession.ended_at < cutoff,
                                      UserSession.created_at < expired))
        .execution_options(synchronize_session=False)).rowcount
    audit.record(None, "user_session", None, "prune", None,
                 {"deleted": rows, "keep_days": keep_days})
    return rows
