"""The words a nämnd uses (issue 13, item 9): no "Iakttagelser", members are "ledamöter",
the board's start page leads to its heat map and board view, board members are never
offered as risk owners, and unit codes are for administrators only."""

from __future__ import annotations

from riskreg.labels import role_label
from tests.conftest import unit, user
from tests.helpers.heatmaps import parse_html
from tests.helpers.risks import risk

BOARD = "styrelse@norrbotten.example"


def test_the_swedish_words(board, app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert str(role_label("board")) == "Ledamot"
    html = board.get("/board/", query_string={"period": "2022-T1"}).get_data(as_text=True)
    assert "Iakttagelse" not in html
    assert "Risker på eller över åtgärdsgränsen (9)" in html
    heatmap = board.get("/heatmaps/", query_string={"period": "2022-T1"}).get_data(as_text=True)
    assert "Iakttagelse" not in heatmap


def test_the_boards_start_page_leads_to_its_heat_map_and_board_view(board):
    doc = parse_html(board.get("/").get_data(as_text=True))
    steps = [a.get("href") for a in doc.one("ul", cls="next-steps").find_all("a")]
    assert "/heatmaps/" in steps and "/board/" in steps


def test_board_members_are_not_offered_as_risk_owners(board, coordinator):
    for client in (board, coordinator):
        doc = parse_html(client.get("/risks/").get_data(as_text=True))
        offered = {o.get("value") for o in doc.one("select", id="owner").find_all("option")}
        assert str(user(BOARD).id) not in offered
        assert str(user("samordnare@norrbotten.example").id) not in offered
    new = parse_html(coordinator.get(f"/risks/new?unit={unit('NLL-RS').id}"
                                     ).get_data(as_text=True))
    candidates = {o.get("value") for o in new.one("select", id="owner_id").find_all("option")}
    assert str(user(BOARD).id) not in candidates


def test_unit_codes_are_for_administrators_only(board, coordinator, admin):
    r = risk("NLL", 1)
    code = r.unit.code
    for client in (board, coordinator):
        assert code not in client.get("/").get_data(as_text=True)
        assert code not in client.get(f"/risks/{r.id}").get_data(as_text=True)
    assert "NLL" in admin.get("/").get_data(as_text=True)
    assert code in admin.get(f"/risks/{r.id}").get_data(as_text=True)


def test_the_assess_form_shows_the_latest_assessment_and_its_comment(owner, t2):
    r = risk("NLL", 3)  # re-assessed in 2022-T2 with a comment (demo history)
    latest = [a for a in r.assessments if str(a.period) <= "2022-T2"][-1]
    assert latest.comment
    doc = parse_html(owner.get(f"/risks/{r.id}/assess").get_data(as_text=True))
    panel = doc.one("section", data_testid="previous-assessment")
    assert latest.comment in panel.text()
    assert f"{latest.likelihood}" in panel.text() and str(latest.period) in panel.text()
    # the steps are offered with their descriptions (1 – Mycket liten …)
    options = [o.text() for o in doc.one("select", id="likelihood").find_all("option")]
    assert "1 – Mycket liten" in options and "4 – Mycket stor" in options
