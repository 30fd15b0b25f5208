"""Writes to the plan structure, KPI outcomes and KPI–risk links. Each function checks the
permission rule, validates, changes state, records the audit event and flushes; the
request's unit of work commits (uow.py). A refusal raises before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, clock, versioning
from ..auth.permissions import require, units_clause
from ..domain.kpis import (
    FULFILMENTS_BY_HAND,
    Direction,
    compute_fulfilment,
    parse_target,
    target_for_year,
)
from ..domain.periods import REPORT_NAMES, Period
from ..extensions import db
from ..locks.services import ensure_open
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
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError
from ..versioning import StaleVersion
from .permissions import can_edit_plan, can_record_outcome

MAX_NAME = 300
MAX_TEXT = 4000
MAX_SHORT = 200
LEVELS = {"perspective": Perspective, "goal": StrategicGoal, "factor": SuccessFactor}
NODE_FIELDS = ("name", "position", "retired")
KPI_FIELDS = ("name", "kind", "success_factor_id", "baseline", "source", "follow_up",
              "targets", "direction", "split_by_sex", "position", "retired")
OUTCOME_FIELDS = ("period", "total", "women", "men", "status", "status_by_hand",
                  "status_comment")


# -- the plan structure ------------------------------------------------------------------
def node_plan(node) -> Plan:
    """The plan a perspective, goal or success factor belongs to."""
    if isinstance(node, Perspective):
        return node.plan
    if isinstance(node, StrategicGoal):
        return node.perspective.plan
    return node.goal.perspective.plan


def _clean_name(name: str | None, limit: int = MAX_NAME) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("This field is required."), "name")
    if len(name) > limit:
        raise ServiceError(_("At most %(n)d characters.", n=limit), "name")
    return name


def _parent(plan: Plan, level: str, parent_id: int | None):
    """The parent a new node of ``level`` goes under, within ``plan``."""
    if level == "perspective":
        return None
    model = StrategicGoal if level == "factor" else Perspective
    parent = db.session.get(model, parent_id) if parent_id is not None else None
    if parent is None or node_plan(parent).id != plan.id:
        raise ServiceError(_("Choose where it belongs in this plan."), "parent_id")
    return parent


def add_node(actor: User, plan: Plan, level: str, parent_id: int | None, name: str,
             position: int | None):
    """A new perspective, strategic goal or success factor."""
    require(can_edit_plan(actor, plan))
    if level not in LEVELS:
        raise ServiceError(_("Unknown level of the plan."), "level")
    name = _clean_name(name)
    parent = _parent(plan, level, parent_id)
    if level == "perspective":
        node = Perspective(plan_id=plan.id, name=name)
        siblings = plan.perspectives
    elif level == "goal":
        node = StrategicGoal(perspective_id=parent.id, name=name)
        siblings = parent.goals
    else:
        node = SuccessFactor(goal_id=parent.id, name=name)
        siblings = parent.success_factors
    if level == "perspective" and any(p.name == name for p in siblings):
        raise ServiceError(_("The plan already has a perspective of that name."), "name")
    node.position = position if position is not None else len(siblings)
    node.retired = False
    db.session.add(node)
    db.session.flush()
    audit.record(actor, level_type(level), node.id, "create", None,
                 audit.snapshot(node, NODE_FIELDS) | {"plan_id": plan.id},
                 unit_id=plan.unit_id)
    return node


def level_type(level: str) -> str:
    return {"perspective": "perspective", "goal": "strategic_goal",
            "factor": "success_factor"}[level]


def parent_id_of(node) -> int | None:
    return getattr(node, "perspective_id", None) or getattr(node, "goal_id", None)


def update_node(actor: User, node, level: str, name: str, position: int | None,
                retired: bool, parent_id: int | None = None):
    """Rename, move (position, or another parent in the same plan) or retire a node.
    Retiring hides it from new work and keeps it, with everything beneath and every risk
    and outcome that refers to it; a moved goal takes its success factors, KPIs and risks
    along."""
    plan = node_plan(node)
    require(can_edit_plan(actor, plan))
    name = _clean_name(name)
    if (level == "perspective" and name != node.name
            and any(p.name == name for p in plan.perspectives if p.id != node.id)):
        raise ServiceError(_("The plan already has a perspective of that name."), "name")
    before = audit.snapshot(node, NODE_FIELDS) | {"parent_id": parent_id_of(node)}
    if level != "perspective" and parent_id is not None and parent_id != parent_id_of(node):
        parent = _parent(plan, level, parent_id)
        if level == "goal":
            node.perspective_id = parent.id
        else:
            node.goal_id = parent.id
    node.name = name
    if position is not None:
        node.position = position
    node.retired = bool(retired)
    old, new = audit.diff(before, audit.snapshot(node, NODE_FIELDS)
                          | {"parent_id": parent_id_of(node)})
    if not new:
        return node
    action = ("retire" if new.get("retired") is True
              else "reinstate" if new.get("retired") is False
              else "move" if "parent_id" in new else "update")
    audit.record(actor, level_type(level), node.id, action, old, new, unit_id=plan.unit_id)
    db.session.flush()
    return node


PLAN_FIELDS = ("unit_id", "name", "start_year", "end_year")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def create_plan(actor: User, unit: Unit, name: str, start_year: int | None,
                end_year: int | None) -> Plan:
    """A new (empty) plan for a unit: its perspectives, goals, success factors and KPIs
    are added on the plan's page."""
    require(can_record_outcome(actor, unit))  # a coordinator of the unit or above it
    name = _clean_name(name, MAX_SHORT)
    for field_name, year in (("start_year", start_year), ("end_year", end_year)):
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            raise ServiceError(_("A year from %(a)d to %(b)d.", a=FIRST_YEAR, b=LAST_YEAR),
                               field_name)
    if end_year < start_year:
        raise ServiceError(_("The plan cannot end before it starts."), "end_year")
    if db.session.scalar(select(Plan.id).where(Plan.unit_id == unit.id, Plan.name == name)):
        raise ServiceError(_("The unit already has a plan of that name."), "name")
    plan = Plan(unit_id=unit.id, name=name, start_year=start_year, end_year=end_year)
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "plan", plan.id, "create", None, audit.snapshot(plan, PLAN_FIELDS),
                 unit_id=unit.id)
    return plan


