"""KPI pages and API: the KPI table, recording an outcome, the plan structure, links,
bad input, conflicts, query counts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.kpis import services
from riskreg.models import AuditEvent, Kpi, KpiRiskLink, Perspective
from riskreg.uow import transaction
from tests.conftest import (
    db_state,
    field_errors,
    form_errors,
    location_path,
    translated,
    unit,
    user,
)
from tests.helpers.kpis import DIGITAL, HIRED, SUICIDE, kpi, outcome, set_assessment
from tests.helpers.risks import NLL_COORDINATOR, plan_of, risk


def table_url(unit_code="NLL-LS1", period="2022-T1"):
    return f"/kpis/?unit={unit(unit_code).id}&period={period}"


def outcome_url(k, unit_code="NLL-LS1", period="2022-T2"):
    return f"/kpis/{k.id}/outcome?unit={unit(unit_code).id}&period={period}"


# -- the KPI table ------------------------------------------------------------------------
def test_the_table_in_the_sources_columns(board):
    html = board.get(table_url()).get_data(as_text=True)
    for heading in ("Success factor", "KPI (styrmått)", "Target", "Follow-up periods",
                    "Period's outcome", "Goal fulfilment", "Trend"):
        assert translated(heading) in html
    row = html[html.index(f'data-kpi="{kpi(SUICIDE).id}"'):]
    row = row[:row.index("</tr>")]
    # 15 % (K 17, M 8), Öka against 2021's 25 %: not met, down; words beside the arrow
    assert "15" in row and "K: 17" in row and "M: 8" in row
    assert translated("Not met") in row and f"↓ {translated('Down')}" in row
    assert "Record outcome" not in html and translated("Record outcome") not in html


def test_the_table_offers_recording_to_coordinators(coordinator_ls1):
    html = coordinator_ls1.get(table_url()).get_data(as_text=True)
    assert outcome_url(kpi(DIGITAL), period="2022-T1").replace("&", "&amp;") in html


def test_future_period_and_bad_unit(coordinator):
    assert coordinator.get(table_url(period="2999-T1")).status_code == 400
    assert coordinator.get(table_url(period="2022-T9")).status_code == 400
    assert coordinator.get("/kpis/?unit=abc").status_code == 400
    assert coordinator.get(f"/kpis/?unit={unit('SRM-PV').id}").status_code == 404


def test_finding_shown_on_the_table(coordinator):
    html = coordinator.get(table_url("NLL-RS")).get_data(as_text=True)
    assert translated("No such finding for this unit and period.") in html
    set_assessment(risk("NLL", 7), "2022-T1", 2, 2)
    html = coordinator.get(table_url("NLL-RS")).get_data(as_text=True)
    section = html[html.index('data-testid="kpi-findings"'):]
    assert f'/kpis/{kpi(DIGITAL).id}"' in section and "Division Länssjukvård 1" in section


# -- recording an outcome -----------------------------------------------------------------
def test_a_coordinator_records_an_outcome(coordinator_ls1, t2, audit_log):
    k = kpi(DIGITAL)
    with audit_log() as events:
        response = coordinator_ls1.post_form(outcome_url(k), {
            "period": "2022-T2", "version": "0", "total": "41,5", "women": "40",
            "men": "43"})
    assert response.status_code == 302
    saved = outcome(k, "NLL-LS1", "2022-T2")
    assert (saved.total, saved.women, saved.men, saved.status) == (41.5, 40.0, 43.0, "met")
    assert [(e.object_type, e.action, e.user_id) for e in events] == [
        ("kpi_outcome", "create", user("samordnare.ls1@norrbotten.example").id)]
    html = coordinator_ls1.get(table_url(period="2022-T2")).get_data(as_text=True)
    row = html[html.index(f'data-kpi="{k.id}"'):]
    assert "41,5" in row[:row.index("</tr>")] and f"↑ {translated('Up')}" in row


@pytest.mark.parametrize(("data", "field"), [
    ({"period": "2022-T3", "total": "5"}, "period"),  # the future: not a choice
    ({"period": "2022-T2", "total": "fem"}, "total"),  # not a number
    ({"period": "2022-T2", "total": "5", "women": "2"}, "women"),  # K on an unsplit KPI
    ({"period": "2022-T2", "total": "5", "men": "x"}, "men"),
    ({"period": "2022-T2", "total": "5", "status": "not_met"}, "status"),  # computed: met
])
def test_bad_outcomes_are_form_errors(coordinator, t2, data, field):
    before = db_state()
    response = coordinator.post_form(outcome_url(kpi(HIRED)), {"version": "0", **data})
    assert response.status_code == 400
    assert field_errors(response, field), response.get_data(as_text=True)[-3000:]
    assert db_state() == before


def test_missing_version_and_stale_version(coordinator, t2):
    k = kpi(DIGITAL)
    url = outcome_url(k, period="2022-T1")
    response = coordinator.post_form(url, {"period": "2022-T1", "total": "24"})
    assert response.status_code == 400 and form_errors(response)
    stale = outcome(k, "NLL-LS1", "2022-T1").version
    ok = coordinator.post_form(url, {"period": "2022-T1", "total": "24", "version": stale,
                                     "women": "24", "men": "24"})
    assert ok.status_code == 302
    conflict = coordinator.post_form(url, {"period": "2022-T1", "total": "25",
                                           "version": stale})
    assert conflict.status_code == 409
    assert outcome(k, "NLL-LS1", "2022-T1").total == 24.0
    # A KPI outcome's status is its goal fulfilment, in the fulfilment's words.
    table = conflict.get_data(as_text=True).split('data-testid="conflict"')[1].split("</table>")[0]
    assert "<td>Måluppfyllelse</td>" in table and "<td>Status</td>" not in table


def test_by_hand_with_a_comment(coordinator, t2):
    k = kpi("Vårdrelaterade fallskador")
    url = outcome_url(k)
    response = coordinator.post_form(url, {"period": "2022-T2", "version": "0",
                                           "total": "85", "status": "not_met"})
    assert response.status_code == 400 and field_errors(response, "status_comment")
    response = coordinator.post_form(url, {"period": "2022-T2", "version": "0", "total": "85",
                                           "status": "not_met",
                                           "status_comment": "Långt från halverat"})
    assert response.status_code == 302
    saved = outcome(k, "NLL-LS1", "2022-T2")
    assert (saved.status, saved.status_by_hand, saved.status_comment) == (
        "not_met", True, "Långt från halverat")


def test_the_owner_may_not_record(owner, t2):
    before = db_state()
    response = owner.post_form(outcome_url(kpi(HIRED)), {"period": "2022-T2", "total": "5",
                                                         "version": "0"},
                               page=table_url())
    assert response.status_code == 403
    assert db_state() == before


# -- the plan structure ---------------------------------------------------------------------
def test_a_coordinator_edits_the_structure(coordinator, audit_log):
    plan = plan_of("NLL")
    with audit_log() as events:
        r = coordinator.post_form(f"/kpis/plans/{plan.id}/new/perspective",
                                  {"name": "Hållbarhetsperspektivet", "position": "7"})
        assert r.status_code == 302
        persp = db.session.scalar(select(Perspective).where(
            Perspective.plan_id == plan.id, Perspective.name == "Hållbarhetsperspektivet"))
        r = coordinator.post_form(f"/kpis/nodes/perspective/{persp.id}",
                                  {"name": "Hållbarhet", "position": "0", "retired": "y"})
        assert r.status_code == 302
    db.session.expire_all()
    assert (persp.name, persp.position, persp.retired) == ("Hållbarhet", 0, True)
    assert [e.action for e in events] == ["create", "retire"]
    html = coordinator.get(f"/kpis/plans/{plan.id}").get_data(as_text=True)
    assert "Hållbarhet" in html and translated("Retired") in html


def test_a_duplicate_perspective_is_a_form_error(coordinator):
    plan = plan_of("NLL")
    r = coordinator.post_form(f"/kpis/plans/{plan.id}/new/perspective",
                              {"name": "Ekonomiperspektivet"})
    assert r.status_code == 400 and field_errors(r, "name")


def test_unknown_level_is_404(coordinator):
    assert coordinator.get(f"/kpis/plans/{plan_of('NLL').id}/new/kpi").status_code == 404


def test_a_coordinator_creates_and_edits_a_kpi(coordinator, audit_log):
    plan = plan_of("NLL")
    factor = kpi(DIGITAL).success_factor_id
    r = coordinator.post_form(f"/kpis/plans/{plan.id}/kpis/new", {
        "name": "Andel videobesök", "kind": "styrmatt", "success_factor_id": factor,
        "follow_up": ["DÅ04", "ÅR"], "target_years": "2022: 10 %\n2024: Öka",
        "direction": "higher"})
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    k = db.session.scalar(select(Kpi).where(Kpi.name == "Andel videobesök"))
    assert k.targets == {"2022": "10 %", "2024": "Öka"} and k.follow_up == ["DÅ04", "ÅR"]
    r = coordinator.post_form(f"/kpis/{k.id}/edit", {
        "name": "Andel videobesök", "kind": "styrmatt", "target_years": "2022 10 %"})
    assert r.status_code == 400 and field_errors(r, "target_years")


# -- links -------------------------------------------------------------------------------------
def test_link_and_unlink_risks(coordinator, audit_log):
    k = kpi(HIRED)
    with audit_log() as events:
        r = coordinator.post_form(f"/kpis/{k.id}/links", {"risk_id": risk("NLL", 13).id},
                                  page=f"/kpis/{k.id}")
        assert r.status_code == 302
        r = coordinator.post_form(f"/kpis/{k.id}/links/{risk('NLL', 13).id}/delete",
                                  page=f"/kpis/{k.id}")
        assert r.status_code == 302
    assert [e.action for e in events] == ["link", "unlink"]


def test_a_link_to_another_organisations_risk_is_refused(coordinator):
    k = kpi(HIRED)
    before = db_state()
    r = coordinator.post_form(f"/kpis/{k.id}/links", {"risk_id": risk("SRM", 2).id},
                              page=f"/kpis/{k.id}")
    assert r.status_code == 400 and field_errors(r, "risk_id")
    r = coordinator.post_form(f"/kpis/{k.id}/links", {"risk_id": "x"}, page=f"/kpis/{k.id}")
    assert r.status_code == 400
    assert db_state() == before


def test_the_kpi_page_lists_links_and_outcomes(board):
    k = kpi(DIGITAL)
    html = board.get(f"/kpis/{k.id}").get_data(as_text=True)
    assert f"/risks/{risk('NLL', 7).id}" in html and "Division Länssjukvård 1" in html
    assert translated("Link risk") not in html  # a board reviewer reads


# -- query counts --------------------------------------------------------------------------------
def _more_kpis(n: int) -> None:
    """n more KPIs under one success factor, each with an LS1 outcome and a link."""
    plan, factor = plan_of("NLL"), kpi(DIGITAL).success_factor_id
    actor = user(NLL_COORDINATOR)
    with transaction():
        for i in range(n):
            k = services.save_kpi(actor, plan, None, services.KpiInput(
                name=f"Extra mått {i}", success_factor_id=factor, follow_up=["DÅ04"],
                targets={"2022": "50 %"}, direction="higher"))
            services.record_outcome(None, k, unit("NLL-LS1"), services.OutcomeInput(
                period=Period(2022, 1), total=float(i)), None)
            db.session.add(KpiRiskLink(kpi_id=k.id, risk_id=risk("NLL", (3, 4, 6)[i % 3]).id))


PINNED = {"table": 12, "api": 7}


@pytest.mark.parametrize("url", ["table", "api"])
def test_query_count_does_not_grow_with_kpis(coordinator, statement_log, url):
    target = table_url() if url == "table" else f"/api/v1/kpis?unit={unit('NLL-LS1').id}" \
        "&period=2022-T1"
    coordinator.get(target)
    with statement_log() as log:
        assert coordinator.get(target).status_code == 200
    before = log.count
    # the signed-in user and their roles, the unit, the plans, the structure (one
    # statement), the outcomes and who recorded them, the links, and on the page the unit
    # list, the organisation's scale, finding 4 and the period's lock (one indexed lookup)
    assert before == PINNED[url], log.statements
    _more_kpis(6)
    with statement_log() as log:
        assert coordinator.get(target).status_code == 200
    assert log.count == before, log.statements


# -- the API -----------------------------------------------------------------------------------
def test_api_kpis(board):
    body = board.get(f"/api/v1/kpis?unit={unit('NLL-LS1').id}&period=2022-T1").get_json()
    assert body["period"] == "2022-T1" and body["unit"]["code"] == "NLL-LS1"
    by_name = {k["name"][:24]: k for k in body["kpis"]}
    digital = by_name[DIGITAL[:24]]
    assert digital["target"] == "40 %" and digital["outcome"]["total"] == 23.0
    assert digital["fulfilment"] == "not_met" and digital["linked_risk_ids"] == [
        risk("NLL", 7).id]
    suicide = by_name[SUICIDE[:24]]
    assert (suicide["trend"], suicide["outcome"]["women"]) == ("down", 17.0)
    assert len(body["kpis"]) == 15


def test_api_scope_and_bad_input(board, coordinator_sormland, client):
    assert client.get("/api/v1/kpis").status_code == 401
    assert board.get("/api/v1/kpis?period=2999-T1").status_code == 400
    assert board.get("/api/v1/kpis?unit=nope").status_code == 400
    assert board.get(f"/api/v1/kpis?unit={unit('SRM-PV').id}").status_code == 404
    body = coordinator_sormland.get("/api/v1/kpis?period=2023-T3").get_json()
    assert body["unit"]["code"] == "SRM-PV"
    assert {k["plan_id"] for k in body["kpis"]} == {plan_of("SRM").id}
    assert all(k["linked_risk_ids"] == [] for k in body["kpis"])


def test_no_audit_for_reads(board, statement_log):
    with statement_log() as log:
        board.get(table_url())
    assert log.writes == []
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.object_type == "kpi_outcome", AuditEvent.user_id == user(
            "styrelse@norrbotten.example").id)) is None


def test_a_retired_success_factor_is_not_offered_for_new_work(coordinator):
    k = kpi(DIGITAL)
    factor = k.success_factor
    with transaction():
        services.update_node(user(NLL_COORDINATOR), factor, "factor", factor.name, None, True)
    option = re.compile(rf'<option[^>]*value="{factor.id}"')
    plan = plan_of("NLL")
    assert not option.search(coordinator.get(f"/kpis/plans/{plan.id}/kpis/new").get_data(
        as_text=True))
    assert not option.search(coordinator.get(f"/risks/new?unit={unit('NLL-RS').id}").get_data(
        as_text=True))
    # ... but kept where it is chosen already, and the KPI keeps its outcomes in the table
    assert option.search(coordinator.get(f"/kpis/{k.id}/edit").get_data(as_text=True))
    html = coordinator.get(table_url()).get_data(as_text=True)
    assert f'data-kpi="{k.id}"' in html
    assert f'data-kpi="{k.id}"' not in coordinator.get(table_url(period="2021-T3")).get_data(
        as_text=True)


def test_finding_4_joins_the_shared_findings_on_the_pages_and_the_api(coordinator):
    """The KPI finding is the fourth kind of the findings list (riskreg/findings): on the
    heat-map page, the board's findings and /api/v1/findings."""
    nll_rs = unit("NLL-RS").id
    api = f"/api/v1/findings?unit={nll_rs}&period=2022-T1"

    def kpi_items():
        body = coordinator.get(api).get_json()
        [kind] = [f for f in body["findings"] if f["kind"] == "kpi_off_target_risks_low"]
        return kind["total"], [(i["type"], i["id"]) for i in kind["items"]]

    assert kpi_items() == (0, [])  # risk 7 sits at the threshold: the register is alarmed
    set_assessment(risk("NLL", 7), "2022-T1", 2, 2)
    assert kpi_items() == (1, [("kpi", kpi(DIGITAL).id)])
    page = coordinator.get(f"/heatmaps/?unit={nll_rs}&period=2022-T1").get_data(as_text=True)
    section = page[page.index('data-finding="kpi_off_target_risks_low"'):]
    assert f'/kpis/{kpi(DIGITAL).id}"' in section.split("</ul>")[0]


