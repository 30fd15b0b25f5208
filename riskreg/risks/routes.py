"""The register pages: list, risk page, create, edit, re-assess, re-assign, archive."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock, web
from ..auth.permissions import PermissionDenied, is_owner, require
from ..domain.matrix import ScaleError
from ..domain.periods import Period, period_range
from ..kpis import queries as kpi_queries
from ..locks import present as lock_present
from ..locks import queries as lock_queries
from ..measures import queries as measure_queries
from ..scales import scale_and_deadline, scale_for_unit
from ..uow import attempt
from ..web import form_status
from . import figures, queries, services
from .forms import (
    ArchiveForm,
    AssessForm,
    FilterForm,
    OwnerForm,
    RiskEditForm,
    RiskForm,
)
from .permissions import can_create_risks, can_edit_risk, can_manage_risk, can_manage_risks_in
from .texts import RiskTexts

bp = Blueprint("risks", __name__)


def parse_period_arg(name: str = "period") -> Period:
    return web.period_arg(name, allow_future=True)


def _risk_or_404(risk_id: int):
    risk = queries.readable_risk(current_user, risk_id)
    if risk is None:
        abort(404)
    return risk


FILTER_KEYS = ("unit", "include_subunits", "kind", "band", "owner", "perspective", "period",
               "awaiting", "q", "sort", "likelihood", "consequence")


def _filter_args() -> dict[str, str]:
    """The register's own filter parameters, for the pager links (nothing else is copied)."""
    return {k: v for k, v in request.args.items() if k in FILTER_KEYS}


def _save(form, write: Callable[[], object], done: str, target: str):
    """A redirect when the write is saved, or None with the refusal shown on the form
    (a stale version becomes the 409 page in the unit of work)."""
    if not attempt(write, form):
        return None
    flash(done, "success")
    return redirect(target)


def _step_choices(labels: tuple[str, ...]) -> list[tuple[int | str, str]]:
    return [("", "–")] + [(i, f"{i} – {label}") for i, label in enumerate(labels, start=1)]


def _chosen(scale, form):
    """The value and band of the form's likelihood and consequence, when both are chosen
    and on the scale (shown beside the fields; the script keeps it current)."""
    likelihood, consequence = form.likelihood.data, form.consequence.data
    try:
        value = scale.value(likelihood, consequence)
    except ScaleError:
        return None
    return {"value": value, "band": scale.band(value)}


def _period_choices(latest: Period, count: int = 6) -> list[tuple[str, str]]:
    periods = period_range(Period.from_key(latest.key - count + 1), latest)
    return [(str(p), f"{p} ({p.report_name})") for p in reversed(periods)]


# -- list -----------------------------------------------------------------------
@dataclass
class RegisterQuery:
    """The register's filter form and what it asks for (shared by the page and the
    spreadsheet export, so that an export holds exactly what the page lists)."""

    form: FilterForm
    filters: queries.RegisterFilter | None  # None: the form was refused (400)
    scale: object
    period: Period
    days: int


def register_query() -> RegisterQuery:
    """Parse the register's parameters from the request, as the page does."""
    form = FilterForm(request.args)
    # plain rows, and around the chosen unit only when there are hundreds
    units = queries.unit_options(current_user, around=form.unit.data)
    form.unit.choices = [("", _("All my units"))] + [
        (u.id, f"{'— ' * u.depth}{u.name}") for u in units]
    form.kind.choices = [("", _("All kinds")), ("success_factor", _("Success-factor risk")),
                         ("unit", _("Unit risk"))]
    owners = queries.owners_in_scope(current_user)
    if is_owner(current_user) and current_user not in owners:
        # the start page links every risk owner to their own risks; a board member or a
        # coordinator is never offered as an owner
        owners.append(current_user._get_current_object())
    form.owner.choices = [("", _("All owners"))] + [(u.id, u.name) for u in owners]
    form.perspective.choices = [("", _("All perspectives"))] + [
        (p.id, p.name) for p in queries.perspectives_in_scope(current_user)]
    form.sort.choices = [("number", _("Number")), ("-value", _("Risk value, highest first")),
                         ("value", _("Risk value, lowest first")), ("unit", _("Unit")),
                         ("owner", _("Risk owner")), ("period", _("Latest assessment"))]
    unit = next((u for u in units if u.id == form.unit.data), None)
    scale, days = scale_and_deadline((unit or units[0]).root_id) if units else (None, 0)
    form.band.choices = [("", _("All bands"))] + [
        (b.name, f"{b.name} ({b.low}–{b.high})") for b in (scale.bands if scale else [])]
    period = parse_period_arg()
    form.period.choices = web.period_choices(period)
    form.period.data = str(period)
    valid = form.validate()
    if "period" in web.param_errors():  # shown beside the field; the register is kept
        form.period.errors = [*form.period.errors, web.param_errors()["period"]]
    if not valid:
        return RegisterQuery(form, None, scale, period, days)
    page_no = web.positive_int_arg("page", 1)
    steps = {name: step for name in ("likelihood", "consequence")
             if (step := web.step_arg(name)) is not None}
    include = request.args.get("include_subunits", "y" if "unit" not in request.args else "")
    filters = queries.RegisterFilter(
        period=period, unit=unit, include_subunits=bool(include) or not form.unit.data,
        kind=form.kind.data or None,
        band=scale.band_range(form.band.data) if scale else None,
        owner_id=form.owner.data, perspective_id=form.perspective.data, q=form.q.data or None,
        sort=form.sort.data or "number", page=page_no, awaiting=form.awaiting.data, **steps,
    )
    return RegisterQuery(form, filters, scale, period, days)


