"""The reported-periods page: every lock the user can see, per unit and period; a
coordinator reports a period to the board (locks it) and reopens one with a reason."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, web
from ..auth.permissions import require
from ..domain.periods import Period, PeriodError
from ..uow import attempt
from ..web import form_status
from . import queries, services
from .forms import LockForm, ReopenForm
from .permissions import can_lock, can_lock_somewhere, can_reopen

bp = Blueprint("locks", __name__)


def _lock_form(units) -> LockForm:
    form = LockForm()
    form.unit.choices = [("", "–")] + [(u.id, f"{'— ' * u.depth}{u.name}") for u in units]
    form.period.choices = web.period_choices()
    return form


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    web.keep_page()
    unit = web.unit_arg(current_user)
    period = (web.period_arg(allow_future=True) if request.args.get("period") else None)
    may_lock = can_lock_somewhere(current_user)
    if request.method == "POST":
        require(may_lock)
    units = queries.lockable_units(current_user) if may_lock else []
    form = _lock_form(units) if may_lock else None
    if form is not None and request.method == "GET":
        form.unit.data = unit.id if unit is not None and can_lock(current_user, unit) else None
        form.period.data = str(period or clock.current_period().previous())
    if form is not None and form.validate_on_submit():
        chosen = next((u for u in units if u.id == form.unit.data), None)
        if chosen is None:
            form.unit.errors.append(_("Choose a unit you coordinate."))
        else:
            try:
                picked = Period.parse(form.period.data)
            except PeriodError:
                abort(400)
            done = attempt(lambda: services.lock_period(chosen, picked, current_user,
                                                        form.note.data), form)
            if done:
                flash(_("%(period)s was reported to the board for %(unit)s and is locked.",
                        period=str(picked), unit=chosen.name), "success")
                return redirect(url_for("locks.index", unit=chosen.id))
    locks = queries.visible_locks(current_user, unit, period)
    status = form_status(form) if form is not None else 200
    return render_template(
        "locks/index.html", form=form, locks=locks, unit=unit, period=period,
        periods=web.period_choices(period), param_errors=web.param_errors(),
        reopenable={lock.id for lock in locks if can_reopen(current_user, lock)},
    ), status if status != 200 else web.params_status()


@bp.route("/<int:lock_id>/reopen", methods=["GET", "POST"])
@login_required
def reopen(lock_id: int):
    lock = queries.readable_lock(current_user, lock_id)
    if lock is None:
        abort(404)
    require(can_reopen(current_user, lock))
    form = ReopenForm()
    if form.validate_on_submit():
        done = attempt(lambda: services.reopen_period(lock.unit, lock.period, current_user,
                                                      form.reason.data), form)
        if done:
            flash(_("%(period)s is reopened for %(unit)s.", period=str(lock.period),
                    unit=lock.unit.name), "success")
            return redirect(url_for("locks.index", unit=lock.unit_id))
    return render_template("locks/reopen.html", form=form, lock=lock), form_status(form)
