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


# -- the comparison with the tertial before, read from one period's rows ---------------
def both_ways(reader, top, period: Period) -> tuple[list, list]:
    """The comparison statement's rows for ``period`` against the tertial before, read
    from ``period``'s rows with ``prev`` (as the app does) and by folding both periods'
    rows (as for any other comparison): they must be the same."""
    from riskreg.auth.permissions import role_paths
    from riskreg.risks.latest import period_params, reach_params

    shape, values = reach_params(role_paths(reader), top, True)
    values |= period_params(period, "new") | period_params(period.previous(), "old")
    values["listed"] = 10_000
    return tuple(sorted(db.session.execute(queries._comparison_stmt((shape, adjacent)),
                                           values).all(), key=str)
                 for adjacent in (True, False))


@pytest.mark.parametrize(("code", "period", "email"), CASES)
def test_the_comparison_with_the_tertial_before_equals_the_fold(app, set_today, code, period,
                                                                email):
    """Every tertial from two before the demo's to one after: rises, falls, new risks,
    a correction of an earlier tertial, and a risk archived in the tertial compared."""
    from riskreg.risks import services
    from riskreg.uow import transaction

    reader, top = user(email), unit(code)
    p = Period.parse(period)
    set_today(p.next().start_date.isoformat())  # archived in the tertial after the demo's
    owned = db.session.scalars(select(Risk).where(Risk.unit_id == top.id,
                                                  Risk.archived_in.is_(None))
                               .order_by(Risk.number)).all()
    assert len(owned) >= 2
    coordinator = user("samordnare@norrbotten.example" if code == "NLL-RS"
                       else "samordnare@sormland.example")
    with transaction():  # archived in the tertial of "today": gone in that tertial
        services.archive(coordinator, owned[0], "Inaktuell", owned[0].version)
    archived_in = owned[0].archived_in
    seen_gone = False
    for key in range(p.key - 2, max(p.key, archived_in.key) + 2):
        adjacent, folded = both_ways(reader, top, Period.from_key(key))
        assert adjacent == folded, Period.from_key(key)
        seen_gone |= key == archived_in.key and any(
            r[0] == 1 and r[2] is None and r[1] is not None for r in adjacent)
    assert seen_gone  # the archived risk is listed as gone in its tertial
