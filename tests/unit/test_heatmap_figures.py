"""The plotly figure of a matrix (riskreg/heatmaps/figures.py) and the pure helpers of the
heat-map queries: no database, no app."""

from __future__ import annotations

import copy
import json

import pytest

from riskreg.domain.matrix import DEFAULT_SCALE, DEFAULT_SCALE_CONFIG, build_scale
from riskreg.domain.periods import Period
from riskreg.heatmaps.figures import matrix_figure
from riskreg.heatmaps.queries import (
    Cell,
    Change,
    Matrix,
    attach_flows,
    direction_counts,
    moves,
)

LABELS = {"likelihood": "Sannolikhet", "consequence": "Konsekvens"}

FIVE = build_scale(
    size=5,
    likelihood_labels=["L1", "L2", "L3", "L4", "L5"],
    consequence_labels=["K1", "K2", "K3", "K4", "K5"],
    bands=[{"name": "Grön", "low": 1, "high": 4, "colour": "#00aa00"},
           {"name": "Gul", "low": 5, "high": 12, "colour": "#dddd00"},
           {"name": "Röd", "low": 13, "high": 25, "colour": "#dd0000"}],
    action_threshold=10,
)
ONE_BAND = build_scale(**{**copy.deepcopy(DEFAULT_SCALE_CONFIG), "bands": [
    {"name": "Alla", "low": 1, "high": 16, "colour": "#123456"}]})
SCALES = [pytest.param(DEFAULT_SCALE, id="4x4"), pytest.param(FIVE, id="5x5"),
          pytest.param(ONE_BAND, id="one-band")]


def make_matrix(scale, risks: dict[tuple[int, int], list[tuple[int, int]]]) -> Matrix:
    cells = {(lk, c): Cell(lk, c, lk * c, scale.band(lk * c))
             for lk in range(1, scale.size + 1) for c in range(1, scale.size + 1)}
    for key, listed in risks.items():
        ordered = sorted(listed, key=lambda t: t[1])
        cells[key].ids = [rid for rid, _n in ordered]
        cells[key].numbers = [n for _rid, n in ordered]
        cells[key].count = len(listed)
    return Matrix(None, Period(2022, 1), True, scale, cells)  # type: ignore[arg-type]


def trace(fig: dict) -> dict:
    assert len(fig["data"]) == 1 and fig["data"][0]["type"] == "heatmap"
    return fig["data"][0]


# -- the figure -----------------------------------------------------------------------------
@pytest.mark.parametrize("scale", SCALES)
def test_axes_follow_the_scale_labels(scale):
    t = trace(matrix_figure(make_matrix(scale, {}), LABELS))
    n = scale.size
    assert t["x"] == [f"{c} {scale.consequence_label(c)}" for c in range(1, n + 1)]
    assert t["y"] == [f"{lk} {scale.likelihood_label(lk)}" for lk in range(1, n + 1)]
    assert len(t["z"]) == len(t["text"]) == len(t["hovertext"]) == n
    assert all(len(row) == n for row in (*t["z"], *t["text"], *t["hovertext"]))


@pytest.mark.parametrize("scale", SCALES)
def test_every_cell_has_its_bands_colour_and_says_count_and_band(scale):
    risks = {(1, 1): [(10, 1)], (scale.size, scale.size): [(11, 2), (12, 3)]}
    fig = matrix_figure(make_matrix(scale, risks), LABELS)
    t = trace(fig)
    bands = sorted(scale.bands, key=lambda b: b.low)
    stops = dict((round(pos, 9), colour) for pos, colour in t["colorscale"])
    k = max(len(bands) - 1, 1)
    for lk in range(1, scale.size + 1):
        for c in range(1, scale.size + 1):
            band = scale.band(lk * c)
            index = t["z"][lk - 1][c - 1]
            assert bands[index] == band
            position = index / k if len(bands) > 1 else 0
            assert stops[round(position, 9)] == band.colour  # the colour at z is the band's
            count = len(risks.get((lk, c), []))
            assert t["text"][lk - 1][c - 1] == f"{count}<br>{band.name}"  # not colour alone
    assert (t["zmin"], t["zmax"]) == (0, k)
    assert t["showscale"] is False


def test_hover_text_lists_numbers_titles_value_and_band():
    m = make_matrix(DEFAULT_SCALE, {(3, 3): [(40, 7), (41, 3), (42, 11)]})
    m.cell(3, 3).titles = {40: "Dataintrång", 41: "Brist på <b>sjuksköterskor</b>"}
    t = trace(matrix_figure(m, LABELS, risk_word=lambda n: f"{n} risker"))
    assert t["hovertext"][2][2] == (
        "Sannolikhet 3 × Konsekvens 3 = 9 (Hög)<br>3 risker:<br>#3 Brist på "
        "&lt;b&gt;sjuksköterskor&lt;/b&gt;<br>#7 Dataintrång<br>#11")
    assert t["hovertext"][0][0] == "Sannolikhet 1 × Konsekvens 1 = 1 (Låg)<br>0 risker"
    assert t["hoverinfo"] == "text"


@pytest.mark.parametrize(("count", "listed", "more"), [(15, 15, None), (16, 15, 1), (300, 15, 285)])
def test_hover_text_is_capped(count, listed, more):
    m = make_matrix(DEFAULT_SCALE, {(4, 4): [(1000 + i, i + 1) for i in range(count)]})
    hover = trace(matrix_figure(m, LABELS))["hovertext"][3][3]
    assert hover.count("#") == listed
    assert (f"… (+{more})" in hover) if more else "…" not in hover


