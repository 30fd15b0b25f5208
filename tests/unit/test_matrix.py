"""The risk matrix: value, bands, action threshold, and which scales are valid."""

import copy

import pytest

from riskreg.domain.matrix import (
    DEFAULT_SCALE,
    DEFAULT_SCALE_CONFIG,
    ScaleError,
    build_scale,
    format_band_summary,
    validate_scale,
)


def config(**changes) -> dict:
    cfg = copy.deepcopy(DEFAULT_SCALE_CONFIG)
    cfg.update(changes)
    return cfg


def bands(*triples, colour="#aabbcc") -> list[dict]:
    return [{"name": n, "low": lo, "high": hi, "colour": colour} for n, lo, hi in triples]


# -- the default scale (DOMAIN.md: 4×4, Låg 1–3, Medel 4–8, Hög 9–12, Mycket hög 13–16) --
def test_default_scale_is_valid_and_four_by_four():
    assert validate_scale(**DEFAULT_SCALE_CONFIG) == []
    assert DEFAULT_SCALE.size == 4
    assert DEFAULT_SCALE.max_value == 16


@pytest.mark.parametrize(
    ("value", "band"),
    [(1, "Låg"), (3, "Låg"), (4, "Medel"), (8, "Medel"), (9, "Hög"), (12, "Hög"),
     (13, "Mycket hög"), (16, "Mycket hög")],
)
def test_default_bands(value, band):
    assert DEFAULT_SCALE.band(value).name == band


@pytest.mark.parametrize("likelihood", range(1, 5))
@pytest.mark.parametrize("consequence", range(1, 5))
def test_risk_value_is_likelihood_times_consequence(likelihood, consequence):
    value = DEFAULT_SCALE.value(likelihood, consequence)
    assert value == likelihood * consequence
    assert DEFAULT_SCALE.band_for(likelihood, consequence) == DEFAULT_SCALE.band(value)


@pytest.mark.parametrize(("likelihood", "consequence"),
                         [(0, 1), (1, 0), (5, 1), (1, 5), (True, 2), ("3", 3), (2.0, 2)])
def test_steps_outside_the_scale_are_refused(likelihood, consequence):
    with pytest.raises(ScaleError):
        DEFAULT_SCALE.value(likelihood, consequence)


def test_norrbotten_action_rule():
    """värde 1–8 kräver inte särskild åtgärd; värde 9–16 kräver åtgärder."""
    needs = [v for v in range(1, DEFAULT_SCALE.max_value + 1) if DEFAULT_SCALE.requires_action(v)]
    assert needs == list(range(9, 17))


def test_labels_of_each_step():
    assert [DEFAULT_SCALE.likelihood_label(s) for s in range(1, 5)] == \
        DEFAULT_SCALE_CONFIG["likelihood_labels"]
    assert DEFAULT_SCALE.likelihood_label(4) == "Mycket stor"
    assert DEFAULT_SCALE.consequence_label(4) == "Allvarlig"


def test_sormland_band_summary():
    """004 summarises the risk values 4, 9, 3, 6, 6 as "1 Hög 3 Medel 1 Låg | Totalt: 5"."""
    summary = DEFAULT_SCALE.band_summary([4, 9, 3, 6, 6])
    assert format_band_summary(summary) == "1 Hög 3 Medel 1 Låg | Totalt: 5"
    assert [b.name for b, _ in summary] == ["Mycket hög", "Hög", "Medel", "Låg"]


def test_empty_band_summary():
    assert format_band_summary(DEFAULT_SCALE.band_summary([])) == "Totalt: 0"


# -- other organisations' scales --------------------------------------------------------
def test_a_five_by_five_scale_with_other_bands_is_valid():
    five = dict(
        size=5,
        likelihood_labels=["1", "2", "3", "4", "5"],
        consequence_labels=["a", "b", "c", "d", "e"],
        bands=bands(("Grön", 1, 4), ("Gul", 5, 12), ("Röd", 13, 25)),
        action_threshold=13,
    )
    assert validate_scale(**five) == []
    scale = build_scale(**five)
    assert scale.max_value == 25
    assert scale.band(scale.value(5, 5)).name == "Röd"
    assert scale.band(scale.value(2, 2)).name == "Grön"
    assert not scale.requires_action(12) and scale.requires_action(13)
    assert scale.to_dict()["bands"] == five["bands"]


