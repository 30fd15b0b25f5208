"""The providers of the risk register and the measures (named in ``create_app``): each is
one statement, whatever the number of risks, measures or people.

The organisation's deadline (``risk_scale.reassess_days``, the default when it has no
stored scale) is read in SQL per row, so that the "due by the horizon" test is an integer
comparison (``DueQuery.slack``); which tertial is owed is computed in SQL by the rule of
due.py, and the same rule is applied again in Python to the rows returned, to name the
tertial and its due date. Each row's values are computed once in a MATERIALIZED common
table expression and then filtered (PostgreSQL would otherwise repeat the correlated
reads once per mention in the filter).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, bindparam, func, literal, not_, or_, select, true
from sqlalchemy.orm import aliased

from ..domain.periods import Period
from ..extensions import db
from ..links import url_pattern
from ..models.measures import Measure, MeasureFollowUp
from ..models.org import Unit
from ..models.risks import OPEN_PERIOD, Risk, RiskState
from ..models.scale import DEFAULT_REASSESS_DAYS, RiskScale
from ..models.users import User
from .due import DueItem, DueQuery, owed

_Root = aliased(Unit, name="root")


def _deadline_days():
    """SQL, per row of a statement that joins Unit: the deadline of the unit's organisation
    (its root unit's stored scale; the default when it has none). A correlated lookup in
    the organisations' few scale rows: a join to the root on the path prefix misleads
    PostgreSQL's row estimate (12 of 2,410 units), which then reads every unit's risks
    instead of one owner's."""
    stored = (select(RiskScale.reassess_days)
              .join(_Root, _Root.id == RiskScale.unit_id)
              .where(_Root.parent_id.is_(None), Unit.path.startswith(_Root.path))
              .correlate(Unit).limit(1).scalar_subquery())
    return func.coalesce(stored, literal(DEFAULT_REASSESS_DAYS))


def _start_of(period: Period) -> datetime:
    return datetime(period.start_date.year, period.start_date.month, period.start_date.day,
                    tzinfo=UTC)


def _owed_sql(latest, cur: Period, days, in_previous, in_current):
    """SQL of ``owed(...)`` due by the horizon: the previous tertial is owed and due, or
    the previous is not owed and the current one is owed and due (``latest`` as a period
    key; the horizon enters as the parameters ``slack_prev`` and ``slack_cur``,
    DueQuery.slack)."""
    prev = cur.previous()
    owes_prev = and_(in_previous, or_(latest.is_(None), latest < prev.key))
    owes_cur = and_(in_current, or_(latest.is_(None), latest < cur.key))
    return or_(and_(owes_prev, days <= bindparam("slack_prev", type_=Integer)),
               and_(not_(owes_prev), owes_cur, days <= bindparam("slack_cur", type_=Integer)))


def _params(q: DueQuery) -> dict:
    return {"slack_prev": q.slack(q.previous), "slack_cur": q.slack(q.current),
            "horizon": q.horizon, "person": q.person_id}


def _started_by(period: Period):
    return or_(Measure.start_date.is_(None), Measure.start_date <= period.end_date)


def _period(value) -> Period | None:
    """A latest tertial as read: a Period (a period column) or a key (computed)."""
    if value is None or isinstance(value, Period):
        return value
    return Period.from_key(value)


def _existed(inner):
    """SQL: the object existed in the previous tertial: something was done in it before,
    or it was made before the current tertial began (an imported register's objects are
    made on the day of the import: their earlier assessments tell their age)."""
    return or_(inner.c.latest.is_not(None), inner.c.created_early)


def _person(stmt, column, by_person: bool):
    stmt = stmt.join(User, User.id == column).where(User.active.is_(True))
    return stmt.where(column == bindparam("person", type_=Integer)) if by_person else stmt


# The statements are built once per (tertial, one person or everyone) and take the horizon
# and the person as parameters: building a statement of this size costs milliseconds of
# Python, more than the database needs to answer it for one person (the start page).
@lru_cache(maxsize=16)
def _risk_statement(cur: Period, by_person: bool):
    inner = _person(
        select(Risk.id.label("id"), Risk.number.label("number"), Risk.title.label("title"),
               Unit.name.label("unit"), Risk.owner_id.label("person"),
               RiskState.since.label("latest"),
               (Risk.created_at < _start_of(cur)).label("created_early"),
               _deadline_days().label("days"))
        .join(Unit, Unit.id == Risk.unit_id)
        # the open row of the stored state: its latest assessment (riskreg/risks/state.py)
        .outerjoin(RiskState, and_(RiskState.risk_id == Risk.id,
                                   RiskState.period == OPEN_PERIOD))
        .where(Risk.archived_at.is_(None)), Risk.owner_id, by_person
    ).cte("r").prefix_with("MATERIALIZED")  # each row's values once, then filtered
    return select(inner).where(_owed_sql(inner.c.latest, cur, inner.c.days, _existed(inner),
                                         true()))


# -- risks to re-assess (their owners) ----------------------------------------------------
def risks_to_reassess(q: DueQuery) -> list[DueItem]:
    cur = q.current
    rows = db.session.execute(_risk_statement(cur, q.person_id is not None), _params(q)).all()
    link = url_pattern("risks.assess", "risk_id")
    horizon = q.horizon
    items = []
    for r in rows:
        latest = _period(r.latest)
        period = owed(latest, cur, in_previous=latest is not None or bool(r.created_early))
        if period is None:
            continue
        due = period.due_date(r.days)
        if due > horizon:
            continue
        items.append(DueItem(
            "risk", _l("Re-assess risk %(number)d for %(period)s", number=r.number,
                       period=str(period)),
            r.title, r.unit, due, f"{link(r.id)}?period={period}", r.person, r.id))
    return items


# -- measures to report, and measures due (their responsible) ------------------------------
@lru_cache(maxsize=16)
def _measure_statement(cur: Period, by_person: bool):
    reported = (select(func.max(MeasureFollowUp.period))
                .where(MeasureFollowUp.measure_id == Measure.id,
                       MeasureFollowUp.status_id.is_not(None))
                .correlate(Measure).scalar_subquery())
    inner = _person(
        select(Measure.id.label("id"), Measure.number.label("number"),
               Measure.title.label("title"), Unit.name.label("unit"),
               Measure.responsible_id.label("person"), Measure.due_date.label("due_date"),
               reported.label("latest"),
               (Measure.created_at < _start_of(cur)).label("created_early"),
               _started_by(cur.previous()).label("started_early"),
               _started_by(cur).label("in_current"),
               _deadline_days().label("days"))
        .join(Unit, Unit.id == Measure.unit_id)
        .where(Measure.state == "active"), Measure.responsible_id, by_person
    ).cte("m").prefix_with("MATERIALIZED")  # the latest report once per row, then filtered
    return select(inner).where(or_(
        _owed_sql(inner.c.latest, cur, inner.c.days,
                  and_(_existed(inner), inner.c.started_early), inner.c.in_current),
        inner.c.due_date <= bindparam("horizon", type_=Date)))


def measures_to_report(q: DueQuery) -> list[DueItem]:
    """Two kinds of item: the status report of a tertial (by the organisation's deadline,
    like the risks' re-assessments), and the measure's own due date (finish it, or close
    it with a reason)."""
    cur = q.current
    rows = db.session.execute(_measure_statement(cur, q.person_id is not None),
                              _params(q)).all()
    report = url_pattern("measures.follow_up", "measure_id")
    detail = url_pattern("measures.detail", "measure_id")
    horizon = q.horizon
    items = []
    for r in rows:
        latest = _period(r.latest)
        period = owed(latest, cur,
                      in_previous=(latest is not None or bool(r.created_early))
                      and bool(r.started_early),
                      in_current=bool(r.in_current))
        if period is not None and (due := period.due_date(r.days)) <= horizon:
            items.append(DueItem(
                "measure_report", _l("Report the status of measure %(number)d for %(period)s",
                                     number=r.number, period=str(period)),
                r.title, r.unit, due, f"{report(r.id)}?period={period}", r.person, r.id))
        if r.due_date is not None and r.due_date <= horizon:
            items.append(DueItem(
                "measure_due",
                _l("Measure %(number)d is due: finish it, or cancel it with a reason",
                   number=r.number),
                r.title, r.unit, r.due_date, detail(r.id), r.person, r.id))
    return items
