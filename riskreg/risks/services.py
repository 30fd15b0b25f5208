"""Writes to the risk register. Each function checks the permission rule for the
role and the object, validates, changes state, records the audit event and flushes; the
request's unit of work (uow.py) commits. A refusal raises before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, fields

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, clock, numbering, versioning
from ..auth.permissions import PermissionDenied, require
from ..domain.matrix import Scale, ScaleError
from ..domain.periods import Period
from ..extensions import db
from ..locks.services import ensure_open
from ..models.org import Unit
from ..models.plan import Perspective, Plan, StrategicGoal, SuccessFactor
from ..models.risks import HANDLING_TYPES, RISK_KINDS, Risk, RiskAssessment
from ..models.types import utcnow
from ..models.users import User
from ..scales import scale_for_unit
from ..services import ServiceError
from ..versioning import StaleVersion
from . import state
from .permissions import can_be_owner, can_edit_risk, can_manage_risk, can_manage_risks_in
from .texts import TEXT_FIELDS, TITLE_MAX, RiskTexts

MAX_TEXT = 4000
RISK_FIELDS = ("kind", "plan_id", "number", "unit_id", "owner_id", "success_factor_id",
               *TEXT_FIELDS)
ASSESSMENT_FIELDS = ("period", "likelihood", "consequence", "value", "comment")


@dataclass
class NewRisk:
    kind: str
    unit_id: int
    plan_id: int
    owner_id: int
    texts: RiskTexts
    success_factor_id: int | None = None
    number: int | None = None
    # an optional first assessment
    period: Period | None = None
    likelihood: int | None = None
    consequence: int | None = None


# -- validation helpers -------------------------------------------------------
def _clean_texts(kind: str, texts: RiskTexts) -> RiskTexts:
    cleaned = {}
    for f in fields(RiskTexts):
        value = getattr(texts, f.name)
        value = value.strip() if isinstance(value, str) else value
        if value and len(value) > MAX_TEXT:
            raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), f.name)
        cleaned[f.name] = value or None
    if not cleaned["title"]:
        raise ServiceError(_("Give the risk a short title."), "title")
    if len(cleaned["title"]) > TITLE_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=TITLE_MAX), "title")
    if not cleaned["event"]:
        raise ServiceError(_("This field is required."), "event")
    if kind == "unit":
        if cleaned["handling_type"] not in (None, *HANDLING_TYPES):
            raise ServiceError(_("Choose Kontroll or Åtgärd."), "handling_type")
    else:
        for name in ("handling_question", "handling_type", "method"):
            cleaned[name] = None
    return RiskTexts(**cleaned)


def _check_period(period: Period) -> Period:
    if period > clock.current_period():
        raise ServiceError(_("A period in the future cannot be assessed."), "period")
    return period


def _check_steps(scale: Scale, likelihood: int | None, consequence: int | None) -> int:
    try:
        return scale.value(likelihood, consequence)  # type: ignore[arg-type]
    except ScaleError as exc:
        field = "likelihood" if not _in_scale(scale, likelihood) else "consequence"
        raise ServiceError(_("Choose a value from 1 to %(n)d.", n=scale.size), field) from exc


def _in_scale(scale: Scale, step: int | None) -> bool:
    return isinstance(step, int) and 1 <= step <= scale.size


def plans_for_unit(unit: Unit) -> list[Plan]:
    """Plans owned by the unit or one of its ancestors (the plans a risk there can serve)."""
    return list(db.session.scalars(
        select(Plan).where(Plan.unit_id.in_(unit.ancestor_ids)).order_by(Plan.start_year.desc())
    ))


def _check_plan(plan_id: int, unit: Unit) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.unit_id not in unit.ancestor_ids:
        raise ServiceError(_("Choose a plan of this unit or a unit above it."), "plan_id")
    return plan


def _check_success_factor(kind: str, factor_id: int | None, plan: Plan) -> int | None:
    if kind != "success_factor":
        return None
    if factor_id is None:
        raise ServiceError(_("Choose the success factor the risk threatens."),
                           "success_factor_id")
    found = db.session.scalar(
        select(SuccessFactor.id)
        .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(SuccessFactor.id == factor_id, Perspective.plan_id == plan.id)
    )
    if found is None:
        raise ServiceError(_("Unknown success factor for this plan."), "success_factor_id")
    return factor_id


def _check_owner(owner_id: int | None, unit: Unit) -> User:
    # None: the form's "–" choice, or anything that is not an id (" " coerces to None)
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    if owner is None or not can_be_owner(owner, unit):
        raise ServiceError(_("The owner must be a risk owner of this unit."), "owner_id")
    return owner


def _saved(risk: Risk) -> dict:
    """What is stored now, for the conflict page."""
    latest = risk.assessments[-1] if risk.assessments else None
    saved = {name: getattr(risk, name) for name in (*TEXT_FIELDS, "success_factor_id",
                                                    "archive_reason")}
    saved["owner_id"] = risk.owner.name
    for name in ("period", "likelihood", "consequence", "comment"):
        saved[name] = getattr(latest, name) if latest is not None else None
    saved["period"] = str(saved["period"]) if saved["period"] is not None else None
    return saved


def _stale(risk: Risk, submitted: dict):
    """The conflict to raise when ``submitted`` was based on an older version of ``risk``."""
    return lambda: StaleVersion(
        risk, submitted, audit_type="risk", title=_("Someone else changed this risk"),
        saved=_saved, back=lambda r: url_for("risks.detail", risk_id=r.id))


def _check_version(risk: Risk, expected: int | None, submitted: dict) -> None:
    versioning.check_version(risk, expected, _stale(risk, submitted))


def _assessment_snapshot(a: RiskAssessment | None) -> dict | None:
    return None if a is None else audit.snapshot(a, ASSESSMENT_FIELDS)


# -- the writes ---------------------------------------------------------------
def create_risk(actor: User | None, new: NewRisk) -> Risk:
    """``actor`` None is the command line / seed (no web scope)."""
    if new.kind not in RISK_KINDS:
        raise ServiceError(_("Unknown kind of risk."), "kind")
    unit = db.session.get(Unit, new.unit_id)
    if unit is None:
        raise ServiceError(_("Unknown unit."), "unit_id")
    if actor is not None:
        require(can_manage_risks_in(actor, unit))
    plan = _check_plan(new.plan_id, unit)
    texts = _clean_texts(new.kind, new.texts)
    factor_id = _check_success_factor(new.kind, new.success_factor_id, plan)
    owner = _check_owner(new.owner_id, unit)
    if new.number is not None and new.number < 1:
        raise ServiceError(_("The number must be 1 or more."), "number")
    first = None
    if new.period is not None:
        scale = scale_for_unit(unit)
        value = _check_steps(scale, new.likelihood, new.consequence)
        period = _check_period(new.period) if actor is not None else new.period
        ensure_open(unit, period)  # a reported period takes no new assessment
        first = RiskAssessment(period=period, likelihood=new.likelihood,
                               consequence=new.consequence, value=value,
                               assessed_by_id=actor.id if actor else None)
    # The number last: it takes the plan's lock row until the request commits.
    number = numbering.claim(Risk, plan.id, new.number)
    risk = Risk(kind=new.kind, plan_id=plan.id, number=number, unit_id=unit.id,
                owner_id=owner.id, success_factor_id=factor_id, **vars(texts))
    if first is not None:
        risk.assessments.append(first)
    db.session.add(risk)
    db.session.flush()
    audit.record(actor, "risk", risk.id, "create", None, audit.snapshot(risk, RISK_FIELDS),
                 unit_id=unit.id)
    if first is not None:
        audit.record(actor, "risk", risk.id, "assess", None, _assessment_snapshot(first),
                     unit_id=unit.id)
        state.refresh(risk)
    return risk


def update_texts(actor: User, risk: Risk, texts: RiskTexts, expected_version: int | None,
                 success_factor_id: int | None = None) -> Risk:
    require(can_edit_risk(actor, risk))
    submitted = vars(texts) | {"success_factor_id": success_factor_id}
    _check_version(risk, expected_version, submitted)
    cleaned = _clean_texts(risk.kind, texts)
    factor_id = risk.success_factor_id
    if (risk.kind == "success_factor" and success_factor_id is not None
            and success_factor_id != risk.success_factor_id):
        # re-linking to another success factor moves the risk in the plan: coordinators only
        require(can_manage_risk(actor, risk))
        factor_id = _check_success_factor(risk.kind, success_factor_id, risk.plan)
    before = audit.snapshot(risk, RISK_FIELDS)
    for name, value in vars(cleaned).items():
        setattr(risk, name, value)
    risk.success_factor_id = factor_id
    old, new = audit.diff(before, audit.snapshot(risk, RISK_FIELDS))
    if not new:
        return risk  # nothing changed: no UPDATE (the version stays), no event
    audit.record(actor, "risk", risk.id, "update", old, new, unit_id=risk.unit_id)
    versioning.flush(_stale(risk, submitted))
    return risk


def assess(actor: User, risk: Risk, period: Period, likelihood: int | None,
           consequence: int | None, comment: str | None, expected_version: int | None
           ) -> RiskAssessment:
    """Record (or correct) the assessment for ``period``; earlier periods are kept."""
    require(can_edit_risk(actor, risk))
    submitted = {"period": str(period), "likelihood": likelihood, "consequence": consequence,
                 "comment": comment}
    _check_version(risk, expected_version, submitted)
    _check_period(period)
    ensure_open(risk.unit, period)  # nobody changes a period reported to the board
    value = _check_steps(scale_for_unit(risk.unit), likelihood, consequence)
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_TEXT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), "comment")
    existing = db.session.scalar(select(RiskAssessment).where(
        RiskAssessment.risk_id == risk.id, RiskAssessment.period == period))
    before = _assessment_snapshot(existing)
    if existing is None:
        existing = RiskAssessment(risk_id=risk.id, period=period)
        db.session.add(existing)
    existing.likelihood, existing.consequence, existing.value = likelihood, consequence, value
    existing.comment = comment
    existing.assessed_by_id = actor.id
    existing.assessed_at = utcnow()
    risk.updated_at = utcnow()  # bumps the version: the risk changed
    versioning.flush(_stale(risk, submitted))
    after = _assessment_snapshot(existing)
    old, new = audit.diff(before or {}, after) if before else (None, after)
    audit.record(actor, "risk", risk.id, "assess", old, new or after, unit_id=risk.unit_id)
    state.refresh(risk)
    return existing


def reassign_owner(actor: User, risk: Risk, owner_id: int, expected_version: int | None
                   ) -> Risk:
    require(can_manage_risk(actor, risk))
    _check_version(risk, expected_version, {"owner_id": owner_id})
    owner = _check_owner(owner_id, risk.unit)
    if owner.id == risk.owner_id:
        return risk
    old = {"owner": risk.owner.email}
    risk.owner_id = owner.id
    audit.record(actor, "risk", risk.id, "reassign", old, {"owner": owner.email},
                 unit_id=risk.unit_id)
    versioning.flush(_stale(risk, {"owner_id": owner_id}))
    return risk


def archive(actor: User, risk: Risk, reason: str, expected_version: int | None) -> Risk:
    if risk.archived:
        raise PermissionDenied()
    require(can_manage_risk(actor, risk))
    _check_version(risk, expected_version, {"archive_reason": reason})
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why the risk is archived."), "reason")
    if len(reason) > MAX_TEXT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), "reason")
    risk.archived_at = utcnow()
    risk.archived_in = clock.current_period()
    risk.archived_by_id = actor.id
    risk.archive_reason = reason
    audit.record(actor, "risk", risk.id, "archive", {"archived": False},
                 {"archived": True, "reason": reason}, unit_id=risk.unit_id)
    versioning.flush(_stale(risk, {"archive_reason": reason}))
    state.refresh(risk)
    return risk
