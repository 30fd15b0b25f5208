"""Reporting a period to the board (locking it), reopening it with a reason, and the check
every write of per-period data calls (``ensure_open``).

Each write checks the permission rule, validates, changes state, records the audit event
and flushes; the request's unit of work commits (uow.py). ``by`` None is the command line
or the demo seed (no web scope). A lock covers its unit and everything beneath it: the
lookup reads the unit's ancestors from its path (``Unit.ancestor_ids``) and asks the
unique (period, unit_id) index for them, one statement.
"""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..auth.permissions import require
from ..domain.periods import Period
from ..extensions import db
from ..i18n import iso_date
from ..models.locks import PeriodLock
from ..models.org import Unit
from ..models.types import utcnow
from ..models.users import User
from ..services import ServiceError
from .permissions import can_lock, can_reopen

MAX_TEXT = 4000
LOCK_FIELDS = ("period", "unit_id", "locked", "source", "locked_at", "note")
FOLLOW_UP_NOTE = "Uppföljningen rapporterad till nämnden"


class PeriodLocked(ServiceError):
    """A write of a reported (locked) period. ``lock`` is the lock that refused it."""

    def __init__(self, lock: PeriodLock, period: Period) -> None:
        who = lock.locked_by.name if lock.locked_by is not None else "–"
        named = f"{period} ({period.report_name})"
        super().__init__(_(
            "The period %(period)s is reported to the board and locked (%(unit)s, by "
            "%(who)s on %(when)s). A coordinator can reopen it with a reason.",
            period=named, unit=lock.unit.name, who=who,
            when=iso_date(lock.locked_at)), "period")
        self.lock = lock


# -- reads -----------------------------------------------------------------------------
def _covering(ancestors):
    """Locked rows on any of ``ancestors`` (ids, or a bound parameter), with the unit
    and the person a message names (joined: still one statement)."""
    return select(PeriodLock).where(PeriodLock.unit_id.in_(ancestors), PeriodLock.locked
                                    ).options(joinedload(PeriodLock.unit),
                                              joinedload(PeriodLock.locked_by))


@lru_cache(maxsize=2)
def _covering_bound(in_periods: bool):
    """``_covering`` over bound ancestors (and periods), built once: a heat map or a
    register page asks on every request, and building the statement with its two joined
    loads cost more than running it (issue 14)."""
    query = _covering(bindparam("ancestors", expanding=True))
    if in_periods:
        query = query.where(PeriodLock.period.in_(bindparam("periods", expanding=True)))
    return query


def is_locked(unit: Unit, period: Period) -> PeriodLock | None:
    """The lock that covers ``unit`` in ``period`` (on the unit or a unit above it; the
    widest when there are several), or None when the period is open there."""
    ancestors = unit.ancestor_ids
    locks = db.session.scalars(_covering(ancestors).where(PeriodLock.period == period)).all()
    if not locks:
        return None
    return min(locks, key=lambda lock: ancestors.index(lock.unit_id))


def locks_covering(unit: Unit, periods: list[Period] | None = None
                   ) -> dict[Period, PeriodLock]:
    """Per period, the lock that covers ``unit`` (every period, or only ``periods``): one
    statement, for pages that show several periods of one unit."""
    ancestors = unit.ancestor_ids
    values = {"ancestors": ancestors}
    if periods is not None:
        values["periods"] = [p.key for p in periods]
    found: dict[Period, PeriodLock] = {}
    for lock in db.session.scalars(_covering_bound(periods is not None), values):
        have = found.get(lock.period)
        if have is None or ancestors.index(lock.unit_id) < ancestors.index(have.unit_id):
            found[lock.period] = lock
    return found


def ensure_open(unit: Unit, period: Period) -> None:
    """Raise :class:`PeriodLocked` when ``period`` is reported (locked) for ``unit``."""
    lock = is_locked(unit, period)
    if lock is not None:
        raise PeriodLocked(lock, period)


def locks_covering_units(units: list[Unit], periods: list[Period]
                         ) -> dict[tuple[int, Period], PeriodLock]:
    """Per (unit id, period), the lock covering that unit in that period (the widest, as
    :func:`is_locked` names it): one statement for many units (a control's covered units
    over its plan's tertials)."""
    wanted = {uid for unit in units for uid in unit.ancestor_ids}
    if not wanted or not periods:
        return {}
    by_unit: dict[tuple[int, Period], PeriodLock] = {}
    for lock in db.session.scalars(_covering(sorted(wanted)).where(
            PeriodLock.period.in_([p.key for p in periods]))):
        by_unit[(lock.unit_id, lock.period)] = lock
    found: dict[tuple[int, Period], PeriodLock] = {}
    for unit in units:
        for period in periods:
            lock = next((by_unit[(uid, period)] for uid in unit.ancestor_ids
                         if (uid, period) in by_unit), None)
            if lock is not None:
                found[(unit.id, period)] = lock
    return found


