"""The control runs to perform (riskreg/controls/reminders.py): each control's responsible
person is reminded of the expected runs of the current and previous tertial not yet
concluded, per covered unit, by the organisation's deadline; one statement whatever the
number of controls, units and people.

Demo data: Sörmland's 2024 plan (Division Primärvård, responsible samordnare@sormland)
has three tertial controls and a yearly one on SRM-PV, and the spot check (control 5) on
each of the six vårdcentraler, run in 2024-T1 and 2024-T2; Norrbotten's 2022 plan has
five tertial controls on Regionstyrelsen (its coordinator responsible), none run in
2022-T2. Both organisations' deadline is 14 days after the tertial.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from riskreg.admin import services as admin_services
from riskreg.controls import services
from riskreg.controls.reminders import control_runs_to_perform
from riskreg.reminders import DueItem, DueQuery, due_items
from riskreg.uow import transaction
from tests.conftest import unit, user
from tests.helpers.controls import COORDINATOR, control, make_run, make_spot_check, plan
from tests.helpers.measures import risk
from tests.helpers.risks import SRM_COORDINATOR, SRM_OWNER, selected_value

SEPT_10 = date(2022, 9, 10)
VARDCENTRALER = ("SRM-PV-STRANGNAS", "SRM-PV-CITY", "SRM-PV-MARIEFRED", "SRM-PV-TUNAFORS",
                 "SRM-PV-LINDEN", "SRM-PV-OXELOSUND")


@pytest.fixture
def ctx(app: Flask):
    with app.test_request_context():
        yield


def runs_due(today: date, days: int = 7, person: str | None = None) -> list[DueItem]:
    return control_runs_to_perform(DueQuery(today, days, user(person).id if person else None))


def test_the_responsible_performs_each_covered_units_run(ctx):
    found = runs_due(date(2025, 1, 10), person=SRM_COORDINATOR)
    spot = control(5, "SRM-PV", 2024)
    mine = [i for i in found if i.object_id == spot.id]
    assert sorted(i.unit for i in mine) == sorted(unit(c).name for c in VARDCENTRALER)
    assert {(i.kind, i.due, i.person_id) for i in found} == {
        ("control_run", date(2025, 1, 14), user(SRM_COORDINATOR).id)}
    strangnas = unit("SRM-PV-STRANGNAS")
    [one] = [i for i in mine if i.unit == strangnas.name]
    assert one.url == (f"/controls/{spot.id}/runs/new?unit={strangnas.id}&period=2024-T3"
                       "&occasion=1")
    assert one.title == spot.title
    assert str(one.action) == "Utför kontroll 5 för 2024-T3"
    # the yearly control is due in the year's last tertial, named by its year
    yearly = control(4, "SRM-PV", 2024)
    assert [str(i.action) for i in found if i.object_id == yearly.id] == [
        "Utför kontroll 4 för 2024"]
    # three tertial controls on the division, the yearly one, six vårdcentraler
    assert len(found) == 3 + 1 + 6


def test_the_link_opens_the_run_form_for_that_unit_and_period(coordinator_sormland,
                                                              set_today, app):
    set_today("2025-01-10")
    with app.test_request_context():
        [item, *_] = [i for i in runs_due(date(2025, 1, 10), person=SRM_COORDINATOR)
                      if i.unit == unit("SRM-PV-CITY").name]
    page = coordinator_sormland.get(item.url)
    assert page.status_code == 200
    form = page.get_data(as_text=True)
    assert selected_value(form, "unit") == str(unit("SRM-PV-CITY").id)
    assert selected_value(form, "period") == "2024-T3"


def test_recorded_tertials_are_not_asked_again(ctx):
    """In 2024-T3 the spot check's 2024-T2 runs exist at every vårdcentral: only T3's."""
    found = runs_due(date(2024, 12, 20), 30, SRM_COORDINATOR)
    spot = control(5, "SRM-PV", 2024)
    assert {i.due for i in found if i.object_id == spot.id} == {date(2025, 1, 14)}


def test_overdue_runs_come_first(ctx):
    found = [i for i in due_items(DueQuery(date(2024, 12, 20), 30,
                                           user(SRM_COORDINATOR).id))
             if i.kind == "control_run"]
    overdue = [i for i in found if i.overdue(date(2024, 12, 20))]
    assert overdue and len(overdue) < len(found)
    assert found[:len(overdue)] == overdue
    assert {i.due for i in overdue} == {date(2024, 9, 14)}
    assert all("2024-T2" in str(i.action) for i in overdue)


def test_a_begun_run_asks_for_its_conclusion_and_a_concluded_one_settles_it(ctx, set_today):
    set_today("2022-09-10")
    c = make_spot_check()
    r = make_run(c, "2022-T2")
    [item] = [i for i in runs_due(SEPT_10, person=COORDINATOR) if i.object_id == c.id]
    assert item.url == f"/controls/runs/{r.id}"
    assert str(item.action) == f"Slutför körningen av kontroll {c.number} för 2022-T2"
    with transaction():
        services.save_results(user(COORDINATOR), r, [], "not_performed",
                              "Personalbrist", None, r.version)
    assert c.id not in {i.object_id for i in runs_due(SEPT_10, person=COORDINATOR)}


def test_only_the_responsible_is_reminded(ctx, set_today, make_user):
    set_today("2022-09-10")
    everyone = runs_due(SEPT_10)
    assert {i.person_id for i in everyone} == {user(COORDINATOR).id}
    assert runs_due(SEPT_10, person=COORDINATOR) == everyone
    assert runs_due(SEPT_10, person=SRM_OWNER) == []
    other = make_user("kontrollant@norrbotten.example", "owner", "NLL-RS")
    c = make_spot_check("Kontroll av attester", responsible=other.email)
    theirs = runs_due(SEPT_10, person=other.email)
    assert [(i.object_id, i.person_id) for i in theirs] == [(c.id, other.id)]
    assert c.id not in {i.object_id for i in runs_due(SEPT_10, person=COORDINATOR)}
    with transaction():
        admin_services.set_user_active(user("admin@norrbotten.example"), other, False)
    assert runs_due(SEPT_10, person=other.email) == []


def test_a_monthly_control_asks_for_each_month(ctx, set_today):
    set_today("2022-09-10")
    with transaction():
        c = services.create_control(user(COORDINATOR), plan(), services.ControlInput(
            title="Månadsvis avstämning", method="granskning", frequency="monthly",
            responsible_id=user(COORDINATOR).id, risk_ids=[risk(11).id],
            unit_ids=[unit("NLL-RS").id]), reason="Tillägg i testet")
    found = [i for i in runs_due(SEPT_10, person=COORDINATOR) if i.object_id == c.id]
    assert [str(i.action) for i in found] == [
        f"Utför kontroll {c.number} för 2022-T2, {k}/4" for k in (1, 2, 3, 4)]
    assert [i.url.rsplit("=", 1)[1] for i in found] == ["1", "2", "3", "4"]
    assert {i.due for i in found} == {date(2022, 9, 14)}


def test_draft_and_closed_plans_ask_nothing(ctx, set_today):
    set_today("2022-09-10")
    with transaction():
        services.close_plan(user(COORDINATOR), plan(), "Ersatt av ny plan", plan().version)
    assert runs_due(SEPT_10) == []


def test_one_statement_whatever_the_numbers(ctx, set_today, statement_log, make_user):
    set_today("2022-09-10")
    with statement_log() as few:
        first = runs_due(SEPT_10)
    people = [make_user(f"ansvarig{k}@norrbotten.example", "owner", "NLL-RS")
              for k in range(4)]
    for k, p in enumerate(people):
        make_spot_check(f"Stickprov {k}", units=("NLL-RS", "NLL-LS1"), responsible=p.email)
    with statement_log() as more:
        second = runs_due(SEPT_10)
    assert len(second) == len(first) + 8
    assert len({i.person_id for i in second}) == 5
    assert few.count == more.count == 1
    query = DueQuery(SEPT_10, 7, people[0].id)
    with statement_log() as one:
        assert len(control_runs_to_perform(query)) == 2
    assert one.count == 1


def test_a_yearly_controls_run_in_any_tertial_of_its_year_settles_it(ctx, set_today):
    """Control 4 (yearly) is due in 2024-T3; in January 2025 (previous tertial 2024-T3) a
    run concluded back in 2024-T2 settles it (the statement reads a yearly control's runs
    of the whole year, a tertial control's of the two tertials only)."""
    set_today("2025-01-10")
    yearly = control(4, "SRM-PV", 2024)
    assert yearly.id in {i.object_id for i in runs_due(date(2025, 1, 10), 7,
                                                       SRM_COORDINATOR)}
    r = make_run(yearly, "2024-T2", "SRM-PV", actor=SRM_COORDINATOR)
    with transaction():
        services.save_results(user(SRM_COORDINATOR), r, [], "not_performed",
                              "Ersatt av extern granskning", None, r.version)
    assert yearly.id not in {i.object_id for i in runs_due(date(2025, 1, 10), 7,
                                                           SRM_COORDINATOR)}
