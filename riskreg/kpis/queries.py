"""Reads for the KPI pages and the API: a fixed number of statements whatever the number
of KPIs (the structure in one, the outcomes in one, the links in one)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from ..auth.permissions import units_clause
from ..domain.kpis import Trend, comparable_value, compute_trend, target_for_year
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.plan import (
    Kpi,
    KpiOutcome,
    KpiRiskLink,
    Perspective,
    Plan,
    StrategicGoal,
    SuccessFactor,
)
from ..models.risks import Risk
from ..models.users import User
from .permissions import can_read_plan


@dataclass
class LinkedRisk:
    id: int
    number: int
    event: str


@dataclass
class KpiRow:
    """One line of the KPI table (000's Måluppfyllelse, 001 Bilaga 1)."""

    kpi: Kpi
    perspective: Perspective | None
    goal: StrategicGoal | None
    factor: SuccessFactor | None
    target: str | None
    outcome: KpiOutcome | None
    previous: KpiOutcome | None
    risks: list[LinkedRisk] = field(default_factory=list)

    @property
    def trend(self) -> str | None:
        """Computed from the previous outcome; else the arrow a source printed."""
        if self.outcome is None:
            return None
        computed = compute_trend(
            comparable_value(self.outcome.total, self.outcome.women, self.outcome.men),
            comparable_value(self.previous.total, self.previous.women, self.previous.men)
            if self.previous is not None else None)
        if computed is not None:
            return computed.value
        return Trend(self.outcome.trend).value if self.outcome.trend else None


def plans_for_unit(unit: Unit) -> list[Plan]:
    """Plans owned by the unit or one of its ancestors (the plans that cover it)."""
    return list(db.session.scalars(
        select(Plan).where(Plan.unit_id.in_(unit.ancestor_ids))
        .order_by(Plan.start_year.desc(), Plan.id)))


def readable_plan(user: User, plan_id: int) -> Plan | None:
    plan = db.session.get(Plan, plan_id)
    return plan if plan is not None and can_read_plan(user, plan) else None


def plan_tree(plan: Plan) -> Plan:
    """The plan with perspectives, goals, success factors and KPIs loaded (4 statements)."""
    return db.session.scalar(
        select(Plan).where(Plan.id == plan.id).options(
            selectinload(Plan.perspectives).selectinload(Perspective.goals)
            .selectinload(StrategicGoal.success_factors).selectinload(SuccessFactor.kpis)))


def loose_kpis(plan: Plan) -> list[Kpi]:
    """KPIs of the plan not tied to a success factor."""
    return list(db.session.scalars(select(Kpi).where(
        Kpi.plan_id == plan.id, Kpi.success_factor_id.is_(None))
        .order_by(Kpi.position, Kpi.id)))


def _structure(plan_ids: list[int]):
    """(KPI, success factor, goal, perspective) in the plans' order, one statement."""
    return db.session.execute(
        select(Kpi, SuccessFactor, StrategicGoal, Perspective)
        .outerjoin(SuccessFactor, SuccessFactor.id == Kpi.success_factor_id)
        .outerjoin(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .outerjoin(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Kpi.plan_id.in_(plan_ids))
        .order_by(Kpi.plan_id, Perspective.position.nulls_last(), StrategicGoal.position,
                  SuccessFactor.position, Kpi.position, Kpi.id)).all()


def linked_risks(user: User, kpi_ids: list[int]) -> dict[int, list[LinkedRisk]]:
    """The live risks linked to each KPI that the user can read (one statement)."""
    if not kpi_ids:
        return {}
    rows = db.session.execute(
        select(KpiRiskLink.kpi_id, Risk.id, Risk.number, Risk.event)
        .join(Risk, Risk.id == KpiRiskLink.risk_id)
        .join(Unit, Unit.id == Risk.unit_id)
        .where(KpiRiskLink.kpi_id.in_(kpi_ids), Risk.archived_at.is_(None), units_clause(user))
        .order_by(KpiRiskLink.kpi_id, Risk.number)).all()
    result: dict[int, list[LinkedRisk]] = defaultdict(list)
    for kpi_id, risk_id, number, event in rows:
        result[kpi_id].append(LinkedRisk(risk_id, number, event))
    return result


def kpi_table(user: User, unit: Unit, period: Period) -> list[KpiRow]:
    """Every KPI of the plans covering ``unit`` with its outcome for ``unit`` in
    ``period`` and the one before (retired KPIs only where they have that outcome)."""
    plans = plans_for_unit(unit)
    structure = _structure([p.id for p in plans]) if plans else []
    kpi_ids = [k.id for k, *_ in structure]
    latest: dict[int, list[KpiOutcome]] = defaultdict(list)
    if kpi_ids:
        for o in db.session.scalars(
                select(KpiOutcome).where(KpiOutcome.kpi_id.in_(kpi_ids),
                                         KpiOutcome.unit_id == unit.id,
                                         KpiOutcome.period <= period)
                .options(selectinload(KpiOutcome.recorded_by))
                .order_by(KpiOutcome.kpi_id, KpiOutcome.period)):
            latest[o.kpi_id].append(o)
    links = linked_risks(user, kpi_ids)
    rows = []
    for kpi, factor, goal, perspective in structure:
        history = latest.get(kpi.id, [])
        outcome = history[-1] if history and history[-1].period == period else None
        before = [o for o in history if o.period < period]
        hidden = (kpi.retired or (factor is not None and (factor.retired or goal.retired
                                                          or perspective.retired)))
        if hidden and outcome is None:
            continue
        rows.append(KpiRow(kpi=kpi, perspective=perspective, goal=goal, factor=factor,
                           target=target_for_year(kpi.targets, period.year),
                           outcome=outcome, previous=before[-1] if before else None,
                           risks=links.get(kpi.id, [])))
    return rows


def outcome_history(kpi: Kpi, user: User) -> list[KpiOutcome]:
    """A KPI's outcomes for the units the user can read, newest first."""
    return list(db.session.scalars(
        select(KpiOutcome).join(Unit, Unit.id == KpiOutcome.unit_id)
        .where(KpiOutcome.kpi_id == kpi.id, units_clause(user))
        .options(selectinload(KpiOutcome.unit), selectinload(KpiOutcome.recorded_by))
        .order_by(KpiOutcome.period.desc(), Unit.path)))


def link_candidates(user: User, kpi: Kpi) -> list[Risk]:
    """Live risks of the KPI's organisation that the user can read and are not linked."""
    linked = select(KpiRiskLink.risk_id).where(KpiRiskLink.kpi_id == kpi.id)
    root = kpi.plan.unit.path.split("/")[1]
    return list(db.session.scalars(
        select(Risk).join(Unit, Unit.id == Risk.unit_id)
        .where(Risk.archived_at.is_(None), units_clause(user),
               Unit.subtree_clause(f"/{root}/"), Risk.id.not_in(linked))
        .order_by(Risk.plan_id, Risk.number)))


def outcome_for(kpi: Kpi, unit: Unit, period: Period) -> KpiOutcome | None:
    return db.session.scalar(select(KpiOutcome).where(
        KpiOutcome.kpi_id == kpi.id, KpiOutcome.unit_id == unit.id, KpiOutcome.period == period))


@dataclass
class RiskKpi:
    """A KPI that shows whether the goal a risk threatens is at risk, with its outcomes in
    the period in the risk's unit and the units beneath it that the reader can see."""

    kpi: Kpi
    target: str | None
    outcomes: list[KpiOutcome] = field(default_factory=list)


def kpis_of_risk(user: User, risk: Risk, period: Period) -> list[RiskKpi]:
    """The KPIs linked to ``risk`` with their outcomes (one statement)."""
    rows = db.session.execute(
        select(Kpi, KpiOutcome)
        .join(KpiRiskLink, KpiRiskLink.kpi_id == Kpi.id)
        .outerjoin(KpiOutcome, (KpiOutcome.kpi_id == Kpi.id) & (KpiOutcome.period == period)
                   & KpiOutcome.unit_id.in_(
                       select(Unit.id).where(Unit.subtree_clause(risk.unit.path),
                                             units_clause(user))))
        .outerjoin(Unit, Unit.id == KpiOutcome.unit_id)
        .where(KpiRiskLink.risk_id == risk.id)
        .options(contains_eager(KpiOutcome.unit))
        .order_by(Kpi.position, Kpi.id, Unit.path)).all()
    result: dict[int, RiskKpi] = {}
    for kpi, outcome in rows:
        row = result.setdefault(kpi.id, RiskKpi(kpi, target_for_year(kpi.targets, period.year)))
        if outcome is not None:
            row.outcomes.append(outcome)
    return list(result.values())