def test_risk_page_lists_its_kpis_with_outcomes_beneath_the_risks_unit(board):
    from tests.helpers.measures import risk

    html = board.get(f"/risks/{risk(7).id}?period=2022-T1").get_data(as_text=True)
    table = html.split('data-testid="risk-kpis"')[1].split("</table>")[0]
    assert f'data-kpi-id="{kpi(DIGITAL).id}"' in table
    assert "Division Länssjukvård 1" in table and "Ej uppfyllt" in table
    html = board.get(f"/risks/{risk(7).id}?period=2021-T1").get_data(as_text=True)
    table = html.split('data-testid="risk-kpis"')[1].split("</table>")[0]
    assert "Inget utfall registrerat för perioden." in table
    html = board.get(f"/risks/{risk(1).id}?period=2022-T1").get_data(as_text=True)
    assert "Inget styrmått är kopplat till risken." in html


def test_a_goal_moves_to_another_perspective_with_its_success_factors(coordinator,
                                                                      audit_log):
    from riskreg.models import StrategicGoal

    plan = plan_of("NLL")
    persps = db.session.scalars(select(Perspective).where(Perspective.plan_id == plan.id)
                                .order_by(Perspective.position)).all()
    goal = persps[0].goals[0]
    factors = {f.id for f in goal.success_factors}
    target = persps[1]
    page = coordinator.get(f"/kpis/nodes/goal/{goal.id}").get_data(as_text=True)
    assert f'<option selected value="{persps[0].id}">' in page
    with audit_log() as events:
        r = coordinator.post_form(f"/kpis/nodes/goal/{goal.id}",
                                  {"name": goal.name, "parent_id": target.id})
        assert r.status_code == 302
    db.session.expire_all()
    moved = db.session.get(StrategicGoal, goal.id)
    assert moved.perspective_id == target.id
    assert {f.id for f in moved.success_factors} == factors
    assert [(e.action, e.old, e.new) for e in events] == [
        ("move", {"parent_id": persps[0].id}, {"parent_id": target.id})]
    # Another plan's perspective is refused on the form, nothing changes.
    other = db.session.scalar(select(Perspective).where(
        Perspective.plan_id == plan_of("SRM").id))
    r = coordinator.post_form(f"/kpis/nodes/goal/{goal.id}",
                              {"name": goal.name, "parent_id": other.id})
    assert r.status_code == 400 and field_errors(r, "parent_id")
    db.session.expire_all()
    assert db.session.get(StrategicGoal, goal.id).perspective_id == target.id


