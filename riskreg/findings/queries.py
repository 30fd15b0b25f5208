"""The findings, each one statement over the unit subtree in the user's reach.

A kind of finding is a :class:`Kind`: a code, a title and a query function
``(ctx) -> (items, total)``. :data:`KINDS` lists them in the order they are shown; a new
kind (e.g. the KPI branch's "KPI off target while its risks are below the threshold") is
one more function and one more entry. Each query returns at most ``ctx.limit`` items and
the full count (a window count riding along), so the cost of a page is constant in the
number of risks and measures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from .. import clock
from ..auth.permissions import role_paths
from ..domain.matrix import risk_value
from ..domain.periods import Period
from ..extensions import db
from ..models.measures import Measure, MeasureFollowUp, MeasureRisk
from ..models.org import Unit
from ..models.risks import Risk
from ..models.users import User
from ..risks.latest import S, bound_counts_in, bound_reach, period_params, reach_params
from ..scales import scale_for_unit

LIMIT = 50


@dataclass(frozen=True)
class Context:
    user: User
    unit: Unit
    period: Period
    today: date
    threshold: int
    limit: int = LIMIT


@dataclass
class Item:
    object_type: str  # "risk" | "measure" | "kpi"
    id: int
    number: int | None  # a KPI has none
    title: str
    unit_name: str
    detail: dict = field(default_factory=dict)  # value, due date …


@dataclass
class Finding:
    code: str
    title: str
    items: list[Item]
    total: int


@dataclass(frozen=True)
class Kind:
    code: str
    title: Callable[[Context], str]
    query: Callable[[Context], tuple[list[Item], int]]


# -- period helpers ------------------------------------------------------------------------
def period_end(period: Period) -> date:
    return period.next().start_date - timedelta(days=1)


def report_due(period: Period, today: date) -> bool:
    """A tertial's follow-up is due from the first day of its last month (000 reports
    per April for T1)."""
    return today >= date(period.year, period.last_month, 1)


def _scoped_units(paths: int, postgresql: bool):
    """(units, their id, their name, conditions): the units of the subtree in the user's
    reach for the measures to be joined to. On PostgreSQL read first (a MATERIALIZED
    CTE), the measures then found by their unit id in an array of them (``_of_units``):
    joined the other way, it read the due-date index across every organisation of a
    hosted database (281 ms instead of 17 for one organisation of ten; issue 14), and
    a plain join to the CTE hashed every organisation's measures (and, for finding 3,
    every follow-up of the period: 130 ms). SQLite plans the plain join better (22 ms
    against 49 at region size)."""
    where = (bound_reach(paths, True, column=Unit.path),)  # the reach and the subtree
    if not postgresql:
        return Unit, Unit.id, Unit.name, where
    units = (select(Unit.id.label("id"), Unit.name.label("name")).where(*where)
             .cte("scoped").prefix_with("MATERIALIZED"))
    ids = select(func.array_agg(units.c.id)).scalar_subquery()
    return units, units.c.id, units.c.name, (_of_units(Measure.unit_id, ids),)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _of_units(column, unit_ids):
    """SQL (PostgreSQL): ``column`` is one of ``unit_ids``, an array subquery. The planner
    guesses 10 elements for an array it cannot see, so it reads the unit index instead
    of every organisation's rows, and expects few rows after it (so it probes per row
    rather than hashing a whole table); OR-ed with an empty array it combines bitmaps
    and reads the heap in page order rather than row by row."""
    return or_(column == any_(cast(unit_ids, ARRAY(Integer))),
               column == any_(literal_column("'{}'::integer[]")))


# -- 1. a risk at or above the action threshold with no active measure ---------------------
def unmitigated_risks(ctx: Context) -> tuple[list[Item], int]:
    """One range read of the stored state of the period within the subtree and the
    user's reach (riskreg/risks/latest.py), the value filtered there, the measures
    probed for those at or above the threshold only; names joined for the listed."""
    shape, values = reach_params(role_paths(ctx.user), ctx.unit, True)
    values |= period_params(ctx.period) | {
        "threshold": ctx.threshold, "limit": ctx.limit, "period_end": period_end(ctx.period)}
    rows = db.session.execute(_unmitigated_stmt(shape[0], _is_postgresql()), values).all()
    items = [Item("risk", rid, num, title, uname, {"value": v})
             for rid, num, title, uname, v, _t in rows]
    return items, rows[0][-1] if rows else 0


@lru_cache(maxsize=32)
def _unmitigated_stmt(paths: int, postgresql: bool):
    """Built once per number of paths in the user's reach (riskreg/risks/latest.py) and
    dialect.

    On PostgreSQL the risks at or above the threshold are read first (a MATERIALIZED
    CTE) and their measure links found by their risk ids (an array the planner cannot
    see, so it probes the index instead of hashing every link): as a plain NOT EXISTS,
    the anti-join hashed every measure link and measure of the database, other
    organisations' too (issue 14, hosted). SQLite probes per row anyway."""
    period = bindparam("period")
    value = risk_value(S.likelihood, S.consequence)
    alive = (or_(Measure.closed_in.is_(None), Measure.closed_in > period),
             or_(Measure.start_date.is_(None), Measure.start_date <= bindparam("period_end")))
    over = (bound_counts_in(), bound_reach(paths, True), value >= bindparam("threshold"))
    if postgresql:
        above = (select(S.risk_id.label("risk_id"), S.number.label("number"),
                        value.label("value")).where(*over)
                 .cte("above").prefix_with("MATERIALIZED"))
        ids = cast(select(func.array_agg(above.c.risk_id)).scalar_subquery(), ARRAY(Integer))
        covered = (select(MeasureRisk.risk_id)
                   .join(Measure, Measure.id == MeasureRisk.measure_id)
                   .where(MeasureRisk.risk_id == any_(ids), *alive).subquery("covered"))
        risk_id, number, value = above.c.risk_id, above.c.number, above.c.value
        candidates = select(risk_id, number, value.label("value")).where(
            ~exists().where(covered.c.risk_id == risk_id))
    else:
        covered = exists().where(MeasureRisk.risk_id == S.risk_id,
                                 Measure.id == MeasureRisk.measure_id, *alive)
        risk_id, number = S.risk_id, S.number
        candidates = select(risk_id, number, value.label("value")).where(*over, ~covered)
    top = (candidates.add_columns(func.count().over().label("total"))
           .order_by(value.desc(), number, risk_id).limit(bindparam("limit"))
           .subquery("top"))
    order = (top.c.value.desc(), top.c.number, top.c.risk_id)
    if postgresql:  # the names by the listed risks' keys (LATERAL … LIMIT 1: a probe per
        # row; joined, a limit of 1,000 made the planner hash every risk of the database)
        names = (select(Risk.event.label("event"), Unit.name.label("unit_name"))
                 .join(Unit, Unit.id == Risk.unit_id).where(Risk.id == top.c.risk_id)
                 .limit(1).lateral("names"))
        return (select(top.c.risk_id, top.c.number, names.c.event, names.c.unit_name,
                       top.c.value, top.c.total)
                .join(names, true()).order_by(*order))
    return (select(top.c.risk_id, top.c.number, Risk.event, Unit.name, top.c.value,
                   top.c.total)
            .join(Risk, Risk.id == top.c.risk_id).join(Unit, Unit.id == Risk.unit_id)
            .order_by(*order))


