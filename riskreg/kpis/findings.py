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
from functools import lru_cache

from sqlalchemy import and_, bindparam, exists, false, func, not_, or_, select
from sqlalchemy.orm import aliased

from ..auth.permissions import role_paths
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.plan import Kpi, KpiOutcome, KpiRiskLink
from ..models.risks import OPEN_PERIOD, Risk, RiskState
from ..models.users import User
from ..risks.latest import code, reach_params, unpack
from ..scales import scale_for_unit

FINDING = "kpi_off_target_risks_low"
_RS = aliased(RiskState, name="rs")


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
    shape, values = reach_params(role_paths(user), unit, include_subunits)
    values |= {"period": period, "period_key": period.key, "open_key": OPEN_PERIOD,
               "threshold": threshold}
    rows = db.session.execute(_statement(*shape), values).all()
    return [KpiFinding(FINDING, kpi_id, name, unit_id, unit_name, period, total, women, men,
                       n, top)
            for kpi_id, name, unit_id, unit_name, total, women, men, n, top in rows]


@lru_cache(maxsize=32)
def _statement(paths: int, include_subunits: bool):
    """Built once per shape (the number of paths in the user's reach, the unit alone or
    with what lies beneath), the values bound (riskreg/risks/latest.py ``reach_params``
    and the period): building it anew cost more than running it (issue 14)."""
    period = bindparam("period")
    # latest_code over bound values: the packed state of the linked risk in the period
    latest = (select(code(_RS))
              .where(_RS.risk_id == Risk.id,
                     _RS.period.in_([bindparam("period_key"), bindparam("open_key")]),
                     _RS.since <= period, or_(_RS.until.is_(None), _RS.until > period))
              .limit(1).correlate(Risk).scalar_subquery())
    _l, _c, value, _p = unpack(latest)
    live_link = and_(KpiRiskLink.kpi_id == KpiOutcome.kpi_id,
                     or_(Risk.archived_in.is_(None), Risk.archived_in > period))

    def linked(*columns):
        return (select(*(columns or (Risk.id,))).select_from(Risk)
                .join(KpiRiskLink, KpiRiskLink.risk_id == Risk.id))

    any_link = exists(linked().where(live_link))
    alarm = exists(linked().where(live_link,
                                  or_(latest.is_(None), value >= bindparam("threshold"))))
    count = linked(func.count(Risk.id)).where(live_link).scalar_subquery()
    highest = linked(func.max(value)).where(live_link).scalar_subquery()
    reach = (or_(*(and_(Unit.path >= bindparam(f"reach_lo{i}"),
                        Unit.path < bindparam(f"reach_hi{i}")) for i in range(paths)))
             if paths else false())
    here = (and_(Unit.path >= bindparam("here_lo"), Unit.path < bindparam("here_hi"))
            if include_subunits else Unit.path == bindparam("here"))
    return (select(KpiOutcome.kpi_id, Kpi.name, KpiOutcome.unit_id, Unit.name,
                   KpiOutcome.total, KpiOutcome.women, KpiOutcome.men, count, highest)
            .join(Kpi, Kpi.id == KpiOutcome.kpi_id)
            .join(Unit, Unit.id == KpiOutcome.unit_id)
            .where(KpiOutcome.period == period, KpiOutcome.status == "not_met",
                   here, reach, any_link, not_(alarm))
            .order_by(Unit.path, Kpi.position, Kpi.id))
