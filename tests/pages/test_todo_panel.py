"""The to-do panel of the start page, per role: what is the user's own to do within 30
days or overdue, earliest first, with a link and a status in words (not colour alone).

On 2022-09-10 (2022-T2's deadline is 2022-09-14): the Norrbotten owner has 11 risks to
re-assess, the owner on Länssjukvård 1 18 measure reports, Norrbotten's coordinator the
2022-T2 runs of the five controls they are responsible for; nobody else has anything.
"""

from __future__ import annotations

from datetime import date

import pytest

from riskreg.uow import transaction
from tests.conftest import DEMO_USERS, user
from tests.helpers.heatmaps import parse_html
from tests.helpers.measures import make_measure
from tests.helpers.risks import NLL_NUMBERS, NLL_REASSESSED_T2, risk, selected_value

EXPECTED = {"owner": 11, "owner_ls1": 18, "coordinator": 5}  # coordinator: control runs


def panel(client):
    return parse_html(client.get("/").get_data(as_text=True)).find("section", data_testid="todo")


@pytest.mark.parametrize("role", [*DEMO_USERS, "admin_ls1"])
def test_each_role_sees_only_what_is_its_own(as_role, set_today, role):
    set_today("2022-09-10")
    found = panel(as_role(role))
    if role not in EXPECTED:  # no risks or measures of their own, no owner role
        assert found is None
        return
    rows = found.find_all("tr", data_kind=True)
    assert len(rows) == EXPECTED[role]
    assert f"({EXPECTED[role]})" in found.one("h2").text()
    assert {r.one("td", data_testid="todo-status").text() for r in rows} == {"Om 4 dagar"}
    assert {r.find_all("td")[2].text() for r in rows} == {"2022-09-14"}


def test_the_owner_follows_a_link_to_re_assess(owner, set_today):
    set_today("2022-09-10")
    rows = panel(owner).find_all("tr", data_kind="risk")
    expected = {risk("NLL", n) for n in NLL_NUMBERS if n not in NLL_REASSESSED_T2}
    assert {int(r.get("data-object-id")) for r in rows} == {r.id for r in expected}
    first = rows[0]
    link = first.one("a")
    r = next(x for x in expected if x.id == int(first.get("data-object-id")))
    assert link.get("href") == f"/risks/{r.id}/assess?period=2022-T2"  # the owed tertial
    assert link.text() == f"Bedöm risk {r.number} på nytt för 2022-T2"
    form = owner.get(link.get("href")).get_data(as_text=True)
    assert '<option selected value="2022-T2">' in form
    assert r.title[:50] in first.text() and r.unit.name in first.text()
    assert owner.get(link.get("href")).status_code == 200


def test_overdue_items_come_first_and_say_so_in_words(owner, set_today):
    set_today("2022-09-20")
    m = make_measure("Uppföljning av rutin", responsible="riskagare@norrbotten.example",
                     due_date=date(2022, 10, 1))
    found = panel(owner)
    rows = found.find_all("tr", data_kind=True)
    assert [r.get("data-kind") for r in rows] == ["risk"] * 11 + ["measure_due"]
    assert all("overdue" in r.classes for r in rows[:11]) and "overdue" not in rows[-1].classes
    assert {r.one("td", data_testid="todo-status").text() for r in rows[:11]} == {
        "Försenad sedan 6 dagar"}
    assert rows[-1].one("td", data_testid="todo-status").text() == "Om 11 dagar"
    assert rows[-1].one("a").get("href") == f"/measures/{m.id}"
    assert found.one("p", data_testid="todo-overdue").text() == "11 saker är försenade."


def test_an_owner_with_nothing_due_is_told_so(owner, set_today):
    set_today("2022-06-15")  # 2022-T1 all assessed; 2022-T2's deadline is months away
    found = panel(owner)
    assert found.find_all("tr", data_kind=True) == []
    assert "Inget ska vara klart inom 30 dagar." in found.text()


def test_the_panel_costs_the_same_statements_for_more_items(owner, set_today, statement_log,
                                                            make_user):
    set_today("2022-09-10")
    with statement_log() as few:
        owner.get("/")
    for k in range(5):
        make_measure(f"Åtgärd {k}", responsible="riskagare@norrbotten.example",
                     due_date=date(2022, 9, 20))
    with statement_log() as more:
        html = owner.get("/").get_data(as_text=True)
    assert html.count('data-kind="measure_due"') == 5
    assert more.count == few.count


def test_no_other_persons_items_leak_into_the_panel(owner, set_today, make_user):
    set_today("2022-09-10")
    other = make_user("annan@norrbotten.example", "owner", "NLL-RS")
    with transaction():
        r = risk("NLL", 1)
        r.owner_id = other.id
    ids = {int(x.get("data-object-id")) for x in panel(owner).find_all("tr", data_kind="risk")}
    assert r.id not in ids and len(ids) == 10
    assert r.owner_id == user("annan@norrbotten.example").id


def test_the_responsible_follows_a_link_to_the_follow_up_of_the_owed_tertial(owner_ls1,
                                                                            set_today):
    set_today("2022-09-10")
    rows = panel(owner_ls1).find_all("tr", data_kind="measure_report")
    href = rows[0].one("a").get("href")
    assert href.endswith("/follow-up?period=2022-T2")
    page = owner_ls1.get(href)
    assert page.status_code == 200
    assert selected_value(page.get_data(as_text=True), "period") == "2022-T2"


def test_the_responsible_of_a_control_sees_its_runs_and_others_do_not(
        coordinator_sormland, login_as, set_today):
    """Sörmland in January 2025: the spot check's 2024-T3 runs at each vårdcentral fall
    due 2025-01-14; its responsible coordinator sees them, the unit's risk owner not."""
    set_today("2025-01-10")
    rows = panel(coordinator_sormland).find_all("tr", data_kind="control_run")
    texts = [r.text() for r in rows]
    assert sum("Utför kontroll 5 för 2024-T3" in t for t in texts) == 6
    assert any("Utför kontroll 4 för 2024" in t for t in texts)
    assert {r.find_all("td")[2].text() for r in rows} == {"2025-01-14"}
    link = rows[0].one("a").get("href")
    assert "/runs/new?unit=" in link
    assert coordinator_sormland.get(link).status_code == 200
    theirs = panel(login_as("riskagare@sormland.example"))  # the owner sees the panel
    assert theirs is not None and theirs.find_all("tr", data_kind="control_run") == []