def test_bands_may_be_given_in_any_order():
    shuffled = config(bands=list(reversed(DEFAULT_SCALE_CONFIG["bands"])))
    assert validate_scale(**shuffled) == []
    assert build_scale(**shuffled).to_dict() == DEFAULT_SCALE.to_dict()


INVALID = {
    "gap": dict(bands=bands(("Låg", 1, 3), ("Hög", 5, 16))),
    "gap at the top": dict(bands=bands(("Låg", 1, 3), ("Hög", 4, 15))),
    "gap at the bottom": dict(bands=bands(("Låg", 2, 8), ("Hög", 9, 16))),
    "overlap": dict(bands=bands(("Låg", 1, 5), ("Hög", 4, 16))),
    "beyond max": dict(bands=bands(("Låg", 1, 8), ("Hög", 9, 20))),
    "low above high": dict(bands=bands(("Låg", 1, 8), ("Hög", 16, 9))),
    "limits not whole numbers": dict(bands=bands(("Låg", 1, 8.5), ("Hög", 9, 16))),
    "bad colour (name)": dict(bands=bands(("Låg", 1, 16), colour="red")),
    "bad colour (short hex)": dict(bands=bands(("Låg", 1, 16), colour="#f00")),
    "bad colour (not hex)": dict(bands=bands(("Låg", 1, 16), colour="#gggggg")),
    "duplicate names": dict(bands=bands(("Låg", 1, 8), ("Låg", 9, 16))),
    "empty name": dict(bands=bands((" ", 1, 16))),
    "no bands": dict(bands=[]),
    "too few likelihood labels": dict(likelihood_labels=["a", "b", "c"]),
    "too many consequence labels": dict(consequence_labels=["a", "b", "c", "d", "e"]),
    "empty label": dict(likelihood_labels=["a", "", "c", "d"]),
    "size too small": dict(size=1),
    "size too large": dict(size=11),
    "size not a number": dict(size="4"),
    "threshold above max": dict(action_threshold=17),
    "threshold zero": dict(action_threshold=0),
}


@pytest.mark.parametrize("changes", INVALID.values(), ids=INVALID.keys())
def test_invalid_scales_are_rejected(changes):
    cfg = config(**changes)
    problems = validate_scale(**cfg)
    assert problems, "the configuration should have been rejected"
    with pytest.raises(ScaleError):
        build_scale(**cfg)


@pytest.mark.parametrize(
    ("changes", "template", "params"),
    [
        (dict(bands=bands(("Låg", 1, 3), ("Hög", 5, 16))),
         "No band covers %(low)d–%(high)d.", {"low": 4, "high": 4}),
        (dict(bands=bands(("Låg", 1, 3), ("Hög", 4, 15))),
         "No band covers %(low)d–%(high)d.", {"low": 16, "high": 16}),
        (dict(bands=bands(("Låg", 1, 5), ("Hög", 4, 16))),
         "Band %(name)s overlaps the band below it.", {"name": "Hög"}),
        (dict(bands=bands(("Låg", 1, 8), ("Hög", 9, 20))),
         "The bands go beyond the highest value %(max)d.", {"max": 16}),
    ],
    ids=["gap", "gap at the top", "overlap", "beyond max"],
)
def test_problems_say_where(changes, template, params):
    """A problem names the values it is about (the caller translates the template)."""
    problems = validate_scale(**config(**changes))
    assert [(p.template, p.params) for p in problems] == [(template, params)]


def test_scale_error_lists_every_problem():
    cfg = config(likelihood_labels=["a"], bands=bands(("Låg", 1, 3), ("Låg", 4, 16)))
    with pytest.raises(ScaleError) as info:
        build_scale(**cfg)
    assert len(str(info.value).split("; ")) == len(validate_scale(**cfg)) == 2
