"""The measure pages: list (with carry forward), measure page, create, edit, link to risks,
follow-up per period, finish/cancel, the follow-up reports, the status scale."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, web
from ..auth.permissions import can_administer_scale, is_admin, require
from ..domain.periods import Period, PeriodError, period_range
from ..extensions import db
from ..locks import present as lock_present
from ..locks import queries as lock_queries
from ..models.org import Unit
from ..risks import queries as risk_queries
from ..risks.services import plans_for_unit
from ..uow import attempt
from ..web import form_status
from . import queries, services
from .forms import (
    CarryForwardForm,
    CloseForm,
    FilterForm,
    FollowUpForm,
    LinkForm,
    MeasureEditForm,
    MeasureForm,
    StatusScaleForm,
)
from .permissions import can_manage_measure, can_manage_measures_in, can_report_measure

bp = Blueprint("measures", __name__)


def _measure_or_404(measure_id: int):
    m = queries.readable_measure(current_user, measure_id)
    if m is None:
        abort(404)
    return m


def _save(form, write: Callable[[], object], done: str, target: str):
    if not attempt(write, form):
        return None
    flash(done, "success")
    return redirect(target)


def _period_choices(count: int = 6) -> list[tuple[str, str]]:
    latest = clock.current_period()
    periods = period_range(Period.from_key(latest.key - count + 1), latest)
    return [(str(p), f"{p} ({p.report_name})") for p in reversed(periods)]


def _status_choices(unit: Unit) -> list[tuple[str, str]]:
    return [("", "–")] + [(s.code, f"{s.symbol} {s.label}") for s in queries.statuses(unit)]


# -- list and carry forward -----------------------------------------------------------------
PER_PAGE = 100
# The list's own filter parameters, for the pager links (nothing else is copied).
FILTER_KEYS = ("unit", "include_subunits", "period", "status", "responsible", "due", "q",
               "state")


@bp.route("/")
@login_required
def index():
    web.unit_arg(current_user)  # a unit out of reach is 404, as everywhere
    form = FilterForm(request.args)
    units = risk_queries.readable_units(current_user)
    form.unit.choices = [("", _("All my units"))] + [
        (u.id, f"{'— ' * u.depth}{u.name}") for u in units]
    unit = next((u for u in units if u.id == form.unit.data), None)
    statuses = queries.statuses(unit or units[0]) if units else []
    form.status.choices = [("", _("All statuses")), ("none", _("No status in the period"))] + [
        (s.code, f"{s.symbol} {s.label}") for s in statuses]
    form.responsible.choices = [("", _("Everyone"))] + [
        (u.id, u.name) for u in queries.responsibles_in_scope(current_user)]
    form.due.choices = [("", _("Any due date")), ("overdue", _("Past due, not finished"))]
    form.state.choices = [("active", _("Active")), ("finished", _("Finished")),
                          ("cancelled", _("Cancelled")), ("all", _("All"))]
    can_create = any(can_manage_measures_in(current_user, u) for u in units)
    web.keep_page()  # a bad period is shown beside its field, the list is kept
    period = web.parse_period(request.args.get("period") or None, allow_future=True)
    form.period.choices = web.period_choices(period)
    form.period.data = str(period)
    valid = form.validate()
    if "period" in web.param_errors():
        form.period.errors = [*form.period.errors, web.param_errors()["period"]]
    if not valid:
        return render_template("measures/index.html", form=form, rows=None,
                               can_create=can_create), 400
    include = web.bool_arg("include_subunits", True)
    page = queries.measures(current_user, queries.MeasureFilter(
        period=period, unit=unit, include_subunits=include, status=form.status.data or None,
        responsible_id=form.responsible.data, due=form.due.data or None, q=form.q.data or None,
        state=form.state.data or "active", page=web.positive_int_arg("page", 1),
        per_page=PER_PAGE), clock.today())
    rows = page.rows
    reportable = {r.measure.id for r in rows if can_report_measure(current_user, r.measure)}
    lock = lock_queries.lock_for(unit, period) if unit is not None else None
    return render_template("measures/index.html", form=form, rows=rows, total=page.total,
                           period=period, page=page, lock=lock,
                           args={k: v for k, v in request.args.items() if k in FILTER_KEYS},
                           include=include, can_create=can_create, reportable=reportable,
                           carry=CarryForwardForm(formdata=None, period=str(period)),
                           can_carry=(bool(reportable) and period <= clock.current_period()
                                      and lock is None)), web.params_status()


@bp.route("/carry-forward", methods=["POST"])
@login_required
def carry_forward():
    form = CarryForwardForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        period = Period.parse(form.period.data)
    except PeriodError:
        abort(400)
    chosen = [queries.readable_measure(current_user, mid) for mid in form.measures.data]
    if any(m is None for m in chosen):
        abort(404)
    done = attempt(lambda: services.carry_forward(current_user, chosen, period))
    if done:
        flash(_("%(n)d measures were carried forward to %(period)s.", n=done.value,
                period=str(period)), "success")
    back = request.form.get("back", "")
    target = back if back.startswith("/measures/") and "//" not in back else url_for(
        "measures.index", period=str(period))
    return redirect(target)


# -- the measure page -------------------------------------------------------------------
@bp.route("/<int:measure_id>")
@login_required
def detail(measure_id: int):
    m = _measure_or_404(measure_id)
    period = web.period_arg(allow_future=True)
    events = queries.history(m)
    locks = lock_queries.locks_for(m.unit)
    return render_template(
        "measures/detail.html", m=m, period=period, risks=queries.linked_risks(m, period),
        locks=locks, lock=locks.get(period),
        follow_ups=queries.follow_ups(m), history=events,
        names=risk_queries.history_names(events),
        can_manage=can_manage_measure(current_user, m),
        can_report=can_report_measure(current_user, m), today=clock.today())


# -- create ----------------------------------------------------------------------------
def _fill_choices(form, unit: Unit, plans) -> None:
    form.success_factor_id.choices = [("", "–")] + [
        c for p in plans for c in risk_queries.success_factor_choices(p.id)]
    form.responsible_id.choices = [("", "–")] + [
        (u.id, f"{u.name} ({u.email})") for u in queries.responsible_candidates(unit)]


def _texts(form) -> services.MeasureTexts:
    return services.MeasureTexts(
        title=form.title.data, description=form.description.data,
        background=form.background.data, goal_text=form.goal_text.data,
        start_date=form.start_date.data, due_date=form.due_date.data,
        success_factor_id=form.success_factor_id.data,
        responsible_id=form.responsible_id.data)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    manageable = web.units_where(can_manage_measures_in)
    unit, pick_page = web.unit_to_create_in(manageable, _("New measure"), "measures.new")
    if pick_page is not None:
        return pick_page
    form = MeasureForm()
    plans = plans_for_unit(unit)
    form.plan_id.choices = [(p.id, p.name) for p in plans]
    _fill_choices(form, unit, plans)
    if not plans:
        form.form_errors.append(
            _("No plan covers this unit yet: a coordinator creates one on the KPI page."))
    elif form.validate_on_submit():
        created = attempt(lambda: services.create_measure(current_user, services.NewMeasure(
            unit_id=unit.id, plan_id=form.plan_id.data, texts=_texts(form),
            number=form.number.data)), form)
        if created:
            flash(_("Measure %(n)d was created.", n=created.value.number), "success")
            return redirect(url_for("measures.detail", measure_id=created.value.id))
    return render_template("measures/form.html", form=form, unit=unit, m=None), form_status(form)


@bp.route("/<int:measure_id>/edit", methods=["GET", "POST"])
@login_required
def edit(measure_id: int):
    m = _measure_or_404(measure_id)
    require(can_manage_measure(current_user, m))
    form = MeasureEditForm(obj=m if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = m.version
    _fill_choices(form, m.unit, [m.plan])
    if form.validate_on_submit():
        saved = _save(form, lambda: services.update_measure(
            current_user, m, _texts(form), form.version.data),
            _("The measure was saved."), url_for("measures.detail", measure_id=m.id))
        if saved:
            return saved
    return render_template("measures/form.html", form=form, unit=m.unit, m=m), form_status(form)


@bp.route("/<int:measure_id>/risks", methods=["GET", "POST"])
@login_required
def link(measure_id: int):
    m = _measure_or_404(measure_id)
    require(can_manage_measure(current_user, m))
    period = clock.current_period()
    candidates = queries.risk_candidates(current_user, m, period)
    form = LinkForm()
    form.risks.choices = [(c.risk.id, f"{c.risk.number}. {c.risk.event[:120]}")
                          for c in candidates]
    if request.method == "GET":
        form.version.data = m.version
        form.risks.data = [lr.risk.id for lr in queries.linked_risks(m, period)]
    if form.validate_on_submit():
        saved = _save(form, lambda: services.set_links(
            current_user, m, form.risks.data or [], form.version.data),
            _("The links to risks were saved."), url_for("measures.detail", measure_id=m.id))
        if saved:
            return saved
    return render_template("measures/link.html", form=form, m=m, candidates=candidates,
                           period=period), form_status(form)


@bp.route("/<int:measure_id>/follow-up", methods=["GET", "POST"])
@login_required
def follow_up(measure_id: int):
    m = _measure_or_404(measure_id)
    require(can_report_measure(current_user, m))
    form = FollowUpForm()
    locks = lock_queries.locks_for(m.unit)
    form.period.choices = lock_present.mark_choices(_period_choices(), locks)
    form.status.choices = _status_choices(m.unit)
    if request.method == "GET":
        period = web.period_arg()
        form.period.data = str(period)
        form.version.data = m.version
        current = queries.follow_up_for(m, period)
        if current is not None:
            form.status.data = current.status.code if current.status else ""
            form.comment.data, form.result.data = current.comment, current.result
    if form.validate_on_submit():
        try:
            period = Period.parse(form.period.data)
        except PeriodError:
            abort(400)
        saved = _save(form, lambda: services.report(
            current_user, m, period, form.status.data or None, form.comment.data,
            form.result.data, form.version.data),
            _("The follow-up was saved."), url_for("measures.detail", measure_id=m.id,
                                                   period=str(period)))
        if saved:
            return saved
    return render_template("measures/follow_up.html", form=form, m=m,
                           lock=lock_present.lock_of(form.period.data, locks)), form_status(form)


@bp.route("/<int:measure_id>/close", methods=["GET", "POST"])
@login_required
def close(measure_id: int):
    m = _measure_or_404(measure_id)
    require(can_manage_measure(current_user, m))
    form = CloseForm()
    if request.method == "GET":
        form.version.data = m.version
    if form.validate_on_submit():
        saved = _save(form, lambda: services.close(
            current_user, m, form.state.data, form.reason.data, form.version.data),
            _("The measure was closed. It is kept with its history."),
            url_for("measures.detail", measure_id=m.id))
        if saved:
            return saved
    return render_template("measures/close.html", form=form, m=m), form_status(form)


# -- the follow-up reports --------------------------------------------------------------
@bp.route("/report")
@login_required
def report():
    unit = web.unit_arg(current_user) or web.default_unit(current_user)
    if unit is None:
        abort(404)
    web.keep_page()  # a bad period is shown beside its field, the report is kept
    period = web.period_arg()
    layout = request.args.get("layout", "strategic")
    if layout not in ("strategic", "issues"):
        abort(400)
    groups = queries.report(current_user, unit, period, layout)
    return render_template("measures/report.html", unit=unit, period=period, layout=layout,
                           groups=groups, carried_word=_("carried forward"),
                           periods=web.period_choices(period),
                           param_errors=web.param_errors()), web.params_status()


# -- the status scale (administrators of the organisation) -----------------------------------
class _RowErrors:
    """Lets a service's "rows-<i>-<field>" refusal land under that row's field."""

    def __init__(self, form: StatusScaleForm) -> None:
        self.form_errors = form.form_errors
        self._form = form

    def __getattr__(self, name: str):
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self._form.rows):
                return self._form.rows[index].form[parts[2]]
        return None


@bp.route("/statuses/<int:unit_id>", methods=["GET", "POST"])
@login_required
def statuses(unit_id: int):
    require(is_admin(current_user))  # like every administration page: 403 for others
    root = db.session.get(Unit, unit_id)
    if root is None or root.parent_id is not None or not can_administer_scale(current_user, root):
        abort(404)
    existing = queries.statuses(root)
    form = StatusScaleForm()
    if request.method == "GET":
        form = StatusScaleForm(formdata=None, data={"rows": [
            {"code": s.code, "symbol": s.symbol, "label": s.label, "colour": s.colour,
             "means_finished": s.means_finished, "position": s.position}
            for s in existing] + [{}]})
    if form.validate_on_submit():
        rows = [services.StatusRow(r.code.data or "", r.symbol.data or "", r.label.data or "",
                                   r.colour.data or "", bool(r.means_finished.data),
                                   r.position.data if r.position.data is not None else i)
                for i, r in ((i, f.form) for i, f in enumerate(form.rows))
                if (r.code.data or "").strip()]
        saved = _save(_RowErrors(form), lambda: services.save_scale(current_user, root, rows),
                      _("The status scale was saved."),
                      url_for("measures.statuses", unit_id=root.id))
        if saved:
            return saved
    # a POST that is answered with the page was refused (a saved one redirects)
    return render_template("measures/statuses.html", form=form, root=root), (
        400 if request.method == "POST" else 200)

