"""GET /api/v1/heatmap: the scale, every cell with its risk ids, band totals, and the
comparison; the risk API's authentication, scoping and JSON errors.

Expected cells come from the seed YAML (tests/helpers/heatmaps.py), never typed in.
"""

from __future__ import annotations

import json

import pytest
from flask import current_app
from flask_babel import force_locale, ngettext
from markupsafe import escape
from sqlalchemy import func, select

from riskreg import clock
from riskreg.api import tokens
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import Unit
from riskreg.models.risks import Risk, RiskAssessment
from riskreg.risks import state
from riskreg.scales import scale_for_unit
from riskreg.uow import transaction
from tests.conftest import DEMO_USERS, translated, unit, user
from tests.helpers.heatmaps import (
    DEMO_CASES,
    band_totals,
    grow_tree,
    plant_history,
    plant_risk,
    seed_cells,
)

API = "/api/v1/heatmap"



def get_json(client, **query) -> dict:
    response = client.get(API, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    assert response.is_json
    return response.get_json()


def heatmap(client, unit_code: str, period: str, **query) -> dict:
    return get_json(client, unit=unit(unit_code).id, period=period, **query)


def cells_by_step(data: dict) -> dict[tuple[int, int], dict]:
    cells = {(c["likelihood"], c["consequence"]): c for c in data["cells"]}
    assert len(cells) == len(data["cells"]), "a cell twice"
    return cells


def numbers_of(risk_ids: list[int]) -> list[int]:
    if not risk_ids:
        return []
    return sorted(db.session.scalars(select(Risk.number).where(Risk.id.in_(risk_ids))))


def numbers_in_order(risk_ids: list[int]) -> list[int]:
    """The numbers of ``risk_ids`` in the order the API gave them."""
    number = dict(db.session.execute(select(Risk.id, Risk.number)
                                     .where(Risk.id.in_(risk_ids or [0]))).all())
    return [number[rid] for rid in risk_ids]


# -- the demo matrices ----------------------------------------------------------------
@pytest.mark.parametrize(("seed_file", "unit_code", "reader", "period"), DEMO_CASES)
def test_demo_matrix_from_the_api(login_as, seed_file, unit_code, reader, period):
    expected = seed_cells(seed_file, unit_code, period)
    scale = scale_for_unit(unit(unit_code))
    data = heatmap(login_as(reader), unit_code, period)
    assert data["unit"] == {"id": unit(unit_code).id, "code": unit_code,
                            "name": unit(unit_code).name}
    assert (data["period"], data["include_subunits"]) == (period, True)
    assert data["scale"] == scale.to_dict()
    cells = cells_by_step(data)
    assert set(cells) == {(lk, c) for lk in range(1, scale.size + 1)
                          for c in range(1, scale.size + 1)}
    for (lk, c), cell in cells.items():
        numbers = expected.get((lk, c), [])
        assert cell["count"] == len(cell["risk_ids"]) == len(numbers), (lk, c)
        assert numbers_of(cell["risk_ids"]) == numbers, (lk, c)
        assert numbers_in_order(cell["risk_ids"]) == numbers, ("by number", lk, c)
        assert cell["value"] == lk * c
        assert cell["band"] == scale.band(lk * c).name
    totals = band_totals(expected, scale)
    assert {t["band"]: t["count"] for t in data["band_totals"]} == totals
    assert [t["band"] for t in data["band_totals"]] == [
        b.name for b in sorted(scale.bands, key=lambda b: -b.low)]  # highest band first
    assert data["total"] == sum(totals.values())
    assert data["outside_scale"] == 0
    assert "compare" not in data  # the API compares only when asked


def test_sormland_band_totals_are_those_of_the_document(coordinator_sormland):
    data = heatmap(coordinator_sormland, "SRM-PV", "2024-T1")
    counts = {t["band"]: t["count"] for t in data["band_totals"]}
    assert counts == {"Mycket hög": 0, "Hög": 1, "Medel": 3, "Låg": 1}  # "1 Hög 3 Medel 1 Låg"
    assert data["total"] == 5


def test_page_and_api_agree(board):
    page = board.get("/heatmaps/", query_string={"period": "2022-T2", "compare": "none"})
    data = get_json(board, period="2022-T2")  # default unit: the highest the user reads
    html = page.get_data(as_text=True)
    for cell in data["cells"]:
        assert (f'data-likelihood="{cell["likelihood"]}" data-consequence='
                f'"{cell["consequence"]}" data-count="{cell["count"]}"') in html
        for rid in cell["risk_ids"]:
            assert f'href="/risks/{rid}?period=2022-T2"' in html


# -- roll-up ------------------------------------------------------------------------------
@pytest.mark.parametrize(("unit_code", "include", "present"), [
    ("NLL-RS", "true", {"grandchild", "deeper"}),
    ("NLL-LS1", "true", {"grandchild", "deeper"}),
    ("NLL-LS1", None, {"grandchild", "deeper"}),  # include_subunits defaults to true
    ("NLL-LS1-IMED", "false", {"grandchild"}),
    ("NLL-LS1", "false", set()),
    ("NLL-RS", "false", set()),
    ("NLL-NARA", "true", set()),
    ("NLL-LS1-AKUT", "true", set()),
])
def test_roll_up_in_the_api(coordinator, deep_risks, unit_code, include, present):
    query = {"include_subunits": include} if include else {}
    data = heatmap(coordinator, unit_code, "2022-T1", **query)
    assert data["include_subunits"] is (include != "false")
    assert sorted(cells_by_step(data)[(4, 4)]["risk_ids"]) == sorted(
        deep_risks[name] for name in present)
    assert data["total"] == (16 if unit_code == "NLL-RS" else 0) + len(present)


# -- scoping ----------------------------------------------------------------------------
OUT_OF_REACH = [
    ("coordinator_sormland", "NLL"), ("coordinator_sormland", "NLL-RS"),
    ("coordinator_sormland", "NLL-LS1-IMED"), ("admin_sormland", "NLL-LS1"),
    ("board", "SRM-PV"), ("admin", "SRM"), ("coordinator_ls1", "NLL-RS"),
    ("coordinator_ls1", "NLL-NARA"), ("owner_ls1", "NLL"), ("admin_ls1", "NLL-LS2"),
]


@pytest.mark.parametrize("compare", [None, "previous"])
@pytest.mark.parametrize(("role", "unit_code"), OUT_OF_REACH)
def test_another_units_matrix_is_not_found(as_role, role, unit_code, compare):
    query = {"unit": unit(unit_code).id, "period": "2022-T1"}
    if compare:
        query["compare"] = compare
    response = as_role(role).get(API, query_string=query)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404,
                                             "message": translated("No such unit.")}}


