"""KPI rules without a database: reading targets, goal fulfilment, the trend arrow."""

from __future__ import annotations

import pytest

from riskreg.domain.kpis import (
    Direction,
    Fulfilment,
    TargetKind,
    Trend,
    compute_fulfilment,
    compute_trend,
    parse_number,
    parse_target,
    target_for_year,
)


@pytest.mark.parametrize(("text", "kind", "value", "direction"), [
    ("70 %", TargetKind.PERCENT, 70.0, None),
    ("7%", TargetKind.PERCENT, 7.0, None),
    ("100 % i dec", TargetKind.PERCENT, 100.0, None),  # 001: due in December
    ("850 st", TargetKind.NUMBER, 850.0, None),
    ("1 500 st", TargetKind.NUMBER, 1500.0, None),
    ("0,0", TargetKind.NUMBER, 0.0, None),
    ("min 75 %", TargetKind.PERCENT, 75.0, Direction.HIGHER),
    ("Minst 89 %", TargetKind.PERCENT, 89.0, Direction.HIGHER),
    ("max 175", TargetKind.NUMBER, 175.0, Direction.LOWER),
    ("Högst 2 %", TargetKind.PERCENT, 2.0, Direction.LOWER),
    ("Öka", TargetKind.INCREASE, None, None),
    ("Minska", TargetKind.DECREASE, None, None),
    ("Minska med 50 % jmf 2020", TargetKind.OTHER, None, None),
    ("K 16,0 M 17,2", TargetKind.OTHER, None, None),
    ("Anges för varje vårdcentral", TargetKind.OTHER, None, None),
])
def test_targets_as_the_sources_print_them(text, kind, value, direction):
    target = parse_target(text)
    assert (target.kind, target.value, target.direction) == (kind, value, direction)
    assert target.computable is (kind is not TargetKind.OTHER)


def test_no_target():
    assert parse_target(None) is None
    assert parse_target("  ") is None


@pytest.mark.parametrize(("text", "value"), [
    ("19,3", 19.3), ("51", 51.0), ("51 %", 51.0), ("8 520", 8520.0), ("-2,5", -2.5),
    ("−2", -2.0), ("+19", 19.0), ("abc", None), ("", None), ("12,", None), ("1e5", None),
    ("9" * 20, None),
])
def test_outcomes_typed_the_swedish_way(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(("target", "direction", "outcome", "previous", "expected"), [
    ("70 %", "higher", 78.5, None, Fulfilment.MET),
    ("70 %", "higher", 70.0, None, Fulfilment.MET),  # reached is met
    ("70 %", "higher", 53.0, None, Fulfilment.NOT_MET),
    ("7%", "lower", 19.3, None, Fulfilment.NOT_MET),
    ("7%", "lower", 6.5, None, Fulfilment.MET),
    ("70 %", None, 78.5, None, None),  # no direction: set by hand
    ("max 175", None, 180.0, None, Fulfilment.NOT_MET),  # the target's own direction
    ("min 75 %", "lower", 80.0, None, Fulfilment.MET),  # ... wins over the KPI's
    ("Öka", None, 339.0, 315.0, Fulfilment.MET),
    ("Öka", None, 15.0, 25.0, Fulfilment.NOT_MET),
    ("Öka", None, 25.0, 25.0, Fulfilment.NOT_MET),  # the same is not an increase
    ("Öka", None, 25.0, None, None),  # nothing to compare with
    ("Minska", None, 6.9, 7.4, Fulfilment.MET),
    ("Minska", None, 8.17, 8.0, Fulfilment.NOT_MET),
    ("Minska med 50 % jmf 2020", "lower", 90.0, 120.0, None),
    ("70 %", "higher", None, None, None),  # no total
])
def test_fulfilment(target, direction, outcome, previous, expected):
    assert compute_fulfilment(parse_target(target), direction, outcome, previous) == expected


def test_no_target_no_fulfilment():
    assert compute_fulfilment(None, "higher", 10.0, 5.0) is None


@pytest.mark.parametrize(("outcome", "previous", "expected"), [
    (5.0, 4.0, Trend.UP), (4.0, 5.0, Trend.DOWN), (5.0, 5.0, Trend.FLAT),
    (5.0, None, None), (None, 5.0, None),
])
def test_trend_from_the_previous_outcome(outcome, previous, expected):
    assert compute_trend(outcome, previous) == expected


def test_target_of_a_year():
    targets = {"2022": "70 %", "2024": "75 %"}
    assert target_for_year(targets, 2022) == "70 %"
    assert target_for_year(targets, 2023) == "75 %"  # works towards the next one
    assert target_for_year(targets, 2025) is None
    assert target_for_year({}, 2022) is None
