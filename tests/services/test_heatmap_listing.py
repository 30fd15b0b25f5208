"""The pages' matrix lists the first risks of each cell by number with their titles and
counts them all; the API's matrix has every risk by number. Both are read differently
on PostgreSQL (arrays sorted per cell) and SQLite (a window), so they are checked
against each other here, on every demo organisation and a cut that bites."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.heatmaps import queries
from riskreg.models.risks import Risk
from riskreg.scales import scale_for_unit
from tests.conftest import unit, user

CASES = [("NLL-RS", "2022-T2", "styrelse@norrbotten.example"),
         ("SRM-PV", "2024-T1", "samordnare@sormland.example")]


@pytest.mark.parametrize(("code", "period", "email"), CASES)
@pytest.mark.parametrize("listed", [1, 2, 40])
def test_listed_risks_are_the_first_by_number_of_all(app, code, period, email, listed):
    reader, top = user(email), unit(code)
    scale, p = scale_for_unit(top), Period.parse(period)
    full = queries.matrix(reader, top, p, scale)
    cut = queries.matrix(reader, top, p, scale, listed=listed)
    titles = dict(db.session.execute(select(Risk.id, Risk.title)).all())
    assert full.total > 0
    cut_somewhere = False
    for key, cell in full.cells.items():
        short = cut.cells[key]
        numbers = [n for _i, n in cell.risks]
        assert numbers == sorted(numbers), key  # by number
        assert short.count == cell.count == len(cell.ids), key
        assert short.risks == cell.risks[:listed], key
        assert short.titles == {rid: titles[rid] for rid in short.ids}, key
        cut_somewhere |= cell.count > listed
    assert cut_somewhere or listed > 1  # the cut bites at least for one per cell
    assert cut.total == full.total and cut.outside_scale == full.outside_scale == 0