def test_figure_holds_only_numbers_never_risk_ids():
    m = make_matrix(DEFAULT_SCALE, {(2, 3): [(987_001, 4)]})
    text = json.dumps(matrix_figure(m, LABELS), ensure_ascii=False)
    assert "#4" in text and "987001" not in text


@pytest.mark.parametrize("scale", SCALES)
def test_figure_is_json_and_static(scale):
    fig = matrix_figure(make_matrix(scale, {(1, 2): [(5, 5)]}), LABELS)
    assert json.loads(json.dumps(fig)) == fig
    assert fig["layout"]["xaxis"]["title"]["text"] == "Konsekvens"
    assert fig["layout"]["yaxis"]["title"]["text"] == "Sannolikhet"
    assert fig["layout"]["xaxis"]["fixedrange"] and fig["layout"]["yaxis"]["fixedrange"]
    assert fig["config"]["displaylogo"] is False


def test_moves_are_drawn_as_arrows_from_old_to_new_cell():
    m = make_matrix(DEFAULT_SCALE, {(3, 3): [(1, 1)]})
    fig = matrix_figure(m, LABELS, [(2, 3, 3, 3, 2), (4, 4, 1, 1, 1)])
    arrows = fig["layout"]["annotations"]
    assert [(a["ax"], a["ay"], a["x"], a["y"], a["hovertext"]) for a in arrows] == [
        ("3 Betydande", "2 Liten", "3 Betydande", "3 Stor", "2"),
        ("4 Allvarlig", "4 Mycket stor", "1 Mindre", "1 Mycket liten", "1"),
    ]
    assert all(a["showarrow"] and a["axref"] == "x" and a["ayref"] == "y" for a in arrows)


@pytest.mark.parametrize("move", [(5, 3, 3, 3, 1), (3, 3, 5, 3, 1), (2, 0, 2, 2, 1),
                                  (1, 1, 1, 7, 2)])
def test_a_move_outside_the_scale_is_left_out_not_an_error(move):
    fig = matrix_figure(make_matrix(DEFAULT_SCALE, {}), LABELS, [move, (1, 1, 2, 2, 1)])
    assert [(a["ax"], a["x"]) for a in fig["layout"]["annotations"]] == [
        ("1 Mindre", "2 Måttlig")]


def test_no_moves_no_arrows():
    assert matrix_figure(make_matrix(DEFAULT_SCALE, {}), LABELS)["layout"]["annotations"] == []


# -- the Matrix and the comparison helpers --------------------------------------------
def test_matrix_rows_totals_and_band_totals():
    m = make_matrix(DEFAULT_SCALE, {(1, 3): [(1, 1)], (3, 3): [(2, 2), (3, 3)],
                                    (2, 2): [(4, 4)], (4, 4): [(5, 5)]})
    rows = m.rows()
    assert [row[0].likelihood for row in rows] == [4, 3, 2, 1]  # high likelihood on top
    assert [c.consequence for c in rows[0]] == [1, 2, 3, 4]
    assert m.total == 5
    assert [(b.name, n) for b, n in m.band_totals()] == [
        ("Mycket hög", 1), ("Hög", 2), ("Medel", 1), ("Låg", 1)]
    assert m.count_at_or_above(9) == 3
    assert m.cell(3, 3).risk_ids == [2, 3]


TRANSITIONS = [  # (old L, old C, new L, new C, count)
    (2, 3, 3, 3, 2),  # 6 → 9: up
    (4, 3, 2, 3, 1),  # 12 → 6: down
    (2, 4, 4, 2, 3),  # 8 → 8 in another cell: same
    (2, 2, 2, 2, 5),  # held in its cell
    (None, None, 1, 2, 4),  # new
    (3, 4, None, None, 1),  # archived (or no longer counted)
]


def test_direction_counts_from_transitions():
    assert direction_counts(TRANSITIONS) == {"up": 2, "down": 1, "same": 8, "new": 4,
                                             "archived": 1}
    assert direction_counts([]) == {"up": 0, "down": 0, "same": 0, "new": 0, "archived": 0}


def test_moves_keep_only_changes_of_cell():
    assert moves(TRANSITIONS) == [(2, 3, 3, 3, 2), (4, 3, 2, 3, 1), (2, 4, 4, 2, 3)]


def test_flows_are_attached_to_the_cell_moved_into():
    m = make_matrix(DEFAULT_SCALE, {})
    attach_flows(m, moves(TRANSITIONS) + [(3, 3, 5, 5, 1)])  # a cell off the scale: ignored
    assert m.cell(3, 3).moved_in == [(2, 3, 2)]
    assert m.cell(2, 3).moved_in == [(4, 3, 1)]
    assert m.cell(4, 2).moved_in == [(2, 4, 3)]
    assert sum(len(c.moved_in) for c in m.cells.values()) == 3


@pytest.mark.parametrize(("old", "new", "direction"), [
    (6, 9, "up"), (9, 6, "down"), (8, 8, "same"), (None, 4, "new"), (4, None, "archived")])
def test_change_direction(old, new, direction):
    change = Change(1, 1, "Risk", "Enhet", old, new, None, None)
    assert change.direction == direction
