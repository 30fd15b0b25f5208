"""KPI pages: the KPI table per unit and period, the plan structure and its editing, a
KPI's page with its outcomes and risks, recording an outcome, linking risks."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, web
from ..auth.permissions import PermissionDenied, require
from ..domain.kpis import target_for_year
from ..domain.periods import Period, period_range
from ..extensions import db
from ..forms import EmptyForm
from ..locks import present as lock_present
from ..locks import queries as lock_queries
from ..models.plan import Kpi
from ..risks import queries as risk_queries
from ..uow import attempt
from ..web import form_status
from . import findings, queries, services
from .forms import (
    KpiForm,
    LinkForm,
    NodeForm,
    OutcomeForm,
    PlanForm,
    TableFilter,
    format_targets,
    parse_targets,
)
from .permissions import can_edit_plan, can_read_plan, can_record_outcome

bp = Blueprint("kpis", __name__)
PERIODS_BACK = 9  # periods offered when recording an outcome (three years)


def _kpi_or_404(kpi_id: int) -> Kpi:
    kpi = db.session.get(Kpi, kpi_id)
    if kpi is None or not can_read_plan(current_user, kpi.plan):
        abort(404)
    return kpi


def _plan_or_404(plan_id: int):
    plan = queries.readable_plan(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


def _table_unit():
    unit = web.unit_arg(current_user) or web.default_unit(current_user)
    if unit is None:
        abort(404)
    return unit


# -- the KPI table --------------------------------------------------------------------
@bp.route("/")
@login_required
def table():
    """000's Måluppfyllelse tables and 001 Bilaga 1 for a unit and a period."""
    unit = _table_unit()
    web.keep_page()  # a bad period is shown beside its field, the table is kept
    period = web.period_arg()
    include = web.bool_arg("include_subunits", True)
    form = TableFilter(request.args)
    units = risk_queries.readable_units(current_user)
    form.unit.choices = [(u.id, f"{'— ' * u.depth}{u.name}") for u in units]
    form.period.choices = web.period_choices(period)
    form.unit.data, form.period.data = unit.id, str(period)
    if "period" in web.param_errors():
        form.period.errors = [web.param_errors()["period"]]
    rows = queries.kpi_table(current_user, unit, period)
    found = findings.kpi_findings(current_user, unit, period, include)
    return render_template(
        "kpis/table.html", form=form, unit=unit, period=period, rows=rows, findings=found,
        plans=queries.plans_for_unit(unit), include_subunits=include,
        can_record=can_record_outcome(current_user, unit),
        lock=lock_queries.lock_for(unit, period)), web.params_status()


# -- the plan structure -----------------------------------------------------------------
@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def plan_new():
    units = web.units_where(can_record_outcome)
    form = PlanForm()
    form.unit_id.choices = [(u.id, f"{'— ' * u.depth}{u.name}") for u in units]
    if request.method == "GET":
        year = clock.current_period().year
        form.start_year.data, form.end_year.data = year, year + 2
    if form.validate_on_submit():
        unit = next((u for u in units if u.id == form.unit_id.data), None)
        saved = attempt(lambda: services.create_plan(
            current_user, unit, form.name.data, form.start_year.data, form.end_year.data),
            form)
        if saved:
            flash(_("The plan was created: add its perspectives, goals and KPIs."), "success")
            return redirect(url_for("kpis.plan", plan_id=saved.value.id))
    return render_template("kpis/plan_form.html", form=form), form_status(form)


@bp.route("/plans/<int:plan_id>")
@login_required
def plan(plan_id: int):
    plan = _plan_or_404(plan_id)
    tree = queries.plan_tree(plan)
    return render_template("kpis/plan.html", plan=tree, loose=queries.loose_kpis(plan),
                           can_edit=can_edit_plan(current_user, plan),
                           year=clock.current_period().year)


def _parent_choices(plan, level: str) -> list[tuple[int, str]]:
    tree = queries.plan_tree(plan)
    if level == "goal":
        return [(p.id, p.name) for p in tree.perspectives]
    if level == "factor":
        return [(g.id, f"{p.name} › {g.name}") for p in tree.perspectives for g in p.goals]
    return []


LEVEL_TITLES = {"perspective": "Perspective", "goal": "Strategic goal",
                "factor": "Success factor"}


def _level_or_404(level: str) -> str:
    if level not in services.LEVELS:
        abort(404)
    return level


