"""Reads for the register pages and the API: scoped in SQL, counted in SQL, one
statement per list whatever the number of risks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from ..auth.permissions import can_read_unit, role_paths, units_clause
from ..domain.matrix import Scale
from ..domain.periods import Period
from ..domain.roles import Role
from ..extensions import db
from ..models.audit import AuditEvent
from ..models.org import Unit
from ..models.plan import Perspective, Plan, StrategicGoal, SuccessFactor
from ..models.risks import OPEN_PERIOD, Risk, RiskAssessment, RiskGoalMark
from ..models.scale import RiskScale
from ..models.users import RoleAssignment, User
from .latest import Counted, S, alive_in, code, counts_in, in_paths, in_subtree, unpack


def _sorts(c, value, period_key) -> dict:
    """The register's orders, over the narrow in-reach rows ``c`` (risk_id, code, number,
    unit_name and, sorting by owner, owner_name; ties broken by number, id)."""
    return {
        "number": (c.number, c.risk_id),
        "-value": (value.desc().nulls_last(), c.number, c.risk_id),
        "value": (value.asc().nulls_first(), c.number, c.risk_id),
        "unit": (c.unit_name, c.number, c.risk_id),
        "owner": (getattr(c, "owner_name", None), c.number, c.risk_id),
        "period": (period_key.desc().nulls_last(), c.number, c.risk_id),
    }


def _order(c, sort: str) -> tuple:
    _lk, _c, value, period_key = unpack(c.code)
    sorts = _sorts(c, value, period_key)
    return sorts.get(sort) or sorts["number"]


class UnitOption(NamedTuple):
    """A unit as a choice and a filter: what a list of thousands needs (unit_options)."""

    id: int
    name: str
    depth: int
    path: str

    @property
    def root_id(self) -> int:
        return int(self.path.split("/")[1])


@dataclass
class RegisterFilter:
    period: Period
    unit: Unit | UnitOption | None = None  # read: id and path
    include_subunits: bool = True
    kind: str | None = None
    band: tuple[int, int] | None = None  # value range of the chosen band
    owner_id: int | None = None
    perspective_id: int | None = None
    q: str | None = None
    sort: str = "number"
    page: int = 1
    per_page: int = 50
    likelihood: int | None = None
    consequence: int | None = None
    awaiting: bool = False  # only risks without an assessment of their own in ``period``


@dataclass
class RegisterRow:
    risk: Risk
    assessment: Counted | None  # the assessment that counts in ``period``
    period: Period
    scale: Scale | None = None

    @property
    def band(self):
        if self.assessment is None or self.scale is None:
            return None
        return self.scale.band(self.assessment.value)

    @property
    def carried_forward(self) -> bool:
        return self.assessment is not None and self.assessment.period < self.period


@dataclass
class RegisterPage:
    rows: list[RegisterRow]
    total: int
    page: int
    per_page: int
    filters: RegisterFilter = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _risks_of(unit_ids):
    """SQL on Risk (PostgreSQL): its unit is one of ``unit_ids``, an array subquery (the
    units of one organisation's subtree, read first). So one organisation's risks are
    found through the unit index instead of a scan of every organisation's risks joined
    to their units (issue 14, hosted). The planner guesses 10 elements for an array it
    cannot see, and would fetch risk after risk from the index (one heap page each);
    OR-ed with an empty array it combines bitmaps and reads the heap in page order
    (about a fifth of the buffers for a 20,000-risk organisation)."""
    return or_(Risk.unit_id == any_(cast(unit_ids, ARRAY(Integer))),
               Risk.unit_id == any_(literal_column("'{}'::integer[]")))


def _units_of(user: User, f: RegisterFilter) -> list:
    """SQL on Unit: the units whose risks the register may list (reach and choice)."""
    where = [units_clause(user)]
    if f.unit is not None:
        where.append(Unit.subtree_clause(f.unit.path) if f.include_subunits
                     else Unit.id == f.unit.id)
    return where


def _state_in(user: User, f: RegisterFilter):
    """The stored state rows of the period within the user's reach and the chosen unit:
    one index range read (riskreg/risks/latest.py)."""
    where = [counts_in(f.period), in_paths(role_paths(user))]
    if f.unit is not None:
        where.append(in_subtree(f.unit, f.include_subunits))
    return select(S.risk_id, code().label("code")).where(*where)


def _in_reach(user: User, f: RegisterFilter):
    """A MATERIALIZED CTE: the risks in reach that pass the cheap filters, each with its
    packed assessment for the period (NULL when none counts).

    On PostgreSQL the subtree's units are read first and its risks found by their unit
    (``_risks_of``), the state rows hashed from their own range read (a MATERIALIZED
    CTE: the planner, expecting few risks, would otherwise probe the state risk by
    risk): one organisation's request reads only its own rows, so a hosted database of
    ten costs about what a region's does. SQLite plans the plain join well."""
    if _on_postgresql():
        units = (select(Unit.id.label("id"), Unit.name.label("name"))
                 .where(*_units_of(user, f)).cte("reach_units").prefix_with("MATERIALIZED"))
        state = _state_in(user, f).cte("state").prefix_with("MATERIALIZED")
        stmt = (
            select(Risk.id.label("risk_id"), state.c.code.label("code"),
                   Risk.number.label("number"), units.c.name.label("unit_name"),
                   Risk.owner_id.label("owner_id"))
            .select_from(Risk)
            .join(units, units.c.id == Risk.unit_id)
            .outerjoin(state, state.c.risk_id == Risk.id)
            .where(_risks_of(select(func.array_agg(units.c.id)).scalar_subquery()),
                   alive_in(f.period))
        )
    else:
        state = _state_in(user, f).subquery("state")
        stmt = (
            select(Risk.id.label("risk_id"), state.c.code.label("code"),
                   Risk.number.label("number"), Unit.name.label("unit_name"),
                   Risk.owner_id.label("owner_id"))
            .select_from(Risk)
            .join(Unit, Unit.id == Risk.unit_id)
            .outerjoin(state, state.c.risk_id == Risk.id)
            # archived risks leave the lists from the period they were archived in, and
            # stay in earlier periods, as in the matrix
            .where(*_units_of(user, f), alive_in(f.period))
        )
    if f.kind:
        stmt = stmt.where(Risk.kind == f.kind)
    if f.owner_id:
        stmt = stmt.where(Risk.owner_id == f.owner_id)
    if f.perspective_id:
        stmt = (stmt.join(SuccessFactor, SuccessFactor.id == Risk.success_factor_id)
                .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
                .where(StrategicGoal.perspective_id == f.perspective_id))
    if f.q:
        needle = f.q.strip().lower()
        stmt = stmt.where(or_(*(
            func.lower(col).contains(needle, autoescape=True)
            for col in (Risk.title, Risk.event, Risk.cause, Risk.consequence_text, Risk.mitigation,
                        Risk.control_method, Risk.handling_question, Risk.method)
        )))
    return stmt.cte("in_reach").prefix_with("MATERIALIZED")


def _narrow(user: User, f: RegisterFilter):
    """(narrow rows, where, in-reach CTE): the risks that pass every filter, as (risk id,
    packed assessment, sort keys): shared by the page, its count and the export."""
    k = _in_reach(user, f)
    likelihood, consequence, value, period_key = unpack(k.c.code)
    where = []
    if f.band:
        where.append(value.between(*f.band))
    if f.likelihood:
        where.append(likelihood == f.likelihood)
    if f.consequence:
        where.append(consequence == f.consequence)
    if f.awaiting:  # not re-assessed in the period (carried forward, or never assessed)
        where.append(or_(k.c.code.is_(None), period_key < f.period.key))
    # the page by ORDER BY … LIMIT (a top-N sort, not a sort of every row in reach), its
    # rows numbered afterwards; the total a count over the same materialized rows
    narrow = select(k.c.risk_id, k.c.code, k.c.number, k.c.unit_name).where(*where)
    if f.sort == "owner":
        narrow = (narrow.add_columns(User.name.label("owner_name"))
                  .join(User, User.id == k.c.owner_id))
    return narrow, where, k


def register(user: User, f: RegisterFilter) -> RegisterPage:
    """One page of the register with the total: one statement (the total rides along as a
    count over the same rows), plus one for the organisations' scales, whatever the size.
    The page is chosen (a top-N sort), counted and ordered over narrow rows (id, packed
    assessment, sort keys); the risks with their unit, owner and success factor are
    joined for that page only."""
    narrow, where, k = _narrow(user, f)
    top = (narrow.order_by(*_order(narrow.selected_columns, f.sort))
           .limit(f.per_page).offset((f.page - 1) * f.per_page).subquery("top"))
    page = select(top.c.risk_id, top.c.code,
                  func.row_number().over(order_by=_order(top.c, f.sort)).label("position")
                  ).subquery("page")
    counted = select(func.count()).select_from(k).where(*where).scalar_subquery()
    rows = db.session.execute(
        select(Risk, page.c.code, counted.label("total"))
        .join(page, page.c.risk_id == Risk.id)
        .join(Unit, Unit.id == Risk.unit_id)
        .join(User, User.id == Risk.owner_id)
        .outerjoin(SuccessFactor, SuccessFactor.id == Risk.success_factor_id)
        .options(contains_eager(Risk.unit), contains_eager(Risk.owner),
                 contains_eager(Risk.success_factor))
        .order_by(page.c.position)
    ).all()
    if rows:
        total = rows[0].total
    elif f.page > 1:  # past the last page: count separately
        total = db.session.scalar(select(func.count()).select_from(k).where(*where))
    else:
        total = 0
    scales = scales_for_roots({risk.unit.root_id for risk, _c, _t in rows})
    return RegisterPage(
        [RegisterRow(risk, Counted.from_code(code), f.period, scales.get(risk.unit.root_id))
         for risk, code, _t in rows],
        total or 0, f.page, f.per_page, f,
    )


def register_count(user: User, f: RegisterFilter) -> int:
    """How many risks the register lists for ``f`` (all pages)."""
    _narrow_rows, where, k = _narrow(user, f)
    return db.session.scalar(select(func.count()).select_from(k).where(*where)) or 0


EXPORT_COLUMNS = (Risk.id, Risk.number, Risk.kind, Risk.title, Risk.event,
                  Risk.consequence_text, Risk.cause, Risk.mitigation, Risk.control_method,
                  Risk.handling_question, Risk.handling_type, Risk.method)


def register_export(user: User, f: RegisterFilter):
    """Every risk the register lists for ``f`` (all pages, in the page's order), for the
    spreadsheet export: a statement of plain columns (EXPORT_COLUMNS, then the unit's name
    and path, the owner's name, the packed assessment, the success factor's, strategic
    goal's and perspective's names and the goal mark of the period), to be streamed
    (``yield_per``), never loaded whole; no ORM objects are built for its rows."""
    narrow, _where, _k = _narrow(user, f)
    rows = narrow.subquery("rows")
    goal = aliased(StrategicGoal)
    mark = aliased(RiskGoalMark)
    return (
        select(*EXPORT_COLUMNS, Unit.name, Unit.path, User.name, rows.c.code,
               SuccessFactor.name, goal.name, Perspective.name, mark.mark)
        .select_from(Risk)
        .join(rows, rows.c.risk_id == Risk.id)
        .join(Unit, Unit.id == Risk.unit_id)
        .join(User, User.id == Risk.owner_id)
        .outerjoin(SuccessFactor, SuccessFactor.id == Risk.success_factor_id)
        .outerjoin(goal, goal.id == SuccessFactor.goal_id)
        .outerjoin(Perspective, Perspective.id == goal.perspective_id)
        .outerjoin(mark, (mark.risk_id == Risk.id) & (mark.period == f.period))
        .order_by(*_order(rows.c, f.sort))
    )


def scales_for_roots(root_ids: set[int]) -> dict[int, Scale]:
    """The scale of each organisation, in one statement."""
    if not root_ids:
        return {}
    return {s.unit_id: s.to_domain() for s in db.session.scalars(
        select(RiskScale).where(RiskScale.unit_id.in_(root_ids)))}


def readable_risk(user: User, risk_id: int) -> Risk | None:
    """The risk with what its page shows, or None when absent or out of reach."""
    risk = db.session.scalar(
        select(Risk).where(Risk.id == risk_id).options(
            joinedload(Risk.unit), joinedload(Risk.owner), joinedload(Risk.plan),
            joinedload(Risk.success_factor).joinedload(SuccessFactor.goal)
            .joinedload(StrategicGoal.perspective),
            selectinload(Risk.assessments).joinedload(RiskAssessment.assessed_by),
        )
    )
    if risk is None or not can_read_unit(user, risk.unit):
        return None
    return risk


def assessment_for(risk: Risk, period: Period) -> RiskAssessment | None:
    """The assessment that counts in ``period``: its own, or the latest earlier one."""
    earlier = [a for a in risk.assessments if a.period <= period]
    return earlier[-1] if earlier else None


def goal_marks(risk: Risk) -> list[RiskGoalMark]:
    return list(db.session.scalars(
        select(RiskGoalMark).where(RiskGoalMark.risk_id == risk.id).order_by(RiskGoalMark.period)
    ))


def history(risk: Risk) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "risk",
                                 AuditEvent.object_id == risk.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ))


