"""Writes to internal control. Each function checks the rule for the role and the object,
validates, changes state, records the audit event and flushes; the request's unit of work
(uow.py) commits. A refusal raises before anything is written, so nothing is half-saved: a
run with its 200 drawn items is one unit of work."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, clock, uow, versioning
from ..auth.permissions import PermissionDenied, can_read_unit, require
from ..domain.periods import Period
from ..extensions import db
from ..locks import services as locks
from ..measures import services as measure_services
from ..models.controls import (
    CONCLUSIONS,
    FREQUENCIES,
    METHODS,
    SEVERITIES,
    Control,
    ControlPlan,
    ControlPlanRisk,
    ControlRisk,
    ControlRun,
    ControlRunItem,
    ControlUnit,
    Evidence,
    PlanAmendment,
    PlanFollowUp,
)
from ..models.measures import Measure
from ..models.org import Unit
from ..models.risks import Risk
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError
from ..versioning import StaleVersion
from . import files, labels, sampling
from .permissions import can_edit_run, can_manage_plan, can_manage_plans_in, can_record_runs

MAX_TEXT = 4000
MAX_TITLE = 300
MAX_SAMPLE = 1000
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}
PLAN_FIELDS = ("unit_id", "year", "title", "state", "decided_on", "paragraph", "dnr")
CONTROL_FIELDS = ("number", "title", "method", "method_text", "frequency", "responsible_id",
                  "measure_id", "sample_size")
RUN_FIELDS = ("control_id", "unit_id", "period", "occasion", "performed_by_id",
              "performed_on", "population_description", "population_size", "sample_size",
              "seed", "algorithm", "deviation_count", "severity", "conclusion",
              "not_performed_reason", "note")


# -- helpers ----------------------------------------------------------------------------
def _text(value: str | None, fld: str, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise ServiceError(_("At most %(n)d characters.", n=limit), fld)
    return value or None


def _stale(obj, submitted: dict, what: str, back):
    def saved(o):
        return {k: getattr(o, k, None) for k in submitted}

    return lambda: StaleVersion(obj, submitted, audit_type=what,
                                title=_("Someone else changed this"), saved=saved, back=back)


def _plan_stale(plan: ControlPlan, submitted: dict):
    return _stale(plan, submitted, "control_plan",
                  lambda p: url_for("controls.plan", plan_id=p.id))


def _control_stale(c: Control, submitted: dict):
    return _stale(c, submitted, "control", lambda x: url_for("controls.control", control_id=x.id))


def _run_stale(run: ControlRun, submitted: dict):
    return _stale(run, submitted, "control_run", lambda r: url_for("controls.run", run_id=r.id))


def _amend(actor: User | None, plan: ControlPlan, reason: str | None, summary: str) -> None:
    """A change to an adopted plan: refused without a reason, else recorded as such."""
    if not plan.locked:
        return
    reason = _text(reason, "amendment_reason")
    if not reason:
        raise ServiceError(_("The plan is adopted: say why it is amended."), "amendment_reason")
    db.session.add(PlanAmendment(plan_id=plan.id, reason=reason, summary=summary,
                                 made_by_id=actor.id if actor else None))
    audit.record(actor, "control_plan", plan.id, "amend", None,
                 {"reason": reason, "summary": summary}, unit_id=plan.unit_id)
    plan.updated_at = utcnow()


# -- plans ------------------------------------------------------------------------------
def create_plan(actor: User | None, unit: Unit, year: int, title: str,
                risk_ids: list[int] | None = None, demo: bool = False) -> ControlPlan:
    if actor is not None:
        require(can_manage_plans_in(actor, unit))
    if not (1990 <= (year or 0) <= 2100):
        raise ServiceError(_("A year from 1990 to 2100."), "year")
    title = _text(title, "title", MAX_TITLE)
    if not title:
        raise ServiceError(_("This field is required."), "title")
    if db.session.scalar(select(ControlPlan.id).where(ControlPlan.unit_id == unit.id,
                                                      ControlPlan.year == year)):
        raise ServiceError(_("This unit already has an internal-control plan for %(y)d.",
                             y=year), "year")
    plan = ControlPlan(unit_id=unit.id, year=year, title=title, state="draft", demo=demo)
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "control_plan", plan.id, "create", None,
                 audit.snapshot(plan, PLAN_FIELDS), unit_id=unit.id)
    if risk_ids:
        _set_plan_risks(actor, plan, risk_ids)
    return plan


def coverable_risks_in(unit: Unit) -> list[Risk]:
    """Risks of the unit and the units beneath it, not archived."""
    return list(db.session.scalars(
        select(Risk).join(Unit, Unit.id == Risk.unit_id)
        .where(Unit.subtree_clause(unit.path), Risk.archived_at.is_(None))
        .order_by(Risk.number, Risk.id)))


def coverable_risks(plan: ControlPlan) -> list[Risk]:
    return coverable_risks_in(plan.unit)


def _set_plan_risks(actor: User | None, plan: ControlPlan, risk_ids: list[int]) -> bool:
    allowed = {r.id for r in coverable_risks(plan)}
    wanted = set(risk_ids)
    if wanted - allowed:
        raise ServiceError(_("Choose risks of the plan's unit or beneath it."), "risks")
    have = {link.risk_id: link for link in plan.risks}
    for rid in sorted(wanted - have.keys()):
        plan.risks.append(ControlPlanRisk(risk_id=rid))
        audit.record(actor, "control_plan", plan.id, "link", None, {"risk_id": rid},
                     unit_id=plan.unit_id)
    for rid in sorted(have.keys() - wanted):
        plan.risks.remove(have[rid])
        audit.record(actor, "control_plan", plan.id, "unlink", {"risk_id": rid}, None,
                     unit_id=plan.unit_id)
    return wanted != set(have)


def update_plan(actor: User, plan: ControlPlan, title: str, risk_ids: list[int],
                reason: str | None, expected_version: int | None) -> ControlPlan:
    require(can_manage_plan(actor, plan))
    submitted = {"title": title}
    versioning.check_version(plan, expected_version, _plan_stale(plan, submitted))
    title = _text(title, "title", MAX_TITLE)
    if not title:
        raise ServiceError(_("This field is required."), "title")
    before = audit.snapshot(plan, ("title",))
    changed_title = title != plan.title
    if changed_title and plan.locked:
        _amend(actor, plan, reason, _("Title: %(old)s → %(new)s", old=plan.title, new=title))
    plan.title = title
    old_risks = sorted(link.risk_id for link in plan.risks)
    if sorted(set(risk_ids)) != old_risks and plan.locked:
        _amend(actor, plan, reason, _("Covered risks changed"))
    links_changed = _set_plan_risks(actor, plan, risk_ids)
    if changed_title:
        audit.record(actor, "control_plan", plan.id, "update", before, {"title": title},
                     unit_id=plan.unit_id)
    if changed_title or links_changed:
        plan.updated_at = utcnow()
        versioning.flush(_plan_stale(plan, submitted))
    return plan


def adopt_plan(actor: User | None, plan: ControlPlan, decided_on: date | None,
               paragraph: str | None, dnr: str | None,
               expected_version: int | None = None) -> ControlPlan:
    if actor is not None:
        require(can_manage_plan(actor, plan))
        versioning.check_version(plan, expected_version, _plan_stale(
            plan, {"decided_on": decided_on, "paragraph": paragraph, "dnr": dnr}))
    if plan.state != "draft":
        raise ServiceError(_("The plan is already adopted."))
    if decided_on is None:
        raise ServiceError(_("The date of the decision is required."), "decided_on")
    if decided_on.year not in (plan.year - 1, plan.year):
        raise ServiceError(_("A plan is adopted the year before or in its own year."),
                           "decided_on")
    plan.paragraph = _text(paragraph, "paragraph", 40)
    plan.dnr = _text(dnr, "dnr", 60)
    plan.decided_on, plan.state = decided_on, "adopted"
    plan.adopted_by_id = actor.id if actor else None
    audit.record(actor, "control_plan", plan.id, "adopt", {"state": "draft"},
                 {"state": "adopted", "decided_on": decided_on, "paragraph": plan.paragraph,
                  "dnr": plan.dnr}, unit_id=plan.unit_id)
    versioning.flush(_plan_stale(plan, {"decided_on": decided_on}))
    return plan


def report_follow_up(actor: User | None, plan: ControlPlan, period: Period,
                     reported_on: date | None, note: str | None,
                     expected_version: int | None = None) -> PlanFollowUp:
    """The plan's follow-up for ``period`` (DÅ04, DÅ08, ÅR) was reported to the board."""
    if actor is not None:
        require(can_manage_plan(actor, plan))
        versioning.check_version(plan, expected_version, _plan_stale(
            plan, {"period": str(period)}))
    if plan.state not in ("adopted", "followed_up"):
        raise ServiceError(_("Adopt the plan before its follow-up is reported."))
    if period.year != plan.year:
        raise ServiceError(_("Choose a period of the plan's year."), "period")
    if actor is not None and period > clock.current_period():
        raise ServiceError(_("A future period cannot be reported."), "period")
    if reported_on is None:
        raise ServiceError(_("The date it was reported is required."), "reported_on")
    if db.session.scalar(select(PlanFollowUp.id).where(PlanFollowUp.plan_id == plan.id,
                                                       PlanFollowUp.period == period)):
        raise ServiceError(_("This period is already reported."), "period")
    row = PlanFollowUp(plan_id=plan.id, period=period, reported_on=reported_on,
                       note=_text(note, "note"), reported_by_id=actor.id if actor else None)
    db.session.add(row)
    old_state = plan.state
    plan.state = "followed_up"
    plan.updated_at = utcnow()
    if old_state != plan.state:
        audit.record(actor, "control_plan", plan.id, "update", {"state": old_state},
                     {"state": plan.state}, unit_id=plan.unit_id)
    versioning.flush(_plan_stale(plan, {"period": str(period)}))
    on_follow_up_reported(plan, period, actor=actor, reported_on=reported_on, note=row.note)
    return row


