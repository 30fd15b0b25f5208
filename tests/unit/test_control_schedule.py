"""Expected control runs and their states (riskreg/controls/schedule.py)."""

from __future__ import annotations

import pytest

from riskreg.controls import schedule
from riskreg.controls.schedule import RunKey
from riskreg.domain.periods import Period

T1, T2, T3 = Period(2024, 1), Period(2024, 2), Period(2024, 3)


def test_each_tertial_expects_one_run_per_unit_and_tertial():
    expected = schedule.expected_runs("tertial", 2024, [1, 2])
    assert len(expected) == 6
    assert {(e.unit_id, e.period) for e in expected} == {(u, p) for u in (1, 2)
                                                         for p in (T1, T2, T3)}


def test_monthly_expects_four_occasions_per_tertial():
    expected = schedule.expected_runs("monthly", 2024, [7], [T2])
    assert [(e.period, e.occasion) for e in expected] == [(T2, o) for o in (1, 2, 3, 4)]


@pytest.mark.parametrize("frequency", ["yearly", "once"])
def test_yearly_and_once_are_due_in_the_last_tertial_and_count_any_run_of_the_year(frequency):
    assert schedule.expected_runs(frequency, 2024, [1], [T1]) == []
    (e,) = schedule.expected_runs(frequency, 2024, [1], [T3])
    assert e.period == T3 and e.whole_year
    assert schedule.state(e, [RunKey(1, T1, 1, "ok")], T3) == "done"
    assert schedule.state(e, [], T2) == "planned"


def test_states_follow_the_calendar():
    (e,) = schedule.expected_runs("tertial", 2024, [1], [T2])
    assert schedule.state(e, [], T1) == "planned"
    assert schedule.state(e, [], T2) == "due"
    assert schedule.state(e, [], T3) == "overdue"
    begun = [RunKey(1, T2, 1, None)]
    assert schedule.state(e, begun, T2) == "in_progress"
    assert schedule.state(e, begun, T3) == "overdue"  # begun, never concluded
    assert schedule.state(e, [RunKey(1, T2, 1, "deviations")], T3) == "done"
    assert schedule.state(e, [RunKey(1, T2, 1, "not_performed")], T3) == "not_performed"


def test_a_run_on_another_unit_or_period_does_not_count():
    (e,) = schedule.expected_runs("tertial", 2024, [1], [T2])
    assert schedule.state(e, [RunKey(2, T2, 1, "ok"), RunKey(1, T1, 1, "ok")], T3) == "overdue"


def test_counts_and_unknown_frequency():
    assert schedule.counts(["due", "due", "done"])["due"] == 2
    with pytest.raises(ValueError):
        schedule.expected_runs("weekly", 2024, [1])


def test_rate_text_uses_one_decimal_at_most():
    from riskreg.controls.labels import rate_text

    assert rate_text(3, 50) == "3/50 (6 %)"
    assert rate_text(1, 3) == "1/3 (33,3 %)"
    assert rate_text(0, 0) == "–"


def test_an_expected_runs_due_date_is_its_tertials_deadline():
    from datetime import date

    [t2] = schedule.expected_runs("tertial", 2024, [1], [Period(2024, 2)])
    assert schedule.due_date(t2, 14) == date(2024, 9, 14)
    monthly = schedule.expected_runs("monthly", 2024, [1], [Period(2024, 2)])
    assert {schedule.due_date(e, 14) for e in monthly} == {date(2024, 9, 14)}
    assert [schedule.occasion_label("monthly", e) for e in monthly] == [
        "2024-T2, 1/4", "2024-T2, 2/4", "2024-T2, 3/4", "2024-T2, 4/4"]
    [yearly] = schedule.expected_runs("yearly", 2024, [1])
    assert schedule.due_date(yearly, 30) == date(2025, 1, 30)
    assert schedule.occasion_label("yearly", yearly) == "2024"
    assert schedule.occasion_label("tertial", t2) == "2024-T2"


def test_a_run_fills_its_own_slot_or_any_of_a_yearly_controls_year():
    [t2] = schedule.expected_runs("tertial", 2024, [1], [Period(2024, 2)])
    assert schedule.matches(t2, Period(2024, 2), 1)
    assert not schedule.matches(t2, Period(2024, 1), 1)
    [yearly] = schedule.expected_runs("once", 2024, [1])
    assert schedule.matches(yearly, Period(2024, 1), 1)
    assert not schedule.matches(yearly, Period(2025, 1), 1)