@dataclass
class KpiInput:
    name: str
    kind: str = "styrmatt"
    success_factor_id: int | None = None
    baseline: str | None = None
    source: str | None = None
    follow_up: list[str] = field(default_factory=list)
    targets: dict[str, str] = field(default_factory=dict)
    direction: str | None = None
    split_by_sex: bool = False
    position: int | None = None
    retired: bool = False


def _clean_kpi(plan: Plan, data: KpiInput) -> KpiInput:
    name = _clean_name(data.name, MAX_TEXT)
    if data.kind not in ("styrmatt", "kontrollmatt"):
        raise ServiceError(_("Choose styrmått or kontrollmått."), "kind")
    if data.success_factor_id is not None:
        found = db.session.scalar(
            select(SuccessFactor.id)
            .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
            .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
            .where(SuccessFactor.id == data.success_factor_id, Perspective.plan_id == plan.id))
        if found is None:
            raise ServiceError(_("Unknown success factor for this plan."), "success_factor_id")
    texts = {}
    for name_, value in (("baseline", data.baseline), ("source", data.source)):
        value = (value or "").strip() or None
        if value and len(value) > MAX_SHORT:
            raise ServiceError(_("At most %(n)d characters.", n=MAX_SHORT), name_)
        texts[name_] = value
    unknown = [p for p in data.follow_up if p not in REPORT_NAMES.values()]
    if unknown:
        raise ServiceError(_("Follow-up periods are DÅ04, DÅ08 and ÅR."), "follow_up")
    targets = {}
    for year, text in data.targets.items():
        text = (text or "").strip()
        if not text:
            continue
        if not (plan.start_year - 10 <= int(year) <= plan.end_year + 10):
            raise ServiceError(_("A target year near the plan's years, please."), "targets")
        if len(text) > MAX_SHORT:
            raise ServiceError(_("At most %(n)d characters.", n=MAX_SHORT), "targets")
        targets[str(year)] = text
    if data.direction not in (None, *[d.value for d in Direction]):
        raise ServiceError(_("Choose which way is better."), "direction")
    follow_up = [p for p in REPORT_NAMES.values() if p in data.follow_up]
    return KpiInput(name=name, kind=data.kind, success_factor_id=data.success_factor_id,
                    follow_up=follow_up, targets=targets, direction=data.direction,
                    split_by_sex=bool(data.split_by_sex), position=data.position,
                    retired=bool(data.retired), **texts)