def on_follow_up_reported(plan: ControlPlan, period: Period, *, actor: User | None = None,
                          reported_on: date | None = None, note: str | None = None) -> None:
    """The plan's follow-up for ``period`` has been reported to the board: recorded in the
    audit log, and the period is locked for the plan's unit and its subtree (assessments,
    measure statuses, KPI outcomes and control runs of that period; riskreg/locks/)."""
    audit.record(actor, "control_plan", plan.id, "period_reported", None,
                 {"period": str(period), "report": period.report_name,
                  "reported_on": reported_on, "note": note}, unit_id=plan.unit_id)
    locks.lock_for_follow_up(plan.unit, period, actor)


def close_plan(actor: User, plan: ControlPlan, reason: str | None,
               expected_version: int | None) -> ControlPlan:
    require(can_manage_plan(actor, plan))
    versioning.check_version(plan, expected_version, _plan_stale(plan, {"reason": reason}))
    reason = _text(reason, "reason")
    if not reason:
        raise ServiceError(_("Say why the plan is closed."), "reason")
    old = plan.state
    plan.state, plan.close_reason = "closed", reason
    if plan.decided_on is None:  # a draft closed: the rule wants a date on non-drafts
        plan.decided_on = clock.today()
    audit.record(actor, "control_plan", plan.id, "close", {"state": old},
                 {"state": "closed", "reason": reason}, unit_id=plan.unit_id)
    versioning.flush(_plan_stale(plan, {"reason": reason}))
    return plan