ID_FIELDS = {"unit_id": Unit, "owner_id": User, "plan_id": Plan,
             "success_factor_id": SuccessFactor, "responsible_id": User}


def history_names(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """Names for the ids the history shows (unit, owner, plan, success factor): one
    statement per kind of id that occurs, whatever the number of events."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        for values in (e.old or {}, e.new or {}):
            for key, value in values.items():
                if key in ID_FIELDS and isinstance(value, int):
                    wanted.setdefault(key, set()).add(value)
    names: dict[tuple[str, int], str] = {}
    for key, ids in wanted.items():
        model = ID_FIELDS[key]
        for obj in db.session.scalars(select(model).where(model.id.in_(ids))):
            names[(key, obj.id)] = obj.name
    return names


def awaiting_assessment(user: User, period: Period, *, own_only: bool) -> list[Risk]:
    """Risks in reach with no assessment of their own in ``period`` (read from the stored
    state: the row that counts in ``period`` is not from ``period`` itself)."""
    stmt = (
        select(Risk).join(Unit, Unit.id == Risk.unit_id)
        .where(Risk.archived_at.is_(None),
               ~exists().where(S.risk_id == Risk.id, S.period.in_((period.key, OPEN_PERIOD)),
                               S.since == period))
        .options(contains_eager(Risk.unit), selectinload(Risk.owner))
        .order_by(Risk.number, Risk.id)
    )
    if own_only:
        stmt = stmt.where(Risk.owner_id == user.id, units_clause(user, {Role.OWNER}))
    else:
        stmt = stmt.where(units_clause(user, {Role.COORDINATOR}))
    return list(db.session.scalars(stmt))


UNIT_CHOICES_ALL = 200  # up to this many readable units, a choice of unit offers them all


def unit_options(user: User, around: int | None = None) -> list[UnitOption]:
    """The readable units for a choice of unit, in tree order: plain rows (a region has
    thousands; ORM objects cost several times more to load and render). Up to
    UNIT_CHOICES_ALL readable units, all of them; beyond that (a region's 2,410 options
    were most of a register or heat-map page's weight and rendering) the tree around the
    unit ``around`` (its ancestors, itself, its siblings and its children) and the top
    units of the user's reach with their children: a choice moves up, across or down one
    level at a time. One statement either way (the count rides along as a window)."""
    tops = role_paths(user)
    values: dict = {"tops": tops, "around": around, "all": UNIT_CHOICES_ALL}
    for i, path in enumerate(tops):
        values[f"reach_lo{i}"], values[f"reach_hi{i}"] = path, path[:-1] + "0"
    return [UnitOption(*row) for row in db.session.execute(
        _unit_options_stmt(len(tops), around is not None), values)]


@lru_cache(maxsize=32)
def _unit_options_stmt(paths: int, around: bool):
    """unit_options' statement for ``paths`` reach paths, built once (bound: the paths as
    reach_lo/hi{i} and as ``tops``, ``around``, ``all``)."""
    tops = bindparam("tops", expanding=True)
    near = [Unit.path.in_(tops), Unit.parent_id.in_(select(Unit.id).where(Unit.path.in_(tops)))]
    if around:
        at = aliased(Unit, name="around")
        here = select(at.path).where(at.id == bindparam("around")).scalar_subquery()
        parent = select(at.parent_id).where(at.id == bindparam("around")).scalar_subquery()
        near += [Unit.parent_id == bindparam("around"), Unit.parent_id == parent,
                 func.substr(here, 1, func.length(Unit.path)) == Unit.path]
    readable = (select(Unit.id, Unit.name, Unit.depth, Unit.path,
                       func.count().over().label("n"), case((or_(*near), 1), else_=0)
                       .label("near"))
                .where(or_(*(and_(Unit.path >= bindparam(f"reach_lo{i}"),
                                  Unit.path < bindparam(f"reach_hi{i}"))
                             for i in range(paths))) if paths else false())
                .subquery("readable"))
    r = readable.c
    return (select(r.id, r.name, r.depth, r.path)
            .where(or_(r.n <= bindparam("all"), r.near == 1)).order_by(r.path))


def readable_units(user: User) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(units_clause(user)).order_by(Unit.path)))


def owner_candidates(unit: Unit) -> list[User]:
    """Active users with the risk-owner role on the unit or above it."""
    return list(db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.role == Role.OWNER, User.active.is_(True),
               Unit.id.in_(unit.ancestor_ids))
        .distinct().order_by(User.name)
    ))


def _risks_in_reach(user: User, *columns):
    """``columns`` of the risks the user can read: on PostgreSQL from the units of the
    reach (``_risks_of``), so one organisation of a hosted database reads its own risks
    only; elsewhere joined to their units."""
    if _on_postgresql():
        units = select(func.array_agg(Unit.id)).where(units_clause(user)).scalar_subquery()
        return select(*columns).where(_risks_of(units))
    return select(*columns).join(Unit, Unit.id == Risk.unit_id).where(units_clause(user))


def owners_in_scope(user: User) -> list[User]:
    """Owners of risks the user can read (for the owner filter)."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(_risks_in_reach(user, Risk.owner_id)))
        .order_by(User.name)
    ))


