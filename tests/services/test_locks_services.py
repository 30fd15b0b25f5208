"""Reported periods are locked: locking, reopening with a reason, the lookup over the unit's
ancestry, and every write of per-period data refused in a locked period and allowed after
reopening (issue 11). Today is 2022-T2; 2022-T1 is the period reported."""

from __future__ import annotations

import pytest

from riskreg.auth.permissions import PermissionDenied
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.kpis import services as kpi_services
from riskreg.locks import services
from riskreg.locks.services import PeriodLocked
from riskreg.measures import services as measure_services
from riskreg.models import Risk
from riskreg.risks import services as risk_services
from riskreg.risks.texts import RiskTexts
from riskreg.services import ServiceError
from riskreg.uow import transaction
from tests.conftest import DEMO_USERS, db_state, translated, unit, user
from tests.helpers.kpis import DIGITAL, SUICIDE, kpi, outcome
from tests.helpers.locks import NLL_COORDINATOR, T1, T2, lock, reopen
from tests.helpers.measures import measure, plan_id, risk
from tests.helpers.risks import NLL_OWNER

LS1_COORDINATOR = DEMO_USERS["coordinator_ls1"]


# -- locking and the lookup ------------------------------------------------------------------
def test_lock_covers_the_unit_and_its_subtree_only(t2, audit_log):
    with audit_log() as events:
        made = lock("NLL-RS")
    assert made.locked and made.locked_by_id == user(NLL_COORDINATOR).id
    assert made.source == "board" and made.note == "DÅ04 till regionstyrelsen"
    for code in ("NLL-RS", "NLL-LS1", "NLL-LS1-IMED", "NLL-NARA"):
        assert services.is_locked(unit(code), T1) == made, code
    assert services.is_locked(unit("NLL"), T1) is None  # above: not covered
    assert services.is_locked(unit("SRM-PV"), T1) is None  # another organisation
    assert services.is_locked(unit("NLL-RS"), T2) is None  # another period
    assert [(e.object_type, e.action, e.new["period"], e.unit_id) for e in events] == [
        ("period_lock", "lock", "2022-T1", unit("NLL-RS").id)]


def test_a_lock_beneath_does_not_cover_the_unit_above(t2):
    lock("NLL-LS1", by=LS1_COORDINATOR)
    assert services.is_locked(unit("NLL-LS1-AKUT"), T1) is not None
    assert services.is_locked(unit("NLL-RS"), T1) is None
    assert services.is_locked(unit("NLL-NARA"), T1) is None


def test_the_widest_of_nested_locks_is_named(t2):
    inner = lock("NLL-LS1", by=LS1_COORDINATOR)
    outer = lock("NLL-RS")
    assert services.is_locked(unit("NLL-LS1-IMED"), T1) == outer
    reopen("NLL-RS")
    assert services.is_locked(unit("NLL-LS1-IMED"), T1) == inner  # its own report stays


def test_the_lookup_is_one_statement(t2, statement_log):
    lock("NLL-RS")
    deep = unit("NLL-LS1-IMED")
    with statement_log() as log:
        services.is_locked(deep, T1)
    assert log.count == 1
    assert "period_lock" in log.statements[0]


@pytest.mark.parametrize("role", ["owner", "board", "admin", "coordinator_ls1",
                                  "coordinator_sormland", "admin_sormland"])
def test_only_a_coordinator_over_the_unit_reports(t2, role):
    with pytest.raises(PermissionDenied):
        services.lock_period(unit("NLL-RS"), T1, user(DEMO_USERS[role]), None)


def test_already_reported_and_future_periods_are_refused(t2):
    lock("NLL-RS")
    with pytest.raises(ServiceError) as exc:
        lock("NLL-RS")
    assert exc.value.field == "period"
    with pytest.raises(ServiceError) as exc:
        lock("NLL-RS", period=T2.next())
    assert exc.value.field == "period"


def test_reopen_needs_a_reason_and_is_audited(t2, audit_log):
    lock("NLL-RS")
    for reason in (None, "   "):
        with pytest.raises(ServiceError) as exc:
            reopen(reason=reason)
        assert exc.value.field == "reason"
    assert services.is_locked(unit("NLL-RS"), T1) is not None
    with audit_log() as events:
        opened = reopen()
    assert not opened.locked and opened.reopen_reason == "Rättelse av ett felregistrerat värde"
    assert opened.reopened_by_id == user(NLL_COORDINATOR).id
    assert services.is_locked(unit("NLL-LS1"), T1) is None
    assert [(e.action, e.old, e.new["reason"]) for e in events] == [
        ("reopen", {"period": "2022-T1", "locked": True}, opened.reopen_reason)]
    with audit_log() as events:
        again = lock("NLL-RS", note="DÅ04, rättad")
    assert again.id == opened.id and again.locked
    assert [(e.action, e.new["locked"]) for e in events] == [("relock", True)]