# -- controls ----------------------------------------------------------------------------
@dataclass
class ControlInput:
    title: str
    method: str
    frequency: str
    method_text: str | None = None
    responsible_id: int | None = None
    measure_id: int | None = None
    sample_size: int | None = None
    risk_ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)


def unit_choices(plan: ControlPlan) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.subtree_clause(plan.unit.path))
                                   .order_by(Unit.path)))


def _clean_control(plan: ControlPlan, data: ControlInput) -> ControlInput:
    title = _text(data.title, "title", MAX_TITLE)
    if not title:
        raise ServiceError(_("This field is required."), "title")
    if data.method not in METHODS:
        raise ServiceError(_("Choose a method."), "method")
    if data.frequency not in FREQUENCIES:
        raise ServiceError(_("Choose a frequency."), "frequency")
    if data.sample_size is not None and not 1 <= data.sample_size <= MAX_SAMPLE:
        raise ServiceError(_("A sample size from 1 to %(n)d.", n=MAX_SAMPLE), "sample_size")
    if data.responsible_id is not None:
        person = db.session.get(User, data.responsible_id)
        if person is None or not person.active or not can_read_unit(person, plan.unit):
            raise ServiceError(_("The responsible person must be able to read the plan's "
                                 "unit."), "responsible_id")
    allowed_risks = {r.id for r in coverable_risks(plan)}
    if set(data.risk_ids) - allowed_risks:
        raise ServiceError(_("Choose risks of the plan's unit or beneath it."), "risks")
    allowed_units = {u.id for u in unit_choices(plan)}
    if set(data.unit_ids) - allowed_units:
        raise ServiceError(_("Choose units of the plan's unit or beneath it."), "units")
    if data.measure_id is not None:
        m = db.session.get(Measure, data.measure_id)
        if m is None or m.unit.root_id != plan.unit.root_id:
            raise ServiceError(_("Unknown measure."), "measure_id")
    return ControlInput(
        title=title, method=data.method, frequency=data.frequency,
        method_text=_text(data.method_text, "method_text"),
        responsible_id=data.responsible_id, measure_id=data.measure_id,
        sample_size=data.sample_size, risk_ids=sorted(set(data.risk_ids)),
        unit_ids=sorted(set(data.unit_ids)) or [plan.unit_id])