@bp.route("/")
@login_required
def index():
    web.keep_page()
    q = register_query()
    form, scale, period = q.form, q.scale, q.period
    can_create = can_create_risks(current_user)
    if q.filters is None:
        return render_template("risks/index.html", form=form, page=None, scale=scale,
                               can_create=can_create), 400
    page = queries.register(current_user, q.filters)
    due = period.due_date(q.days)
    return render_template("risks/index.html", form=form, page=page, scale=scale,
                           period=period, args=_filter_args(), can_create=can_create,
                           due=due, overdue=clock.today() > due), web.params_status()


# -- the risk page ----------------------------------------------------------------
@bp.route("/<int:risk_id>")
@login_required
def detail(risk_id: int):
    risk = _risk_or_404(risk_id)
    web.keep_page()
    period = parse_period_arg()
    scale = scale_for_unit(risk.unit)
    chart = figures.value_history(risk.assessments, scale, f"#{risk.number}")
    events = queries.history(risk)
    locks = lock_queries.locks_for(risk.unit)
    return render_template(
        "risks/detail.html", risk=risk, period=period, scale=scale, locks=locks,
        lock=locks.get(period), now=clock.current_period(),
        current=queries.assessment_for(risk, period), marks=queries.goal_marks(risk),
        history=events, names=queries.history_names(events), chart_json=json.dumps(chart),
        can_edit=can_edit_risk(current_user, risk),
        can_manage=can_manage_risk(current_user, risk),
        measures=measure_queries.measures_of_risk(risk, period),
        kpis=kpi_queries.kpis_of_risk(current_user, risk, period),
        periods=web.period_choices(period), param_errors=web.param_errors(),
    ), web.params_status()


# -- create ---------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    manageable = web.units_where(can_manage_risks_in)
    unit, pick_page = web.unit_to_create_in(manageable, _("New risk"), "risks.new")
    if pick_page is not None:
        return pick_page
    scale = scale_for_unit(unit)
    form = RiskForm()
    plans = services.plans_for_unit(unit)
    form.plan_id.choices = [(p.id, p.name) for p in plans]
    form.owner_id.choices = [("", "–")] + [
        (u.id, f"{u.name} ({u.email})") for u in queries.owner_candidates(unit)]
    form.success_factor_id.choices = [("", "–")] + [
        c for p in plans for c in queries.success_factor_choices(p.id)]
    form.period.choices = [("", _("No assessment yet"))] + _period_choices(
        clock.current_period())
    form.likelihood.choices = _step_choices(scale.likelihood_labels)
    form.consequence.choices = _step_choices(scale.consequence_labels)
    if not plans:
        form.form_errors.append(
            _("No plan covers this unit yet: a coordinator creates one on the KPI page."))
    elif form.validate_on_submit():
        period = Period.parse(form.period.data) if form.period.data else None
        created = attempt(lambda: services.create_risk(current_user, services.NewRisk(
            kind=form.kind.data, unit_id=unit.id, plan_id=form.plan_id.data,
            owner_id=form.owner_id.data, texts=RiskTexts.from_form(form),
            success_factor_id=form.success_factor_id.data, number=form.number.data,
            period=period, likelihood=form.likelihood.data,
            consequence=form.consequence.data)), form)
        if created:
            flash(_("Risk %(n)d was created.", n=created.value.number), "success")
            return redirect(url_for("risks.detail", risk_id=created.value.id))
    return render_template("risks/form.html", form=form, unit=unit, risk=None, scale=scale,
                           chosen=_chosen(scale, form)), form_status(form)