def ensure_all_open(units: list[Unit], period: Period) -> None:
    """:func:`ensure_open` for many units (a carry-forward of a whole list, an import) in
    one statement, whatever their number."""
    wanted = {uid for unit in units for uid in unit.ancestor_ids}
    if not wanted:
        return
    locks = {lock.unit_id: lock for lock in db.session.scalars(
        _covering(sorted(wanted)).where(PeriodLock.period == period))}
    for unit in units:
        for uid in unit.ancestor_ids:  # the widest lock first, as is_locked names it
            if uid in locks:
                raise PeriodLocked(locks[uid], period)


# -- writes ------------------------------------------------------------------------------
def _text(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), field)
    return value or None


def _exact(unit: Unit, period: Period) -> PeriodLock | None:
    return db.session.scalar(select(PeriodLock).where(
        PeriodLock.period == period, PeriodLock.unit_id == unit.id))


def lock_period(unit: Unit, period: Period, by: User | None, note: str | None = None,
                *, source: str = "board") -> PeriodLock:
    """Report ``period`` to the board for ``unit`` and its subtree: lock it (or lock it
    again after a reopening). A period already locked on this very unit is refused."""
    if by is not None:
        require(can_lock(by, unit))
    if period > clock.current_period():
        raise ServiceError(_("A period in the future cannot be reported."), "period")
    note = _text(note, "note")
    already = ServiceError(_("%(period)s is already reported for %(unit)s.",
                             period=str(period), unit=unit.name), "period")
    lock = _exact(unit, period)
    if lock is not None and lock.locked:
        raise already
    action = "relock" if lock is not None else "lock"
    before = audit.snapshot(lock, LOCK_FIELDS) if lock is not None else None
    fresh = lock is None
    if fresh:
        lock = PeriodLock(period=period, unit_id=unit.id)
    lock.unit = unit
    lock.locked, lock.source, lock.note = True, source, note
    lock.locked_at = utcnow()
    lock.locked_by_id = by.id if by is not None else None
    lock.locked_by = by
    if fresh:
        try:  # two coordinators reporting the same period at once: the second is told so
            with db.session.begin_nested():
                db.session.add(lock)
        except IntegrityError as exc:
            raise already from exc
    db.session.flush()
    after = audit.snapshot(lock, LOCK_FIELDS)
    old, new = audit.diff(before, after) if before is not None else (None, after)
    audit.record(by, "period_lock", lock.id, action, old, new, unit_id=unit.id)
    return lock


def reopen_period(unit: Unit, period: Period, by: User | None, reason: str | None
                  ) -> PeriodLock:
    """Reopen a reported period of ``unit`` with a reason (audited). Only the lock on this
    very unit is reopened: a period locked through a unit above is reopened there."""
    lock = _exact(unit, period)
    if lock is None or not lock.locked:
        covering = is_locked(unit, period)
        if covering is not None:
            raise ServiceError(_("%(period)s is reported for %(unit)s: reopen it there.",
                                 period=str(period), unit=covering.unit.name), "period")
        raise ServiceError(_("%(period)s is not reported for %(unit)s.",
                             period=str(period), unit=unit.name), "period")
    if by is not None:
        require(can_reopen(by, lock))
    reason = _text(reason, "reason")
    if not reason:
        raise ServiceError(_("Say why the period is reopened."), "reason")
    lock.locked = False
    lock.reopened_at = utcnow()
    lock.reopened_by_id = by.id if by is not None else None
    lock.reopen_reason = reason
    db.session.flush()
    audit.record(by, "period_lock", lock.id, "reopen",
                 {"period": str(period), "locked": True},
                 {"period": str(period), "locked": False, "reason": reason},
                 unit_id=unit.id)
    return lock


def lock_for_follow_up(unit: Unit, period: Period, by: User | None) -> PeriodLock:
    """The control plan calls this when its follow-up for ``period`` (the tertial the
    report follows: DÅ04 → T1, DÅ08 → T2, ÅR → T3; ``Period.from_report``) is reported to
    the board: the plan's unit and its subtree are locked for that period. Idempotent: a
    period already locked on the unit stays as it is (the first report's time and person);
    a reopened one is locked again."""
    lock = _exact(unit, period)
    if lock is not None and lock.locked:
        if by is not None:
            require(can_lock(by, unit))
        return lock
    return lock_period(unit, period, by, FOLLOW_UP_NOTE, source="follow_up")