def perspectives_in_scope(user: User) -> list[Perspective]:
    """Perspectives of the success factors of risks the user can read (for the
    perspective filter): from the success factors of the risks in reach, not a probe per
    perspective of every organisation."""
    return list(db.session.scalars(
        select(Perspective).where(Perspective.id.in_(
            select(StrategicGoal.perspective_id)
            .join(SuccessFactor, SuccessFactor.goal_id == StrategicGoal.id)
            .where(SuccessFactor.id.in_(_risks_in_reach(user, Risk.success_factor_id)))
        )).order_by(Perspective.name)
    ))


def success_factor_choices(plan_id: int, keep: int | None = None) -> list[tuple[int, str]]:
    """The plan's success factors to choose from: none retired (with its goal or
    perspective), except ``keep``, the one already chosen."""
    live = ~or_(SuccessFactor.retired, StrategicGoal.retired, Perspective.retired)
    rows = db.session.execute(
        select(SuccessFactor.id, SuccessFactor.name, Perspective.name)
        .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == plan_id,
               live if keep is None else or_(live, SuccessFactor.id == keep))
        .order_by(Perspective.position, StrategicGoal.position, SuccessFactor.position)
    ).all()
    return [(sid, f"{pname} – {sname}") for sid, sname, pname in rows]
