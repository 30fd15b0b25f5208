"""What the risk register adds to the start page (named in ``create_app``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from .. import clock
from ..auth.permissions import MANAGERS, has_any_role, is_board, is_owner
from ..main.start import Panel, Step
from ..models.scale import DEFAULT_REASSESS_DAYS
from ..scales import scale_and_deadline
from ..web import default_unit
from . import queries


def steps(user, page) -> list[Step]:
    steps = []
    if is_owner(user):
        steps.append(Step(_("Re-assess your risks for %(period)s", period=str(page.period)),
                          url_for("risks.index", owner=user.id)))
    if has_any_role(user, MANAGERS):
        steps.append(Step(_("Create risks and assign owners"), url_for("risks.new")))
    if is_board(user):
        steps.append(Step(_("See the heat map and what changed since the last tertial"),
                          url_for("heatmaps.index")))
        steps.append(Step(_("Open the board view, ready to print"), url_for("heatmaps.board")))
        steps.append(Step(_("Read the risk register"), url_for("risks.index")))
    return steps


def _deadline(user, period):
    """(due date, overdue?) of ``period``'s re-assessments in the user's organisation."""
    top = default_unit(user)
    days = scale_and_deadline(top.root_id)[1] if top is not None else DEFAULT_REASSESS_DAYS
    due = period.due_date(days)
    return due, clock.today() > due


def awaiting_panels(user, page) -> list[Panel]:
    panels = []
    if not (is_owner(user) or has_any_role(user, MANAGERS)):
        return panels
    due, overdue = _deadline(user, page.period)
    if is_owner(user):
        panels.append(Panel("risks/_awaiting.html", {
            "title": _("Your risks not yet re-assessed in %(period)s", period=str(page.period)),
            "risks": queries.awaiting_assessment(user, page.period, own_only=True),
            "testid": "awaiting-own", "due": due, "overdue": overdue}))
    if has_any_role(user, MANAGERS):
        panels.append(Panel("risks/_awaiting.html", {
            "title": _("Risks in your units not yet re-assessed in %(period)s",
                       period=str(page.period)),
            "risks": queries.awaiting_assessment(user, page.period, own_only=False),
            "testid": "awaiting-units", "due": due, "overdue": overdue,
            "register": url_for("risks.index", period=str(page.period), awaiting="y")}))
    return panels
