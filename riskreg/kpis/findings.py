"""Finding 4: a KPI off target while every risk linked to it is assessed below the action
threshold — *the figures say the goal is at risk, the risk register says all is well*.

Computed in SQL, one statement for any unit (and beneath) and period: an outcome of the
period whose fulfilment is *not met*, for a unit the user reads, of a KPI with at least
one live linked risk, and no live linked risk that is unassessed or assessed at or above
the organisation's action threshold in that period (the latest assessment at or before
it counts, as on the heat map). Rows are plain values for the findings list, a page or
the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, not_, or_, select

from ..auth.permissions import units_clause
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.plan import Kpi, KpiOutcome, KpiRiskLink
from ..models.risks import Risk
from ..models.users import User
from ..risks.latest import alive_in, latest_code, unpack
from ..scales import scale_for_unit

FINDING = "kpi_off_target_risks_low"


@dataclass(frozen=True)
class KpiFinding:
    kind: str
    kpi_id: int
    kpi_name: str
    unit_id: int
    unit_name: str
    period: Period
    total: float | None
    women: float | None
    men: float | None
    linked_risks: int
    highest_value: int


def kpi_findings(user: User, unit: Unit, period: Period, include_subunits: bool = True,
                 threshold: int | None = None) -> list[KpiFinding]:
    """``threshold`` when the caller has read the scale already (else it is read here)."""
    if threshold is None:
        threshold = scale_for_unit(unit).action_threshold
    code = latest_code(period)
    _l, _c, value, _p = unpack(code)
    live_link = and_(KpiRiskLink.kpi_id == KpiOutcome.kpi_id, alive_in(period))

    def linked(*columns):
        return (select(*(columns or (Risk.id,))).select_from(Risk)
                .join(KpiRiskLink, KpiRiskLink.risk_id == Risk.id))

    any_link = exists(linked().where(live_link))
    alarm = exists(linked().where(live_link, or_(code.is_(None), value >= threshold)))
    count = linked(func.count(Risk.id)).where(live_link).scalar_subquery()
    highest = linked(func.max(value)).where(live_link).scalar_subquery()
    where_unit = (Unit.subtree_clause(unit.path) if include_subunits else Unit.id == unit.id)
    rows = db.session.execute(
        select(KpiOutcome.kpi_id, Kpi.name, KpiOutcome.unit_id, Unit.name, KpiOutcome.total,
               KpiOutcome.women, KpiOutcome.men, count, highest)
        .join(Kpi, Kpi.id == KpiOutcome.kpi_id)
        .join(Unit, Unit.id == KpiOutcome.unit_id)
        .where(KpiOutcome.period == period, KpiOutcome.status == "not_met",
               where_unit, units_clause(user), any_link, not_(alarm))
        .order_by(Unit.path, Kpi.position, Kpi.id)).all()
    return [KpiFinding(FINDING, kpi_id, name, unit_id, unit_name, period, total, women, men,
                       n, top)
            for kpi_id, name, unit_id, unit_name, total, women, men, n, top in rows]