@pytest.mark.parametrize("role", ["owner", "board", "admin", "coordinator_ls1",
                                  "coordinator_sormland"])
def test_only_a_coordinator_over_the_unit_reopens(t2, role):
    lock("NLL-RS")
    with pytest.raises(PermissionDenied):
        services.reopen_period(unit("NLL-RS"), T1, user(DEMO_USERS[role]), "för att")


def test_a_period_locked_above_is_reopened_there(t2):
    lock("NLL-RS")
    with pytest.raises(ServiceError) as exc:
        reopen("NLL-LS1", by=LS1_COORDINATOR)
    assert "Regionstyrelsen" in exc.value.message
    with pytest.raises(ServiceError):  # nothing reported at all
        reopen("NLL-RS", period=T2)


def test_lock_for_follow_up_is_idempotent_and_relocks(t2, audit_log):
    coordinator = user(NLL_COORDINATOR)
    with audit_log() as events, transaction():
        first = services.lock_for_follow_up(unit("NLL-RS"), T1, coordinator)
        same = services.lock_for_follow_up(unit("NLL-RS"), T1, coordinator)
    assert first is same and first.source == "follow_up"
    assert [e.action for e in events] == ["lock"]
    reopen()
    with transaction():
        again = services.lock_for_follow_up(unit("NLL-RS"), T1, coordinator)
    assert again.id == first.id and again.locked
    with pytest.raises(PermissionDenied):
        services.lock_for_follow_up(unit("NLL-RS"), T1, user(NLL_OWNER))


def test_ensure_open_speaks_swedish_by_default(t2):
    lock("NLL-RS")
    with pytest.raises(PeriodLocked) as exc:
        services.ensure_open(unit("NLL-LS1"), T1)
    message = exc.value.message
    assert message.startswith("Perioden 2022-T1 (DÅ04) är rapporterad till nämnden")
    assert "Regionstyrelsen" in message and user(NLL_COORDINATOR).name in message
    assert exc.value.field == "period"
    assert translated("The period %(period)s is reported to the board and locked (%(unit)s, "
                      "by %(who)s on %(when)s). A coordinator can reopen it with a reason.",
                      period="2022-T1 (DÅ04)", unit="Regionstyrelsen",
                      who=user(NLL_COORDINATOR).name,
                      when=exc.value.lock.locked_at.date().isoformat()) == message
    services.ensure_open(unit("NLL-RS"), T2)  # another period: open


# -- every write of per-period data obeys ------------------------------------------------------
def _assess(email: str, number: int = 3, period=T1):
    r = risk(number)
    with transaction():
        return risk_services.assess(user(email), r, period, 2, 2, "Omprövad", r.version)


@pytest.mark.parametrize("email", [NLL_OWNER, NLL_COORDINATOR])
def test_assessing_a_locked_period_is_refused_for_owner_and_coordinator(t2, email):
    lock("NLL-RS")
    before = db_state()
    with pytest.raises(PeriodLocked):
        _assess(email)
    assert db_state() == before
    _assess(email, period=T2)  # the open period is assessed as before
    reopen()
    saved = _assess(email)
    assert (saved.period, saved.likelihood, saved.consequence) == (T1, 2, 2)


def test_a_risk_beneath_a_locked_unit_is_covered(t2, deep_risks):
    lock("NLL-RS")
    r = db.session.get(Risk, deep_risks["deeper"])  # two levels beneath NLL-RS
    with pytest.raises(PeriodLocked), transaction():
        risk_services.assess(user(NLL_COORDINATOR), r, T1, 1, 1, None, r.version)
    reopen()
    with transaction():
        assert risk_services.assess(user(NLL_COORDINATOR), r, T1, 1, 1, None,
                                    r.version).value == 1


def test_a_new_risk_takes_no_first_assessment_in_a_locked_period(t2):
    lock("NLL-RS")

    def create(period):
        with transaction():
            return risk_services.create_risk(user(NLL_COORDINATOR), risk_services.NewRisk(
                kind="success_factor", unit_id=unit("NLL-RS").id, plan_id=plan_id(),
                owner_id=user(NLL_OWNER).id,
                texts=RiskTexts(title="Ny risk", event="Något händer"),
                success_factor_id=risk(3).success_factor_id, period=period,
                likelihood=2, consequence=3))

    before = db_state()
    with pytest.raises(PeriodLocked):
        create(T1)
    assert db_state() == before
    created = create(T2)
    assert [a.period for a in created.assessments] == [T2]