def create_control(actor: User | None, plan: ControlPlan, data: ControlInput,
                   reason: str | None = None, number: int | None = None) -> Control:
    if actor is not None:
        require(can_manage_plan(actor, plan))
    clean = _clean_control(plan, data)
    if number is None:
        number = (db.session.scalar(select(Control.number).where(Control.plan_id == plan.id)
                                    .order_by(Control.number.desc()).limit(1)) or 0) + 1
    _amend(actor, plan, reason, _("New control: %(t)s", t=clean.title))
    c = Control(plan_id=plan.id, number=number, title=clean.title, method=clean.method,
                method_text=clean.method_text, frequency=clean.frequency,
                responsible_id=clean.responsible_id, measure_id=clean.measure_id,
                sample_size=clean.sample_size)
    c.risk_links = [ControlRisk(risk_id=r) for r in clean.risk_ids]
    c.unit_links = [ControlUnit(unit_id=u) for u in clean.unit_ids]
    db.session.add(c)
    db.session.flush()
    audit.record(actor, "control", c.id, "create", None,
                 {**audit.snapshot(c, CONTROL_FIELDS), "risk_ids": clean.risk_ids,
                  "unit_ids": clean.unit_ids}, unit_id=plan.unit_id)
    return c


def update_control(actor: User, c: Control, data: ControlInput, reason: str | None,
                   expected_version: int | None) -> Control:
    plan = c.plan
    require(can_manage_plan(actor, plan))
    submitted = {"title": data.title, "method": data.method, "frequency": data.frequency}
    versioning.check_version(c, expected_version, _control_stale(c, submitted))
    clean = _clean_control(plan, data)
    before = {**audit.snapshot(c, CONTROL_FIELDS),
              "risk_ids": sorted(link.risk_id for link in c.risk_links),
              "unit_ids": sorted(link.unit_id for link in c.unit_links)}
    for name in ("title", "method", "method_text", "frequency", "responsible_id",
                 "measure_id", "sample_size"):
        setattr(c, name, getattr(clean, name))
    if before["risk_ids"] != clean.risk_ids:
        c.risk_links = [ControlRisk(risk_id=r) for r in clean.risk_ids]
    if before["unit_ids"] != clean.unit_ids:
        c.unit_links = [ControlUnit(unit_id=u) for u in clean.unit_ids]
    after = {**audit.snapshot(c, CONTROL_FIELDS), "risk_ids": clean.risk_ids,
             "unit_ids": clean.unit_ids}
    old, new = audit.diff(before, after)
    if not new:
        return c
    _amend(actor, plan, reason, _("Control %(n)d changed: %(f)s", n=c.number,
                                  f=", ".join(sorted(new))))
    c.updated_at = utcnow()
    audit.record(actor, "control", c.id, "update", old, new, unit_id=plan.unit_id)
    versioning.flush(_control_stale(c, submitted))
    return c


def covered_units(c: Control) -> list[Unit]:
    units = [link.unit for link in c.unit_links]
    return sorted(units, key=lambda u: u.path) or [c.plan.unit]