# -- 2. a measure past its due date and not finished ----------------------------------------
def _measure_params(ctx: Context) -> tuple[int, dict]:
    """The number of reach paths (the statements' shape) and the values of findings 2
    and 3: their statements are built once per shape and dialect, values bound (building
    them cost a municipality's page more than running them; issue 14)."""
    shape, values = reach_params(role_paths(ctx.user), ctx.unit, True)
    return shape[0], values | {"period": ctx.period, "period_end": period_end(ctx.period),
                               "limit": ctx.limit}


def _bound_measure_alive():
    """SQL: the measure counts in the period bound as ``period`` (not closed in or before
    it, started by its end, bound as ``period_end``)."""
    return and_(or_(Measure.closed_in.is_(None), Measure.closed_in > bindparam("period")),
                or_(Measure.start_date.is_(None),
                    Measure.start_date <= bindparam("period_end")))


def overdue_measures(ctx: Context) -> tuple[list[Item], int]:
    paths, values = _measure_params(ctx)
    values["asof"] = min(ctx.today, period_end(ctx.period))
    rows = db.session.execute(_overdue_stmt(paths, _is_postgresql()), values).all()
    items = [Item("measure", mid, num, title, uname, {"due_date": due})
             for mid, num, title, uname, due, _t in rows]
    return items, rows[0][-1] if rows else 0


