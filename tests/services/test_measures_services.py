"""Measure services: permissions per role and object, audit, validation, nothing half-saved."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from riskreg.auth.permissions import PermissionDenied
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.measures import services
from riskreg.models import MeasureFollowUp, MeasureRisk, Plan, Risk
from riskreg.services import ServiceError
from riskreg.uow import transaction
from tests.conftest import DEMO_USERS, unit, user
from tests.helpers.measures import make_measure, measure, plan_id, risk

T1 = Period.parse("2022-T1")
T2 = Period.parse("2022-T2")


def coordinator():
    return user(DEMO_USERS["coordinator"])


def test_create_numbers_per_plan_and_audits(t2, audit_log):
    with audit_log() as events, transaction():
        m = services.create_measure(coordinator(), services.NewMeasure(
            unit_id=unit("NLL-RS").id, plan_id=plan_id(),
            texts=services.MeasureTexts(title="  Minska övertid  ",
                                        start_date=date(2022, 5, 1),
                                        due_date=date(2022, 12, 31))))
    highest = db.session.scalar(select(func.max(type(m).number)).where(
        type(m).plan_id == plan_id(), type(m).id != m.id))
    assert m.number == highest + 1 and m.title == "Minska övertid" and m.state == "active"
    assert [(e.object_type, e.action, e.new["title"]) for e in events] == [
        ("measure", "create", "Minska övertid")]


@pytest.mark.parametrize("role", ["owner", "board", "admin", "coordinator_ls1",
                                  "coordinator_sormland"])
def test_only_coordinators_over_the_unit_create(t2, role):
    with pytest.raises(PermissionDenied):
        services.create_measure(user(DEMO_USERS[role]), services.NewMeasure(
            unit_id=unit("NLL-RS").id, plan_id=plan_id(),
            texts=services.MeasureTexts(title="x")))


def test_due_before_start_is_refused(t2):
    with pytest.raises(ServiceError) as exc:
        services.create_measure(coordinator(), services.NewMeasure(
            unit_id=unit("NLL-RS").id, plan_id=plan_id(),
            texts=services.MeasureTexts(title="x", start_date=date(2022, 6, 1),
                                        due_date=date(2022, 5, 1))))
    assert exc.value.field == "due_date"


def test_links_are_audited_and_other_organisations_refused(t2, audit_log):
    m = make_measure()
    srm_risk = db.session.scalar(select(Risk.id).join(Plan, Plan.id == Risk.plan_id)
                                 .where(Plan.unit_id == unit("SRM-PV").id).limit(1))
    assert srm_risk is not None
    with pytest.raises(ServiceError):
        services.set_links(coordinator(), m, [risk(3).id, srm_risk], m.version)
    assert db.session.scalar(select(func.count()).select_from(MeasureRisk)
                             .where(MeasureRisk.measure_id == m.id)) == 0
    with audit_log() as events:
        with transaction():
            services.set_links(coordinator(), m, [risk(3).id, risk(7).id], m.version)
        with transaction():
            services.set_links(coordinator(), m, [risk(7).id], m.version)
    assert [(e.action, (e.new or e.old)["risk_id"]) for e in events] == [
        ("link", risk(3).id), ("link", risk(7).id), ("unlink", risk(3).id)]


def test_owner_reports_own_measure_only(t2, audit_log):
    own = make_measure("Egen")
    other = make_measure("Annans", responsible=None)
    owner = user(DEMO_USERS["owner"])
    with audit_log() as events, transaction():
        f = services.report(owner, own, T2, "on_track", "Pågår", "Klart till hälften",
                            own.version)
    assert (f.status.symbol, f.comment, f.result, f.carried_forward) == (
        "●", "Pågår", "Klart till hälften", False)
    assert events[0].action == "follow_up" and events[0].new["status"].startswith("●")
    with pytest.raises(PermissionDenied):
        services.report(owner, other, T2, "on_track", None, None, other.version)
    with pytest.raises(PermissionDenied):
        services.report(user(DEMO_USERS["board"]), own, T2, "on_track", None, None,
                        own.version)


def test_status_not_in_scale_and_future_period_are_refused(t2):
    m = make_measure()
    with pytest.raises(ServiceError) as exc:
        services.report(coordinator(), m, T2, "no_such_code", None, None, m.version)
    assert exc.value.field == "status"
    with pytest.raises(ServiceError) as exc:
        services.report(coordinator(), m, Period.parse("2022-T3"), "on_track", None, None,
                        m.version)
    assert exc.value.field == "period"


def test_carry_forward_many_at_once(t2, audit_log):
    a, b = make_measure("A"), make_measure("B")
    with transaction():
        services.report(coordinator(), a, T1, "at_risk", "Svårt", None, a.version)
    with audit_log() as events, transaction():
        n = services.carry_forward(coordinator(), [a, b], T2)
    assert n == 2 and len(events) == 2
    rows = {f.measure_id: f for f in db.session.scalars(
        select(MeasureFollowUp).where(MeasureFollowUp.period == T2,
                                      MeasureFollowUp.measure_id.in_([a.id, b.id])))}
    assert rows[a.id].carried_forward and rows[a.id].comment == "Inget nytt att redovisa"
    assert rows[a.id].status.symbol == "▲" and rows[b.id].status is None
    with transaction():  # already followed up: nothing more
        assert services.carry_forward(coordinator(), [a, b], T2) == 0


def test_carry_forward_refuses_all_when_one_is_out_of_reach(t2):
    ls1 = user(DEMO_USERS["coordinator_ls1"])
    mine, theirs = measure(7, "NLL-RS"), make_measure("RS-åtgärd")
    with pytest.raises(PermissionDenied):
        services.carry_forward(ls1, [mine, theirs], T2)
    assert db.session.scalar(select(func.count()).select_from(MeasureFollowUp).where(
        MeasureFollowUp.period == T2, MeasureFollowUp.measure_id == mine.id)) == 0


def test_finish_needs_a_reason_and_keeps_the_measure(t2, audit_log):
    m = make_measure()
    with pytest.raises(ServiceError):
        services.close(coordinator(), m, "finished", "  ", m.version)
    with audit_log() as events, transaction():
        services.close(coordinator(), m, "cancelled", "Ersatt av åtgärd 12", m.version)
    assert (m.state, m.closed_in, m.close_reason) == ("cancelled", T2, "Ersatt av åtgärd 12")
    assert events[0].action == "cancel"
    with pytest.raises(PermissionDenied):  # closed: no more changes
        services.report(coordinator(), m, T2, "on_track", None, None, m.version)
