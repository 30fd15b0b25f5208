"""Periods are picked from a list, and a bad value in a URL keeps the page (issue 13,
item 2): the page is drawn for the default period with the message beside the field it
came from (answered 400, like a form with errors); the API keeps its 400 JSON."""

from __future__ import annotations

import pytest

from riskreg import clock
from tests.conftest import translated
from tests.helpers.heatmaps import parse_html
from tests.helpers.risks import risk

NOT_A_PERIOD = "%(name)s: not a period; use YYYY-Tn, e.g. 2024-T1."


def _pages():
    return {
        "heatmap": "/heatmaps/",
        "board": "/board/",
        "register": "/risks/",
        "risk": f"/risks/{risk('NLL', 1).id}",
        "measures": "/measures/",
        "measures report": "/measures/report",
        "kpi table": "/kpis/",
    }


PICKED = ["heatmap", "board", "register", "risk", "measures", "measures report", "kpi table"]


def period_select(doc):
    select = doc.one("select", id="period")
    return select, [(o.get("value"), o.text()) for o in select.find_all("option")]


@pytest.mark.parametrize("page", PICKED)
def test_the_period_is_picked_from_a_list_with_report_names(coordinator, t2, page):
    response = coordinator.get(_pages()[page], query_string={"period": "2022-T1"})
    assert response.status_code == 200
    doc = parse_html(response.get_data(as_text=True))
    # no field to type a period in (the measures list's carry-forward form holds the shown
    # period in a hidden input)
    assert all(i.get("type") == "hidden" for i in doc.find_all("input", name="period"))
    select, options = period_select(doc)
    assert ("2022-T1", "2022-T1 (DÅ04)") in options
    assert ("2021-T3", "2021-T3 (ÅR)") in options
    assert options[0][0] == str(clock.current_period())  # newest first
    chosen = [o.get("value") for o in select.find_all("option") if o.get("selected") is not None]
    assert chosen == ["2022-T1"]


@pytest.mark.parametrize("page", PICKED)
@pytest.mark.parametrize("bad", ["2022-T4", "abc", "1800-T1"])
def test_a_bad_period_keeps_the_page_with_a_message_beside_the_field(coordinator, t2, page,
                                                                     bad):
    response = coordinator.get(_pages()[page], query_string={"period": bad})
    assert response.status_code == 400
    doc = parse_html(response.get_data(as_text=True))
    select, _options = period_select(doc)
    assert select.get("aria-invalid") == "true"
    error = doc.one(id="period-err")
    assert translated(NOT_A_PERIOD, name="period") in error.text()
    assert "period-err" in select.get("aria-describedby")
    # the page itself is there, drawn for the current tertial
    assert doc.find("h1") is not None
    if page in ("heatmap", "board"):
        assert doc.find("td", cls="cell") is not None
    if page == "register":
        assert doc.find("tr", data_risk_id=True) is not None
    if page == "risk":
        assert doc.find("table", data_testid="assessment-history") is not None


def test_a_future_period_on_the_heat_map_says_so_beside_the_field(coordinator, t2):
    response = coordinator.get("/heatmaps/", query_string={"period": "2022-T3"})
    assert response.status_code == 400
    doc = parse_html(response.get_data(as_text=True))
    assert translated("%(name)s: %(period)s lies in the future.", name="period",
                      period="2022-T3") in doc.one(id="period-err").text()


def test_a_bad_comparison_keeps_the_heat_map(coordinator, t2):
    response = coordinator.get("/heatmaps/", query_string={"period": "2022-T2",
                                                           "compare": "yesterday"})
    assert response.status_code == 400
    doc = parse_html(response.get_data(as_text=True))
    assert doc.one("select", id="compare").get("aria-invalid") == "true"
    assert doc.one(id="compare-err").text()
    assert doc.find("table", data_testid="changes") is not None  # compared with the previous


@pytest.mark.parametrize("url", ["/api/v1/heatmap?period=2022-T4",
                                 "/api/v1/risks?period=abc"])
def test_the_api_keeps_its_400_json(coordinator, url):
    response = coordinator.get(url)
    assert response.status_code == 400
    assert response.is_json
    assert translated(NOT_A_PERIOD, name="period") in response.json["error"]["message"]
