"""The one rule: risk value = likelihood × consequence, band by value — for every cell of
the default 4×4 scale and of a 5×5 scale with other bands (the stored data obeying it:
tests/services/test_stored_risk_values.py)."""

from __future__ import annotations

import pytest

from riskreg.domain.matrix import (
    DEFAULT_SCALE,
    ScaleError,
    build_scale,
)

# -- the default scale, written out as DOMAIN.md gives it ----------------------------------
# Bands: Låg 1–3, Medel 4–8, Hög 9–12, Mycket hög 13–16.
DEFAULT_BANDS = [("Låg", 1, 3), ("Medel", 4, 8), ("Hög", 9, 12), ("Mycket hög", 13, 16)]
# The matrix as a grid: rows = likelihood 1..4, columns = consequence 1..4.
L, M, H, MH = "Låg", "Medel", "Hög", "Mycket hög"
DEFAULT_GRID = [
    [L, L, L, M],      # likelihood 1: values 1, 2, 3, 4
    [L, M, M, M],      # likelihood 2: values 2, 4, 6, 8
    [L, M, H, H],      # likelihood 3: values 3, 6, 9, 12
    [M, M, H, MH],     # likelihood 4: values 4, 8, 12, 16
]

# -- a 5×5 scale with other bands and another threshold --------------------------------------
FIVE_BANDS = [("Grön", 1, 4), ("Gul", 5, 9), ("Orange", 10, 16), ("Röd", 17, 25)]
FIVE = build_scale(
    5,
    ["Osannolik", "Mindre sannolik", "Möjlig", "Sannolik", "Mycket sannolik"],
    ["Försumbar", "Lindrig", "Måttlig", "Allvarlig", "Mycket allvarlig"],
    [{"name": n, "low": lo, "high": hi, "colour": c} for (n, lo, hi), c in
     zip(FIVE_BANDS, ["#2e7d32", "#fdd835", "#fb8c00", "#c62828"], strict=True)],
    10,
)
G, Y, OR, R = "Grön", "Gul", "Orange", "Röd"
FIVE_GRID = [
    [G, G, G, G, Y],       # 1 2 3 4 5
    [G, G, Y, Y, OR],      # 2 4 6 8 10
    [G, Y, Y, OR, OR],     # 3 6 9 12 15
    [G, Y, OR, OR, R],     # 4 8 12 16 20
    [Y, OR, OR, R, R],     # 5 10 15 20 25
]


def by_rule(bands: list[tuple[str, int, int]], value: int) -> str:
    """The band whose limits hold the value (written independently of Scale.band)."""
    names = [name for name, low, high in bands if low <= value <= high]
    assert len(names) == 1, (value, names)
    return names[0]


def cells(size: int) -> list[tuple[int, int]]:
    return [(lik, con) for lik in range(1, size + 1) for con in range(1, size + 1)]


@pytest.mark.parametrize(("likelihood", "consequence"), cells(4),
                         ids=[f"S{a}xK{b}" for a, b in cells(4)])
def test_every_cell_of_the_default_scale(likelihood, consequence):
    value = DEFAULT_SCALE.value(likelihood, consequence)
    assert value == likelihood * consequence
    band = DEFAULT_SCALE.band_for(likelihood, consequence)
    assert band.name == by_rule(DEFAULT_BANDS, value)
    assert band.name == DEFAULT_GRID[likelihood - 1][consequence - 1]
    assert band == DEFAULT_SCALE.band(value)
    # Norrbotten: 1–8 needs no particular measure, 9–16 does.
    assert DEFAULT_SCALE.requires_action(value) is (value >= 9)


@pytest.mark.parametrize(("likelihood", "consequence"), cells(5),
                         ids=[f"S{a}xK{b}" for a, b in cells(5)])
def test_every_cell_of_a_five_by_five_scale(likelihood, consequence):
    value = FIVE.value(likelihood, consequence)
    assert value == likelihood * consequence
    band = FIVE.band_for(likelihood, consequence)
    assert band.name == by_rule(FIVE_BANDS, value)
    assert band.name == FIVE_GRID[likelihood - 1][consequence - 1]
    assert FIVE.requires_action(value) is (value >= 10)
    assert FIVE.likelihood_label(likelihood) and FIVE.consequence_label(consequence)


def test_the_grids_cover_each_band():
    assert {c for row in DEFAULT_GRID for c in row} == {n for n, _, _ in DEFAULT_BANDS}
    assert {c for row in FIVE_GRID for c in row} == {n for n, _, _ in FIVE_BANDS}


@pytest.mark.parametrize(("scale", "likelihood", "consequence"), [
    (DEFAULT_SCALE, 0, 1), (DEFAULT_SCALE, 1, 0), (DEFAULT_SCALE, 5, 1), (DEFAULT_SCALE, 1, 5),
    (DEFAULT_SCALE, -1, 2), (DEFAULT_SCALE, None, 2), (DEFAULT_SCALE, 2, "2"),
    (FIVE, 6, 1), (FIVE, 1, 6), (FIVE, 0, 5), (FIVE, 5, 0),
], ids=lambda v: str(getattr(v, "size", v)))
def test_steps_outside_the_scale_have_no_value(scale, likelihood, consequence):
    with pytest.raises(ScaleError):
        scale.value(likelihood, consequence)


@pytest.mark.parametrize(("scale", "value"), [(DEFAULT_SCALE, 0), (DEFAULT_SCALE, 17),
                                              (FIVE, 0), (FIVE, 26)])
def test_values_outside_the_scale_have_no_band(scale, value):
    with pytest.raises(ScaleError):
        scale.band(value)