# -- runs --------------------------------------------------------------------------------
@dataclass
class RunInput:
    unit_id: int | None
    period: Period
    occasion: int = 1
    performed_on: date | None = None
    population_description: str | None = None
    items: list[str] = field(default_factory=list)
    sample_size: int | None = None
    seed: str | None = None
    not_performed_reason: str | None = None
    note: str | None = None


def population_from(pasted: str | None, upload: bytes | None, column: str | None,
                    has_header: bool) -> list[str]:
    """The population's items: pasted lines, or a column of an uploaded CSV/xlsx."""
    if upload:
        try:
            raw = files.read_column(upload, column or "", has_header)
        except files.FileRefused as exc:
            raise ServiceError(str(exc.args[0]), "population_file") from exc
    else:
        raw = (pasted or "").splitlines()
    items = sampling.clean_items(raw)
    if len(items) > sampling.MAX_POPULATION:
        raise ServiceError(_("At most %(n)d items in a population.", n=sampling.MAX_POPULATION),
                           "items")
    if any(len(i) > sampling.MAX_ITEM for i in items):
        raise ServiceError(_("An item is at most %(n)d characters.", n=sampling.MAX_ITEM),
                           "items")
    return items


def create_run(actor: User | None, c: Control, data: RunInput, demo: bool = False
               ) -> ControlRun:
    """Record a run: its population and the drawn sample, or that it was not performed."""
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None or unit.id not in {u.id for u in covered_units(c)}:
        raise ServiceError(_("Choose a unit the control covers."), "unit")
    if actor is not None:
        require(can_record_runs(actor, c, unit))
    elif c.plan.state not in ("adopted", "followed_up"):
        raise ServiceError(_("Runs are recorded once the plan is adopted."))
    if data.period.year != c.plan.year:
        raise ServiceError(_("Choose a period of the plan's year."), "period")
    if actor is not None and data.period > clock.current_period():
        raise ServiceError(_("A future period cannot be recorded."), "period")
    locks.ensure_open(unit, data.period)
    top = 4 if c.frequency == "monthly" else 1
    if not 1 <= data.occasion <= top:
        raise ServiceError(_("Choose an occasion from 1 to %(n)d.", n=top), "occasion")
    if db.session.scalar(select(ControlRun.id).where(
            ControlRun.control_id == c.id, ControlRun.unit_id == unit.id,
            ControlRun.period == data.period, ControlRun.occasion == data.occasion)):
        raise ServiceError(_("This control already has a run for this unit and period."),
                           "period")
    if (actor is not None and data.performed_on is not None
            and data.performed_on > clock.today()):
        raise ServiceError(_("The date cannot be in the future."), "performed_on")
    reason = _text(data.not_performed_reason, "not_performed_reason")
    run = ControlRun(control_id=c.id, unit_id=unit.id, period=data.period,
                     occasion=data.occasion, performed_by_id=actor.id if actor else None,
                     performed_on=data.performed_on or clock.today(),
                     population_description=_text(data.population_description,
                                                  "population_description"),
                     note=_text(data.note, "note"), demo=demo)
    if reason:
        if data.items:
            raise ServiceError(_("A run not performed has no population: leave the items "
                                 "empty."), "items")
        run.conclusion, run.not_performed_reason = "not_performed", reason
        run.population_size = run.sample_size = 0
    else:
        items = data.items
        size = data.sample_size if data.sample_size is not None else (c.sample_size or 0)
        if items and size < 1:
            raise ServiceError(_("Give a sample size of at least 1."), "sample_size")
        if size > MAX_SAMPLE:
            raise ServiceError(_("A sample size from 1 to %(n)d.", n=MAX_SAMPLE),
                               "sample_size")
        seed = _text(data.seed, "seed", 64) or sampling.new_seed()
        drawn = sampling.draw(items, size, seed) if items else []
        run.population = items or None
        run.population_size = len(items)
        run.sample_size = len(drawn)
        if items:
            run.seed, run.algorithm = seed, sampling.ALGORITHM
        run.items = [ControlRunItem(position=d.position, population_index=d.index,
                                    value=d.value) for d in drawn]
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "control_run", run.id, "create", None,
                 {**audit.snapshot(run, RUN_FIELDS),
                  "sampled": [i.value for i in run.items]}, unit_id=unit.id)
    return run


