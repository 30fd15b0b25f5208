"""The read-only JSON API (v1), scoped exactly like the pages.

Authenticated by the session or by ``Authorization: Bearer <personal token>``.
Errors are JSON: ``{"error": {"status": 400, "message": "…"}}``.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import web
from ..errors import abort_with
from ..extensions import db, login_manager
from ..forms import EmptyForm
from ..models.risks import ApiToken
from ..risks import queries as risk_queries
from ..scales import scale_for_unit
from ..uow import attempt
from . import tokens

bp = Blueprint("api", __name__)
MAX_PER_PAGE = 200
MAX_FINDINGS = 1000  # items per kind of finding (the total counts them all)
MAX_CHANGES = 1000  # risks listed under "compare.changes" (largest changes first)


@login_manager.request_loader
def _load_from_token(req):
    """Bearer tokens count only under /api/ (pages need a session and CSRF)."""
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    user = tokens.user_for_token(header[7:].strip())
    if user is not None:
        g.api_token_auth = True
    return user


def api_login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            abort_with(401, _("Sign in, or send a personal API token as "
                              "'Authorization: Bearer …'."))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/units")
@api_login_required
def units():
    return {"units": [
        {"id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "parent_id": u.parent_id}
        for u in risk_queries.readable_units(current_user)
    ]}


def assessment_json(row: risk_queries.RegisterRow) -> dict | None:
    a = row.assessment
    if a is None:
        return None
    return {"period": str(a.period), "likelihood": a.likelihood, "consequence": a.consequence,
            "value": a.value, "band": row.band.name if row.band else None,
            "carried_forward": row.carried_forward}


@bp.route("/risks")
@api_login_required
def risks():
    period = web.period_arg(allow_future=True)
    unit = web.unit_arg(current_user)
    include = web.bool_arg("include_subunits", True)
    page = web.positive_int_arg("page", 1)
    per_page = web.positive_int_arg("per_page", 50, MAX_PER_PAGE)
    result = risk_queries.register(current_user, risk_queries.RegisterFilter(
        period=period, unit=unit, include_subunits=include, page=page, per_page=per_page))
    return {
        "period": str(period),
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "risks": [{
            "id": r.risk.id,
            "number": r.risk.number,
            "kind": r.risk.kind,
            "unit_id": r.risk.unit_id,
            "owner": {"id": r.risk.owner.id, "name": r.risk.owner.name},
            "title": r.risk.title,
            "event": r.risk.event,
            "success_factor": ({"id": r.risk.success_factor.id,
                                "name": r.risk.success_factor.name}
                               if r.risk.success_factor else None),
            "likelihood": r.assessment.likelihood if r.assessment else None,
            "consequence": r.assessment.consequence if r.assessment else None,
            "value": r.assessment.value if r.assessment else None,
            "band": r.band.name if r.band else None,
            "assessment": assessment_json(r),
        } for r in result.rows],
    }


@bp.route("/measures")
@api_login_required
def measures():
    """Measures of a unit (and beneath), each with its follow-up for the period."""
    from .. import clock
    from ..measures import queries as mq

    period = web.period_arg(allow_future=True)
    unit = web.unit_arg(current_user)
    include = web.bool_arg("include_subunits", True)
    page = web.positive_int_arg("page", 1)
    per_page = web.positive_int_arg("per_page", 50, MAX_PER_PAGE)
    result = mq.measures(current_user, mq.MeasureFilter(
        period=period, unit=unit, include_subunits=include, state="all", page=page,
        per_page=per_page), clock.today())
    rows = result.rows
    return {"period": str(period), "total": result.total, "page": page, "per_page": per_page,
            "measures": [{
        "id": r.measure.id,
        "number": r.measure.number,
        "title": r.measure.title,
        "unit": {"id": r.measure.unit.id, "code": r.measure.unit.code,
                 "name": r.measure.unit.name},
        "responsible": ({"id": r.measure.responsible.id, "name": r.measure.responsible.name}
                        if r.measure.responsible else None),
        "state": r.measure.state,
        "start_date": r.measure.start_date.isoformat() if r.measure.start_date else None,
        "due_date": r.measure.due_date.isoformat() if r.measure.due_date else None,
        "risk_ids": r.risk_ids,
        "follow_up": _follow_up_json(r.follow_up),
    } for r in rows]}


def _follow_up_json(f) -> dict:
    if f is None:
        return {"status": None, "comment": None, "result": None, "carried_forward": False}
    return {"status": ({"code": f.status.code, "symbol": f.status.symbol,
                        "label": f.status.label, "means_finished": f.status.means_finished}
                       if f.status else None),
            "comment": f.comment, "result": f.result, "carried_forward": f.carried_forward}


@bp.route("/findings")
@api_login_required
def findings():
    """The findings for a unit (and beneath) and a period."""
    from ..findings import queries as fq

    period = web.period_arg()
    unit = web.unit_arg(current_user) or web.default_unit(current_user)
    if unit is None:
        abort_with(404, _("No such unit."))
    found = fq.findings(current_user, unit, period, limit=MAX_FINDINGS)
    return {"unit": {"id": unit.id, "code": unit.code, "name": unit.name},
            "period": str(period),
            "findings": [{"kind": f.code, "title": f.title, "total": f.total,
                          "truncated": f.total > len(f.items),
                          "items": [{"type": i.object_type, "id": i.id, "number": i.number,
                                     "title": i.title, "unit": i.unit_name,
                                     **{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                        for k, v in i.detail.items()}}
                                    for i in f.items]} for f in found]}


@bp.route("/kpis")
@api_login_required
def kpis():
    """Each KPI of the plans covering the unit with its target, its outcome for the unit
    in the period, fulfilment, trend and the linked risks the user can read."""
    from ..kpis import queries as kpi_queries

    period = web.period_arg()
    unit = web.unit_arg(current_user) or web.default_unit(current_user)
    if unit is None:
        abort_with(404, _("No such unit."))
    rows = kpi_queries.kpi_table(current_user, unit, period)
    return {
        "unit": {"id": unit.id, "code": unit.code, "name": unit.name},
        "period": str(period),
        "kpis": [{
            "id": r.kpi.id,
            "name": r.kpi.name,
            "kind": r.kpi.kind,
            "plan_id": r.kpi.plan_id,
            "perspective": r.perspective.name if r.perspective else None,
            "strategic_goal": r.goal.name if r.goal else None,
            "success_factor": ({"id": r.factor.id, "name": r.factor.name}
                               if r.factor else None),
            "retired": r.kpi.retired,
            "baseline": r.kpi.baseline,
            "follow_up": r.kpi.follow_up,
            "split_by_sex": r.kpi.split_by_sex,
            "direction": r.kpi.direction,
            "target": r.target,
            "outcome": ({"period": str(r.outcome.period), "total": r.outcome.total,
                         "women": r.outcome.women, "men": r.outcome.men,
                         "recorded_at": (r.outcome.recorded_at.isoformat()
                                         if r.outcome.recorded_at else None)}
                        if r.outcome else None),
            "fulfilment": r.outcome.status if r.outcome else None,
            "fulfilment_by_hand": r.outcome.status_by_hand if r.outcome else None,
            "trend": r.trend,
            "linked_risk_ids": [risk.id for risk in r.risks],
        } for r in rows],
    }


# -- token management (pages on the profile; CSRF-protected POSTs) -------------------
@bp.route("/tokens", methods=["POST"])
@login_required
def token_create():
    if getattr(g, "api_token_auth", False):
        abort_with(403, _("A token cannot create tokens."))
    form = EmptyForm()
    if not form.validate_on_submit():
        abort_with(400, _("The form had expired. Reload the page and try again."))
    created = attempt(lambda: tokens.create_token(current_user, request.form.get("name", "")))
    if created:
        token, secret = created.value
        flash(_("Your new token %(name)s (copy it now; it is not shown again): %(secret)s",
                name=token.name, secret=secret), "token")
    return redirect(url_for("auth.profile"))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    if getattr(g, "api_token_auth", False):
        abort_with(403, _("A token cannot revoke tokens."))
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort_with(404, _("No such token."))
    if not EmptyForm().validate_on_submit():
        abort_with(400, _("The form had expired. Reload the page and try again."))
    tokens.revoke_token(current_user, token)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.profile"))




@bp.route("/heatmap")
@api_login_required
def heatmap():
    """The matrix for a unit and period: scale, cells with risk ids, band totals; with
    ``compare=previous|last_year|YYYY-Tn`` also how each risk moved."""
    from ..heatmaps import params
    from ..heatmaps import queries as hq

    p = params.parse(current_user, default_compare="none")
    scale = scale_for_unit(p.unit)
    m = hq.matrix(current_user, p.unit, p.period, scale, p.include_subunits)
    body = {
        "unit": {"id": p.unit.id, "code": p.unit.code, "name": p.unit.name},
        "period": str(p.period),
        "include_subunits": p.include_subunits,
        "scale": scale.to_dict(),
        "cells": [{
            "likelihood": c.likelihood, "consequence": c.consequence, "value": c.value,
            "band": c.band.name, "count": c.count, "risk_ids": c.risk_ids,
        } for row in m.rows() for c in row],
        "band_totals": [{"band": b.name, "count": n} for b, n in m.band_totals()],
        "total": m.total,
        "outside_scale": m.outside_scale,
    }
    if p.against is not None:
        cmp = hq.comparison(current_user, p.unit, p.period, p.against, p.include_subunits,
                            limit=MAX_CHANGES)
        body["compare"] = {
            "period": str(p.against),
            "counts": cmp.counts,
            # the largest changes first; capped, the counts cover every risk
            "changes_truncated": cmp.truncated,
            "changes": [{
                "risk_id": c.risk_id, "number": c.number, "from_value": c.old_value,
                "to_value": c.new_value, "direction": c.direction,
            } for c in cmp.changes],
        }
    return body


# -- internal control (issue 11) -------------------------------------------------------
@bp.route("/controls")
@api_login_required
def controls():
    """The controls of the internal-control plans on the unit (and beneath)."""
    from ..controls import queries as cq

    unit = web.unit_arg(current_user)
    include = web.bool_arg("include_subunits", True)
    return {"controls": [{
        "id": c.id,
        "number": c.number,
        "title": c.title,
        "plan": {"id": c.plan.id, "year": c.plan.year, "title": c.plan.title,
                 "state": c.plan.state, "unit_id": c.plan.unit_id},
        "method": c.method,
        "method_text": c.method_text,
        "frequency": c.frequency,
        "responsible": ({"id": c.responsible.id, "name": c.responsible.name}
                        if c.responsible else None),
        "measure_id": c.measure_id,
        "sample_size": c.sample_size,
        "risk_ids": sorted(link.risk_id for link in c.risk_links),
        "unit_ids": sorted(link.unit_id for link in c.unit_links),
    } for c in cq.api_controls(current_user, unit, include)]}


@bp.route("/control-runs")
@api_login_required
def control_runs():
    """Control runs on the unit (and beneath), optionally of one period."""
    from ..controls import queries as cq

    unit = web.unit_arg(current_user)
    include = web.bool_arg("include_subunits", True)
    period = web.parse_period(request.args.get("period"), allow_future=True) if \
        request.args.get("period") else None
    page = web.positive_int_arg("page", 1)
    per_page = web.positive_int_arg("per_page", 50, MAX_PER_PAGE)
    rows, total = cq.api_runs(current_user, unit, period, include, per_page,
                              (page - 1) * per_page)
    return {"period": str(period) if period else None, "total": total, "page": page,
            "per_page": per_page, "runs": [{
                "id": r.id,
                "control_id": r.control_id,
                "unit": {"id": r.unit.id, "code": r.unit.code, "name": r.unit.name},
                "period": str(r.period),
                "occasion": r.occasion,
                "performed_by": ({"id": r.performed_by.id, "name": r.performed_by.name}
                                 if r.performed_by else None),
                "performed_on": r.performed_on.isoformat() if r.performed_on else None,
                "population_description": r.population_description,
                "population_size": r.population_size,
                "sample_size": r.sample_size,
                "seed": r.seed,
                "algorithm": r.algorithm,
                "sampled_items": [{"position": i.position + 1,
                                   "population_index": i.population_index + 1,
                                   "value": i.value, "result": i.result,
                                   "severity": i.severity, "note": i.note,
                                   "measure_id": i.measure_id} for i in r.items],
                "deviations": r.deviation_count,
                "severity": r.severity,
                "conclusion": r.conclusion,
                "not_performed_reason": r.not_performed_reason,
                "demo": r.demo,
            } for r in rows]}
