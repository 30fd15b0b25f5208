"""The stored state per period (risk_state, issue 14): written in the transaction of
every write that changes it, equal to the state recomputed from the assessments, and
``flask check-state`` reports (exit status 1) and repairs a difference."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models.risks import OPEN_PERIOD, RiskState
from riskreg.risks import services, state
from riskreg.uow import transaction
from riskreg.versioning import StaleVersion
from tests.conftest import user
from tests.helpers.risks import (
    NLL_COORDINATOR,
    NLL_OWNER,
    assert_state_consistent,
    risk,
)


def rows_of(risk_id: int) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        select(RiskState.period, RiskState.since, RiskState.until, RiskState.likelihood,
               RiskState.consequence).where(RiskState.risk_id == risk_id)
        .order_by(RiskState.period))]


def test_the_seeded_state_matches_the_assessments(app):
    assert db.session.scalar(select(RiskState.risk_id).limit(1)) is not None
    assert_state_consistent()


def test_a_new_tertial_closes_the_open_row(app, t2):
    r = risk("NLL", 1)  # assessed 2022-T1 only: 2 × 3
    assert rows_of(r.id) == [(OPEN_PERIOD, Period(2022, 1), None, 2, 3)]
    with transaction():
        services.assess(user(NLL_OWNER), r, Period(2022, 2), 3, 3, None, r.version)
    assert rows_of(r.id) == [(OPEN_PERIOD, Period(2022, 2), None, 3, 3),
                             (Period(2022, 1).key, Period(2022, 1), None, 2, 3)]
    assert_state_consistent()


def test_correcting_an_earlier_tertial_rewrites_only_its_rows(app, t2):
    r = risk("NLL", 1)
    with transaction():
        services.assess(user(NLL_OWNER), r, Period(2021, 2), 1, 1, None, r.version)
    assert rows_of(r.id) == [(OPEN_PERIOD, Period(2022, 1), None, 2, 3),
                             (Period(2021, 2).key, Period(2021, 2), None, 1, 1),
                             (Period(2021, 3).key, Period(2021, 2), None, 1, 1)]
    assert_state_consistent()


def test_archiving_ends_the_open_row(app, t2):
    r = risk("NLL", 1)
    with transaction():
        services.archive(user(NLL_COORDINATOR), r, "Inaktuell", r.version)
    assert rows_of(r.id) == [(OPEN_PERIOD, Period(2022, 1), Period(2022, 2), 2, 3)]
    assert_state_consistent()


def test_a_refused_write_leaves_the_state(app, t2):
    r = risk("NLL", 1)
    before = rows_of(r.id)
    with pytest.raises(StaleVersion), transaction():
        services.assess(user(NLL_OWNER), r, Period(2022, 2), 3, 3, None, r.version - 1)
    db.session.expire_all()
    assert rows_of(r.id) == before


def test_check_state_reports_and_repairs_a_difference(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["check-state"])
    assert ok.exit_code == 0 and "matches" in ok.output, ok.output
    r = risk("NLL", 1)
    db.session.execute(update(RiskState).where(RiskState.risk_id == r.id)
                       .values(likelihood=4))
    db.session.flush()
    bad = runner.invoke(args=["check-state"])
    assert bad.exit_code == 1
    assert f"risk {r.id}:" in bad.output
    fixed = runner.invoke(args=["check-state", "--repair"])
    assert fixed.exit_code == 1 and "Rewrote risk_state" in fixed.output
    assert runner.invoke(args=["check-state"]).exit_code == 0
    assert state.differences() == []
