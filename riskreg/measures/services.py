"""Writes to measures. Each function checks the permission rule for the role and the object,
validates, changes state, records the audit event and flushes; the request's unit of work
(uow.py) commits. A refusal raises before anything is written, so nothing is half-saved."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, clock, numbering, versioning
from ..auth.permissions import PermissionDenied, can_administer_scale, can_read_unit, require
from ..domain.periods import Period
from ..extensions import db
from ..locks.services import ensure_all_open, ensure_open
from ..models.measures import Measure, MeasureFollowUp, MeasureRisk, MeasureStatus
from ..models.org import Unit
from ..models.plan import Perspective, Plan, StrategicGoal, SuccessFactor
from ..models.risks import Risk
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError
from ..versioning import StaleVersion
from . import scale as status_scale
from .permissions import (
    can_be_responsible,
    can_manage_measure,
    can_manage_measures_in,
    can_report_measure,
)

MAX_TEXT = 4000
MAX_TITLE = 500
NOTHING_NEW = "Inget nytt att redovisa"  # 003's line for a measure without news
MEASURE_FIELDS = ("plan_id", "number", "unit_id", "responsible_id", "title", "description",
                  "background", "start_date", "due_date", "success_factor_id", "goal_text")
FOLLOW_UP_FIELDS = ("period", "status", "comment", "result", "carried_forward")


@dataclass
class MeasureTexts:
    title: str
    description: str | None = None
    background: str | None = None
    goal_text: str | None = None
    start_date: date | None = None
    due_date: date | None = None
    success_factor_id: int | None = None
    responsible_id: int | None = None


@dataclass
class NewMeasure:
    unit_id: int
    plan_id: int
    texts: MeasureTexts
    number: int | None = None


# -- validation ----------------------------------------------------------------------
def _text(value: str | None, field: str, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise ServiceError(_("At most %(n)d characters.", n=limit), field)
    return value or None


def _clean(texts: MeasureTexts, unit: Unit, plan: Plan) -> MeasureTexts:
    title = _text(texts.title, "title", MAX_TITLE)
    if not title:
        raise ServiceError(_("This field is required."), "title")
    if texts.start_date and texts.due_date and texts.due_date < texts.start_date:
        raise ServiceError(_("The due date cannot be before the start date."), "due_date")
    if texts.responsible_id is not None:
        person = db.session.get(User, texts.responsible_id)
        if person is None or not can_be_responsible(person, unit):
            raise ServiceError(_("The responsible person must be a risk owner of this unit."),
                               "responsible_id")
    if texts.success_factor_id is not None:
        found = db.session.scalar(
            select(SuccessFactor.id)
            .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
            .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
            .where(SuccessFactor.id == texts.success_factor_id, Perspective.plan_id == plan.id))
        if found is None:
            raise ServiceError(_("Unknown success factor for this plan."), "success_factor_id")
    return MeasureTexts(
        title=title, description=_text(texts.description, "description"),
        background=_text(texts.background, "background"),
        goal_text=_text(texts.goal_text, "goal_text", 300),
        start_date=texts.start_date, due_date=texts.due_date,
        success_factor_id=texts.success_factor_id, responsible_id=texts.responsible_id)


def _check_plan(plan_id: int, unit: Unit) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.unit_id not in unit.ancestor_ids:
        raise ServiceError(_("Choose a plan of this unit or a unit above it."), "plan_id")
    return plan


def check_period(period: Period) -> Period:
    if period > clock.current_period():
        raise ServiceError(_("A future period cannot be followed up."), "period")
    return period


def _saved(m: Measure) -> dict:
    return {name: getattr(m, name) for name in ("title", "description", "background",
                                                "start_date", "due_date", "goal_text",
                                                "state", "close_reason")}


def _stale(m: Measure, submitted: dict):
    return lambda: StaleVersion(
        m, submitted, audit_type="measure", title=_("Someone else changed this measure"),
        saved=_saved, back=lambda x: url_for("measures.detail", measure_id=x.id))


def _check_version(m: Measure, expected: int | None, submitted: dict) -> None:
    versioning.check_version(m, expected, _stale(m, submitted))


def _touch(m: Measure) -> None:
    """The measure changed (a link, a follow-up): its version moves on."""
    m.updated_at = utcnow()


# -- measures --------------------------------------------------------------------------
def create_measure(actor: User | None, new: NewMeasure) -> Measure:
    """``actor`` None is the command line / seed (no web scope)."""
    unit = db.session.get(Unit, new.unit_id)
    if unit is None:
        raise ServiceError(_("Unknown unit."), "unit_id")
    if actor is not None:
        require(can_manage_measures_in(actor, unit))
    plan = _check_plan(new.plan_id, unit)
    texts = _clean(new.texts, unit, plan)
    if new.number is not None and new.number < 1:
        raise ServiceError(_("The number must be 1 or more."), "number")
    status_scale.ensure_default(unit.root_id)
    number = numbering.claim(Measure, plan.id, new.number, series="measure")
    m = Measure(plan_id=plan.id, number=number, unit_id=unit.id, state="active", **vars(texts))
    db.session.add(m)
    db.session.flush()
    audit.record(actor, "measure", m.id, "create", None, audit.snapshot(m, MEASURE_FIELDS),
                 unit_id=unit.id)
    return m


def update_measure(actor: User, m: Measure, texts: MeasureTexts, expected_version: int | None
                   ) -> Measure:
    require(can_manage_measure(actor, m))
    submitted = {k: v for k, v in vars(texts).items()}
    _check_version(m, expected_version, submitted)
    cleaned = _clean(texts, m.unit, m.plan)
    before = audit.snapshot(m, MEASURE_FIELDS)
    for name, value in vars(cleaned).items():
        setattr(m, name, value)
    old, new = audit.diff(before, audit.snapshot(m, MEASURE_FIELDS))
    if not new:
        return m
    audit.record(actor, "measure", m.id, "update", old, new, unit_id=m.unit_id)
    versioning.flush(_stale(m, submitted))
    return m


def linkable_risk(actor: User | None, m: Measure, risk_id: int) -> Risk:
    """A risk the measure may address: of the same organisation, not archived, and (for a
    person) one they can read."""
    risk = db.session.get(Risk, risk_id)
    if (risk is None or risk.unit.root_id != m.unit.root_id or risk.archived
            or (actor is not None and not can_read_unit(actor, risk.unit))):
        raise ServiceError(_("Choose risks of this organisation that you can read."), "risks")
    return risk


def set_links(actor: User | None, m: Measure, risk_ids: Iterable[int],
              expected_version: int | None) -> Measure:
    """Link the measure to exactly ``risk_ids``: one audit event per link and unlink."""
    if actor is not None:
        require(can_manage_measure(actor, m))
        _check_version(m, expected_version, {"risks": sorted(set(risk_ids))})
    wanted = {linkable_risk(actor, m, rid).id for rid in set(risk_ids)}
    have = {link.risk_id: link for link in db.session.scalars(
        select(MeasureRisk).where(MeasureRisk.measure_id == m.id))}
    for rid in sorted(wanted - have.keys()):
        db.session.add(MeasureRisk(measure_id=m.id, risk_id=rid,
                                   linked_by_id=actor.id if actor else None))
        audit.record(actor, "measure", m.id, "link", None, {"risk_id": rid}, unit_id=m.unit_id)
    for rid in sorted(have.keys() - wanted):
        db.session.delete(have[rid])
        audit.record(actor, "measure", m.id, "unlink", {"risk_id": rid}, None,
                     unit_id=m.unit_id)
    if wanted != have.keys():
        _touch(m)
        versioning.flush(_stale(m, {"risks": sorted(wanted)}))
    return m


def close(actor: User, m: Measure, state: str, reason: str | None,
          expected_version: int | None) -> Measure:
    """Finish or cancel with a reason; the measure and its history stay."""
    if not m.active:
        raise PermissionDenied()
    require(can_manage_measure(actor, m))
    _check_version(m, expected_version, {"state": state, "close_reason": reason})
    if state not in ("finished", "cancelled"):
        raise ServiceError(_("Choose finished or cancelled."), "state")
    reason = _text(reason, "reason")
    if not reason:
        raise ServiceError(_("Say why the measure is closed."), "reason")
    m.state, m.close_reason = state, reason
    m.closed_in, m.closed_by_id = clock.current_period(), actor.id
    audit.record(actor, "measure", m.id, state == "finished" and "finish" or "cancel",
                 {"state": "active"}, {"state": state, "reason": reason}, unit_id=m.unit_id)
    versioning.flush(_stale(m, {"state": state, "close_reason": reason}))
    return m


# -- follow-up ---------------------------------------------------------------------------
def _follow_up_snapshot(f: MeasureFollowUp | None, status: MeasureStatus | None = None
                        ) -> dict | None:
    if f is None:
        return None
    snap = audit.snapshot(f, ("period", "comment", "result", "carried_forward"))
    st = status if status is not None else f.status
    snap["status"] = st.symbol + " " + st.label if st is not None else None
    return snap


def report(actor: User | None, m: Measure, period: Period, status_code: str | None,
           comment: str | None, result: str | None, expected_version: int | None
           ) -> MeasureFollowUp:
    """Record (or correct) the status, comment and result for ``period``."""
    if actor is not None:
        require(can_report_measure(actor, m))
        submitted = {"period": str(period), "status": status_code, "comment": comment,
                     "result": result}
        _check_version(m, expected_version, submitted)
        check_period(period)
    ensure_open(m.unit, period)  # nobody changes a period reported to the board
    status = status_scale.by_code(m.unit.root_id, status_code)
    if status_code and status is None:
        raise ServiceError(_("Choose a status of the scale."), "status")
    comment = _text(comment, "comment")
    result = _text(result, "result")
    existing = db.session.scalar(select(MeasureFollowUp).where(
        MeasureFollowUp.measure_id == m.id, MeasureFollowUp.period == period))
    before = _follow_up_snapshot(existing)
    if existing is None:
        existing = MeasureFollowUp(measure_id=m.id, period=period)
        db.session.add(existing)
    existing.status, existing.comment, existing.result = status, comment, result
    existing.carried_forward = False
    existing.reported_by_id = actor.id if actor else None
    existing.reported_at = utcnow()
    _touch(m)
    versioning.flush(_stale(m, {"period": str(period), "status": status_code}))
    after = _follow_up_snapshot(existing, status)
    old, new = audit.diff(before, after) if before else (None, after)
    audit.record(actor, "measure", m.id, "follow_up", old, new or after, unit_id=m.unit_id)
    return existing


def carry_forward(actor: User, measures: list[Measure], period: Period) -> int:
    """For each measure without a follow-up in ``period``: the latest earlier status, the
    comment "Inget nytt att redovisa", marked as carried forward. Measures the actor may not
    report on are refused as a whole (nothing is saved)."""
    check_period(period)
    for m in measures:
        require(can_report_measure(actor, m))
    ids = [m.id for m in measures]
    if not ids:
        raise ServiceError(_("Choose at least one measure."))
    done = set(db.session.scalars(select(MeasureFollowUp.measure_id).where(
        MeasureFollowUp.measure_id.in_(ids), MeasureFollowUp.period == period)))
    earlier = {}
    for f in db.session.scalars(select(MeasureFollowUp).where(
            MeasureFollowUp.measure_id.in_(ids), MeasureFollowUp.period < period)
            .order_by(MeasureFollowUp.period)):
        earlier[f.measure_id] = f  # the latest wins
    # a reported period refuses the whole carry-forward (nothing is saved): one statement
    ensure_all_open([m.unit for m in measures if m.id not in done], period)
    count = 0
    for m in measures:
        if m.id in done:
            continue
        last = earlier.get(m.id)
        f = MeasureFollowUp(measure_id=m.id, period=period,
                            status_id=last.status_id if last else None,
                            comment=NOTHING_NEW, result=None, carried_forward=True,
                            reported_by_id=actor.id, reported_at=utcnow())
        db.session.add(f)
        _touch(m)
        audit.record(actor, "measure", m.id, "carry_forward", None,
                     {"period": str(period), "comment": NOTHING_NEW, "carried_forward": True},
                     unit_id=m.unit_id)
        count += 1
    db.session.flush()
    return count


# -- the status scale --------------------------------------------------------------------
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass
class StatusRow:
    code: str
    symbol: str
    label: str
    colour: str
    means_finished: bool
    position: int


def save_scale(actor: User, root: Unit, rows: list[StatusRow]) -> list[MeasureStatus]:
    """Edit the organisation's status scale: existing codes are updated, new codes added.
    A status in use is never removed, so follow-ups keep their meaning."""
    require(can_administer_scale(actor, root))
    seen = set()
    for i, r in enumerate(rows):
        field = f"rows-{i}-"
        if not CODE.match(r.code or ""):
            raise ServiceError(_("A code is lower-case letters, digits and _."), field + "code")
        if r.code in seen:
            raise ServiceError(_("Each code once."), field + "code")
        seen.add(r.code)
        if not (r.symbol or "").strip() or len(r.symbol.strip()) > 8:
            raise ServiceError(_("A symbol of 1 to 8 characters."), field + "symbol")
        if not (r.label or "").strip() or len(r.label.strip()) > 100:
            raise ServiceError(_("A label of 1 to 100 characters."), field + "label")
        if not COLOUR.match(r.colour or ""):
            raise ServiceError(_("A colour as #rrggbb."), field + "colour")
    existing = {s.code: s for s in status_scale.ensure_default(root.id)}
    before = {c: audit.snapshot(s, ("symbol", "label", "colour", "means_finished", "position"))
              for c, s in existing.items()}
    for r in rows:
        s = existing.get(r.code)
        if s is None:
            s = MeasureStatus(unit_id=root.id, code=r.code)
            db.session.add(s)
        s.symbol, s.label, s.colour = r.symbol.strip(), r.label.strip(), r.colour.lower()
        s.means_finished, s.position = r.means_finished, r.position
    db.session.flush()
    after = {s.code: audit.snapshot(s, ("symbol", "label", "colour", "means_finished",
                                        "position"))
             for s in status_scale.statuses_for_root(root.id)}
    old, new = audit.diff(before, after)
    if new:
        audit.record(actor, "measure_status_scale", root.id, "update", old, new,
                     unit_id=root.id)
    return status_scale.statuses_for_root(root.id)
