"""Which control runs are expected, from the plan's year and the control's frequency, and
the state of each: planned, due, done, overdue or not performed. Plain functions (no
database), unit-tested in tests/unit/test_control_schedule.py.

The rule:

* ``tertial``: one run per covered unit in each tertial of the plan's year.
* ``monthly``: four runs (occasions 1–4, the tertial's months) per unit and tertial.
* ``yearly`` and ``once``: one run per unit in the year, due in its last tertial (ÅR);
  a run recorded in any tertial of the year counts.

An expected run whose tertial has not begun is *planned*; in the current tertial it is
*due*; after its tertial has ended without a run it is *overdue*. A run recorded as not
performed (with its reason) is *not performed*; any other concluded run is *done*; a run
begun but without a conclusion is *in progress* (due or overdue by the same dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.periods import Period

STATES = ("planned", "due", "in_progress", "done", "not_performed", "overdue")
PER_TERTIAL = {"tertial": 1, "monthly": 4}
WHOLE_YEAR = ("yearly", "once")  # one run a year, due in its last tertial


@dataclass(frozen=True)
class Expected:
    unit_id: int
    period: Period  # the tertial it is due in
    occasion: int = 1
    whole_year: bool = False  # yearly/once: a run in any tertial of the year counts


@dataclass(frozen=True)
class RunKey:
    """What a recorded run says about itself (enough to match it to an expectation)."""

    unit_id: int
    period: Period
    occasion: int
    conclusion: str | None


def expected_runs(frequency: str, year: int, unit_ids: Iterable[int],
                  periods: Iterable[Period] | None = None) -> list[Expected]:
    """The runs a control of ``frequency`` expects in ``year``, per unit; ``periods``
    narrows to some tertials (a yearly control is expected in its due tertial, T3, only)."""
    wanted = None if periods is None else {p for p in periods}
    if frequency in PER_TERTIAL:
        due = [Period(year, t) for t in (1, 2, 3)]
        occasions = range(1, PER_TERTIAL[frequency] + 1)
        whole_year = False
    elif frequency in WHOLE_YEAR:
        due, occasions, whole_year = [Period(year, 3)], range(1, 2), True
    else:
        raise ValueError(f"unknown frequency: {frequency}")
    due = [p for p in due if wanted is None or p in wanted]
    return [Expected(unit_id, p, o, whole_year) for unit_id in unit_ids for p in due
            for o in occasions]


def state(expected: Expected, runs: Iterable[RunKey], today_period: Period) -> str:
    """The state of one expected run, given the runs recorded for its control."""
    match = None
    for r in runs:
        if r.unit_id != expected.unit_id:
            continue
        if expected.whole_year:
            if r.period.year == expected.period.year:
                match = r
                if r.conclusion is not None:
                    break
        elif r.period == expected.period and r.occasion == expected.occasion:
            match = r
            break
    if match is not None and match.conclusion == "not_performed":
        return "not_performed"
    if match is not None and match.conclusion is not None:
        return "done"
    if expected.period > today_period:
        return "in_progress" if match is not None else "planned"
    if expected.period == today_period:
        return "in_progress" if match is not None else "due"
    return "overdue"


def matches(expected: Expected, period: Period, occasion: int) -> bool:
    """Does a run of ``period`` (and ``occasion``) on the expected run's unit fill it?"""
    if expected.whole_year:
        return period.year == expected.period.year
    return period == expected.period and occasion == expected.occasion


def due_date(expected: Expected, days_after: int):
    """When an expected run is due: ``days_after`` (the organisation's deadline,
    ``reassess_days``) the end of the tertial it is expected in, as a re-assessment of that
    tertial is; a monthly control's four occasions by their tertial's date, a yearly or
    once control's run by its year's last tertial's."""
    return expected.period.due_date(days_after)


def occasion_label(frequency: str, expected: Expected) -> str:
    """How a to-do list names the expected run: "2024-T2", "2024-T2, 3/4" (monthly), or
    the year (yearly, once)."""
    if expected.whole_year:
        return str(expected.period.year)
    if PER_TERTIAL.get(frequency, 1) > 1:
        return f"{expected.period}, {expected.occasion}/{PER_TERTIAL[frequency]}"
    return str(expected.period)


def counts(states: Iterable[str]) -> dict[str, int]:
    out = dict.fromkeys(STATES, 0)
    for s in states:
        out[s] += 1
    return out
