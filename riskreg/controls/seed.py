"""Loads the demo internal control (seed/controls_*.yaml) idempotently: a plan is found by
its unit and year, a control by its plan and number, a run by its control, unit, period and
occasion. Everything goes through the services (audited as the system), and the plans and
runs are marked as demo data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..domain.periods import Period
from ..extensions import db
from ..models.controls import Control, ControlPlan, ControlRun
from ..models.org import Unit
from ..models.plan import Plan
from ..models.risks import Risk
from ..models.users import User
from ..seed import SeedReport, load_yaml
from . import services

CONTROL_FILES = ("controls_sormland.yaml", "controls_norrbotten.yaml")


def load_controls(seed_dir: Path, report: SeedReport) -> None:
    for name in CONTROL_FILES:
        if (seed_dir / name).exists():
            _load(load_yaml(name, seed_dir), report)
    db.session.flush()


def _unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _risk_ids(unit: Unit, numbers: list[int]) -> list[int]:
    return list(db.session.scalars(
        select(Risk.id).join(Plan, Plan.id == Risk.plan_id)
        .where(Plan.unit_id == unit.id, Risk.number.in_(numbers))))


def _load(data: dict, report: SeedReport) -> None:
    p = data["plan"]
    unit = _unit(p["unit"])
    plan = db.session.scalar(select(ControlPlan).where(ControlPlan.unit_id == unit.id,
                                                       ControlPlan.year == p["year"]))
    if plan is None:
        plan = services.create_plan(None, unit, p["year"], p["title"],
                                    _risk_ids(unit, p.get("risks") or []), demo=True)
        report.add("control_plans")
    for number, c in enumerate(data.get("controls") or [], start=1):
        control = db.session.scalar(select(Control).where(Control.plan_id == plan.id,
                                                          Control.number == number))
        if control is None:
            control = _control(plan, unit, c, number)
            report.add("controls")
    decision = p.get("decision")  # adopted once every control is in
    if plan.state == "draft" and decision:
        services.adopt_plan(None, plan, _date(decision["decided_on"]), decision.get("paragraph"),
                            decision.get("dnr"))
    for number, c in enumerate(data.get("controls") or [], start=1):
        control = db.session.scalar(select(Control).where(Control.plan_id == plan.id,
                                                          Control.number == number))
        for r in c.get("runs") or []:
            _run(control, r, report)
    for f in p.get("follow_up") or []:
        period = Period.parse(str(f["period"]))
        if not any(x.period == period for x in plan.follow_ups):
            services.report_follow_up(None, plan, period, _date(f["reported_on"]), f.get("note"))
            db.session.refresh(plan)
            report.add("control_plan_follow_ups")


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _control(plan: ControlPlan, unit: Unit, c: dict, number: int) -> Control:
    if c.get("units") == "every_beneath":
        unit_ids = list(db.session.scalars(
            select(Unit.id).where(Unit.subtree_clause(unit.path), Unit.id != unit.id)
            .order_by(Unit.path)))
    else:
        unit_ids = [_unit(code).id for code in c.get("units") or []]
    numbers = c.get("risks") or [c["risk"]]
    person = db.session.scalar(select(User).where(User.email == c["responsible"]))
    return services.create_control(None, plan, services.ControlInput(
        title=c["title"], method=c["method"], method_text=c.get("method_text"),
        frequency=c["frequency"], responsible_id=person.id if person else None,
        sample_size=c.get("sample_size"), risk_ids=_risk_ids(unit, numbers),
        unit_ids=unit_ids), number=number)


def _run(control: Control, r: dict, report: SeedReport) -> None:
    unit = _unit(r["unit"])
    period = Period.parse(str(r["period"]))
    exists = db.session.scalar(select(ControlRun.id).where(
        ControlRun.control_id == control.id, ControlRun.unit_id == unit.id,
        ControlRun.period == period, ControlRun.occasion == r.get("occasion", 1)))
    if exists is not None:
        return
    pop = r.get("population")
    items = [f"{pop['prefix']}-{n:04d}" for n in range(1, pop["size"] + 1)] if pop else []
    run = services.create_run(None, control, services.RunInput(
        unit_id=unit.id, period=period, occasion=r.get("occasion", 1),
        performed_on=_date(r["performed_on"]),
        population_description=("Journalloggar: öppnade journaler under tertialen "
                                "(demodata)") if pop else None,
        items=items, sample_size=control.sample_size, seed=r.get("seed"),
        not_performed_reason=r.get("not_performed"), note=r.get("note")), demo=True)
    person = control.responsible_id
    run.performed_by_id = person
    report.add("control_runs")
    if run.conclusion == "not_performed":
        return
    deviations = {d["at"]: d for d in r.get("deviations") or []}
    results = [services.ItemResult(
        item.id, "deviation" if item.position + 1 in deviations else "ok",
        deviations[item.position + 1]["severity"] if item.position + 1 in deviations else None,
        deviations[item.position + 1].get("note") if item.position + 1 in deviations else None)
        for item in run.items]
    services.save_results(None, run, results, r.get("conclusion"), None, r.get("note"))
    for item in run.items:
        d = deviations.get(item.position + 1)
        if d and d.get("measure"):
            _measure_for(item, control)
            report.add("measures")


def _measure_for(item, control: Control) -> None:
    """The follow-up measure of one demo deviation, as the coordinator's click makes it."""
    from .. import audit
    from ..measures import services as ms

    run = item.run
    risk = sorted((link.risk for link in control.risk_links), key=lambda x: x.number)[0]
    m = ms.create_measure(None, ms.NewMeasure(
        unit_id=run.unit_id, plan_id=risk.plan_id, texts=ms.MeasureTexts(
            title=f"Åtgärd efter avvikelse i stickprov ({run.period}, {run.unit.name}): "
                  f"{item.value}",
            description=f"{control.title}\n{item.note or ''}\nDemodata (påhittad).",
            start_date=date(run.period.year, run.period.last_month, 25),
            responsible_id=None)))
    ms.set_links(None, m, [risk.id], None)
    item.measure_id = m.id
    audit.record(None, "control_run", run.id, "measure", None,
                 {"item": item.position + 1, "value": item.value, "measure_id": m.id},
                 unit_id=run.unit_id)
