"""What the pages of other features show of a lock: the period pickers mark a reported
period, and the banner names the lock of the period a page or a form is about."""

from __future__ import annotations

from flask_babel import gettext as _

from ..domain.periods import Period, PeriodError
from ..models.locks import PeriodLock


def _period(value) -> Period | None:
    if isinstance(value, Period):
        return value
    try:
        return Period.parse(value) if value else None
    except PeriodError:
        return None


def mark_choices(choices: list[tuple[str, str]], locks: dict[Period, PeriodLock]
                 ) -> list[tuple[str, str]]:
    """A period picker's choices, a reported period marked as such (it stays a choice: a
    form posted with it is refused by the service with the lock's message)."""
    reported = _("reported to the board")
    return [(value, f"{label} – {reported}" if _period(value) in locks else label)
            for value, label in choices]


def lock_of(value, locks: dict[Period, PeriodLock]) -> PeriodLock | None:
    """The lock of the period ``value`` (a Period or a form's "2024-T1"), or None."""
    period = _period(value)
    return locks.get(period) if period is not None else None