@dataclass
class ItemResult:
    item_id: int
    result: str | None
    severity: str | None = None
    note: str | None = None


def save_results(actor: User | None, run: ControlRun, results: list[ItemResult],
                 conclusion: str | None, not_performed_reason: str | None, note: str | None,
                 expected_version: int | None = None) -> ControlRun:
    """Each drawn item's result, the counts, the severity and the conclusion, at once."""
    if actor is not None:
        require(can_edit_run(actor, run))
        versioning.check_version(run, expected_version,
                                 _run_stale(run, {"conclusion": conclusion}))
    locks.ensure_open(run.unit, run.period)
    by_id = {i.id: i for i in run.items}
    before = {**audit.snapshot(run, ("deviation_count", "severity", "conclusion",
                                     "not_performed_reason", "note")),
              "items": {str(i.position + 1): [i.result, i.severity, i.note]
                        for i in run.items}}
    for n, r in enumerate(results):
        item = by_id.get(r.item_id)
        if item is None:
            raise ServiceError(_("Unknown item of this run."))
        if r.result not in (None, "", "ok", "deviation"):
            raise ServiceError(_("Choose OK or deviation."), f"items-{n}-result")
        if r.severity not in (None, "") and r.severity not in SEVERITIES:
            raise ServiceError(_("Choose a severity of the scale."), f"items-{n}-severity")
        item.result = r.result or None
        item.severity = (r.severity or None) if item.result == "deviation" else None
        item.note = _text(r.note, f"items-{n}-note", 1000)
        if item.result == "deviation" and item.severity is None:
            raise ServiceError(_("Give the deviation a severity."), f"items-{n}-severity")
    deviations = [i for i in run.items if i.result == "deviation"]
    unchecked = [i for i in run.items if i.result is None]
    run.deviation_count = len(deviations)
    run.severity = (max((i.severity for i in deviations), key=SEVERITY_ORDER.__getitem__)
                    if deviations else None)
    conclusion = conclusion or None
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise ServiceError(_("Choose a conclusion."), "conclusion")
    reason = _text(not_performed_reason, "not_performed_reason")
    if conclusion is None and run.items and not unchecked:
        conclusion = "deviations" if deviations else "ok"
    if conclusion == "ok" and deviations:
        raise ServiceError(_("Deviations were found: the conclusion cannot be OK."),
                           "conclusion")
    if conclusion == "deviations" and not deviations:
        raise ServiceError(_("Mark the deviating items, or conclude OK."), "conclusion")
    if conclusion in ("ok", "deviations") and unchecked:
        raise ServiceError(_("Check every drawn item before concluding (%(n)d left).",
                             n=len(unchecked)), "conclusion")
    if conclusion == "not_performed":
        if not reason:
            raise ServiceError(_("Say why the control was not performed."),
                               "not_performed_reason")
        if any(i.result for i in run.items):
            raise ServiceError(_("Items were checked: the run was performed."), "conclusion")
    else:
        reason = None
    run.conclusion, run.not_performed_reason = conclusion, reason
    run.note = _text(note, "note")
    after = {**audit.snapshot(run, ("deviation_count", "severity", "conclusion",
                                    "not_performed_reason", "note")),
             "items": {str(i.position + 1): [i.result, i.severity, i.note]
                       for i in run.items}}
    old, new = audit.diff(before, after)
    if new:
        if "items" in new:  # only the items that changed
            changed = {k for k, v in after["items"].items() if before["items"].get(k) != v}
            old["items"] = {k: before["items"][k] for k in sorted(changed)}
            new["items"] = {k: after["items"][k] for k in sorted(changed)}
        run.updated_at = utcnow()
        audit.record(actor, "control_run", run.id, "results", old, new, unit_id=run.unit_id)
        versioning.flush(_run_stale(run, {"conclusion": conclusion}))
    return run


def redraw(run: ControlRun) -> tuple[bool, list[sampling.Drawn]]:
    """Draw again from the recorded population, seed and size: the same items?"""
    if not run.population or not run.seed:
        return True, []
    again = sampling.draw(list(run.population), run.sample_size, run.seed,
                          run.algorithm or sampling.ALGORITHM)
    stored = [(i.population_index, i.value) for i in run.items]
    return stored == [(d.index, d.value) for d in again], again