def _report(email: str, period=T1, number: int = 101):
    m = measure(number)
    with transaction():
        return measure_services.report(user(email), m, period, "on_track", "Pågår", None,
                                       m.version)


@pytest.mark.parametrize("email", [NLL_OWNER, NLL_COORDINATOR])
def test_a_measure_status_of_a_locked_period_is_refused(t2, email):
    lock("NLL-RS")
    before = db_state()
    with pytest.raises(PeriodLocked):
        _report(email)
    assert db_state() == before
    _report(email, period=T2)
    reopen()
    assert _report(email).status.code == "on_track"


def test_the_command_line_obeys_the_lock_too(t2):
    lock("NLL-RS")
    m = measure(101)
    with pytest.raises(PeriodLocked), transaction():
        measure_services.report(None, m, T1, "on_track", None, None, None)


def test_carry_forward_into_a_locked_period_saves_nothing(t2):
    lock("NLL-LS1", period=T2, by=LS1_COORDINATOR)
    chosen = [measure(101), measure(7)]  # NLL-RS (open) and NLL-LS1 (locked)
    before = db_state()
    with pytest.raises(PeriodLocked), transaction():
        measure_services.carry_forward(user(NLL_COORDINATOR), chosen, T2)
    assert db_state() == before
    reopen("NLL-LS1", period=T2, by=LS1_COORDINATOR)
    with transaction():
        assert measure_services.carry_forward(user(NLL_COORDINATOR), chosen, T2) == 2


def _outcome(email: str, period: str, total: float, name: str = DIGITAL):
    k = kpi(name)
    existing = outcome(k, "NLL-LS1", period)
    data = kpi_services.OutcomeInput(period=Period.parse(period), total=total)
    with transaction():
        return kpi_services.record_outcome(user(email), k, unit("NLL-LS1"), data,
                                           existing.version if existing else 0)


def test_a_kpi_outcome_of_a_locked_period_is_refused(t2):
    lock("NLL-RS")
    before = db_state()
    for email in (NLL_COORDINATOR, LS1_COORDINATOR):
        with pytest.raises(PeriodLocked):
            _outcome(email, "2022-T1", 24.0)
    assert db_state() == before
    _outcome(LS1_COORDINATOR, "2022-T2", 30.0)
    reopen()
    assert _outcome(LS1_COORDINATOR, "2022-T1", 24.0).total == 24.0


def test_a_correction_that_would_change_a_reported_fulfilment_is_refused(t2):
    """Öka is judged against the previous outcome: correcting 2021-T3 would re-judge the
    reported 2022-T1."""
    lock("NLL-RS")
    k = kpi(SUICIDE)
    earlier = outcome(k, "NLL-LS1", "2021-T3")
    reported = outcome(k, "NLL-LS1", "2022-T1").status
    with pytest.raises(PeriodLocked):
        _outcome(NLL_COORDINATOR, "2021-T3", 10.0, SUICIDE)
    assert outcome(k, "NLL-LS1", "2021-T3").total == earlier.total
    assert outcome(k, "NLL-LS1", "2022-T1").status == reported


def test_carry_forward_checks_every_unit_in_one_statement(t2, statement_log):
    lock("NLL-LS1", period=T2, by=LS1_COORDINATOR)
    few = [measure(101)]
    many = [measure(n) for n in (101, 7, 8, 9, 10, 11)]
    counts = []
    for chosen in (few, many):
        with statement_log() as log, pytest.raises(PeriodLocked) if len(chosen) > 1 \
                else transaction():
            measure_services.carry_forward(user(NLL_COORDINATOR), chosen, T2)
        counts.append(sum("period_lock" in s for s in log.statements))
    assert counts == [1, 1]


def test_two_coordinators_reporting_at_once_is_a_refusal_not_an_error(t2, monkeypatch):
    """The second of two simultaneous reports finds the row only when it inserts (the
    unique index): a ServiceError, and the first report stands."""
    first = lock("NLL-RS")
    monkeypatch.setattr(services, "_exact", lambda unit, period: None)  # did not see it
    with pytest.raises(ServiceError) as exc, transaction():
        services.lock_period(unit("NLL-RS"), T1, user(NLL_COORDINATOR), "samtidigt")
    assert exc.value.field == "period"
    db.session.expire_all()
    assert db.session.get(type(first), first.id).note == "DÅ04 till regionstyrelsen"
