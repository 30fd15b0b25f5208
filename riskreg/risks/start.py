"""What the risk register adds to the start page (named in ``create_app``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ..auth.permissions import MANAGERS, has_any_role, is_board, is_owner
from ..main.start import Panel, Step
from . import queries


def steps(user, page) -> list[Step]:
    steps = []
    if is_owner(user):
        steps.append(Step(_("Re-assess your risks for %(period)s", period=str(page.period)),
                          url_for("risks.index", owner=user.id)))
    if has_any_role(user, MANAGERS):
        steps.append(Step(_("Create risks and assign owners"), url_for("risks.new")))
    if is_board(user):
        steps.append(Step(_("Read the risk register"), url_for("risks.index")))
    return steps


def awaiting_panels(user, page) -> list[Panel]:
    panels = []
    if is_owner(user):
        panels.append(Panel("risks/_awaiting.html", {
            "title": _("Your risks not yet re-assessed in %(period)s", period=str(page.period)),
            "risks": queries.awaiting_assessment(user, page.period, own_only=True),
            "testid": "awaiting-own"}))
    if has_any_role(user, MANAGERS):
        panels.append(Panel("risks/_awaiting.html", {
            "title": _("Risks in your units not yet re-assessed in %(period)s",
                       period=str(page.period)),
            "risks": queries.awaiting_assessment(user, page.period, own_only=False),
            "testid": "awaiting-units"}))
    return panels
