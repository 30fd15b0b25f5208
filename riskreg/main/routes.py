"""The start page and the language switch (probes: riskreg/ops/health.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import services as auth_services
from ..auth.safe_redirect import safe_next
from ..errors import abort_with
from ..forms import EmptyForm
from . import queries

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    page = queries.start_page(current_user)
    return render_template("main/index.html", page=page)


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        abort_with(404, _("Unknown language."))
    form = EmptyForm()
    if not form.validate_on_submit():
        abort_with(400, _("The form had expired. Reload the page and try again."))
    session["lang"] = lang
    if current_user.is_authenticated:
        auth_services.set_language(current_user, lang)
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
