"""The reminders provider of internal control (named in ``create_app``): the control runs
each control's responsible person still has to perform, per covered unit, in the current
and the previous tertial. One statement, whatever the number of controls, units or people.

Which runs are expected, and whether one is recorded, is schedule.py's rule (the same as
the control page and the dashboard): a run is owed while its expected slot is *due*,
*in progress* (begun, no conclusion) or *overdue*; *done* and *not performed* (with its
reason) settle it. Its due date is set like the risks' re-assessments
(riskreg/reminders/providers.py): the organisation's ``reassess_days`` after the end of
the tertial the run is due in (schedule.due_date: a monthly control's four occasions in
their tertial, a yearly or once control in its year's last tertial).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, bindparam, func, or_, select

from ..domain.periods import Period
from ..extensions import db
from ..links import url_pattern
from ..models.controls import Control, ControlPlan, ControlRun, ControlUnit
from ..models.org import Unit
from ..models.users import User
from ..reminders.due import DueItem, DueQuery
from ..reminders.providers import _deadline_days
from . import schedule

RECORDING = ("adopted", "followed_up")  # plans whose runs may be recorded (permissions.py)
OWED = ("due", "in_progress", "overdue")


@lru_cache(maxsize=16)
def _statement(cur: Period, by_person: bool):
    """Each (control, covered unit) of a recording plan of the previous or current
    tertial's year whose responsible is active, with the organisation's deadline and the
    runs that can settle one of its expected runs there (an outer join: one row per run,
    or one without)."""
    prev = cur.previous()
    unit_id = func.coalesce(ControlUnit.unit_id, ControlPlan.unit_id)
    stmt = (
        select(Control.id.label("id"), Control.number.label("number"),
               Control.title.label("title"), Control.frequency.label("frequency"),
               ControlPlan.year.label("year"), Control.responsible_id.label("person"),
               Unit.id.label("unit_id"), Unit.name.label("unit"), Unit.path.label("path"),
               _deadline_days().label("days"),
               ControlRun.id.label("run_id"), ControlRun.period.label("period"),
               ControlRun.occasion.label("occasion"),
               ControlRun.conclusion.label("conclusion"))
        .join(ControlPlan, ControlPlan.id == Control.plan_id)
        .outerjoin(ControlUnit, ControlUnit.control_id == Control.id)
        .join(Unit, Unit.id == unit_id)
        .join(User, User.id == Control.responsible_id)
        # a run settles its own tertial's slot, a yearly (once) control's run any of its
        # year's: only those runs are read
        .outerjoin(ControlRun, and_(
            ControlRun.control_id == Control.id, ControlRun.unit_id == Unit.id,
            or_(ControlRun.period.in_([prev, cur]),
                and_(Control.frequency.in_(schedule.WHOLE_YEAR),
                     ControlRun.period >= Period(prev.year, 1),
                     ControlRun.period <= Period(cur.year, 3)))))
        .where(ControlPlan.state.in_(RECORDING),
               ControlPlan.year.in_(sorted({prev.year, cur.year})),
               User.active.is_(True))
        .order_by(Unit.path, Control.plan_id, Control.number))
    if by_person:
        stmt = stmt.where(Control.responsible_id == bindparam("person", type_=Integer))
    return stmt


def control_runs_to_perform(q: DueQuery) -> list[DueItem]:
    cur, prev = q.current, q.previous
    params = {"person": q.person_id} if q.person_id is not None else {}
    rows = db.session.execute(_statement(cur, q.person_id is not None), params).all()
    pairs: dict[tuple[int, int], list] = defaultdict(list)
    for r in rows:
        pairs[(r.id, r.unit_id)].append(r)
    perform = url_pattern("controls.run_new", "control_id")
    conclude = url_pattern("controls.run", "run_id")
    horizon = q.horizon
    items = []
    for group in pairs.values():
        first = group[0]
        runs = [r for r in group if r.run_id is not None]
        keys = [schedule.RunKey(r.unit_id, r.period, r.occasion, r.conclusion) for r in runs]
        for e in schedule.expected_runs(first.frequency, first.year, [first.unit_id],
                                        [prev, cur]):
            if schedule.state(e, keys, cur) not in OWED:
                continue
            due = schedule.due_date(e, first.days)
            if due > horizon:
                continue
            begun = next((r for r in runs if schedule.matches(e, r.period, r.occasion)),
                         None)
            label = schedule.occasion_label(first.frequency, e)
            if begun is not None:
                action = _l("Conclude the run of control %(number)d for %(period)s",
                            number=first.number, period=label)
                url = conclude(begun.run_id)
            else:
                action = _l("Perform control %(number)d for %(period)s",
                            number=first.number, period=label)
                url = (f"{perform(first.id)}?unit={first.unit_id}&period={e.period}"
                       f"&occasion={e.occasion}")
            items.append(DueItem("control_run", action, first.title, first.unit, due, url,
                                 first.person, first.id))
    return items
