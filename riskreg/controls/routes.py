"""The internal-control pages: plans (create, edit/amend, adopt, report follow-up, close),
controls, control runs with their sample, results and evidence, the coordinator's dashboard
and the follow-up report to the board."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, web
from ..auth.permissions import PermissionDenied, require
from ..domain.periods import Period, PeriodError
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import period_label
from ..ids import parse_id
from ..locks import present as lock_present
from ..locks import queries as lock_queries
from ..measures import queries as measure_queries
from ..models.controls import ControlRunItem
from ..risks import queries as risk_queries
from ..uow import attempt
from ..web import form_status
from . import queries, services
from .forms import (
    AdoptForm,
    ClosePlanForm,
    ControlEditForm,
    ControlForm,
    EvidenceForm,
    PlanEditForm,
    PlanFollowUpForm,
    PlanForm,
    ResultsForm,
    RunForm,
)
from .permissions import (
    can_edit_run,
    can_manage_plan,
    can_manage_plans_in,
    can_record_runs,
)

bp = Blueprint("controls", __name__)


def _or_404(obj):
    if obj is None:
        abort(404)
    return obj


def _names(events):
    return risk_queries.history_names(events)


# -- plans --------------------------------------------------------------------------------
@bp.route("/")
@login_required
def index():
    plans = queries.plans(current_user)
    units = risk_queries.readable_units(current_user)
    can_create = any(can_manage_plans_in(current_user, u) for u in units)
    return render_template("controls/index.html", plans=plans, can_create=can_create,
                           period=clock.current_period())


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def plan_new():
    manageable = web.units_where(can_manage_plans_in)
    unit, pick = web.unit_to_create_in(manageable, _("New internal-control plan"),
                                       "controls.plan_new")
    if pick is not None:
        return pick
    form = PlanForm()
    form.risks.choices = [(r.id, f"{r.number}. {r.title}") for r in
                          services.coverable_risks_in(unit)]
    if request.method == "GET":
        form.year.data = clock.today().year
    if form.validate_on_submit():
        done = attempt(lambda: services.create_plan(
            current_user, unit, form.year.data, form.title.data, form.risks.data or []), form)
        if done:
            flash(_("The plan was created as a draft."), "success")
            return redirect(url_for("controls.plan", plan_id=done.value.id))
    return render_template("controls/plan_form.html", form=form, unit=unit,
                           plan=None), form_status(form)


@bp.route("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    controls = queries.controls_of(p)
    events = queries.history("control_plan", p.id)
    controlled = {link.risk_id for c in controls for link in c.risk_links}
    return render_template("controls/plan.html", plan=p, controls=controls, history=events,
                           controlled=controlled,
                           names=_names(events), can_manage=can_manage_plan(current_user, p),
                           period=clock.current_period(),
                           periods=[Period(p.year, t) for t in (1, 2, 3)])


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def plan_edit(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    require(can_manage_plan(current_user, p))
    form = PlanEditForm(obj=p if request.method == "GET" else None)
    form.risks.choices = [(r.id, f"{r.number}. {r.title}") for r in
                          services.coverable_risks(p)]
    if request.method == "GET":
        form.version.data = p.version
        form.risks.data = [link.risk_id for link in p.risks]
    if form.validate_on_submit():
        done = attempt(lambda: services.update_plan(
            current_user, p, form.title.data, form.risks.data or [],
            form.amendment_reason.data, form.version.data), form)
        if done:
            flash(_("The plan was saved."), "success")
            return redirect(url_for("controls.plan", plan_id=p.id))
    return render_template("controls/plan_form.html", form=form, unit=p.unit,
                           plan=p), form_status(form)


@bp.route("/plans/<int:plan_id>/adopt", methods=["GET", "POST"])
@login_required
def plan_adopt(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    require(can_manage_plan(current_user, p) and p.state == "draft")
    form = AdoptForm()
    if request.method == "GET":
        form.version.data = p.version
    if form.validate_on_submit():
        done = attempt(lambda: services.adopt_plan(
            current_user, p, form.decided_on.data, form.paragraph.data, form.dnr.data,
            form.version.data), form)
        if done:
            flash(_("The plan was adopted. A later change is an amendment."), "success")
            return redirect(url_for("controls.plan", plan_id=p.id))
    return render_template("controls/simple_form.html", form=form, plan=p,
                           title=_("Adopt the plan"),
                           fields=["decided_on", "paragraph", "dnr"]), form_status(form)


@bp.route("/plans/<int:plan_id>/follow-up", methods=["GET", "POST"])
@login_required
def plan_follow_up(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    require(can_manage_plan(current_user, p) and p.state in ("adopted", "followed_up"))
    form = PlanFollowUpForm()
    done_periods = {f.period for f in p.follow_ups}
    form.period.choices = [(str(pp), period_label(pp)) for pp in
                           (Period(p.year, t) for t in (1, 2, 3)) if pp not in done_periods]
    if request.method == "GET":
        form.version.data = p.version
        form.reported_on.data = clock.today()
    if form.validate_on_submit():
        try:
            period = Period.parse(form.period.data)
        except PeriodError:
            abort(400)
        done = attempt(lambda: services.report_follow_up(
            current_user, p, period, form.reported_on.data, form.note.data,
            form.version.data), form)
        if done:
            flash(_("The follow-up for %(p)s is recorded as reported to the board.",
                    p=period_label(period)), "success")
            return redirect(url_for("controls.plan", plan_id=p.id))
    return render_template("controls/simple_form.html", form=form, plan=p,
                           title=_("Follow-up reported to the board"),
                           fields=["period", "reported_on", "note"]), form_status(form)


@bp.route("/plans/<int:plan_id>/close", methods=["GET", "POST"])
@login_required
def plan_close(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    require(can_manage_plan(current_user, p))
    form = ClosePlanForm()
    if request.method == "GET":
        form.version.data = p.version
    if form.validate_on_submit():
        done = attempt(lambda: services.close_plan(current_user, p, form.reason.data,
                                                   form.version.data), form)
        if done:
            flash(_("The plan was closed. It is kept with its history."), "success")
            return redirect(url_for("controls.plan", plan_id=p.id))
    return render_template("controls/simple_form.html", form=form, plan=p,
                           title=_("Close the plan"), fields=["reason"]), form_status(form)


# -- controls -------------------------------------------------------------------------------
def _control_choices(form, p) -> None:
    form.risks.choices = [(r.id, f"{r.number}. {r.title}") for r in services.coverable_risks(p)]
    form.units.choices = [(u.id, f"{'— ' * (u.depth - p.unit.depth)}{u.name}")
                          for u in services.unit_choices(p)]
    form.responsible_id.choices = [("", "–")] + [
        (u.id, f"{u.name} ({u.email})") for u in measure_queries.responsible_candidates(p.unit)]
    form.measure_id.choices = [("", "–")]


def _control_input(form) -> services.ControlInput:
    return services.ControlInput(
        title=form.title.data, method=form.method.data, frequency=form.frequency.data,
        method_text=form.method_text.data, responsible_id=form.responsible_id.data,
        measure_id=form.measure_id.data, sample_size=form.sample_size.data,
        risk_ids=[r for r in form.risks.data or [] if r is not None],
        unit_ids=[u for u in form.units.data or [] if u is not None])


@bp.route("/plans/<int:plan_id>/controls/new", methods=["GET", "POST"])
@login_required
def control_new(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    require(can_manage_plan(current_user, p))
    form = ControlForm()
    _control_choices(form, p)
    if form.validate_on_submit():
        done = attempt(lambda: services.create_control(
            current_user, p, _control_input(form), form.amendment_reason.data), form)
        if done:
            flash(_("The control was added."), "success")
            return redirect(url_for("controls.control", control_id=done.value.id))
    return render_template("controls/control_form.html", form=form, plan=p,
                           control=None), form_status(form)


@bp.route("/<int:control_id>")
@login_required
def control(control_id: int):
    c = _or_404(queries.readable_control(current_user, control_id))
    runs = queries.runs_of(current_user, c)
    units = services.covered_units(c)
    slots = queries.slots(c, units, runs, clock.current_period())
    events = queries.history("control", c.id)
    recordable = [u for u in units if can_record_runs(current_user, c, u)]
    locks = lock_queries.locks_for_units(units, [Period(c.plan.year, t) for t in (1, 2, 3)])
    return render_template("controls/control.html", c=c, plan=c.plan, slots=slots,
                           runs=runs, history=events, names=_names(events),
                           can_manage=can_manage_plan(current_user, c.plan),
                           recordable={u.id for u in recordable}, locks=locks,
                           current=clock.current_period())


@bp.route("/<int:control_id>/edit", methods=["GET", "POST"])
@login_required
def control_edit(control_id: int):
    c = _or_404(queries.readable_control(current_user, control_id))
    require(can_manage_plan(current_user, c.plan))
    form = ControlEditForm(obj=c if request.method == "GET" else None)
    _control_choices(form, c.plan)
    if request.method == "GET":
        form.version.data = c.version
        form.risks.data = [link.risk_id for link in c.risk_links]
        form.units.data = [link.unit_id for link in c.unit_links]
    if form.validate_on_submit():
        done = attempt(lambda: services.update_control(
            current_user, c, _control_input(form), form.amendment_reason.data,
            form.version.data), form)
        if done:
            flash(_("The control was saved."), "success")
            return redirect(url_for("controls.control", control_id=c.id))
    return render_template("controls/control_form.html", form=form, plan=c.plan,
                           control=c), form_status(form)


# -- runs ---------------------------------------------------------------------------------
@bp.route("/<int:control_id>/runs/new", methods=["GET", "POST"])
@login_required
def run_new(control_id: int):
    c = _or_404(queries.readable_control(current_user, control_id))
    units = [u for u in services.covered_units(c) if can_record_runs(current_user, c, u)]
    if not units:
        raise PermissionDenied()
    form = RunForm()
    form.unit.choices = [(u.id, u.name) for u in units]
    now = clock.current_period()
    form.period.choices = [(str(p), period_label(p)) for p in
                           (Period(c.plan.year, t) for t in (3, 2, 1)) if p <= now]
    if request.method == "GET":
        wanted = parse_id(request.args.get("unit", ""))
        form.unit.data = wanted if wanted in {u.id for u in units} else units[0].id
        asked = request.args.get("period", "")
        form.period.data = asked if asked in {v for v, _t in form.period.choices} else (
            str(now) if now.year == c.plan.year else None)
        form.sample_size.data = c.sample_size
        form.performed_on.data = clock.today()
        asked_occasion = parse_id(request.args.get("occasion", ""))
        form.occasion.data = asked_occasion if asked_occasion in range(1, 5) else 1
    chosen = next((u for u in units if u.id == form.unit.data), None)
    locks = lock_queries.locks_for(chosen) if chosen is not None else {}
    form.period.choices = lock_present.mark_choices(form.period.choices, locks)
    if form.validate_on_submit():
        try:
            period = Period.parse(form.period.data)
        except PeriodError:
            abort(400)
        upload = form.population_file.data
        data = upload.read() if upload and getattr(upload, "filename", "") else None

        def write():
            items = services.population_from(form.items.data, data, form.column.data,
                                             bool(form.has_header.data))
            return services.create_run(current_user, c, services.RunInput(
                unit_id=form.unit.data, period=period, occasion=form.occasion.data or 1,
                performed_on=form.performed_on.data,
                population_description=form.population_description.data, items=items,
                sample_size=form.sample_size.data, seed=form.seed.data,
                not_performed_reason=form.not_performed_reason.data, note=form.note.data))

        done = attempt(write, form)
        if done:
            run = done.value
            flash(_("The run was recorded: %(n)d of %(m)d items drawn.", n=run.sample_size,
                    m=run.population_size), "success")
            return redirect(url_for("controls.run", run_id=run.id))
    return render_template("controls/run_form.html", form=form, c=c, unit=chosen,
                           lock=lock_present.lock_of(form.period.data, locks)
                           ), form_status(form)


def _results_form(run, formdata=True) -> ResultsForm:
    if formdata:
        form = ResultsForm()
    else:
        form = ResultsForm(formdata=None, data={
            "version": run.version, "conclusion": run.conclusion or "",
            "not_performed_reason": run.not_performed_reason, "note": run.note,
            "items": [{"item_id": i.id, "result": i.result or "", "severity": i.severity or "",
                       "note": i.note} for i in run.items]})
    return form


@bp.route("/runs/<int:run_id>", methods=["GET", "POST"])
@login_required
def run(run_id: int):
    r = _or_404(queries.readable_run(current_user, run_id))
    if request.method == "POST":
        require(can_edit_run(current_user, r))
        form = _results_form(r)
        if form.validate_on_submit():
            results = [services.ItemResult(f.form.item_id.data, f.form.result.data or None,
                                           f.form.severity.data or None, f.form.note.data)
                       for f in form.items if f.form.item_id.data is not None]
            done = attempt(lambda: services.save_results(
                current_user, r, results, form.conclusion.data or None,
                form.not_performed_reason.data, form.note.data, form.version.data), form)
            if done:
                flash(_("The results were saved."), "success")
                return redirect(url_for("controls.run", run_id=r.id))
        return _run_page(r, form=form)
    return _run_page(r)


def _run_page(r, form=None, evidence_form=None):
    """The run page; a refused form (results or evidence) is shown with 400. In a period
    reported to the board the page shows the lock and no form records anything (a post
    made anyway is refused by the service: a form error)."""
    lock = lock_queries.lock_for(r.unit, r.period)
    may_edit = can_edit_run(current_user, r)
    editable = may_edit and lock is None
    refused = form is not None or evidence_form is not None
    if form is None:
        form = _results_form(r, formdata=False)
    events = queries.history("control_run", r.id)
    evidence = [e for e in r.evidence if e.deleted_at is None]
    by_item = {i.id: i for i in r.items}
    rows = [(f, by_item.get(f.form.item_id.data)) for f in form.items]
    body = render_template(
        "controls/run.html", run=r, c=r.control, form=form, rows=rows, evidence=evidence,
        history=events, names=_names(events), editable=editable, lock=lock,
        may_edit=may_edit,
        evidence_form=evidence_form or EvidenceForm(formdata=None),
        button=EmptyForm(formdata=None), can_measure=may_edit and _can_create_measures(r),
        max_mb=services.max_evidence_bytes() / 1e6)
    return body, 400 if refused else 200


def _can_create_measures(r) -> bool:
    from ..measures.permissions import can_manage_measures_in

    return can_manage_measures_in(current_user, r.unit)


@bp.route("/runs/<int:run_id>/redraw")
@login_required
def run_redraw(run_id: int):
    """Draw again from the recorded population, seed and size, and compare (reads only)."""
    r = _or_404(queries.readable_run(current_user, run_id))
    same, again = services.redraw(r)
    return render_template("controls/redraw.html", run=r, same=same, again=again)


@bp.route("/runs/<int:run_id>/evidence", methods=["POST"])
@login_required
def evidence_add(run_id: int):
    r = _or_404(queries.readable_run(current_user, run_id))
    require(can_edit_run(current_user, r))
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = form.file.data
        named = upload is not None and bool(getattr(upload, "filename", ""))
        data = upload.read() if named else b""
        done = attempt(lambda: services.add_evidence(
            current_user, r, upload.filename if named else "", data), form)
        if done:
            flash(_("The file %(f)s was attached.", f=done.value.filename), "success")
            return redirect(url_for("controls.run", run_id=r.id) + "#evidence")
    return _run_page(r, evidence_form=form)


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id: int):
    from ..controls.files import KINDS

    ev = _or_404(queries.readable_evidence(current_user, evidence_id))
    path = services.evidence_dir() / ev.stored_as
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=KINDS.get(ev.kind, "application/octet-stream"),
                     as_attachment=True, download_name=ev.filename, max_age=0)


@bp.route("/evidence/<int:evidence_id>/delete", methods=["POST"])
@login_required
def evidence_delete(evidence_id: int):
    ev = _or_404(queries.readable_evidence(current_user, evidence_id))
    require(can_edit_run(current_user, ev.run))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if attempt(lambda: services.delete_evidence(current_user, ev)):
        flash(_("The file was removed from the run (kept in the audit log)."), "success")
    return redirect(url_for("controls.run", run_id=ev.run_id) + "#evidence")


@bp.route("/items/<int:item_id>/measure", methods=["POST"])
@login_required
def item_measure(item_id: int):
    item = db.session.get(ControlRunItem, item_id)
    r = queries.readable_run(current_user, item.run_id) if item is not None else None
    if r is None:
        abort(404)
    require(can_edit_run(current_user, r))
    if not EmptyForm().validate_on_submit():
        abort(400)
    done = attempt(lambda: services.create_measure_from_deviation(current_user, item))
    if done:
        flash(_("Measure %(n)d was created on the control's risk.", n=done.value.number),
              "success")
        return redirect(url_for("measures.detail", measure_id=done.value.id))
    return redirect(url_for("controls.run", run_id=r.id))


# -- the dashboard and the board's report -----------------------------------------------------
@bp.route("/dashboard")
@login_required
def dashboard():
    web.keep_page()
    unit = web.unit_arg(current_user) or web.default_unit(current_user)
    if unit is None:
        abort(404)
    period = web.period_arg(allow_future=True)
    only = web.bool_arg("attention", False)
    data = queries.dashboard(current_user, unit, period, clock.current_period())
    units_page = queries.unit_page(data.per_unit, web.positive_int_arg("page", 1), only,
                                   queries.UNITS_PER_PAGE)
    args = {"unit": unit.id, "period": str(period)}
    if only:
        args["attention"] = "true"
    return render_template("controls/dashboard.html", unit=unit, period=period, data=data,
                           units_page=units_page, only_attention=only, args=args,
                           open_listed=queries.OPEN_LISTED,
                           units=risk_queries.readable_units(current_user),
                           periods=web.period_choices(period, future=3),
                           errors=web.param_errors()), web.params_status()


@bp.route("/plans/<int:plan_id>/report")
@login_required
def report(plan_id: int):
    p = _or_404(queries.readable_plan(current_user, plan_id))
    web.keep_page()
    period = web.period_arg(allow_future=True)
    if request.args.get("period") is None or period.year != p.year:
        now = clock.current_period()
        period = now if now.year == p.year else Period(p.year, 3 if now.year > p.year else 1)
    rows = queries.report(p, period, clock.current_period())
    reported = next((f for f in p.follow_ups if f.period == period), None)
    return render_template("controls/report.html", plan=p, period=period, rows=rows,
                           reported=reported, listed_runs=queries.LISTED_RUNS,
                           periods=[Period(p.year, t) for t in (1, 2, 3)],
                           errors=web.param_errors()), web.params_status()
