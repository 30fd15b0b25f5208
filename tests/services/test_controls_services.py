"""Internal-control services: the plan's life, amendments, runs and their sample, results,
follow-up measures, evidence, the follow-up hook; and the demo data."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from riskreg.auth.permissions import PermissionDenied
from riskreg.controls import sampling, services
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import (
    AuditEvent,
    ControlPlan,
    ControlRun,
    Evidence,
    MeasureRisk,
    PlanAmendment,
)
from riskreg.services import ServiceError
from riskreg.uow import transaction
from tests.conftest import unit, user
from tests.helpers.controls import (
    COORDINATOR,
    INVOICES,
    PDF,
    control,
    make_run,
    make_spot_check,
    plan,
    run,
)
from tests.helpers.measures import risk

OWNER = "riskagare@norrbotten.example"
BOARD = "styrelse@norrbotten.example"


def events(object_type: str, object_id: int, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == object_id,
        AuditEvent.action == action)))


# -- the plan ---------------------------------------------------------------------------
def test_a_plan_goes_from_draft_to_adopted_to_followed_up_to_closed(t2):
    coordinator = user(COORDINATOR)
    with transaction():
        p = services.create_plan(coordinator, unit("NLL-LS1"), 2022, "IK-plan LS1")
    assert p.state == "draft" and not p.locked
    with pytest.raises(ServiceError):  # no date of decision
        services.adopt_plan(coordinator, p, None, "§ 1", "1", p.version)
    db.session.rollback()
    p = db.session.get(ControlPlan, p.id)
    with transaction():
        services.adopt_plan(coordinator, p, date(2021, 12, 1), "§ 12", "LS1-2021-1", p.version)
    assert p.state == "adopted" and p.locked and events("control_plan", p.id, "adopt")
    with transaction():
        services.report_follow_up(coordinator, p, Period(2022, 1), date(2022, 5, 20),
                                  "DÅ04 till nämnden", p.version)
    assert p.state == "followed_up"
    reported = events("control_plan", p.id, "period_reported")
    assert reported[0].new["period"] == "2022-T1" and reported[0].new["report"] == "DÅ04"
    with pytest.raises(ServiceError):  # the future is not reported
        services.report_follow_up(coordinator, p, Period(2022, 3), date(2022, 6, 1), None,
                                  p.version)
    db.session.rollback()
    p = db.session.get(ControlPlan, p.id)
    with transaction():
        services.close_plan(coordinator, p, "Ersatt av 2023 års plan", p.version)
    assert p.state == "closed" and events("control_plan", p.id, "close")


def test_the_hook_is_called_when_a_follow_up_is_reported(t2, monkeypatch):
    called = []
    real = services.on_follow_up_reported
    monkeypatch.setattr(services, "on_follow_up_reported",
                        lambda plan_, period, **kw: called.append((plan_.id, period)) or
                        real(plan_, period, **kw))
    p = plan()
    with transaction():
        services.report_follow_up(user(COORDINATOR), p, Period(2022, 1), date(2022, 5, 2),
                                  None, p.version)
    assert called == [(p.id, Period(2022, 1))]


def test_a_reported_follow_up_locks_the_period_and_its_runs(t2):
    from riskreg.locks import services as locks
    from riskreg.locks.services import PeriodLocked

    p = plan()
    open_run = run(2, "NLL-RS", "2022-T1")  # the demo run of control 2
    spot_check = make_spot_check()
    with transaction():
        services.report_follow_up(user(COORDINATOR), p, Period(2022, 1), date(2022, 5, 2),
                                  None, p.version)
    lock = locks.is_locked(unit("NLL-LS1"), Period(2022, 1))  # the plan's subtree
    assert lock is not None and lock.unit_id == unit("NLL-RS").id
    assert locks.is_locked(unit("NLL-RS"), Period(2022, 2)) is None
    with pytest.raises(PeriodLocked):  # results of a reported period
        services.save_results(user(COORDINATOR), open_run, [], "ok", None, None,
                              open_run.version)
    db.session.rollback()
    with pytest.raises(PeriodLocked):  # a new run in it
        make_run(spot_check, "2022-T1")
    db.session.rollback()
    with pytest.raises(PeriodLocked):  # evidence on it
        services.add_evidence(user(COORDINATOR), db.session.get(ControlRun, open_run.id),
                              "underlag.pdf", PDF)
    db.session.rollback()
    with transaction():
        locks.reopen_period(unit("NLL-RS"), Period(2022, 1), user(COORDINATOR), "Rättelse")
    with transaction():
        ev = services.add_evidence(user(COORDINATOR), db.session.get(ControlRun, open_run.id),
                                   "underlag.pdf", PDF)
    assert ev.id is not None


def test_an_adopted_plan_is_amended_only_with_a_reason(t2):
    p = plan()
    coordinator = user(COORDINATOR)
    risks = [link.risk_id for link in p.risks]
    with pytest.raises(ServiceError) as refused:
        services.update_plan(coordinator, p, "Ny rubrik", risks, None, p.version)
    assert refused.value.field == "amendment_reason"
    db.session.rollback()
    p = plan()
    with transaction():
        services.update_plan(coordinator, p, "Ny rubrik", risks, "Nämndens beslut § 40",
                             p.version)
    amendment = db.session.scalar(select(PlanAmendment).where(PlanAmendment.plan_id == p.id))
    assert amendment.reason == "Nämndens beslut § 40" and "Ny rubrik" in amendment.summary
    assert events("control_plan", p.id, "amend")


def test_only_coordinators_over_the_unit_manage_plans(t2):
    for email in (OWNER, BOARD, "samordnare.ls1@norrbotten.example",
                  "samordnare@sormland.example"):
        with pytest.raises(PermissionDenied):
            services.create_plan(user(email), unit("NLL-RS"), 2023, "Nej")


def test_a_second_plan_for_the_same_year_is_refused(t2):
    with pytest.raises(ServiceError) as refused:
        services.create_plan(user(COORDINATOR), unit("NLL-RS"), 2022, "Dubblett")
    assert refused.value.field == "year"


# -- runs and the sample ------------------------------------------------------------------
def test_a_run_records_its_population_seed_and_sample(t2):
    c = make_spot_check()
    r = make_run(c)
    assert r.population_size == 120 and r.sample_size == 10
    assert r.algorithm == sampling.ALGORITHM and r.seed == "test-seed"
    assert [i.value for i in r.items] == [d.value for d in
                                          sampling.draw(INVOICES, 10, "test-seed")]
    same, _again = services.redraw(r)
    assert same
    created = events("control_run", r.id, "create")[0]
    assert len(created.new["sampled"]) == 10


def test_an_empty_seed_gets_a_new_recorded_one(t2):
    c = make_spot_check()
    r = make_run(c, seed="")
    assert r.seed and len(r.seed) == 16


def test_run_refusals(t2):
    c = make_spot_check()
    coordinator = user(COORDINATOR)

    def attempt(**changes):
        data = {"unit_id": unit("NLL-RS").id, "period": Period(2022, 2), "items": INVOICES,
                "sample_size": 10, **changes}
        with pytest.raises(ServiceError) as refused:
            services.create_run(coordinator, c, services.RunInput(**data))
        db.session.rollback()
        return refused.value.field

    assert attempt(unit_id=unit("NLL-LS1").id) == "unit"  # not covered
    assert attempt(period=Period(2022, 3)) == "period"  # the future
    assert attempt(period=Period(2021, 3)) == "period"  # another year
    assert attempt(sample_size=0) == "sample_size"
    assert attempt(sample_size=5000) == "sample_size"
    assert attempt(not_performed_reason="Sjuk") == "items"
    make_run(c)
    assert attempt() == "period"  # already recorded


def test_who_records_runs(t2):
    c = make_spot_check(responsible=COORDINATOR)
    for email in (OWNER, BOARD, "samordnare@sormland.example"):
        with pytest.raises(PermissionDenied):
            make_run(c, actor=email)
    owned = make_spot_check("Ägarens stickprov", responsible=OWNER)
    assert make_run(owned, actor=OWNER).performed_by_id == user(OWNER).id


def test_results_give_count_rate_severity_and_conclusion(t2):
    r = make_run(make_spot_check())
    items = r.items
    results = [services.ItemResult(i.id, "ok") for i in items]
    results[2] = services.ItemResult(items[2].id, "deviation", "minor", "Saknar attest")
    results[5] = services.ItemResult(items[5].id, "deviation", "serious", "Fel belopp")
    with transaction():
        services.save_results(user(COORDINATOR), r, results, None, None, None, r.version)
    assert r.deviation_count == 2 and r.deviation_rate == pytest.approx(0.2)
    assert r.severity == "serious" and r.conclusion == "deviations"
    saved = events("control_run", r.id, "results")[0]
    assert set(saved.new["items"]) == {str(n) for n in range(1, 11)}


def test_inconsistent_conclusions_are_form_errors(t2):
    r = make_run(make_spot_check())
    coordinator = user(COORDINATOR)
    dev = [services.ItemResult(i.id, "deviation" if n == 0 else "ok", "minor" if n == 0 else
                               None) for n, i in enumerate(r.items)]
    ok = [services.ItemResult(i.id, "ok") for i in r.items]
    for results, conclusion, reason, field in [
            (dev, "ok", None, "conclusion"),
            (ok, "deviations", None, "conclusion"),
            (ok[:3], "ok", None, "conclusion"),  # items left unchecked
            ([], "not_performed", None, "not_performed_reason"),
            ([services.ItemResult(r.items[0].id, "deviation")], None, None,
             "items-0-severity"),
            ([services.ItemResult(r.items[0].id, "maybe")], None, None, "items-0-result")]:
        with pytest.raises(ServiceError) as refused:
            services.save_results(coordinator, r, results, conclusion, reason, None, r.version)
        assert refused.value.field == field
        db.session.rollback()
        r = db.session.get(ControlRun, r.id)


def test_a_deviation_becomes_a_measure_on_the_controls_risk(t2):
    r = make_run(make_spot_check())
    item = r.items[0]
    with transaction():
        services.save_results(user(COORDINATOR), r, [services.ItemResult(
            item.id, "deviation", "significant", "Attest saknas")], None, None, None,
            r.version)
    with transaction():
        m = services.create_measure_from_deviation(user(COORDINATOR), item)
    assert item.measure_id == m.id and m.unit_id == r.unit_id
    assert db.session.get(MeasureRisk, (m.id, risk(11).id)) is not None
    assert item.value in m.title and "Betydande" in m.description
    assert events("control_run", r.id, "measure")[0].new["measure_id"] == m.id
    with pytest.raises(ServiceError):  # not twice
        services.create_measure_from_deviation(user(COORDINATOR), item)


def test_a_run_not_performed_keeps_its_reason(t2):
    c = make_spot_check()
    with transaction():
        r = services.create_run(user(COORDINATOR), c, services.RunInput(
            unit_id=unit("NLL-RS").id, period=Period(2022, 2),
            not_performed_reason="Systemet var nere hela tertialen"))
    assert r.conclusion == "not_performed" and r.population_size == 0 and not r.items


# -- evidence -----------------------------------------------------------------------------
def test_evidence_is_sniffed_capped_stored_and_soft_deleted(t2, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 1000)
    r = make_run(make_spot_check())
    coordinator = user(COORDINATOR)
    with transaction():
        ev = services.add_evidence(coordinator, r, "../../etc/underlag.pdf", PDF)
    assert ev.kind == "pdf" and ev.filename == "underlag.pdf"
    assert (tmp_path / ev.stored_as).read_bytes() == PDF
    for name, data in [("virus.pdf", b"MZ\x90\x00"), ("stor.pdf", PDF + b"x" * 2000),
                       ("tom.pdf", b"")]:
        with pytest.raises(ServiceError) as refused:
            services.add_evidence(coordinator, r, name, data)
        assert refused.value.field == "file"
        db.session.rollback()
    ev = db.session.get(Evidence, ev.id)
    with pytest.raises(PermissionDenied):
        services.delete_evidence(user(OWNER), ev)
    with transaction():
        services.delete_evidence(coordinator, ev)
    assert ev.deleted_at is not None and (tmp_path / ev.stored_as).exists()
    assert events("control_run", r.id, "evidence_delete")


# -- the demo data ---------------------------------------------------------------------------
def test_sormland_demo_has_five_controls_with_004s_methods_and_runs_at_every_vardcentral(app):
    p = plan("SRM-PV", 2024)
    assert p.demo and p.state == "followed_up"
    texts = {control(n, "SRM-PV", 2024).method_text for n in range(1, 6)}
    assert "Stickprovskontroller regelbundet på varje vårdcentral." in texts
    spot = control(5, "SRM-PV", 2024)
    assert spot.method == "stickprov" and len(spot.unit_links) == 6
    for period in ("2024-T1", "2024-T2"):
        for code in ("SRM-PV-STRANGNAS", "SRM-PV-CITY", "SRM-PV-MARIEFRED",
                     "SRM-PV-TUNAFORS", "SRM-PV-LINDEN", "SRM-PV-OXELOSUND"):
            r = run(5, code, period, "SRM-PV", 2024)
            assert r is not None and r.demo
            assert services.redraw(r)[0]
    linden = run(5, "SRM-PV-LINDEN", "2024-T2", "SRM-PV", 2024)
    assert linden.deviation_count == 2 and linden.severity == "serious"
    assert sum(1 for i in linden.items if i.measure_id) == 1


def test_norrbotten_demo_has_controls_from_bilaga_5s_kontrollmetod(app):
    p = plan("NLL-RS", 2022)
    assert p.state == "adopted" and p.demo
    count = db.session.scalar(select(func.count()).select_from(ControlRun))
    assert count >= 14
    assert control(5).method_text == "Uppföljning av styrmått, strategier och aktiviteter"
    assert len(control(5).risk_links) == 9
