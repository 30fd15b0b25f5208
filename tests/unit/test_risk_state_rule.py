"""The rule that derives a risk's stored state per period from its assessments
(riskreg/risks/state.py ``expected_rows``), and the read condition that finds a period's
row (riskreg/risks/latest.py ``counts_in``), in plain Python."""

from __future__ import annotations

import pytest

from riskreg.domain.periods import Period
from riskreg.models.risks import OPEN_PERIOD
from riskreg.risks.state import expected_rows

T1, T2, T3, NEXT_T1 = (Period(2022, 1).key, Period(2022, 2).key, Period(2022, 3).key,
                       Period(2023, 1).key)


def counting(rows, period: int):
    """The rows the read condition selects in ``period``."""
    return [r for r in rows if r[0] in (period, OPEN_PERIOD) and r[1] <= period
            and (r[2] is None or r[2] > period)]


def code(period: int, likelihood: int, consequence: int) -> int:
    return period * 10000 + likelihood * 100 + consequence


def test_closed_rows_per_tertial_and_one_open_row():
    rows = expected_rows([(T3, 4, 4), (T1, 2, 3)], None, "/1/2/", 7)
    assert rows == [(T1, T1, None, 2, 3, "/1/2/", 7, None),
                    (T2, T1, None, 2, 3, "/1/2/", 7, None),
                    (OPEN_PERIOD, T3, None, 4, 4, "/1/2/", 7, code(T1, 2, 3))]


def test_no_assessment_no_state():
    assert expected_rows([], None, "/1/", 1) == []


@pytest.mark.parametrize(("archived_in", "expected"), [
    (T3, [(T1, T1, T3, 2, 3, "/1/", 1, None),
          (OPEN_PERIOD, T2, T3, 3, 3, "/1/", 1, code(T1, 2, 3))]),
    # archived in the tertial of its last assessment
    (T2, [(T1, T1, T2, 2, 3, "/1/", 1, None)]),
    (T1, []),
])
def test_archiving_ends_the_state(archived_in, expected):
    assert expected_rows([(T1, 2, 3), (T2, 3, 3)], archived_in, "/1/", 1) == expected


@pytest.mark.parametrize(("period", "expected"), [
    (T1 - 1, None), (T1, (2, 3)), (T2, (2, 3)), (T3, (4, 4)), (NEXT_T1, (4, 4)),
])
def test_exactly_one_row_counts_in_each_period(period, expected):
    rows = expected_rows([(T1, 2, 3), (T3, 4, 4)], None, "/1/", 1)
    found = counting(rows, period)
    assert [(r[3], r[4]) for r in found] == ([] if expected is None else [expected])


def test_an_archived_risk_counts_before_and_not_from_its_tertial():
    rows = expected_rows([(T1, 2, 3)], T3, "/1/", 1)
    assert [len(counting(rows, p)) for p in (T1, T2, T3, NEXT_T1)] == [1, 1, 0, 0]


def state_before(rows, period: int):
    """What the comparison with the tertial before reads from ``period``'s rows alone
    (riskreg/heatmaps/queries.py ``_pairs``, adjacent): (likelihood, consequence) of the
    state in the tertial before, for the risks counting in ``period``; and whether the
    risk stopped counting in ``period`` (a row of the tertial before with until = period)."""
    now = counting(rows, period)
    before = [(r[1] < period and code(r[1], r[3], r[4])) or r[7] for r in now]
    gone = [r for r in counting(rows, period - 1) if r[2] == period]
    return before, bool(gone)


HISTORIES = [
    ([(T1, 2, 3), (T3, 4, 4)], None),
    ([(T1, 2, 3), (T2, 3, 3), (NEXT_T1, 1, 1)], None),
    ([(T1, 2, 3), (T2, 3, 3)], T3),
    ([(T1, 2, 3), (T3, 4, 4)], T3),  # archived in the tertial of its last assessment
    ([(T2, 1, 2)], NEXT_T1),
]


@pytest.mark.parametrize(("history", "archived_in"), HISTORIES)
def test_the_state_before_read_from_one_period_equals_the_previous_period(history,
                                                                          archived_in):
    """``prev`` and ``until`` give, from P's rows, exactly what P-1's rows say."""
    rows = expected_rows(history, archived_in, "/1/", 1)
    for period in range(T1 - 1, NEXT_T1 + 3):
        before, gone = state_before(rows, period)
        earlier = [code(r[1], r[3], r[4]) for r in counting(rows, period - 1)]
        if gone:
            assert before == [] and earlier, period
        else:
            assert before == earlier or (before == [None] and earlier == []), period
