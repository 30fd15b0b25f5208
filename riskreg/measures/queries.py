"""Reads for the measure pages, the follow-up reports and the API: scoped in SQL, one
statement for the list and one for the linked risks, whatever the number of measures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from ..auth.permissions import can_read_unit, units_clause
from ..domain.periods import Period
from ..domain.roles import Role
from ..extensions import db
from ..models.audit import AuditEvent
from ..models.measures import Measure, MeasureFollowUp, MeasureRisk, MeasureStatus
from ..models.org import Unit
from ..models.plan import Perspective, StrategicGoal, SuccessFactor
from ..models.risks import Risk
from ..models.users import RoleAssignment, User
from ..risks.latest import Counted, alive_in, latest_code
from .scale import statuses_for_root

STATES = ("active", "finished", "cancelled")


@dataclass
class MeasureFilter:
    period: Period
    unit: Unit | None = None
    include_subunits: bool = True
    status: str | None = None  # a status code, or "none" for no status in the period
    responsible_id: int | None = None
    due: str | None = None  # "overdue" | "this_period"
    q: str | None = None
    state: str | None = "active"
    page: int = 1
    per_page: int = 500


@dataclass
class MeasureRow:
    measure: Measure
    follow_up: MeasureFollowUp | None
    risk_ids: list[int] = field(default_factory=list)
    overdue: bool = False


def _follow_up_join(period: Period):
    fu = aliased(MeasureFollowUp, name="fu")
    return fu, and_(fu.measure_id == Measure.id, fu.period == period)


@dataclass
class MeasurePage:
    rows: list[MeasureRow]
    total: int  # every measure that passes the filters, on all pages
    page: int = 1
    per_page: int = 500

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def measures(user: User, f: MeasureFilter, today: date) -> MeasurePage:
    """One page of the measures in reach that pass the filters, each with its follow-up
    for the period, and the total: one statement (the total rides along as a window
    count), plus one for the linked risk ids."""
    fu, on = _follow_up_join(f.period)
    st = aliased(MeasureStatus, name="st")
    stmt = (
        select(Measure, fu, func.count().over().label("total"))
        .join(Unit, Unit.id == Measure.unit_id)
        .outerjoin(User, User.id == Measure.responsible_id)
        .outerjoin(fu, on)
        .outerjoin(st, st.id == fu.status_id)
        .where(units_clause(user))
        .options(contains_eager(Measure.unit), contains_eager(Measure.responsible),
                 joinedload(Measure.success_factor),
                 joinedload(fu.status))
        .order_by(Measure.number, Measure.id)
        .limit(f.per_page).offset((f.page - 1) * f.per_page)
    )
    if f.unit is not None:
        stmt = stmt.where(Unit.subtree_clause(f.unit.path) if f.include_subunits
                          else Measure.unit_id == f.unit.id)
    if f.state in STATES:
        stmt = stmt.where(Measure.state == f.state)
    if f.status == "none":
        stmt = stmt.where(fu.status_id.is_(None))
    elif f.status:
        stmt = stmt.where(st.code == f.status)
    if f.responsible_id:
        stmt = stmt.where(Measure.responsible_id == f.responsible_id)
    if f.due == "overdue":
        stmt = stmt.where(Measure.state == "active", Measure.due_date < today)
    if f.q:
        needle = f.q.strip().lower()
        stmt = stmt.where(or_(*(func.lower(c).contains(needle, autoescape=True) for c in
                                (Measure.title, Measure.description, Measure.background,
                                 Measure.goal_text))))
    result = db.session.execute(stmt).unique().all()
    rows = [MeasureRow(m, follow) for m, follow, _t in result]
    attach_risk_ids(rows)
    for r in rows:
        r.overdue = (r.measure.active and r.measure.due_date is not None
                     and r.measure.due_date < today)
    if result:
        total = result[0].total
    elif f.page > 1:  # past the last page: count separately
        total = db.session.scalar(select(func.count()).select_from(
            stmt.limit(None).offset(None).order_by(None).subquery()))
    else:
        total = 0
    return MeasurePage(rows, total or 0, f.page, f.per_page)


def attach_risk_ids(rows: list[MeasureRow]) -> None:
    ids = [r.measure.id for r in rows]
    if not ids:
        return
    links: dict[int, list[int]] = {}
    for mid, rid in db.session.execute(select(MeasureRisk.measure_id, MeasureRisk.risk_id)
                                       .where(MeasureRisk.measure_id.in_(ids))
                                       .order_by(MeasureRisk.risk_id)):
        links.setdefault(mid, []).append(rid)
    for r in rows:
        r.risk_ids = links.get(r.measure.id, [])


def readable_measure(user: User, measure_id: int) -> Measure | None:
    m = db.session.scalar(select(Measure).where(Measure.id == measure_id).options(
        joinedload(Measure.unit), joinedload(Measure.responsible), joinedload(Measure.plan),
        joinedload(Measure.success_factor).joinedload(SuccessFactor.goal)
        .joinedload(StrategicGoal.perspective)))
    if m is None or not can_read_unit(user, m.unit):
        return None
    return m


@dataclass
class LinkedRisk:
    risk: Risk
    assessment: Counted | None


def linked_risks(measure: Measure, period: Period) -> list[LinkedRisk]:
    rows = db.session.execute(
        select(Risk, latest_code(period))
        .join(MeasureRisk, MeasureRisk.risk_id == Risk.id)
        .where(MeasureRisk.measure_id == measure.id)
        .options(joinedload(Risk.unit)).order_by(Risk.number, Risk.id))
    return [LinkedRisk(r, Counted.from_code(code)) for r, code in rows]


def follow_ups(measure: Measure) -> list[MeasureFollowUp]:
    return list(db.session.scalars(
        select(MeasureFollowUp).where(MeasureFollowUp.measure_id == measure.id)
        .options(joinedload(MeasureFollowUp.status), joinedload(MeasureFollowUp.reported_by))
        .order_by(MeasureFollowUp.period.desc())))


def follow_up_for(measure: Measure, period: Period) -> MeasureFollowUp | None:
    return db.session.scalar(select(MeasureFollowUp).where(
        MeasureFollowUp.measure_id == measure.id, MeasureFollowUp.period == period))


def history(measure: Measure) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "measure",
                                 AuditEvent.object_id == measure.id)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())))


def measures_of_risk(risk: Risk, period: Period) -> list[MeasureRow]:
    """The measures linked to a risk, with their follow-up for the period (risk page)."""
    fu, on = _follow_up_join(period)
    rows = [MeasureRow(m, f) for m, f in db.session.execute(
        select(Measure, fu).join(MeasureRisk, MeasureRisk.measure_id == Measure.id)
        .outerjoin(fu, on).where(MeasureRisk.risk_id == risk.id)
        .options(joinedload(Measure.responsible), joinedload(fu.status))
        .order_by(Measure.number, Measure.id))]
    return rows


def risk_candidates(user: User, measure: Measure, period: Period) -> list[LinkedRisk]:
    """Risks of the measure's organisation that the user reads (the link form)."""
    root = f"/{measure.unit.root_id}/"
    rows = db.session.execute(
        select(Risk, latest_code(period)).join(Unit, Unit.id == Risk.unit_id)
        .where(units_clause(user), Unit.subtree_clause(root), alive_in(period))
        .options(contains_eager(Risk.unit)).order_by(Risk.number, Risk.id))
    return [LinkedRisk(r, Counted.from_code(code)) for r, code in rows]


