"""/api/v1/controls and /api/v1/control-runs: fields, scope (like /api/v1/risks), bad input."""

from __future__ import annotations

from tests.conftest import unit
from tests.helpers.controls import control, make_run, make_spot_check


def test_controls_of_a_unit_and_beneath(coordinator_sormland):
    body = coordinator_sormland.get(f"/api/v1/controls?unit={unit('SRM-PV').id}").get_json()
    assert len(body["controls"]) == 5
    spot = next(c for c in body["controls"] if c["method"] == "stickprov")
    assert spot["method_text"] == "Stickprovskontroller regelbundet på varje vårdcentral."
    assert spot["frequency"] == "tertial" and spot["sample_size"] == 10
    assert len(spot["unit_ids"]) == 6 and spot["risk_ids"]
    assert spot["plan"]["year"] == 2024 and spot["plan"]["state"] == "followed_up"


def test_include_subunits_false_keeps_to_the_units_own_plans(admin_sormland,
                                                              coordinator_sormland):
    url = f"/api/v1/controls?unit={unit('SRM-PRD').id}"
    assert len(admin_sormland.get(url).get_json()["controls"]) == 5  # the division's plan
    own = admin_sormland.get(f"{url}&include_subunits=false").get_json()
    assert own["controls"] == []  # the board itself has no plan
    assert coordinator_sormland.get(url).status_code == 404  # above the coordinator's reach


def test_runs_carry_the_auditors_fields(login_as):
    board = login_as("styrelse@sormland.example")
    url = f"/api/v1/control-runs?unit={unit('SRM-PV-LINDEN').id}&period=2024-T2"
    (r,) = board.get(url).get_json()["runs"]
    assert r["control_id"] and r["unit"]["code"] == "SRM-PV-LINDEN" and r["period"] == "2024-T2"
    assert r["performed_by"]["name"] and r["performed_on"] == "2024-08-22"
    assert r["population_size"] == 61 and r["sample_size"] == 10
    assert r["seed"] == "demo-lin-2024t2" and r["algorithm"] == "sha256-v1"
    assert len(r["sampled_items"]) == 10 and r["deviations"] == 2
    assert r["severity"] == "serious" and r["conclusion"] == "deviations" and r["demo"]
    assert sum(1 for i in r["sampled_items"] if i["measure_id"]) == 1


def test_scope_and_bad_input(t2, coordinator, board, admin_sormland):
    make_run(make_spot_check())
    url = f"/api/v1/control-runs?unit={unit('NLL-RS').id}&period=2022-T2"
    assert len(board.get(url).get_json()["runs"]) == 1
    assert admin_sormland.get(url).status_code == 404
    everything = admin_sormland.get("/api/v1/control-runs").get_json()
    assert all(r["unit"]["code"].startswith("SRM") for r in everything["runs"])
    assert coordinator.get("/api/v1/control-runs?period=2022-T9").status_code == 400
    assert coordinator.get("/api/v1/controls?unit=abc").status_code == 400
    assert coordinator.get("/api/v1/control-runs?per_page=0").status_code == 400
    ids = {c["id"] for c in admin_sormland.get("/api/v1/controls").get_json()["controls"]}
    assert control(2).id not in ids


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/controls").status_code == 401
    assert client.get("/api/v1/control-runs").status_code == 401
