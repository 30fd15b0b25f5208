"""Sign in, sign out, the profile page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..api import tokens
from ..extensions import limiter
from ..forms import EmptyForm
from ..services import ServiceError
from ..uow import before_writing
from . import passwords, services, sessions
from .forms import LoginForm, PasswordForm
from .safe_redirect import safe_next

bp = Blueprint("auth", __name__)


def _login_key() -> str:
    """Throttle per address and per account, so one attacker cannot lock out everyone."""
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return f"{request.remote_addr}|{email}"


def _address_key() -> str:
    """Failed sign-ins from one address across accounts (password spraying)."""
    return f"{request.remote_addr}|*"


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURE_LIMIT"], key_func=_login_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_FAILURE_LIMIT"],
               key_func=_address_key, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        # argon2's work happens before the sign-in writes (no SQLite write lock held)
        with before_writing():
            user = services.authenticate(form.email.data, form.password.data)
            if user is not None:
                checked = user.password_hash
                upgraded = services.upgraded_hash(user, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail address or password."))
        else:
            target = safe_next(form.next.data) or url_for("main.index")
            # a fresh session (and CSRF token) and a server-side record at every sign-in
            sessions.sign_in(user)
            services.record_login(user, checked, upgraded)
            return redirect(target)
    status = 200
    if request.method == "POST":
        status = 401 if form.email.data and form.password.data else 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", status=400,
                               message=_("Sign-out must come from the sign-out button.")), 400
    sessions.sign_out(current_user._get_current_object())
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = PasswordForm()
    if form.validate_on_submit():
        if not passwords.verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            try:
                services.set_password(current_user, current_user, form.password.data)
            except ServiceError as exc:
                form.password.errors.append(exc.message)
            else:
                # the session token changed with the password (the user, not the proxy)
                login_user(current_user._get_current_object())
                flash(_("Your password is changed."), "success")
                return redirect(url_for("auth.profile"))
    status = 400 if form.errors else 200
    return render_template("auth/profile.html", form=form,
                           api_tokens=tokens.active_tokens(current_user)), status
