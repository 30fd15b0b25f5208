"""Who may read, report (lock) and reopen periods. Used by the views, the services and
the templates.

Everyone who reads a unit reads its locks (and the locks of the units above it, which
cover it); a coordinator of the unit or a unit above it reports a period for it and
reopens it. Administrators keep the organisation and are not coordinators."""

from __future__ import annotations

from ..auth.permissions import MANAGERS, can_read_unit, has_any_role, has_role_over
from ..models.locks import PeriodLock
from ..models.org import Unit
from ..models.users import User


def can_lock(user: User | None, unit: Unit) -> bool:
    return has_role_over(user, MANAGERS, unit)


def can_lock_somewhere(user: User) -> bool:
    return has_any_role(user, MANAGERS)


def can_reopen(user: User | None, lock: PeriodLock) -> bool:
    return lock.locked and can_lock(user, lock.unit)


def can_read_lock(user: User | None, lock: PeriodLock, reader_paths: list[str]) -> bool:
    """The lock's unit is readable, or lies above a unit the user reads (it covers it)."""
    return can_read_unit(user, lock.unit) or any(p.startswith(lock.unit.path)
                                                 for p in reader_paths)
