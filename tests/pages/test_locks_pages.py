"""The reported-periods page per role, the lock on the risk, measure and KPI pages, and a
write of a locked period refused on the form (400 with the lock's message, never a 500).
Today is 2022-T2; 2022-T1 is the period reported for Regionstyrelsen (NLL-RS)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from riskreg.extensions import db
from riskreg.models import AuditEvent, MeasureFollowUp, PeriodLock, RiskAssessment, Unit
from tests.conftest import field_errors, unit, user
from tests.helpers.kpis import DIGITAL, kpi, outcome
from tests.helpers.locks import NLL_COORDINATOR, T1, lock, reopen
from tests.helpers.measures import measure, risk

LOCKED_MESSAGE = "Perioden 2022-T1 (DÅ04) är rapporterad till nämnden och låst"


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-lock-id="(\d+)"', html)


def _events() -> list[AuditEvent]:
    """Norrbotten's lock events (the demo data reports Sörmland's DÅ04 2024 on its own)."""
    return list(db.session.scalars(select(AuditEvent).join(Unit, Unit.id == AuditEvent.unit_id)
                                   .where(AuditEvent.object_type == "period_lock",
                                          Unit.subtree_clause(unit("NLL").path))
                                   .order_by(AuditEvent.id)))


# -- the reported-periods page -------------------------------------------------------------
def test_coordinator_reports_a_period_and_it_is_audited(t2, coordinator):
    page = coordinator.get("/locks/")
    assert page.status_code == 200
    assert "Rapportera en period till nämnden" in page.text
    assert 'href="/locks/"' in page.text  # the coordinator's menu entry
    response = coordinator.post_form("/locks/", {
        "unit": str(unit("NLL-RS").id), "period": "2022-T1", "note": "RS 2022-05-30 § 87"},
        page="/locks/")
    assert response.status_code == 302
    shown = coordinator.get(response.headers["Location"])
    assert "RS 2022-05-30 § 87" in shown.text and "<td>Låst</td>" in shown.text
    assert [(e.action, e.new["period"], e.user_id, e.unit_id) for e in _events()] == [
        ("lock", "2022-T1", user(NLL_COORDINATOR).id, unit("NLL-RS").id)]


def test_reporting_twice_is_a_form_error(t2, coordinator):
    lock()
    response = coordinator.post_form("/locks/", {
        "unit": str(unit("NLL-RS").id), "period": "2022-T1"}, page="/locks/")
    assert response.status_code == 400
    assert "redan rapporterad" in field_errors(response, "period")
    assert len(_events()) == 1


def test_a_unit_the_coordinator_does_not_coordinate_is_refused(t2, coordinator_ls1):
    response = coordinator_ls1.post_form("/locks/", {
        "unit": str(unit("NLL-RS").id), "period": "2022-T1"}, page="/locks/")
    assert response.status_code == 400
    assert db.session.scalar(select(PeriodLock.id).where(
        PeriodLock.unit_id == unit("NLL-RS").id)) is None


@pytest.mark.parametrize("role", ["owner", "board", "admin", "owner_ls1"])
def test_readers_see_the_locks_without_forms(t2, as_role, role):
    made = lock()
    page = as_role(role).get("/locks/")
    assert page.status_code == 200
    assert _rows(page.text) == [str(made.id)]  # NLL-RS's lock covers LS1 too
    assert 'name="note"' not in page.text and f"/locks/{made.id}/reopen" not in page.text
    assert 'href="/locks/"' not in page.text.split("<main")[0]  # no menu entry
    posted = as_role(role).post_form("/locks/", {"unit": str(unit("NLL-RS").id),
                                                 "period": "2022-T1"}, page="/locks/")
    assert posted.status_code == 403


def test_other_organisations_neither_see_nor_reach_a_lock(t2, coordinator_sormland):
    made = lock()
    assert str(made.id) not in _rows(coordinator_sormland.get("/locks/").text)
    assert coordinator_sormland.get(f"/locks/{made.id}/reopen").status_code == 404
    assert coordinator_sormland.get(f"/locks/?unit={unit('NLL-RS').id}").status_code == 404


def test_a_lock_beneath_is_not_shown_above(t2, owner):
    lock("NLL-LS1", by="samordnare.ls1@norrbotten.example")
    assert len(_rows(owner.get("/locks/").text)) == 1  # NLL-RS reads LS1
    assert _rows(owner.get(f"/locks/?unit={unit('NLL-NARA').id}").text) == []


def test_coordinator_reopens_with_a_reason(t2, coordinator):
    made = lock()
    url = f"/locks/{made.id}/reopen"
    assert coordinator.get(url).status_code == 200
    empty = coordinator.post_form(url, {"reason": "  "}, page=url)
    assert empty.status_code == 400 and field_errors(empty, "reason")
    done = coordinator.post_form(url, {"reason": "Fel värde i risk 3"}, page=url)
    assert done.status_code == 302
    page = coordinator.get("/locks/")
    assert "Öppnad igen" in page.text and "Fel värde i risk 3" in page.text
    assert [e.action for e in _events()] == ["lock", "reopen"]
    assert coordinator.get(url).status_code == 403  # nothing left to reopen


@pytest.mark.parametrize(("role", "status"), [("owner", 403), ("board", 403), ("admin", 403),
                                              ("coordinator_ls1", 403),
                                              ("admin_sormland", 404)])
def test_only_the_coordinator_over_the_unit_reopens(t2, as_role, role, status):
    made = lock()
    c = as_role(role)
    assert c.get(f"/locks/{made.id}/reopen").status_code == status
    token = c.csrf_token("/locks/")
    assert c.post(f"/locks/{made.id}/reopen", data={"reason": "x", "csrf_token": token}
                  ).status_code == status
    db.session.expire_all()
    assert db.session.get(PeriodLock, made.id).locked


# -- the lock on the risk, measure and KPI pages ----------------------------------------------
def test_the_risk_page_shows_the_lock_and_no_reassess_button(t2, owner):
    made = lock()
    r = risk(3)
    page = owner.get(f"/risks/{r.id}?period=2022-T1")
    assert 'data-testid="lock-banner"' in page.text
    assert made.locked_by.name in page.text and "DÅ04 till regionstyrelsen" in page.text
    assert 'data-testid="reassess-locked"' in page.text
    assert f'href="/risks/{r.id}/assess' not in page.text
    assert 'data-testid="lock-mark"' in page.text  # the 2022-T1 row of the history
    open_page = owner.get(f"/risks/{r.id}?period=2022-T2")
    assert 'data-testid="lock-banner"' not in open_page.text
    assert f'href="/risks/{r.id}/assess?period=2022-T2"' in open_page.text


def test_posting_an_assessment_of_a_locked_period_is_a_form_error(t2, owner):
    lock()
    r = risk(3)
    url = f"/risks/{r.id}/assess"
    form = owner.get(f"{url}?period=2022-T1")
    assert "rapporterad till nämnden" in form.text  # the banner and the marked choice
    before = db.session.scalars(select(RiskAssessment.likelihood).where(
        RiskAssessment.risk_id == r.id, RiskAssessment.period == T1)).all()
    response = owner.post_form(url, {"period": "2022-T1", "likelihood": "1",
                                     "consequence": "1", "version": str(r.version)}, page=url)
    assert response.status_code == 400
    assert LOCKED_MESSAGE in field_errors(response, "period")
    db.session.expire_all()
    assert db.session.scalars(select(RiskAssessment.likelihood).where(
        RiskAssessment.risk_id == r.id, RiskAssessment.period == T1)).all() == before
    reopen()
    saved = owner.post_form(url, {"period": "2022-T1", "likelihood": "1", "consequence": "1",
                                  "version": str(r.version)}, page=url)
    assert saved.status_code == 302


def test_the_measure_page_and_follow_up_obey_the_lock(t2, owner):
    lock()
    m = measure(101)
    page = owner.get(f"/measures/{m.id}?period=2022-T1")
    assert 'data-testid="lock-banner"' in page.text
    assert 'data-testid="follow-up-locked"' in page.text
    assert f'href="/measures/{m.id}/follow-up' not in page.text
    url = f"/measures/{m.id}/follow-up"
    response = owner.post_form(url, {"period": "2022-T1", "status": "on_track",
                                     "version": str(m.version)}, page=url)
    assert response.status_code == 400
    assert LOCKED_MESSAGE in field_errors(response, "period")
    assert db.session.scalar(select(MeasureFollowUp.id).where(
        MeasureFollowUp.measure_id == m.id, MeasureFollowUp.period == T1)) is None


def test_the_kpi_outcome_form_obeys_the_lock(t2, coordinator):
    lock()
    k = kpi(DIGITAL)
    url = f"/kpis/{k.id}/outcome?unit={unit('NLL-LS1').id}&period=2022-T1"
    form = coordinator.get(url)
    assert 'data-testid="lock-banner"' in form.text
    version = outcome(k, "NLL-LS1", "2022-T1").version
    response = coordinator.post_form(url, {"period": "2022-T1", "total": "30",
                                           "version": str(version)}, page=url)
    assert response.status_code == 400
    assert LOCKED_MESSAGE in field_errors(response, "period")
    assert outcome(k, "NLL-LS1", "2022-T1").version == version


def test_the_banner_links_to_the_reported_periods(t2, board):
    lock()
    page = board.get(f"/risks/{risk(3).id}?period=2022-T1")
    link = re.search(r'href="(/locks/\?[^"]+)"', page.text).group(1).replace("&amp;", "&")
    target = board.get(link)
    assert target.status_code == 200 and len(_rows(target.text)) == 1


def test_the_risk_page_reads_the_locks_in_one_statement(t2, owner, statement_log):
    r = risk(3)
    owner.get(f"/risks/{r.id}?period=2022-T1")  # warm
    with statement_log() as without:
        owner.get(f"/risks/{r.id}?period=2022-T1")
    lock()
    lock(period=T1.previous())
    with statement_log() as with_locks:
        owner.get(f"/risks/{r.id}?period=2022-T1")
    assert with_locks.count == without.count


def test_the_measure_list_and_kpi_table_show_the_lock(t2, coordinator):
    lock()
    listed = coordinator.get(f"/measures/?unit={unit('NLL-RS').id}&period=2022-T1")
    assert listed.status_code == 200
    assert 'data-testid="lock-banner"' in listed.text
    assert 'data-testid="carry-forward"' not in listed.text  # nothing to carry into it
    table = coordinator.get(f"/kpis/?unit={unit('NLL-LS1').id}&period=2022-T1")
    assert 'data-testid="lock-banner"' in table.text
    open_table = coordinator.get(f"/kpis/?unit={unit('NLL-LS1').id}&period=2022-T2")
    assert 'data-testid="lock-banner"' not in open_table.text


def test_the_heat_map_says_whether_its_period_is_reported(t2, board):
    lock()
    url = f"/heatmaps/?unit={unit('NLL-LS1').id}&period="
    reported = board.get(url + "2022-T1")
    note = re.search(r'<p class="lock-note[^>]*>(.*?)</p>', reported.text, re.S).group(1)
    assert "2022-T1 (DÅ04) är rapporterad till nämnden" in note and "Regionstyrelsen" in note
    not_reported = board.get(url + "2022-T2")
    note = re.search(r'<p class="lock-note[^>]*>(.*?)</p>', not_reported.text, re.S).group(1)
    assert "rapporterad till nämnden" not in note
    assert f'href="/locks/?unit={unit("NLL-LS1").id}"' in note  # where the board looks


def test_carry_forward_into_a_reported_period_is_refused_with_the_message(t2, coordinator):
    lock(period=T1.next())  # 2022-T2 reported for Regionstyrelsen
    m = measure(101)
    token = coordinator.csrf_token("/measures/")
    response = coordinator.post("/measures/carry-forward", data={
        "csrf_token": token, "period": "2022-T2", "measures": [str(m.id)]})
    assert response.status_code == 302
    shown = coordinator.get(response.headers["Location"])
    assert "Perioden 2022-T2 (DÅ08) är rapporterad till nämnden" in shown.text
    assert db.session.scalar(select(MeasureFollowUp.id).where(
        MeasureFollowUp.measure_id == m.id, MeasureFollowUp.period == T1.next())) is None
