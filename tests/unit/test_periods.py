"""Tertials, the reports that follow them, and parsing period strings."""

from datetime import date

import pytest

from riskreg.domain.periods import (
    REPORT_NAMES,
    Period,
    PeriodError,
    period_range,
)


@pytest.mark.parametrize(
    ("text", "previous", "following"),
    [
        ("2022-T3", "2022-T2", "2023-T1"),
        ("2023-T1", "2022-T3", "2023-T2"),
        ("2022-T2", "2022-T1", "2022-T3"),
    ],
)
def test_previous_and_next_cross_the_year(text, previous, following):
    period = Period.parse(text)
    assert str(period.previous()) == previous
    assert str(period.next()) == following
    assert period.next().previous() == period


def test_2022_t3_is_followed_by_2023_t1():
    assert Period(2022, 3).next() == Period(2023, 1)
    assert Period(2023, 1).previous() == Period(2022, 3)


@pytest.mark.parametrize("tertial", [1, 2, 3])
def test_same_period_last_year(tertial):
    assert Period(2024, tertial).same_last_year() == Period(2023, tertial)


@pytest.mark.parametrize(
    ("tertial", "report", "first_month", "last_month"),
    [(1, "DÅ04", 1, 4), (2, "DÅ08", 5, 8), (3, "ÅR", 9, 12)],
)
def test_report_names_and_months(tertial, report, first_month, last_month):
    period = Period(2022, tertial)
    assert period.report_name == report
    # DÅ04 / DÅ08 are named after the last month of the tertial they report on.
    if report.startswith("DÅ"):
        assert int(report[2:]) == period.last_month
    assert (period.first_month, period.last_month) == (first_month, last_month)
    assert Period.from_report(2022, report) == period


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2022, 1, 1), "2022-T1"),
        (date(2022, 4, 30), "2022-T1"),
        (date(2022, 5, 1), "2022-T2"),
        (date(2022, 8, 31), "2022-T2"),
        (date(2022, 9, 1), "2022-T3"),
        (date(2022, 12, 31), "2022-T3"),
    ],
)
def test_the_tertial_a_day_falls_in(day, expected):
    assert str(Period.containing(day)) == expected


@pytest.mark.parametrize("text", ["2022-T1", "2022-T2", "2022-T3", "1990-T1", "2100-T3"])
def test_parse_round_trips(text):
    assert str(Period.parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "2022-T4",
        "2022-T0",
        "2022T1",
        "22-T1",
        "",
        " 2022-T1x",
        "2022-t1",
        "2022-T1-",
        "T1-2022",
        "2022-DÅ04",
        "1989-T3",
        "2101-T1",
        "２０２２-T1",  # full-width digits are not a year
        "2022-T１",
        None,
        2022,
    ],
)
def test_bad_period_strings_are_rejected(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


@pytest.mark.parametrize(("year", "tertial"), [(2022, 0), (2022, 4), (1989, 1), (2101, 1)])
def test_impossible_periods_cannot_be_built(year, tertial):
    with pytest.raises(PeriodError):
        Period(year, tertial)


def test_unknown_report_name_is_rejected():
    with pytest.raises(PeriodError):
        Period.from_report(2022, "DÅ12")


def test_key_orders_periods_like_time():
    periods = period_range(Period(2021, 2), Period(2023, 1))
    assert [str(p) for p in periods] == [
        "2021-T2", "2021-T3", "2022-T1", "2022-T2", "2022-T3", "2023-T1"]
    keys = [p.key for p in periods]
    assert keys == sorted(keys) == list(range(keys[0], keys[0] + len(keys)))
    assert all(Period.from_key(p.key) == p for p in periods)
    assert sorted(reversed(periods)) == periods


def test_every_tertial_has_a_report():
    assert sorted(REPORT_NAMES) == [1, 2, 3]
