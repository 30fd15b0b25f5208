"""The reproducible sample (riskreg/controls/sampling.py, README "Re-drawing a sample")."""

from __future__ import annotations

import hashlib

import pytest

from riskreg.controls import sampling

INVOICES = [f"F-2024-{n:05d}" for n in range(1, 121)]


def test_the_same_seed_draws_the_same_items():
    first = sampling.draw(INVOICES, 10, "abc123")
    again = sampling.draw(list(INVOICES), 10, "abc123")
    assert first == again
    assert len({d.index for d in first}) == 10


def test_the_algorithm_is_the_documented_one():
    """Written out as the README tells an auditor to do it, independently of the module."""
    seed = "d1e2f3"
    keys = sorted((hashlib.sha256(f"{seed}:{i}:{t}".encode()).hexdigest(), i)
                  for i, t in enumerate(INVOICES))
    expected = [INVOICES[i] for _k, i in keys[:10]]
    assert [d.value for d in sampling.draw(INVOICES, 10, seed)] == expected


def test_another_seed_draws_other_items():
    assert ([d.value for d in sampling.draw(INVOICES, 10, "one")]
            != [d.value for d in sampling.draw(INVOICES, 10, "two")])


def test_a_sample_larger_than_the_population_is_the_whole_population():
    drawn = sampling.draw(["a", "b", "c"], 10, "s")
    assert sorted(d.value for d in drawn) == ["a", "b", "c"]
    assert [d.position for d in drawn] == [0, 1, 2]


def test_duplicates_are_distinct_items_and_blank_lines_are_not_items():
    items = sampling.clean_items(["  A ", "", "A", "   ", "B"])
    assert items == ["A", "A", "B"]
    assert sorted(d.index for d in sampling.draw(items, 3, "x")) == [0, 1, 2]


def test_unknown_algorithm_and_negative_size_are_refused():
    with pytest.raises(ValueError):
        sampling.draw(INVOICES, 3, "s", algorithm="md5")
    with pytest.raises(ValueError):
        sampling.draw(INVOICES, -1, "s")


def test_new_seeds_differ():
    assert sampling.new_seed() != sampling.new_seed()
    assert len(sampling.new_seed()) == 16
