"""What falls due: the item, the question a provider answers, and the rule of which
tertial's re-assessment or status report is still owed (plain Python, no Flask, no
database: tests/unit/test_reminder_due.py).

The rule, for re-assessing a risk and for reporting a measure's status alike: it is done
once per tertial, by the organisation's deadline (``reassess_days`` after the tertial's
last day, riskreg/scales.py). Of the previous and the current tertial, the earliest one
with nothing done in it *or later* is owed: an assessment (a report) in the current
tertial settles the previous one too, so one thing is never asked twice and an old miss
does not linger once the person has caught up. The previous tertial is owed only by what
already existed in it (something was done in an earlier tertial, or it was made before
the current one began). An item is due within N days when its due date is at most N days
from today, overdue when the date has passed (today itself still counts as in time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.periods import Period


@dataclass(frozen=True)
class DueItem:
    """One thing a person has to do by a date.

    ``kind`` names the provider's kind of item ("risk", "measure_report", "measure_due";
    the control plans add "control_run"); ``action`` says what to do (a lazy translated
    text, rendered in the reader's language), ``title`` and ``unit`` what it concerns,
    ``url`` where to do it (a path of the app; mails make it absolute with
    RISKREG_BASE_URL), ``person_id`` whose it is, ``object_id`` the object's id (stable
    order, tests)."""

    kind: str
    action: object
    title: str
    unit: str
    due: date
    url: str
    person_id: int
    object_id: int

    def overdue(self, today: date) -> bool:
        return self.due < today

    def days_left(self, today: date) -> int:
        """Days until the due date (negative: days overdue)."""
        return (self.due - today).days

    def sort_key(self) -> tuple:
        return (self.due, self.kind, self.title, self.object_id)


@dataclass(frozen=True)
class DueQuery:
    """What a provider is asked: the items due by ``today + days`` (overdue ones
    included), of one person or, with ``person_id`` None, of everyone."""

    today: date
    days: int
    person_id: int | None = None

    @property
    def horizon(self) -> date:
        return self.today + timedelta(days=self.days)

    @property
    def current(self) -> Period:
        return Period.containing(self.today)

    @property
    def previous(self) -> Period:
        return self.current.previous()

    def slack(self, period: Period) -> int:
        """The largest deadline (days after ``period``'s end) still due by the horizon:
        ``period.due_date(days) <= horizon`` exactly when ``days <= slack(period)`` (an
        integer comparison a provider can make in SQL against the organisation's
        ``reassess_days``)."""
        return (self.horizon - period.end_date).days


def owed(latest: Period | None, current: Period, *, in_previous: bool,
         in_current: bool = True) -> Period | None:
    """The tertial whose re-assessment (or status report) is owed: the previous one if the
    object existed in it and nothing was done in it or since, else the current one if
    nothing was done in it, else None. ``latest`` is the latest tertial something was done
    in."""
    previous = current.previous()
    if in_previous and (latest is None or latest < previous):
        return previous
    if in_current and (latest is None or latest < current):
        return current
    return None


def sort_items(items: Iterable[DueItem]) -> list[DueItem]:
    """Earliest due first, so the overdue come first."""
    return sorted(items, key=DueItem.sort_key)


def by_person(items: Iterable[DueItem]) -> dict[int, list[DueItem]]:
    out: dict[int, list[DueItem]] = {}
    for item in sort_items(items):
        out.setdefault(item.person_id, []).append(item)
    return out