def test_no_risk_of_another_organisation_in_the_json(board, coordinator_sormland):
    canary = plant_risk("SRM-PV-STRANGNAS", [("2022-T1", 4, 4), ("2022-T2", 3, 3)],
                        "Kanariefågeln i API:t", number=987_655)
    # its own coordinator sees it, so the search below would find it
    seen = get_json(coordinator_sormland, period="2022-T2", compare="previous")
    assert canary.id in [c["risk_id"] for c in seen["compare"]["changes"]]
    for query in [{"period": "2022-T1"}, {"period": "2022-T2", "compare": "previous"},
                  {"period": "2022-T2", "compare": "last_year"},
                  {"period": "2022-T2", "include_subunits": "false"}]:
        data = get_json(board, **query)
        ids = [i for c in data["cells"] for i in c["risk_ids"]]
        ids += [c["risk_id"] for c in data.get("compare", {}).get("changes", [])]
        assert canary.id not in ids
        text = json.dumps(data, ensure_ascii=False)
        assert "Kanariefågeln" not in text and "987655" not in text


# -- authentication ------------------------------------------------------------------
def test_anonymous_gets_401_json(client):
    response = client.get(API, query_string={"period": "2022-T1"})
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["status"] == 401 and "Bearer" in error["message"]


@pytest.mark.parametrize(("email", "unit_code", "status"), [
    (DEMO_USERS["board"], "NLL-RS", 200),
    (DEMO_USERS["coordinator_sormland"], "SRM-PV", 200),
    (DEMO_USERS["coordinator_sormland"], "NLL-RS", 404),
    (DEMO_USERS["coordinator_ls1"], "NLL-RS", 404),
])
def test_personal_token_is_scoped_like_the_session(client, email, unit_code, status):
    with transaction():
        _token, secret = tokens.create_token(user(email), "heat map")
    response = client.get(API, query_string={"unit": unit(unit_code).id, "period": "2022-T1"},
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["unit"]["code"] == unit_code


def test_unknown_token_gets_401(client):
    response = client.get(API, headers={"Authorization": "Bearer rr_not-a-token"})
    assert response.status_code == 401


# -- comparison -----------------------------------------------------------------------
@pytest.fixture
def history(app):
    return plant_history()


@pytest.mark.parametrize(("compare", "against", "changes", "counts"), [
    pytest.param("previous", "2022-T1",
                 {"rising": ("up", 6, 9), "falling": ("down", 12, 6), "new": ("new", None, 2),
                  "gone": ("archived", 12, None), "yearly": ("up", 6, 9)},
                 {"up": 2, "down": 1, "same": 1, "new": 1, "archived": 1}, id="previous"),
    pytest.param("last_year", "2021-T2",
                 {"rising": ("new", None, 9), "falling": ("new", None, 6),
                  "steady": ("new", None, 4), "new": ("new", None, 2), "yearly": ("up", 6, 9)},
                 {"up": 1, "down": 0, "same": 0, "new": 4, "archived": 0}, id="last_year"),
    pytest.param("2022-T1", "2022-T1",
                 {"rising": ("up", 6, 9), "falling": ("down", 12, 6), "new": ("new", None, 2),
                  "gone": ("archived", 12, None), "yearly": ("up", 6, 9)},
                 {"up": 2, "down": 1, "same": 1, "new": 1, "archived": 1}, id="a-period"),
])
def test_comparison_in_the_api(coordinator, history, compare, against, changes, counts):
    data = heatmap(coordinator, "NLL-LS1", "2022-T2", compare=compare)
    assert data["compare"]["period"] == against
    assert data["compare"]["counts"] == counts
    listed = {c["risk_id"]: (c["direction"], c["from_value"], c["to_value"])
              for c in data["compare"]["changes"]}
    assert listed == {history[name].id: change for name, change in changes.items()}
    numbers = {c["risk_id"]: c["number"] for c in data["compare"]["changes"]}
    assert all(numbers[history[name].id] == history[name].number for name in changes)


def test_rise_from_six_to_nine(coordinator, history):
    rising = history["rising"]
    data = heatmap(coordinator, "NLL-RS", "2022-T2", compare="previous")
    change = next(c for c in data["compare"]["changes"] if c["risk_id"] == rising.id)
    assert change == {"risk_id": rising.id, "number": rising.number, "from_value": 6,
                      "to_value": 9, "direction": "up"}
    assert rising.id in cells_by_step(data)[(3, 3)]["risk_ids"]


# -- query count ---------------------------------------------------------------------
@pytest.mark.parametrize(("query", "pinned"), [
    pytest.param({}, 4, id="matrix"),
    pytest.param({"compare": "previous"}, 5, id="compare"),  # changes and counts: one
    pytest.param({"include_subunits": "false"}, 4, id="unit-alone"),
])
def test_query_count_is_constant_for_small_and_large_subtrees(board, statement_log, query,
                                                              pinned):
    query = {"unit": unit("NLL-RS").id, "period": "2022-T2", **query}
    get_json(board, **query)  # warm up
    with statement_log() as small:
        get_json(board, **query)
    counted = grow_tree(300)
    with statement_log() as large:
        data = get_json(board, **query)
    alone = query.get("include_subunits") == "false"
    assert data["total"] == 16 + (counted["NLL-RS"] if alone else sum(counted.values()))
    assert (small.count, large.count) == (pinned, pinned), large.statements


# -- bad input ------------------------------------------------------------------------------
def missing_unit_id() -> int:
    return (db.session.scalar(select(func.max(Unit.id))) or 0) + 1000


COMPARE_WORDS = "compare must be previous, last_year, none or a period YYYY-Tn."
NOT_A_PERIOD = "%(name)s: not a period; use YYYY-Tn, e.g. 2024-T1."

UNIT_ID = "%(name)s must be a unit id."

BAD_INPUT = [
    pytest.param(lambda: {"unit": missing_unit_id()}, 404, "No such unit.", {}, id="unknown"),
    pytest.param(lambda: {"unit": "abc"}, 400, UNIT_ID, {"name": "unit"}, id="unit-abc"),
    pytest.param(lambda: {"unit": "99999999999"}, 400, UNIT_ID, {"name": "unit"},
                 id="unit-overflow"),
    pytest.param(lambda: {"unit": "2147483648"}, 400, UNIT_ID, {"name": "unit"},
                 id="unit-2^31"),
    pytest.param(lambda: {"unit": "1e3"}, 400, UNIT_ID, {"name": "unit"}, id="unit-float"),
    pytest.param(lambda: {"period": "2022-T4"}, 400, NOT_A_PERIOD, {"name": "period"},
                 id="period-T4"),
    pytest.param(lambda: {"period": "22-T1"}, 400, NOT_A_PERIOD, {"name": "period"},
                 id="period-short-year"),
    pytest.param(lambda: {"period": "2022T1"}, 400, NOT_A_PERIOD, {"name": "period"},
                 id="period-no-dash"),
    pytest.param(lambda: {"period": "２０２２-T1"}, 400, NOT_A_PERIOD, {"name": "period"},
                 id="period-fullwidth"),
    pytest.param(lambda: {"period": str(clock.current_period().next())}, 400,
                 "%(name)s: %(period)s lies in the future.",
                 {"name": "period", "period": lambda: str(clock.current_period().next())},
                 id="period-future"),
    pytest.param(lambda: {"period": "2099-T3"}, 400, "%(name)s: %(period)s lies in the future.",
                 {"name": "period", "period": "2099-T3"}, id="period-far-future"),
    pytest.param(lambda: {"period": "2022-T1", "compare": "2022-T2"}, 400,
                 "compare must be a period before %(period)s.", {"period": "2022-T1"},
                 id="compare-later"),
    pytest.param(lambda: {"period": "2022-T1", "compare": "22-T1"}, 400, COMPARE_WORDS, {},
                 id="compare-malformed"),
    pytest.param(lambda: {"include_subunits": "maybe"}, 400, "%(name)s must be true or false.",
                 {"name": "include_subunits"}, id="include-maybe"),
]


@pytest.mark.parametrize(("query", "status", "msgid", "params"), BAD_INPUT)
def test_bad_input_gives_a_json_error(board, query, status, msgid, params):
    response = board.get(API, query_string=query())
    assert response.status_code == status
    expected = translated(msgid, **{k: v() if callable(v) else v for k, v in params.items()})
    assert response.get_json() == {"error": {"status": status, "message": expected}}


def test_errors_are_in_english_for_an_english_user(board):
    board.post_form("/language/en", page="/")
    response = board.get(API, query_string={"period": "2022-T4"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "period: not a period; use YYYY-Tn, e.g. 2024-T1.")


@pytest.mark.parametrize("compare", ["previous", "last_year"])
def test_the_first_period_there_is(board, compare):
    data = get_json(board, period="1990-T1", compare=compare)
    assert data["total"] == 0 and "compare" not in data


def test_assessment_outside_the_scale_is_counted_apart(coordinator):
    """A scale mismatch (a step beyond the organisation's matrix, e.g. from an import)
    never breaks the matrix: it is reported as outside_scale, page and API alike."""
    risk = plant_risk("NLL-LS1", [("2022-T1", 2, 3)], "Bedömd på en större skala")
    db.session.add(RiskAssessment(risk_id=risk.id, period=Period.parse("2022-T2"),
                                  likelihood=5, consequence=3, value=15))
    state.refresh(risk)  # planted beside the services: derive its stored state
    data = heatmap(coordinator, "NLL-LS1", "2022-T2", compare="previous")
    assert (data["total"], data["outside_scale"]) == (0, 1)
    assert all(risk.id not in c["risk_ids"] for c in data["cells"])
    for url in ("/heatmaps/", "/board/"):
        response = coordinator.get(url, query_string={"unit": unit("NLL-LS1").id,
                                                       "period": "2022-T2"})
        assert response.status_code == 200, url  # was a 500 (figures.py, moves off-scale)
    with current_app.test_request_context(), force_locale("sv"):
        warning = ngettext(
            "%(num)d risk is assessed outside the current scale and is not shown: "
            "re-assess it.",
            "%(num)d risks are assessed outside the current scale and are not shown: "
            "re-assess them.", 1)
    page = coordinator.get("/heatmaps/", query_string={"unit": unit("NLL-LS1").id,
                                                        "period": "2022-T2"})
    assert str(escape(warning)) in page.get_data(as_text=True)


@pytest.mark.parametrize(("cap", "listed", "truncated"), [(1000, 5, False), (2, 2, True)])
def test_the_change_list_is_capped_and_says_so(board, monkeypatch, cap, listed, truncated):
    """Norrbotten's demo risks: 5 moved between 2022-T1 and 2022-T3 (3 rose, 2 fell)."""
    from riskreg.api import routes as api_routes

    monkeypatch.setattr(api_routes, "MAX_CHANGES", cap)
    body = board.get("/api/v1/heatmap", query_string={
        "unit": unit("NLL-RS").id, "period": "2022-T3", "compare": "2022-T1"}).get_json()
    assert body["compare"]["counts"]["up"] + body["compare"]["counts"]["down"] == 5
    assert len(body["compare"]["changes"]) == listed
    assert body["compare"]["changes_truncated"] is truncated
