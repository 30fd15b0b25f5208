"""The spreadsheet pages: exports (risks in three layouts, measures follow-up, KPI table,
the matrix), background export jobs, and the import (upload → preview → confirm)."""

from __future__ import annotations

import os
import tempfile

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock, web
from ..auth.permissions import PermissionDenied, require
from ..controls import queries as control_queries
from ..domain.periods import Period, PeriodError
from ..domain.roles import Role
from ..extensions import db
from ..models.org import Unit
from ..models.plan import Plan
from ..models.users import RoleAssignment, User
from ..risks import queries as risk_queries
from ..risks.routes import register_query
from ..risks.services import plans_for_unit
from ..uow import attempt
from . import files, importing, workbooks
from .forms import ConfirmForm, UploadForm
from .layouts import IMPORT_LAYOUTS, LAYOUTS
from .permissions import can_import, can_import_into

bp = Blueprint("reports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACKGROUND_ROWS = 5000  # exports of more rows are made in the background
LAYOUT_NAMES = {"success_factor": "Riskbedömning av framgångsfaktorer (001 Bilaga 5)",
                "unit": "Internkontroll med risker (004)",
                "measures": "Uppföljning av strategiska åtgärder (000)"}


@bp.app_template_global("can_import_xlsx")
def can_import_xlsx() -> bool:
    """May the signed-in user import spreadsheets (the pages' import links)?"""
    return current_user.is_authenticated and can_import(current_user)


def _send(write, filename: str):
    """Write the workbook to a temporary file and send it (streamed from disk)."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", dir=files.root(), delete=False)  # noqa: SIM115
    try:
        handle.close()
        write(handle.name)
        stream = open(handle.name, "rb")  # noqa: SIM115 (send_file closes it)
    finally:
        os.unlink(handle.name)  # the open stream keeps the data until it is sent
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=filename,
                     max_age=0)


def _unit_and_period():
    unit = web.unit_arg(current_user) or web.default_unit(current_user)
    if unit is None:
        abort(404)
    return unit, web.period_arg()


# -- exports ---------------------------------------------------------------------------------
@bp.route("/risks.xlsx")
@login_required
def risks():
    """The register as filtered on the page (every page of it), in the register's columns or
    in 001's or 004's layout (``layout``)."""
    layout = request.args.get("layout", "register")
    if layout not in workbooks.RISK_LAYOUT_KINDS:
        abort(400)
    q = register_query()
    if q.filters is None or web.param_errors():
        abort(400)
    filters = q.filters
    org = workbooks.organisation_name(filters.unit) if filters.unit else (
        workbooks.organisation_name(web.default_unit(current_user))
        if web.default_unit(current_user) else "")
    filename = f"{LAYOUTS[layout].sheet.lower().replace(' ', '-')}-{filters.period}.xlsx"
    limit = current_app.config.get("RISKREG_XLSX_BACKGROUND_ROWS", BACKGROUND_ROWS)
    total = risk_queries.register_count(current_user, workbooks.risk_filter(filters, layout))
    if total > limit:
        user_id = current_user.id

        def work(path, progress):
            return workbooks.write_risks(str(path), db.session.get(User, user_id), filters,
                                         layout, org, progress, tmpdir=str(files.root()))

        token = files.start_job(user_id, filename, total, work)
        return redirect(url_for("reports.job", token=token))
    return _send(lambda path: workbooks.write_risks(path, current_user, filters, layout, org),
                 filename)


@bp.route("/measures.xlsx")
@login_required
def measures():
    unit, period = _unit_and_period()
    return _send(lambda path: workbooks.write_measures(path, current_user, unit, period),
                 f"atgarder-{period}.xlsx")


@bp.route("/kpis.xlsx")
@login_required
def kpis():
    unit, period = _unit_and_period()
    return _send(lambda path: workbooks.write_kpis(path, current_user, unit, period),
                 f"styrmatt-{period}.xlsx")


@bp.route("/matrix.xlsx")
@login_required
def matrix():
    unit, period = _unit_and_period()
    include = web.bool_arg("include_subunits", True)
    return _send(lambda path: workbooks.write_matrix(path, current_user, unit, period, include),
                 f"riskmatris-{period}.xlsx")


# -- internal control: read exactly as the control pages read (another organisation: 404) --
def _control_plan(plan_id: int):
    p = control_queries.readable_plan(current_user, plan_id)
    if p is None:
        abort(404)
    return p


@bp.route("/controls/plans/<int:plan_id>.xlsx")
@login_required
def control_plan(plan_id: int):
    p = _control_plan(plan_id)
    return _send(lambda path: workbooks.write_control_plan(path, current_user, p),
                 f"internkontrollplan-{p.year}-{p.id}.xlsx")


@bp.route("/controls/plans/<int:plan_id>/report.xlsx")
@login_required
def control_report(plan_id: int):
    """The follow-up report of the plan for ``period`` (the report page's default when
    it is absent or of another year)."""
    p = _control_plan(plan_id)
    period = web.period_arg(allow_future=True)
    now = clock.current_period()
    if request.args.get("period") is None or period.year != p.year:
        period = now if now.year == p.year else Period(p.year, 3 if now.year > p.year else 1)
    return _send(lambda path: workbooks.write_control_follow_up(path, current_user, p, period,
                                                                now),
                 f"uppfoljning-internkontroll-{p.id}-{period}.xlsx")


@bp.route("/controls/runs/<int:run_id>.xlsx")
@login_required
def control_run(run_id: int):
    r = control_queries.readable_run(current_user, run_id)
    if r is None:
        abort(404)
    filename = f"stickprov-{r.id}-{r.period}.xlsx"
    total = r.sample_size + r.population_size
    if total > current_app.config.get("RISKREG_XLSX_BACKGROUND_ROWS", BACKGROUND_ROWS):
        user_id = current_user.id  # a large population: written in the background

        def work(path, progress):
            user = db.session.get(User, user_id)
            run = control_queries.readable_run(user, run_id)
            if run is None:  # no longer readable by the time the job runs
                raise PermissionDenied()
            return workbooks.write_control_run(str(path), user, run, progress,
                                               tmpdir=str(files.root()))

        token = files.start_job(user_id, filename, total, work)
        return redirect(url_for("reports.job", token=token))
    return _send(lambda path: workbooks.write_control_run(path, current_user, r), filename)


@bp.route("/jobs/<token>")
@login_required
def job(token: str):
    state = files.job_state(token, current_user.id)
    if state is None:
        abort(404)
    return render_template("reports/job.html", token=token, job=state)


@bp.route("/jobs/<token>/file")
@login_required
def job_file(token: str):
    state = files.job_state(token, current_user.id)
    if state is None or state["state"] != "done":
        abort(404)
    _meta, path = files.job_paths(token)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=XLSX, as_attachment=True,
                     download_name=state["filename"], max_age=0)


# -- import ----------------------------------------------------------------------------------
def _upload_form(units) -> UploadForm:
    form = UploadForm()
    form.layout.choices = [(name, LAYOUT_NAMES[name]) for name in IMPORT_LAYOUTS]
    form.unit.choices = [(u.id, f"{'— ' * u.depth}{u.name}") for u in units]
    plans = db.session.scalars(
        select(Plan).where(Plan.unit_id.in_({a for u in units for a in u.ancestor_ids}))
        .order_by(Plan.start_year.desc(), Plan.id)).all()
    form.plan.choices = [(p.id, p.name) for p in plans]
    form.period.choices = web.period_choices(clock.current_period())
    if request.method == "GET":
        form.period.data = str(clock.current_period())
    within = {a for u in units for a in u.ancestor_ids}  # the units and those above them
    owners = db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.OWNER, User.active.is_(True),
               RoleAssignment.unit_id.in_(within))
        .distinct().order_by(User.name)).all()
    form.owner.choices = [("", "–")] + [(o.id, f"{o.name} ({o.email})") for o in owners]
    return form


def _importable_units():
    require(can_import(current_user))
    units = [u for u in risk_queries.readable_units(current_user)
             if can_import_into(current_user, u, "risks")
             or can_import_into(current_user, u, "measures")]
    if not units:
        raise PermissionDenied()
    return units


def _target(units, unit_id, plan_id, period_raw, owner_id, layout) -> importing.Target:
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None or not can_import_into(current_user, unit, layout):
        raise PermissionDenied()
    plan = next((p for p in plans_for_unit(unit) if p.id == plan_id), None)
    if plan is None:
        raise importing.ImportRefused(_("Choose a plan of this unit or a unit above it."), "target")
    try:
        period = Period.parse(period_raw)
    except PeriodError as exc:
        raise importing.ImportRefused(_("Choose a period."), "target") from exc
    if period > clock.current_period():
        raise importing.ImportRefused(_("A period in the future cannot be assessed."), "target")
    return importing.Target(unit, plan, period, owner_id)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload():
    units = _importable_units()
    form = _upload_form(units)
    if not form.validate_on_submit():
        return render_template("reports/upload.html", form=form), web.form_status(form)
    storage = form.file.data
    data = storage.stream.read(importing.MAX_UPLOAD + 1)
    filename = (storage.filename or "upload.xlsx")[:200]
    token = None
    try:
        target = _target(units, form.unit.data, form.plan.data, form.period.data,
                         form.owner.data, form.layout.data)
        importing.check_file(data, filename)
        estimate = importing.estimate_rows(data, LAYOUTS[form.layout.data])
        token = files.stash(current_user.id, data, {
            "layout": form.layout.data, "unit": target.unit.id, "plan": target.plan.id,
            "period": str(target.period), "owner": form.owner.data, "filename": filename,
            "state": "planning", "done": 0, "total": estimate})
        if estimate > current_app.config.get("RISKREG_XLSX_BACKGROUND_ROWS",
                                              BACKGROUND_ROWS):
            _plan_in_background(token, current_user.id, form.layout.data, data)
            return redirect(url_for("reports.confirm", token=token), 303)
        plan = importing.make_plan(current_user, target, form.layout.data, data)
    except importing.ImportRefused as exc:
        if token is not None:
            files.drop_stash(token)
        form.form_errors.append(exc.message)
        return render_template("reports/upload.html", form=form, refusal=exc.code), 400
    files.save_plan(token, plan.to_json())
    files.stash_state(token, state="ready")
    return render_template("reports/preview.html", plan=plan, target=target, token=token,
                           filename=filename, layout=LAYOUTS[form.layout.data],
                           confirm=ConfirmForm())


def _plan_in_background(token: str, user_id: int, layout: str, data: bytes) -> None:
    """Make a large upload's preview in the background, its progress in the stash."""
    def run() -> None:
        user = db.session.get(User, user_id)
        meta = files.stash_state(token, state="planning")
        try:
            unit = db.session.get(Unit, meta["unit"])
            if not can_import_into(user, unit, layout):
                raise importing.ImportRefused(_("You may not import into this unit."),
                                              "target")
            target = importing.Target(unit, db.session.get(Plan, meta["plan"]),
                                      Period.parse(meta["period"]), meta["owner"])
            plan = importing.make_plan(
                user, target, layout, data,
                lambda n, total: files.stash_state(token, done=n, total=total))
        except importing.ImportRefused as exc:
            files.stash_state(token, state="refused", message=exc.message)
            return
        except Exception:  # the state says it failed; the log has the trace
            current_app.logger.exception("xlsx import preview %s failed", token)
            files.stash_state(token, state="failed")
            return
        files.save_plan(token, plan.to_json())
        files.stash_state(token, state="ready")

    files.background(f"xlsx-import-{token[:6]}", run)


@bp.route("/import/<token>", methods=["GET", "POST"])
@login_required
def confirm(token: str):
    """GET: the preview of a stashed upload (again); POST: save it, all or nothing."""
    units = _importable_units()
    form = ConfirmForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    stashed = files.unstash(token, current_user.id)
    if stashed is None:
        abort(404)
    data, meta = stashed
    if request.method == "GET":
        return _preview_or_progress(token, units, meta, data)
    try:
        target = _target(units, meta["unit"], meta["plan"], meta["period"], meta["owner"],
                         meta["layout"])
        plan = importing.make_plan(current_user, target, meta["layout"], data)
    except importing.ImportRefused as exc:
        flash(exc.message, "error")
        return redirect(url_for("reports.upload")), 303
    shown = {"plan": plan, "target": target, "token": token, "filename": meta["filename"],
             "layout": LAYOUTS[meta["layout"]], "confirm": ConfirmForm()}
    done = attempt(lambda: importing.apply(current_user, target, plan, meta["filename"]))
    if not done:
        return render_template("reports/preview.html", **shown), 400
    files.drop_stash(token)
    flash(_("Imported: %(new)d new, %(changed)d changed, %(same)d unchanged.",
            new=plan.count("new"), changed=plan.count("changed"),
            same=plan.count("unchanged")), "success")
    back = "measures.index" if meta["layout"] == "measures" else "risks.index"
    return redirect(url_for(back, unit=target.unit.id, period=str(target.period)))


def _preview_or_progress(token: str, units, meta: dict, data: bytes):
    """The stashed upload's preview as it was made, or its progress while it is made in
    the background, or why it was refused."""
    state = meta.get("state", "ready")
    if state in ("refused", "failed"):
        files.drop_stash(token)
        flash(meta.get("message") or _("The preview failed. Try again."), "error")
        return redirect(url_for("reports.upload"), 303)
    target = _target(units, meta["unit"], meta["plan"], meta["period"], meta["owner"],
                     meta["layout"])
    if state == "planning":
        return render_template("reports/import_progress.html", token=token, meta=meta)
    saved = files.load_plan(token)
    if saved is not None:
        plan = importing.ImportPlan.from_json(saved)
    else:  # kept without its preview (made before previews were kept): made again
        try:
            plan = importing.make_plan(current_user, target, meta["layout"], data)
        except importing.ImportRefused as exc:
            files.drop_stash(token)
            flash(exc.message, "error")
            return redirect(url_for("reports.upload"), 303)
        files.save_plan(token, plan.to_json())
    return render_template("reports/preview.html", plan=plan, target=target, token=token,
                           filename=meta["filename"], layout=LAYOUTS[meta["layout"]],
                           confirm=ConfirmForm())