def create_measure_from_deviation(actor: User, item: ControlRunItem) -> Measure:
    """One click: a measure on the control's risk for a deviation, linked to the item."""
    run = item.run
    require(can_edit_run(actor, run))
    if item.result != "deviation":
        raise ServiceError(_("Only a deviation is followed up by a measure."))
    if item.measure_id is not None:
        raise ServiceError(_("This deviation already has a measure."))
    risks = sorted((link.risk for link in run.control.risk_links), key=lambda r: r.number)
    if not risks:
        raise ServiceError(_("The control is not linked to a risk: link one first."))
    risk = risks[0]
    title = _("Deviation in control %(n)d (%(period)s, %(unit)s): %(item)s",
              n=run.control.number, period=str(run.period), unit=run.unit.name,
              item=item.value)[:500]
    description = "\n".join(filter(None, [
        run.control.title, item.note,
        _("Severity: %(s)s", s=labels.severity_label(item.severity)) if item.severity
        else None]))
    m = measure_services.create_measure(actor, measure_services.NewMeasure(
        unit_id=run.unit_id, plan_id=risk.plan_id,
        texts=measure_services.MeasureTexts(title=title, description=description[:4000],
                                            start_date=clock.today())))
    measure_services.set_links(actor, m, [risk.id], m.version)
    item.measure_id = m.id
    audit.record(actor, "control_run", run.id, "measure", None,
                 {"item": item.position + 1, "value": item.value, "measure_id": m.id},
                 unit_id=run.unit_id)
    return m


# -- evidence ----------------------------------------------------------------------------
def evidence_dir() -> Path:
    configured = current_app.config.get("RISKREG_EVIDENCE_DIR") or os.environ.get(
        "RISKREG_EVIDENCE_DIR")
    path = Path(configured) if configured else Path(current_app.root_path).parent / \
        "instance" / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_evidence_bytes() -> int:
    return int(current_app.config.get("RISKREG_EVIDENCE_MAX_BYTES") or 10 * 1024 * 1024)


def safe_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name[:200] or "bilaga"


def add_evidence(actor: User, run: ControlRun, filename: str, data: bytes) -> Evidence:
    require(can_edit_run(actor, run))
    locks.ensure_open(run.unit, run.period)
    if not data:
        raise ServiceError(_("Choose a file."), "file")
    limit = max_evidence_bytes()
    if len(data) > limit:
        megabytes = round(limit / 1e6)
        raise ServiceError(_("The file is larger than %(mb)s MB.", mb=megabytes), "file")
    kind = files.sniff(data)
    if kind is None:
        raise ServiceError(_("This kind of file is not accepted: upload PDF, xlsx, docx, "
                             "PNG, JPEG or CSV."), "file")
    stored_as = f"{secrets.token_hex(16)}.{kind}"
    ev = Evidence(run_id=run.id, filename=safe_filename(filename), kind=kind, size=len(data),
                  sha256=hashlib.sha256(data).hexdigest(), stored_as=stored_as,
                  uploaded_by_id=actor.id)
    db.session.add(ev)
    db.session.flush()
    # written now, removed again if the request does not commit (uow.write_file)
    uow.write_file(evidence_dir() / stored_as, data)
    audit.record(actor, "control_run", run.id, "evidence_add", None,
                 {"evidence_id": ev.id, "filename": ev.filename, "kind": kind,
                  "size": ev.size, "sha256": ev.sha256}, unit_id=run.unit_id)
    return ev


def delete_evidence(actor: User, ev: Evidence) -> Evidence:
    """Soft delete: the file and its row stay; the run no longer lists it."""
    require(can_edit_run(actor, ev.run))
    if ev.deleted_at is not None:
        raise PermissionDenied()
    locks.ensure_open(ev.run.unit, ev.run.period)
    ev.deleted_at, ev.deleted_by_id = utcnow(), actor.id
    audit.record(actor, "control_run", ev.run_id, "evidence_delete",
                 {"evidence_id": ev.id, "filename": ev.filename}, None, unit_id=ev.run.unit_id)
    db.session.flush()
    return ev