def save_kpi(actor: User, plan: Plan, kpi: Kpi | None, data: KpiInput) -> Kpi:
    """Create (``kpi`` None) or change a KPI. A KPI with outcomes split by sex cannot stop
    being split (those figures would lose their meaning)."""
    require(can_edit_plan(actor, plan))
    clean = _clean_kpi(plan, data)
    if kpi is not None and kpi.split_by_sex and not clean.split_by_sex:
        has_split = db.session.scalar(select(KpiOutcome.id).where(
            KpiOutcome.kpi_id == kpi.id,
            (KpiOutcome.women.is_not(None)) | (KpiOutcome.men.is_not(None))).limit(1))
        if has_split is not None:
            raise ServiceError(_("Outcomes for women and men are recorded: the KPI stays "
                                 "split by sex."), "split_by_sex")
    before = audit.snapshot(kpi, KPI_FIELDS) if kpi is not None else None
    if kpi is None:
        if clean.position is None:  # last among its siblings
            clean.position = len(db.session.scalars(select(Kpi.id).where(
                Kpi.plan_id == plan.id,
                Kpi.success_factor_id.is_(None) if clean.success_factor_id is None
                else Kpi.success_factor_id == clean.success_factor_id)).all())
        kpi = Kpi(plan_id=plan.id)
        db.session.add(kpi)
    for name in KPI_FIELDS:
        value = getattr(clean, name)
        if name == "position" and value is None:
            continue
        setattr(kpi, name, value)
    db.session.flush()
    after = audit.snapshot(kpi, KPI_FIELDS)
    if before is None:
        audit.record(actor, "kpi", kpi.id, "create", None, after, unit_id=plan.unit_id)
        return kpi
    old, new = audit.diff(before, after)
    if new:
        action = ("retire" if new.get("retired") is True
                  else "reinstate" if new.get("retired") is False else "update")
        audit.record(actor, "kpi", kpi.id, action, old, new, unit_id=plan.unit_id)
    return kpi


# -- outcomes ---------------------------------------------------------------------------
@dataclass
class OutcomeInput:
    period: Period
    total: float | None = None
    women: float | None = None
    men: float | None = None
    status: str | None = None  # by hand, where the target does not allow computing it
    status_comment: str | None = None


def previous_outcome(kpi_id: int, unit_id: int, period: Period) -> KpiOutcome | None:
    return db.session.scalar(
        select(KpiOutcome).where(KpiOutcome.kpi_id == kpi_id, KpiOutcome.unit_id == unit_id,
                                 KpiOutcome.period < period)
        .order_by(KpiOutcome.period.desc()).limit(1))


def _next_outcome(kpi_id: int, unit_id: int, period: Period) -> KpiOutcome | None:
    return db.session.scalar(
        select(KpiOutcome).where(KpiOutcome.kpi_id == kpi_id, KpiOutcome.unit_id == unit_id,
                                 KpiOutcome.period > period)
        .order_by(KpiOutcome.period).limit(1))


def computed_status(kpi: Kpi, period: Period, total: float | None,
                    previous_total: float | None) -> str | None:
    """The fulfilment the KPI's target gives for this outcome, or None (set by hand).
    An outcome from before the plan's first year has no target of the plan."""
    if period.year < kpi.plan.start_year:
        return None
    target = parse_target(target_for_year(kpi.targets, period.year))
    result = compute_fulfilment(target, kpi.direction, total, previous_total)
    return result.value if result is not None else None


def refresh_status(outcome: KpiOutcome, previous: KpiOutcome | None) -> None:
    """Recompute a computed fulfilment (one set by hand stays as the person set it)."""
    if outcome.status_by_hand:
        return
    outcome.status = computed_status(outcome.kpi, outcome.period, outcome.total,
                                     previous.total if previous is not None else None)


def _saved_outcome(o: KpiOutcome) -> dict:
    return {"period": str(o.period), "total": o.total, "women": o.women, "men": o.men,
            "status": o.status, "status_comment": o.status_comment}


def _stale(outcome: KpiOutcome, submitted: dict):
    return lambda: StaleVersion(
        outcome, submitted, audit_type="kpi_outcome",
        title=_("Someone else changed this outcome"), saved=_saved_outcome,
        back=lambda o: url_for("kpis.table", unit=o.unit_id, period=str(o.period)))


def _check_figures(kpi: Kpi, data: OutcomeInput) -> None:
    if data.period > clock.current_period():
        raise ServiceError(_("A period in the future cannot have an outcome."), "period")
    if kpi.follow_up and data.period.report_name not in kpi.follow_up:
        raise ServiceError(_("This KPI is followed up in %(periods)s only.",
                             periods=", ".join(kpi.follow_up)), "period")
    if not kpi.split_by_sex and (data.women is not None or data.men is not None):
        field_ = "women" if data.women is not None else "men"
        raise ServiceError(_("This KPI is not split by sex: give the total only."), field_)
    if data.total is None and data.women is None and data.men is None:
        raise ServiceError(_("Give the period's outcome."), "total")


