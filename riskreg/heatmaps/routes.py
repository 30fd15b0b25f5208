"""The heat-map page and the board's dashboard (read-only)."""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import web
from ..auth.permissions import has_any_role, role_paths
from ..boardpack.permissions import can_read_board_pack
from ..domain.matrix import format_band_summary
from ..domain.roles import Role
from ..extensions import db
from ..findings import queries as findings
from ..locks import queries as lock_queries
from ..models.org import Unit
from ..risks.queries import unit_options
from ..scales import scale_for_unit
from . import figures, params, queries

bp = Blueprint("heatmaps", __name__)
LISTED = 50  # rows in the findings and change lists under the matrix (the register has all)


def figure_labels() -> dict[str, str]:
    return {"likelihood": _("Likelihood"), "consequence": _("Consequence")}


def risk_word(n: int) -> str:
    return ngettext("%(num)d risk", "%(num)d risks", n)


def _memo(fn):
    """``fn`` asked once per distinct argument (one figure asks for every cell)."""
    seen: dict = {}

    def once(n):
        if n not in seen:
            seen[n] = fn(n)
        return seen[n]
    return once


def build_matrix(unit: Unit, period, include: bool, transitions=None, figure: bool = True):
    """The matrix and its figure (JSON, or None), the moves of ``transitions`` (the rows
    of queries.transitions, when comparing) drawn into both."""
    scale = scale_for_unit(unit)
    m = queries.matrix(current_user, unit, period, scale, include, listed=queries.MAX_LISTED)
    moved = queries.moves(transitions or [])
    queries.attach_flows(m, moved)
    if not figure:
        return m, None
    fig = figures.matrix_figure(m, figure_labels(), moved, _memo(risk_word))
    return m, json.dumps(fig)


@bp.route("/heatmaps/")
@login_required
def index():
    web.keep_page()
    p = params.parse(current_user)
    # the comparison first: its transitions (read with the changes, in one statement)
    # draw the moves into the matrix
    cmp = (queries.comparison(current_user, p.unit, p.period, p.against, p.include_subunits,
                              limit=LISTED) if p.against else None)
    m, fig = build_matrix(p.unit, p.period, p.include_subunits, cmp and cmp.transitions)
    found = findings.findings(current_user, p.unit, p.period, limit=LISTED)
    units = unit_options(current_user, around=p.unit.id)
    return render_template(
        "heatmaps/index.html", m=m, fig=fig, p=p, findings=found,
        cmp=cmp, units=units, summary=format_band_summary(m.band_totals(), _("Total")),
        periods=web.period_choices(p.period, p.against), param_errors=web.param_errors(),
        lock=lock_queries.lock_for(p.unit, p.period),
    ), web.params_status()


@bp.route("/board/")
@login_required
def board():
    """The board's dashboard: per organisation unit the user reviews, its whole matrix,
    one matrix per unit beneath it, the highest risks and the findings. ``unit=`` narrows
    it to one unit the user may read (404 otherwise)."""
    web.keep_page()
    p = params.parse(current_user, with_unit="unit" in request.args)
    roots = [p.unit] if "unit" in request.args else _board_units()
    sections = []
    for unit in roots:
        rows = (queries.transitions(current_user, unit, p.period, p.against)
                if p.against else None)
        m, fig = build_matrix(unit, p.period, True, rows)
        top = queries.at_or_above(current_user, unit, p.period, 1, True, limit=10)
        found = findings.findings(current_user, unit, p.period, limit=LISTED)
        children = []
        for child in queries.divisions(current_user, unit):
            cm, cfig = build_matrix(child, p.period, True, figure=False)
            children.append((cm, cfig, format_band_summary(cm.band_totals(), _("Total"))))
        sections.append({
            "matrix": m, "fig": fig, "top": top, "findings": found, "children": children,
            "summary": format_band_summary(m.band_totals(), _("Total")),
        })
    return render_template("heatmaps/board.html", sections=sections, p=p,
                           can_read_board_pack=can_read_board_pack,
                           periods=web.period_choices(p.period),
                           narrowed=p.unit if "unit" in request.args else None,
                           param_errors=web.param_errors()), web.params_status()


def _board_units() -> list[Unit]:
    roles = {Role.BOARD} if has_any_role(current_user, {Role.BOARD}) else set(Role)
    paths = role_paths(current_user, roles)
    return list(db.session.scalars(select(Unit).where(Unit.path.in_(paths)).order_by(Unit.path)))