def responsible_candidates(unit: Unit) -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.OWNER, User.active.is_(True),
               RoleAssignment.unit_id.in_(unit.ancestor_ids))
        .distinct().order_by(User.name)))


def responsibles_in_scope(user: User) -> list[User]:
    return list(db.session.scalars(select(User).where(User.id.in_(
        select(Measure.responsible_id).join(Unit, Unit.id == Measure.unit_id)
        .where(units_clause(user)))).order_by(User.name)))


def statuses(unit: Unit) -> list[MeasureStatus]:
    return statuses_for_root(unit.root_id)


# -- the follow-up reports ----------------------------------------------------------------
@dataclass(frozen=True)
class ReportRow:
    """One line of a follow-up report: plain values (a report of a whole region has
    tens of thousands of lines; no ORM objects are built for them)."""

    id: int
    number: int
    title: str
    goal: str | None
    symbol: str | None
    label: str | None
    comment: str | None
    result: str | None
    carried_forward: bool


@dataclass
class ReportGroup:
    heading: str
    rows: list[ReportRow]


def report(user: User, unit: Unit, period: Period, layout: str) -> list[ReportGroup]:
    """Measures of the unit (and beneath) alive in the period, with their follow-up,
    grouped by perspective (000's layout) or by the goal text (003's "Ärende" groups):
    one statement of plain columns."""
    fu, on = _follow_up_join(period)
    heading = Measure.goal_text if layout == "issues" else Perspective.name
    stmt = (
        select(Measure.id, Measure.number, Measure.title,
               func.coalesce(SuccessFactor.name, Measure.goal_text), MeasureStatus.symbol,
               MeasureStatus.label, fu.comment, fu.result, fu.carried_forward, heading)
        .join(Unit, Unit.id == Measure.unit_id)
        .outerjoin(fu, on)
        .outerjoin(MeasureStatus, MeasureStatus.id == fu.status_id)
        .outerjoin(SuccessFactor, SuccessFactor.id == Measure.success_factor_id)
        .outerjoin(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .outerjoin(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(units_clause(user), Unit.subtree_clause(unit.path),
               or_(Measure.closed_in.is_(None), Measure.closed_in > period))
    )
    if layout == "issues":
        stmt = stmt.order_by(Measure.number, Measure.id)  # the source's order
    else:
        stmt = stmt.order_by(Perspective.position, Perspective.name, Measure.number, Measure.id)
    groups: list[ReportGroup] = []
    for *values, head in db.session.execute(stmt):
        head = head or ""
        if not groups or groups[-1].heading != head:
            groups.append(ReportGroup(head, []))
        values[-1] = bool(values[-1])
        groups[-1].rows.append(ReportRow(*values))
    return groups