@bp.route("/plans/<int:plan_id>/new/<level>", methods=["GET", "POST"])
@login_required
def node_new(plan_id: int, level: str):
    plan = _plan_or_404(plan_id)
    level = _level_or_404(level)
    require(can_edit_plan(current_user, plan))
    form = NodeForm()
    form.parent_id.choices = [("", "–")] + _parent_choices(plan, level)
    if request.method == "GET" and request.args.get("parent"):
        form.parent_id.data = web.positive_int_arg("parent", 1)
    if form.validate_on_submit():
        saved = attempt(lambda: services.add_node(current_user, plan, level, form.parent_id.data,
                                                  form.name.data, form.position.data), form)
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for("kpis.plan", plan_id=plan.id))
    return render_template("kpis/node_form.html", form=form, plan=plan, level=level,
                           node=None), form_status(form)


@bp.route("/nodes/<level>/<int:node_id>", methods=["GET", "POST"])
@login_required
def node_edit(level: str, node_id: int):
    level = _level_or_404(level)
    node = db.session.get(services.LEVELS[level], node_id)
    if node is None:
        abort(404)
    plan = services.node_plan(node)
    if not can_read_plan(current_user, plan):
        abort(404)
    require(can_edit_plan(current_user, plan))
    form = NodeForm(obj=node if request.method == "GET" else None)
    if level == "perspective":
        del form.parent_id
    else:
        form.parent_id.choices = _parent_choices(plan, level)
        if request.method == "GET":
            form.parent_id.data = services.parent_id_of(node)
    if form.validate_on_submit():
        saved = attempt(lambda: services.update_node(
            current_user, node, level, form.name.data, form.position.data, form.retired.data,
            form.parent_id.data if form.parent_id else None), form)
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for("kpis.plan", plan_id=plan.id))
    return render_template("kpis/node_form.html", form=form, plan=plan, level=level,
                           node=node), form_status(form)


def _factor_choices(plan, keep: int | None = None) -> list[tuple[int | str, str]]:
    """The plan's success factors (none retired, except the one already chosen)."""
    return [("", "–")] + risk_queries.success_factor_choices(plan.id, keep)


def _kpi_input(form: KpiForm) -> services.KpiInput | None:
    targets = parse_targets(form.target_years.data)
    if targets is None:
        form.target_years.errors = [*form.target_years.errors,
                                    _("Write one target per line as year: target.")]
        return None
    return services.KpiInput(
        name=form.name.data, kind=form.kind.data, success_factor_id=form.success_factor_id.data,
        baseline=form.baseline.data, source=form.source.data, follow_up=form.follow_up.data,
        targets=targets, direction=form.direction.data or None,
        split_by_sex=form.split_by_sex.data, position=form.position.data,
        retired=form.retired.data)


@bp.route("/plans/<int:plan_id>/kpis/new", methods=["GET", "POST"])
@login_required
def kpi_new(plan_id: int):
    plan = _plan_or_404(plan_id)
    require(can_edit_plan(current_user, plan))
    form = KpiForm()
    form.success_factor_id.choices = _factor_choices(plan)
    if request.method == "GET":
        form.follow_up.data = ["DÅ04", "DÅ08", "ÅR"]
        if request.args.get("factor"):
            form.success_factor_id.data = web.positive_int_arg("factor", 1)
    if form.validate_on_submit() and (data := _kpi_input(form)) is not None:
        saved = attempt(lambda: services.save_kpi(current_user, plan, None, data), form)
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for("kpis.detail", kpi_id=saved.value.id))
    return render_template("kpis/kpi_form.html", form=form, plan=plan, kpi=None), \
        form_status(form)


@bp.route("/<int:kpi_id>/edit", methods=["GET", "POST"])
@login_required
def kpi_edit(kpi_id: int):
    kpi = _kpi_or_404(kpi_id)
    require(can_edit_plan(current_user, kpi.plan))
    form = KpiForm(obj=kpi if request.method == "GET" else None)
    form.success_factor_id.choices = _factor_choices(kpi.plan, kpi.success_factor_id)
    if request.method == "GET":
        form.target_years.data = format_targets(kpi.targets)
        form.direction.data = kpi.direction or ""
    if form.validate_on_submit() and (data := _kpi_input(form)) is not None:
        saved = attempt(lambda: services.save_kpi(current_user, kpi.plan, kpi, data), form)
        if saved:
            flash(_("Saved."), "success")
            return redirect(url_for("kpis.detail", kpi_id=kpi.id))
    return render_template("kpis/kpi_form.html", form=form, plan=kpi.plan, kpi=kpi), \
        form_status(form)


