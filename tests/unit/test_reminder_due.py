"""The due rule of the to-do list and the reminders (riskreg/reminders/due.py): which
tertial is owed, when it falls due, in what order items come. No database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskreg.domain.periods import Period
from riskreg.reminders.due import DueItem, DueQuery, by_person, owed, sort_items

T2, T3 = Period(2022, 2), Period(2022, 3)
T1 = Period(2022, 1)


@pytest.mark.parametrize(("latest", "in_previous", "in_current", "expected"), [
    (None, True, True, T2),      # never assessed, existed last tertial: last tertial owed
    (None, False, True, T3),     # made this tertial: only this tertial
    (T1, True, True, T2),        # assessed before last tertial: last tertial owed
    (T2, True, True, T3),        # last tertial done: this one owed
    (T3, True, True, None),      # this tertial done: settles both
    (T3, False, True, None),
    (None, True, False, T2),     # a measure not started by this tertial's end
    (T2, True, False, None),
    (None, False, False, None),  # a measure that starts after this tertial
])
def test_the_earliest_tertial_with_nothing_done_since_is_owed(latest, in_previous,
                                                               in_current, expected):
    assert owed(latest, T3, in_previous=in_previous, in_current=in_current) == expected


def test_a_later_assessment_settles_an_earlier_miss():
    """Assessed this tertial while last tertial was missed: nothing is asked twice."""
    assert owed(T3, T3, in_previous=True) is None
    assert owed(Period(2023, 1), T3, in_previous=True) is None


@given(today=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
       days=st.integers(0, 366), deadline=st.integers(0, 120),
       back=st.integers(0, 3))
def test_slack_is_the_due_date_test_as_a_whole_number(today, days, deadline, back):
    """``days <= slack(P)`` exactly when ``P.due_date(days) <= today + N``: the comparison
    the providers make in SQL against the organisation's deadline."""
    q = DueQuery(today, days)
    period = Period.from_key(q.current.key - back)
    assert (deadline <= q.slack(period)) == (period.due_date(deadline) <= q.horizon)


def test_the_query_knows_its_tertials_and_horizon():
    q = DueQuery(date(2023, 1, 5), 14)
    assert (q.previous, q.current) == (T3, Period(2023, 1))
    assert q.horizon == date(2023, 1, 19)
    # 2022-T3's re-assessments (14 days after 31 December) fall within these 14 days
    assert T3.due_date(14) <= q.horizon and q.slack(T3) >= 14


def item(due: date, person: int = 1, kind: str = "risk", title: str = "A", oid: int = 1
         ) -> DueItem:
    return DueItem(kind, "do it", title, "Enhet", due, f"/x/{oid}", person, oid)


def test_overdue_and_days_left_count_from_today():
    today = date(2022, 9, 10)
    assert item(today).days_left(today) == 0 and not item(today).overdue(today)
    yesterday = item(today - timedelta(days=1))
    assert yesterday.overdue(today) and yesterday.days_left(today) == -1
    assert item(date(2022, 9, 14)).days_left(today) == 4


def test_items_come_earliest_first_so_the_overdue_lead():
    today = date(2022, 9, 10)
    items = [item(date(2022, 9, 20), oid=1), item(date(2022, 8, 1), oid=2),
             item(date(2022, 9, 10), oid=3), item(date(2022, 9, 1), kind="measure_due", oid=4)]
    ordered = sort_items(items)
    assert [i.object_id for i in ordered] == [2, 4, 3, 1]
    overdue = [i.overdue(today) for i in ordered]
    assert overdue == sorted(overdue, reverse=True)


def test_items_are_grouped_per_person_in_order():
    a1, a2 = item(date(2022, 9, 20), person=1, oid=1), item(date(2022, 9, 1), person=1, oid=2)
    b1 = item(date(2022, 9, 5), person=2, oid=3)
    assert by_person([a1, b1, a2]) == {1: [a2, a1], 2: [b1]}
