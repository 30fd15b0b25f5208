"""Loads the demo measures (seed/measures_*.yaml) idempotently: a measure is found by its
plan and number, a follow-up by its measure and period, a link by its measure and risk.
Every organisation gets the default status scale (riskreg/measures/scale.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from .. import audit
from ..domain.periods import Period
from ..extensions import db
from ..models.measures import Measure, MeasureFollowUp, MeasureRisk, MeasureStatus
from ..models.org import Unit
from ..models.plan import Perspective, Plan, StrategicGoal, SuccessFactor
from ..models.risks import Risk
from ..models.users import User
from ..seed import SeedReport, load_yaml
from . import scale, services

MEASURE_FILES = ("measures_norrbotten.yaml",)


def load_measures(seed_dir: Path, report: SeedReport) -> None:
    for root in db.session.scalars(select(Unit).where(Unit.parent_id.is_(None))):
        if not scale.statuses_for_root(root.id):
            scale.ensure_default(root.id)
            report.add("measure_status_scales")
    for name in MEASURE_FILES:
        if not (seed_dir / name).exists():
            continue
        data = load_yaml(name, seed_dir)
        for section in ("division", "assignments"):
            if data.get(section):
                _section(data[section], report)
    db.session.flush()


def _by_code(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _factor_id(plan: Plan, name: str | None) -> int | None:
    if not name:
        return None
    return db.session.scalar(
        select(SuccessFactor.id)
        .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == plan.id, SuccessFactor.name == name))


def _section(section: dict, report: SeedReport) -> None:
    unit = _by_code(section["unit"])
    plan = db.session.scalar(select(Plan).where(Plan.unit_id == _by_code(section["plan_unit"]).id))
    person = db.session.scalar(select(User).where(User.email == section["responsible"]))
    period = Period.parse(str(section["period"]))
    statuses = {s.symbol: s for s in db.session.scalars(
        select(MeasureStatus).where(MeasureStatus.unit_id == unit.root_id))}
    for i, item in enumerate(section["measures"]):
        number = item.get("number") or section.get("first_number", 1) + i
        m = db.session.scalar(select(Measure).where(Measure.plan_id == plan.id,
                                                    Measure.number == number))
        if m is None:
            factor = _factor_id(plan, item.get("goal"))
            goal_text = item.get("group") or (None if factor else item.get("goal"))
            m = services.create_measure(None, services.NewMeasure(
                unit_id=unit.id, plan_id=plan.id, number=number,
                texts=services.MeasureTexts(title=item["title"], goal_text=goal_text,
                                            success_factor_id=factor,
                                            responsible_id=person.id)))
            report.add("measures")
        _follow_up(m, period, item, statuses, report)
        _links(m, plan, item.get("risks") or [], report)


def _follow_up(m: Measure, period: Period, item: dict, statuses: dict,
               report: SeedReport) -> None:
    comment = item.get("comment") or item.get("ongoing")
    if not (item.get("status") or comment or item.get("result")):
        return  # the source has nothing for this measure in the period
    exists = db.session.scalar(select(MeasureFollowUp.id).where(
        MeasureFollowUp.measure_id == m.id, MeasureFollowUp.period == period))
    if exists is not None:
        return
    status = statuses[item["status"]] if item.get("status") else None
    f = MeasureFollowUp(measure_id=m.id, period=period, status_id=status.id if status else None,
                        comment=comment, result=item.get("result"),
                        carried_forward=bool(item.get("carried_forward")),
                        reported_by_id=m.responsible_id)
    db.session.add(f)
    db.session.flush()
    audit.record(None, "measure", m.id, "follow_up", None,
                 {"period": str(period), "status": f"{status.symbol} {status.label}"
                  if status else None, "comment": comment, "result": item.get("result"),
                  "carried_forward": f.carried_forward}, unit_id=m.unit_id)
    report.add("measure_follow_ups")


def _links(m: Measure, plan: Plan, numbers: list[int], report: SeedReport) -> None:
    for n in numbers:
        risk_id = db.session.scalar(select(Risk.id).where(Risk.plan_id == plan.id,
                                                          Risk.number == n))
        if risk_id is None:
            continue
        exists = db.session.get(MeasureRisk, (m.id, risk_id))
        if exists is None:
            db.session.add(MeasureRisk(measure_id=m.id, risk_id=risk_id))
            audit.record(None, "measure", m.id, "link", None, {"risk_id": risk_id},
                         unit_id=m.unit_id)
            report.add("measure_risk_links")
