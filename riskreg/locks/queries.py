"""Reads of the reported-periods page and of the banners on the risk and measure pages."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..auth.permissions import MANAGERS, role_paths, units_clause
from ..domain.periods import Period
from ..extensions import db
from ..models.locks import PeriodLock
from ..models.org import Unit
from ..models.users import User
from . import services
from .permissions import can_read_lock

LIST_LIMIT = 500  # a region reports a handful of units three times a year


def _with_people(query):
    return query.options(joinedload(PeriodLock.unit), joinedload(PeriodLock.locked_by),
                         joinedload(PeriodLock.reopened_by))


def _ancestor_ids(paths: list[str]) -> set[int]:
    return {int(p) for path in paths for p in path.strip("/").split("/") if p}


def visible_locks(user: User, unit: Unit | None = None, period: Period | None = None
                  ) -> list[PeriodLock]:
    """The locks the user sees: on the units they read and on the units above them (those
    cover theirs). With ``unit``: the locks covering it and those beneath it."""
    paths = role_paths(user)
    query = _with_people(select(PeriodLock).join(Unit, Unit.id == PeriodLock.unit_id).where(
        or_(units_clause(user), PeriodLock.unit_id.in_(_ancestor_ids(paths)))))
    if unit is not None:
        query = query.where(or_(Unit.subtree_clause(unit.path),
                                PeriodLock.unit_id.in_(unit.ancestor_ids)))
    if period is not None:
        query = query.where(PeriodLock.period == period)
    return list(db.session.scalars(
        query.order_by(PeriodLock.period.desc(), Unit.path).limit(LIST_LIMIT)).unique())


def lockable_units(user: User) -> list[Unit]:
    """The units the user may report a period for (a coordinator's units and beneath)."""
    return list(db.session.scalars(
        select(Unit).where(units_clause(user, MANAGERS)).order_by(Unit.path)))


def readable_lock(user: User, lock_id: int) -> PeriodLock | None:
    lock = db.session.scalar(_with_people(select(PeriodLock).where(PeriodLock.id == lock_id)))
    if lock is None:
        return None
    return lock if can_read_lock(user, lock, role_paths(user)) else None


def lock_for(unit: Unit, period: Period) -> PeriodLock | None:
    """The lock covering ``unit`` in ``period``, with the people a banner names."""
    found = services.locks_covering(unit, [period])
    return found.get(period)


def locks_for(unit: Unit, periods: list[Period] | None = None) -> dict[Period, PeriodLock]:
    """Per period, the lock covering ``unit`` (for the period pickers and history)."""
    return services.locks_covering(unit, periods)


def locks_for_units(units: list[Unit], periods: list[Period]
                    ) -> dict[tuple[int, Period], PeriodLock]:
    """Per (unit id, period), the lock covering it (a control page's expected runs)."""
    return services.locks_covering_units(units, periods)