@lru_cache(maxsize=32)
def _overdue_stmt(paths: int, postgresql: bool):
    units, unit_id, unit_name, scope = _scoped_units(paths, postgresql)
    return (select(Measure.id, Measure.number, Measure.title, unit_name, Measure.due_date,
                   func.count().over())
            .join(units, unit_id == Measure.unit_id)
            .where(*scope, _bound_measure_alive(), Measure.due_date < bindparam("asof"))
            .order_by(Measure.due_date, Measure.number, Measure.id).limit(bindparam("limit")))


# -- 3. a measure with no status for the period while the report is due --------------------
def missing_follow_ups(ctx: Context) -> tuple[list[Item], int]:
    if not report_due(ctx.period, ctx.today):
        return [], 0
    paths, values = _measure_params(ctx)
    rows = db.session.execute(_missing_stmt(paths, _is_postgresql()), values).all()
    items = [Item("measure", mid, num, title, uname) for mid, num, title, uname, _t in rows]
    return items, rows[0][-1] if rows else 0


@lru_cache(maxsize=32)
def _missing_stmt(paths: int, postgresql: bool):
    reported = exists().where(MeasureFollowUp.measure_id == Measure.id,
                              MeasureFollowUp.period == bindparam("period"),
                              MeasureFollowUp.status_id.is_not(None))
    units, unit_id, unit_name, scope = _scoped_units(paths, postgresql)
    return (select(Measure.id, Measure.number, Measure.title, unit_name, func.count().over())
            .join(units, unit_id == Measure.unit_id)
            .where(*scope, _bound_measure_alive(), ~reported)
            .order_by(Measure.number, Measure.id).limit(bindparam("limit")))


# -- 4. a KPI off target while every risk linked to it is below the threshold ---------------
def kpis_off_target(ctx: Context) -> tuple[list[Item], int]:
    """The figures say the goal is at risk, the risk register says all is well
    (riskreg/kpis/findings.py; a plan has tens of KPIs, so all rows are read)."""
    from ..kpis.findings import kpi_findings

    rows = kpi_findings(ctx.user, ctx.unit, ctx.period, threshold=ctx.threshold)
    items = [Item("kpi", r.kpi_id, None, r.kpi_name, r.unit_name,
                  {"linked_risks": r.linked_risks, "highest_value": r.highest_value})
             for r in rows[:ctx.limit]]
    return items, len(rows)


KINDS: tuple[Kind, ...] = (
    Kind("risk_without_measure",
         lambda ctx: str(_l("Risks at or above the action threshold (%(n)d) without an "
                            "active measure",
                            n=ctx.threshold)),
         unmitigated_risks),
    Kind("measure_overdue", lambda ctx: str(_l("Measures past their due date, not finished")),
         overdue_measures),
    Kind("measure_without_status",
         lambda ctx: str(_l("Measures without a status for %(period)s", period=str(ctx.period))),
         missing_follow_ups),
    Kind("kpi_off_target_risks_low",
         lambda ctx: str(_l("KPIs off target while every linked risk is below the action "
                            "threshold")),
         kpis_off_target),
)


def findings(user: User, unit: Unit, period: Period, limit: int = LIMIT,
             kinds: tuple[Kind, ...] = KINDS) -> list[Finding]:
    """Every kind of finding for the unit (and beneath) and the period: one statement per
    kind."""
    ctx = Context(user, unit, period, clock.today(),
                  scale_for_unit(unit).action_threshold, limit)
    out = []
    for kind in kinds:
        items, total = kind.query(ctx)
        out.append(Finding(kind.code, kind.title(ctx), items, total))
    return out