def test_a_coordinator_creates_a_plan(coordinator, audit_log):
    from riskreg.models import Plan

    page = coordinator.get("/kpis/plans/new").get_data(as_text=True)
    assert f'value="{unit("NLL-RS").id}"' in page and f'value="{unit("SRM-PV").id}"' not in page
    with audit_log() as events:
        r = coordinator.post_form("/kpis/plans/new", {
            "unit_id": unit("NLL-RS").id, "name": "Verksamhetsplan 2027–2029",
            "start_year": "2027", "end_year": "2029"})
    assert r.status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.name == "Verksamhetsplan 2027–2029"))
    assert (plan.unit_id, plan.start_year, plan.end_year) == (unit("NLL-RS").id, 2027, 2029)
    assert location_path(r) == f"/kpis/plans/{plan.id}"
    assert [(e.object_type, e.action, e.new["name"]) for e in events] == [
        ("plan", "create", "Verksamhetsplan 2027–2029")]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "", "start_year": "2027", "end_year": "2028"}, "name"),
    ({"name": "P", "start_year": "2029", "end_year": "2027"}, "end_year"),
    ({"name": "P", "start_year": "1899", "end_year": "2027"}, "start_year"),
    ({"name": "P", "start_year": "tjugo", "end_year": "2027"}, "start_year"),
])
def test_bad_plans_are_form_errors(coordinator, data, field):
    before = db_state()
    r = coordinator.post_form("/kpis/plans/new", {"unit_id": unit("NLL-RS").id, **data})
    assert r.status_code == 400 and field_errors(r, field)
    assert db_state() == before


def test_a_plan_in_another_organisation_or_by_an_owner_is_refused(coordinator, owner):
    r = coordinator.post_form("/kpis/plans/new", {
        "unit_id": unit("SRM-PV").id, "name": "Fel", "start_year": "2027",
        "end_year": "2028"})
    assert r.status_code == 400 and field_errors(r, "unit_id")
    assert owner.get("/kpis/plans/new").status_code == 403