# -- edit texts -------------------------------------------------------------------
def _moves_risk(risk) -> bool:
    """Does the posted form try to change the owner, the unit or the success factor?"""
    if "owner_id" in request.form or "unit_id" in request.form:
        return True
    posted = request.form.get("success_factor_id")
    return posted not in (None, "", str(risk.success_factor_id or ""))

@bp.route("/<int:risk_id>/edit", methods=["GET", "POST"])
@login_required
def edit(risk_id: int):
    risk = _risk_or_404(risk_id)
    require(can_edit_risk(current_user, risk))
    manager = can_manage_risk(current_user, risk)
    if request.method == "POST" and not manager and _moves_risk(risk):
        raise PermissionDenied()  # an owner may not move, re-assign or re-link their risk
    form = RiskEditForm(obj=risk if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = risk.version
    form.success_factor_id.choices = [("", "–")] + queries.success_factor_choices(
        risk.plan_id, keep=risk.success_factor_id)
    if form.validate_on_submit():
        texts = RiskTexts.from_form(form)
        saved = _save(form, lambda: services.update_texts(
            current_user, risk, texts, form.version.data,
            form.success_factor_id.data if manager else None),
            _("The risk was saved."), url_for("risks.detail", risk_id=risk.id))
        if saved:
            return saved
    return render_template("risks/form.html", form=form, unit=risk.unit, risk=risk,
                           can_relink=manager), form_status(form)


# -- re-assess --------------------------------------------------------------------
@bp.route("/<int:risk_id>/assess", methods=["GET", "POST"])
@login_required
def assess(risk_id: int):
    risk = _risk_or_404(risk_id)
    require(can_edit_risk(current_user, risk))
    scale = scale_for_unit(risk.unit)
    now = clock.current_period()
    form = AssessForm()
    locks = lock_queries.locks_for(risk.unit)
    form.period.choices = lock_present.mark_choices(_period_choices(now), locks)
    form.likelihood.choices = _step_choices(scale.likelihood_labels)
    form.consequence.choices = _step_choices(scale.consequence_labels)
    if request.method == "GET":
        # Re-assessing starts from the values that count now.
        base = queries.assessment_for(risk, now)
        asked = request.args.get("period", "")  # the period the risk page showed
        form.period.data = asked if asked in dict(form.period.choices) else str(now)
        form.version.data = risk.version
        if base is not None:
            form.likelihood.data, form.consequence.data = base.likelihood, base.consequence
    if form.validate_on_submit():
        saved = _save(form, lambda: services.assess(
            current_user, risk, Period.parse(form.period.data), form.likelihood.data,
            form.consequence.data, form.comment.data, form.version.data),
            _("The assessment was saved."), url_for("risks.detail", risk_id=risk.id))
        if saved:
            return saved
    return render_template("risks/assess.html", form=form, risk=risk, scale=scale,
                           chosen=_chosen(scale, form),
                           current=queries.assessment_for(risk, now), now=now,
                           lock=lock_present.lock_of(form.period.data, locks)
                           ), form_status(form)


# -- re-assign owner ------------------------------------------------------------------
@bp.route("/<int:risk_id>/owner", methods=["GET", "POST"])
@login_required
def reassign(risk_id: int):
    risk = _risk_or_404(risk_id)
    require(can_manage_risk(current_user, risk))
    form = OwnerForm()
    form.owner_id.choices = [(u.id, f"{u.name} ({u.email})")
                             for u in queries.owner_candidates(risk.unit)]
    if request.method == "GET":
        form.owner_id.data, form.version.data = risk.owner_id, risk.version
    if form.validate_on_submit():
        saved = _save(form, lambda: services.reassign_owner(
            current_user, risk, form.owner_id.data, form.version.data),
            _("The risk owner was changed."), url_for("risks.detail", risk_id=risk.id))
        if saved:
            return saved
    return render_template("risks/simple_form.html", form=form, risk=risk,
                           title=_("Change risk owner"), fields=["owner_id"]), form_status(form)


# -- archive -------------------------------------------------------------------------
@bp.route("/<int:risk_id>/archive", methods=["GET", "POST"])
@login_required
def archive(risk_id: int):
    risk = _risk_or_404(risk_id)
    require(can_manage_risk(current_user, risk))
    form = ArchiveForm()
    if request.method == "GET":
        form.version.data = risk.version
    if form.validate_on_submit():
        saved = _save(form, lambda: services.archive(
            current_user, risk, form.reason.data, form.version.data),
            _("The risk was archived. It is kept with its history."), url_for("risks.index"))
        if saved:
            return saved
    return render_template("risks/simple_form.html", form=form, risk=risk,
                           title=_("Archive risk"), fields=["reason"]), form_status(form)