# -- a KPI's page and its links -----------------------------------------------------------
def _detail_page(kpi: Kpi, link_form: LinkForm | None = None, status: int = 200):
    can_edit = can_edit_plan(current_user, kpi.plan)
    if can_edit:
        link_form = link_form or LinkForm()
        link_form.risk_id.choices = [("", "–")] + [
            (r.id, f"{r.number}. {r.event[:80]}")
            for r in queries.link_candidates(current_user, kpi)]
    return render_template(
        "kpis/detail.html", kpi=kpi, outcomes=queries.outcome_history(kpi, current_user),
        risks=queries.linked_risks(current_user, [kpi.id]).get(kpi.id, []),
        can_edit=can_edit, link_form=link_form if can_edit else None,
        unlink_form=EmptyForm(),
        target_now=target_for_year(kpi.targets, clock.current_period().year)), status


@bp.route("/<int:kpi_id>")
@login_required
def detail(kpi_id: int):
    return _detail_page(_kpi_or_404(kpi_id))


@bp.route("/<int:kpi_id>/links", methods=["POST"])
@login_required
def link(kpi_id: int):
    """Link a risk: one of this organisation's the user reads (else a form error, 400)."""
    kpi = _kpi_or_404(kpi_id)
    require(can_edit_plan(current_user, kpi.plan))
    form = LinkForm()
    form.risk_id.validate_choice = False  # any id: the service decides what may be linked
    if form.validate_on_submit() and attempt(
            lambda: services.link_risk(current_user, kpi, form.risk_id.data), form):
        flash(_("The KPI was linked to the risk."), "success")
        return redirect(url_for("kpis.detail", kpi_id=kpi.id))
    return _detail_page(kpi, form, 400)


@bp.route("/<int:kpi_id>/links/<int:risk_id>/delete", methods=["POST"])
@login_required
def unlink(kpi_id: int, risk_id: int):
    kpi = _kpi_or_404(kpi_id)
    require(can_edit_plan(current_user, kpi.plan))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not attempt(lambda: services.unlink_risk(current_user, kpi, risk_id)):
        abort(404)
    flash(_("The link was removed."), "success")
    return redirect(url_for("kpis.detail", kpi_id=kpi.id))


# -- recording an outcome ------------------------------------------------------------------
def _period_choices(kpi: Kpi) -> list[tuple[str, str]]:
    now = clock.current_period()
    periods = period_range(Period.from_key(now.key - PERIODS_BACK + 1), now)
    return [(str(p), f"{p} ({p.report_name})") for p in reversed(periods)
            if not kpi.follow_up or p.report_name in kpi.follow_up]


@bp.route("/<int:kpi_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(kpi_id: int):
    kpi = _kpi_or_404(kpi_id)
    unit = _table_unit()
    if kpi.plan.unit_id not in unit.ancestor_ids:
        abort(404)  # the KPI's plan does not cover this unit
    if not can_record_outcome(current_user, unit):
        raise PermissionDenied()
    period = web.period_arg() if request.method == "GET" else None
    form = OutcomeForm()
    locks = lock_queries.locks_for(unit)
    form.period.choices = lock_present.mark_choices(_period_choices(kpi), locks)
    if not kpi.split_by_sex:
        for name in ("women", "men"):  # an unsplit KPI has no K/M fields to fill in
            if not request.form.get(name):
                delattr(form, name)
    if request.method == "GET":
        form.period.data = str(period)
        existing = queries.outcome_for(kpi, unit, period)
        form.version.data = existing.version if existing is not None else 0
        if existing is not None:
            for name in ("total", "women", "men"):
                if getattr(form, name, None) is not None:
                    value = getattr(existing, name)
                    getattr(form, name).data = "" if value is None else _plain(value)
            form.status.data = existing.status if existing.status_by_hand else ""
            form.status_comment.data = existing.status_comment
    if form.validate_on_submit():
        chosen = Period.parse(form.period.data)
        data = services.OutcomeInput(
            period=chosen, total=form.total.number,
            women=_number(form, "women"), men=_number(form, "men"),
            status=form.status.data or None, status_comment=form.status_comment.data)
        saved = attempt(lambda: services.record_outcome(current_user, kpi, unit, data,
                                                        form.version.data), form)
        if saved:
            flash(_("The outcome was saved."), "success")
            return redirect(url_for("kpis.table", unit=unit.id, period=str(chosen)))
    return render_template("kpis/outcome.html", form=form, kpi=kpi, unit=unit,
                           lock=lock_present.lock_of(form.period.data, locks),
                           target=target_for_year(kpi.targets, (period or clock.current_period())
                                                  .year)), form_status(form)


def _number(form: OutcomeForm, name: str) -> float | None:
    """The figure typed in a K/M field, or None when the KPI has no such field."""
    field = getattr(form, name, None)
    return field.number if field is not None else None


def _plain(value: float) -> str:
    """A stored figure as the form shows it (Swedish decimal comma, no trailing .0)."""
    text = f"{value:g}" if abs(value) < 1e15 else str(value)
    return text.replace(".", ",")
