"""The internal-control follow-up in the board pack (riskreg/boardpack/, registered in
``create_app``): for each plan of the pack's unit and its subtree in the period's year,
per control the runs, the deviations, the conclusion and the traffic light, read by the
follow-up report's own query (queries.reports: the same rows as the report page, in a
constant number of statements whatever the number of plans)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .. import clock
from ..boardpack.sections import PackContext, PackSection
from ..models.controls import ControlPlan, PlanFollowUp
from . import queries

LISTED_DEVIATIONS = 10  # per control; the report page lists them all


@dataclass
class PlanFollowUpPart:
    plan: ControlPlan
    rows: list[queries.ReportRow]
    reported: PlanFollowUp | None  # the follow-up of the period reported to the board
    listed: int = LISTED_DEVIATIONS  # deviations (and runs not performed) named per control


def load(ctx: PackContext) -> list[PlanFollowUpPart] | None:
    plans = queries.plans_for_pack(ctx.user, ctx.unit, ctx.period.year)
    if not plans:
        return None
    rows = queries.reports(plans, ctx.period, clock.current_period())
    return [PlanFollowUpPart(p, rows[p.id],
                             next((f for f in p.follow_ups if f.period == ctx.period), None))
            for p in plans]


SECTION = PackSection("controls", lambda ctx: _l("Follow-up of internal control"), load,
                      "controls/_pack.html")
