"""The risk values in the database obey the one rule (value = likelihood × consequence,
inside a band of the organisation's scale): every seeded assessment does, the database
refuses one that disagrees, and Sörmland's band summary (004) follows from the seeded
data. The rule itself, cell by cell: tests/unit/test_risk_domain.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from riskreg.domain.matrix import format_band_summary
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Unit
from riskreg.models.risks import Risk, RiskAssessment, RiskState
from riskreg.risks.latest import Counted, code, counts_in, in_subtree
from riskreg.scales import scale_for_unit
from tests.conftest import unit


# -- the stored data obeys the rule ----------------------------------------------------------
def test_every_seeded_assessment_obeys_the_rule(app):
    rows = db.session.execute(select(RiskAssessment, Unit).join(
        Risk, Risk.id == RiskAssessment.risk_id).join(Unit, Unit.id == Risk.unit_id)).all()
    assert len(rows) >= 21
    for a, u in rows:
        scale = scale_for_unit(u)
        assert a.value == scale.value(a.likelihood, a.consequence), a.risk_id
        scale.band(a.value)  # inside a band


@pytest.mark.parametrize(("likelihood", "consequence", "value"),
                         [(2, 3, 5), (3, 3, 6), (1, 1, 0), (4, 4, 15)])
def test_the_database_refuses_a_value_that_disagrees(app, likelihood, consequence, value):
    risk_id = db.session.scalar(select(Risk.id).order_by(Risk.id))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(RiskAssessment(risk_id=risk_id, period=Period(2030, 1),
                                      likelihood=likelihood, consequence=consequence,
                                      value=value))
        db.session.flush()


# -- 004: Sörmland's five risks summarised as "1 Hög 3 Medel 1 Låg | Totalt: 5" -------------
def test_sormland_band_summary_from_the_seeded_data(app):
    division = unit("SRM-PV")
    codes = db.session.scalars(
        select(code()).where(counts_in(Period(2024, 1)), in_subtree(division))
        .order_by(RiskState.number))
    values = [Counted.from_code(code).value for code in codes]
    assert values == [4, 9, 3, 6, 6]  # the Riskvärden of 004, in the document's order
    scale = scale_for_unit(division)
    summary = scale.band_summary(values)
    assert [(band.name, n) for band, n in summary] == [
        ("Mycket hög", 0), ("Hög", 1), ("Medel", 3), ("Låg", 1)]
    assert format_band_summary(summary) == "1 Hög 3 Medel 1 Låg | Totalt: 5"
    assert ", ".join(f"{n} {b.name}" for b, n in summary if n) == "1 Hög, 3 Medel, 1 Låg"