def record_outcome(actor: User | None, kpi: Kpi, unit: Unit, data: OutcomeInput,
                   expected_version: int | None) -> KpiOutcome:
    """Record (or correct) the outcome of ``kpi`` for ``unit`` in ``data.period``.
    ``expected_version`` is the version the form showed (0 for a new outcome).
    ``actor`` None is the demo seed (no scope, no check of "today")."""
    if actor is not None:
        require(can_record_outcome(actor, unit))
    if kpi.plan.unit_id not in unit.ancestor_ids:
        raise ServiceError(_("The KPI's plan does not cover this unit."), "unit")
    ensure_open(unit, data.period)  # nobody changes a period reported to the board
    submitted = {"period": str(data.period), "total": data.total, "women": data.women,
                 "men": data.men, "status": data.status, "status_comment": data.status_comment}
    existing = db.session.scalar(select(KpiOutcome).where(
        KpiOutcome.kpi_id == kpi.id, KpiOutcome.unit_id == unit.id,
        KpiOutcome.period == data.period))
    if actor is not None and existing is not None:
        versioning.check_version(existing, expected_version, _stale(existing, submitted))
    if actor is not None:
        _check_figures(kpi, data)
    comment = (data.status_comment or "").strip() or None
    if comment and len(comment) > MAX_TEXT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), "status_comment")
    previous = previous_outcome(kpi.id, unit.id, data.period)
    computed = computed_status(kpi, data.period, data.total,
                               previous.total if previous is not None else None)
    by_hand = computed is None and data.status is not None
    if data.status is not None and data.status not in FULFILMENTS_BY_HAND:
        raise ServiceError(_("Choose met, partly met or not met."), "status")
    if computed is not None and data.status is not None and data.status != computed:
        raise ServiceError(_("The fulfilment follows from the target here; leave it empty."),
                           "status")
    if by_hand and not comment:
        raise ServiceError(_("Say why, when the fulfilment is set by hand."), "status_comment")
    before = audit.snapshot(existing, OUTCOME_FIELDS) if existing is not None else None
    if existing is None:
        existing = KpiOutcome(kpi_id=kpi.id, unit_id=unit.id, period=data.period)
        existing.kpi = kpi
        db.session.add(existing)
    existing.total, existing.women, existing.men = data.total, data.women, data.men
    existing.status = data.status if by_hand else computed
    existing.status_by_hand = by_hand
    existing.status_comment = comment
    existing.recorded_by_id = actor.id if actor is not None else None
    existing.recorded_at = utcnow()
    if actor is not None:
        versioning.flush(_stale(existing, submitted))
    else:
        db.session.flush()
    after = audit.snapshot(existing, OUTCOME_FIELDS)
    if before is None:
        audit.record(actor, "kpi_outcome", existing.id, "create", None,
                     after | {"kpi_id": kpi.id}, unit_id=unit.id)
    else:
        old, new = audit.diff(before, after)
        if new:
            audit.record(actor, "kpi_outcome", existing.id, "update", old, new,
                         unit_id=unit.id)
    following = _next_outcome(kpi.id, unit.id, data.period)
    if following is not None:  # "Öka"/"Minska" there compared with this one
        old_status = following.status
        refresh_status(following, existing)
        if following.status != old_status:
            # the next outcome's computed fulfilment would change: not in a reported period
            ensure_open(unit, following.period)
            audit.record(actor, "kpi_outcome", following.id, "update",
                         {"status": old_status}, {"status": following.status},
                         unit_id=unit.id)
        db.session.flush()
    return existing


# -- links to risks ----------------------------------------------------------------------
def _linkable_risk(actor: User, kpi: Kpi, risk_id: int | None) -> Risk:
    """A live risk of the KPI's organisation that the actor can read."""
    risk = db.session.get(Risk, risk_id) if risk_id is not None else None
    if (risk is None or risk.archived or risk.unit.root_id != kpi.plan.unit.root_id
            or db.session.scalar(select(Unit.id).where(Unit.id == risk.unit_id,
                                                       units_clause(actor))) is None):
        raise ServiceError(_("Choose a risk of this organisation."), "risk_id")
    return risk


def link_risk(actor: User, kpi: Kpi, risk_id: int | None) -> KpiRiskLink:
    require(can_edit_plan(actor, kpi.plan))
    risk = _linkable_risk(actor, kpi, risk_id)
    if db.session.get(KpiRiskLink, (kpi.id, risk.id)) is not None:
        raise ServiceError(_("The KPI is already linked to that risk."), "risk_id")
    link = KpiRiskLink(kpi_id=kpi.id, risk_id=risk.id, linked_by_id=actor.id)
    db.session.add(link)
    audit.record(actor, "kpi", kpi.id, "link", None,
                 {"risk_id": risk.id, "risk_number": risk.number}, unit_id=kpi.plan.unit_id)
    db.session.flush()
    return link


def unlink_risk(actor: User, kpi: Kpi, risk_id: int) -> None:
    require(can_edit_plan(actor, kpi.plan))
    link = db.session.get(KpiRiskLink, (kpi.id, risk_id))
    if link is None:
        raise ServiceError(_("The KPI is not linked to that risk."), "risk_id")
    db.session.delete(link)
    audit.record(actor, "kpi", kpi.id, "unlink", {"risk_id": risk_id}, None,
                 unit_id=kpi.plan.unit_id)
    db.session.flush()
