"""Internal-control pages per role: recording a spot check (pasted, CSV, xlsx), results,
evidence (kinds, cap, 413, download rights, soft delete), the measure from a deviation, the
plan's amendments, the dashboard and the board's report; query counts pinned."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from riskreg.controls import sampling
from riskreg.extensions import db
from riskreg.models import ControlRun, ControlRunItem, Evidence, Measure, PlanAmendment
from tests.conftest import field_errors, form_errors, location_path, unit
from tests.helpers.controls import INVOICES, PDF, control, make_run, make_spot_check, plan


def runs() -> int:
    return db.session.scalar(select(func.count()).select_from(ControlRun))


def new_run_form(**changes) -> dict:
    return {"unit": str(unit("NLL-RS").id), "period": "2022-T2", "occasion": "1",
            "performed_on": "2022-06-10", "population_description": "Leverantörsfakturor maj",
            "items": "\n".join(INVOICES), "sample_size": "10", "seed": "abc",
            "has_header": "y", **changes}


def results_form(r, marks: dict[int, tuple[str, str | None]] | None = None, **changes) -> dict:
    data = {"version": str(r.version), "conclusion": "", **changes}
    for n, item in enumerate(r.items):
        result, severity = (marks or {}).get(n, ("ok", None))
        data[f"items-{n}-item_id"] = str(item.id)
        data[f"items-{n}-result"] = result
        data[f"items-{n}-severity"] = severity or ""
        data[f"items-{n}-note"] = "Avvikelse" if result == "deviation" else ""
    return data


# -- recording a run ------------------------------------------------------------------------
def test_a_run_of_200_items_is_one_unit_of_work(t2, coordinator, statement_log):
    c = make_spot_check(sample_size=200)
    items = "\n".join(f"V-{n:04d}" for n in range(1, 201))
    url = f"/controls/{c.id}/runs/new"
    with statement_log() as log:
        response = coordinator.post_form(url, new_run_form(items=items, sample_size="200"))
    assert response.status_code == 302
    log.assert_one_transaction("control_run", "control_run_item")
    r = db.session.get(ControlRun, int(location_path(response).rsplit("/", 1)[1]))
    assert r.population_size == 200 and len(r.items) == 200


def test_a_population_from_a_csv_or_xlsx_column(t2, coordinator):
    c = make_spot_check()
    csv_data = ("Fakturanr;Belopp\n" + "\n".join(f"{i};100" for i in INVOICES)).encode()
    response = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        items="", column="Fakturanr", population_file=(io.BytesIO(csv_data), "fakturor.csv")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    r = run_by_location(response)
    assert r.population_size == 120 and r.population[0] == INVOICES[0]
    wb = Workbook()
    wb.active.append(["Nr", "Faktura"])
    for n, i in enumerate(INVOICES[:30]):
        wb.active.append([n, i])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    response = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        period="2022-T1", items="", column="B", population_file=(data, "fakturor.xlsx")),
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert run_by_location(response).population == INVOICES[:30]


def run_by_location(response) -> ControlRun:
    return db.session.get(ControlRun, int(location_path(response).rsplit("/", 1)[1]))


def test_a_bad_population_file_is_a_form_error_and_nothing_is_saved(t2, coordinator):
    c = make_spot_check()
    before = runs()
    response = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        items="", population_file=(io.BytesIO(PDF), "fakturor.csv")),
        content_type="multipart/form-data")
    assert response.status_code == 400 and field_errors(response, "population_file")
    response = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        sample_size="0"))
    assert response.status_code == 400 and field_errors(response, "sample_size")
    assert runs() == before


def test_owner_and_board_cannot_record(t2, owner, board, admin_sormland):
    c = make_spot_check()
    assert owner.get(f"/controls/{c.id}/runs/new").status_code == 403
    assert board.get(f"/controls/{c.id}/runs/new").status_code == 403
    assert admin_sormland.get(f"/controls/{c.id}/runs/new").status_code == 404


# -- results, the measure from a deviation, redraw ---------------------------------------------
def test_results_and_the_one_click_measure(t2, coordinator):
    r = make_run(make_spot_check())
    url = f"/controls/runs/{r.id}"
    bad = coordinator.post_form(url, results_form(r, {1: ("deviation", "minor")},
                                                  conclusion="ok"))
    assert bad.status_code == 400 and field_errors(bad, "conclusion")
    saved = coordinator.post_form(url, results_form(
        r, {1: ("deviation", "minor"), 4: ("deviation", "serious")}))
    assert saved.status_code == 302
    db.session.refresh(r)
    assert r.deviation_count == 2 and r.conclusion == "deviations" and r.severity == "serious"
    html = coordinator.get(url).get_data(as_text=True)
    assert "2/10 (20 %)" in html
    item = r.items[1]
    made = coordinator.post_form(f"/controls/items/{item.id}/measure", page=url)
    assert made.status_code == 302 and location_path(made).startswith("/measures/")
    db.session.refresh(item)
    assert db.session.get(Measure, item.measure_id).unit_id == r.unit_id


def test_ledamot_reads_a_run_but_cannot_save_results(t2, board, owner):
    r = make_run(make_spot_check())
    assert board.get(f"/controls/runs/{r.id}").status_code == 200
    token_page = board.get(f"/controls/runs/{r.id}").get_data(as_text=True)
    assert "Spara resultaten" not in token_page
    assert board.post_form(f"/controls/runs/{r.id}", results_form(r),
                           page="/").status_code == 403
    assert owner.post_form(f"/controls/runs/{r.id}", results_form(r),
                           page="/").status_code == 403


def test_draw_again_and_compare(t2, board):
    r = make_run(make_spot_check())
    html = board.get(f"/controls/runs/{r.id}/redraw").get_data(as_text=True)
    assert 'data-testid="redraw-result"' in html and "✓" in html
    assert [d.value for d in sampling.draw(INVOICES, 10, "test-seed")][0] in html


# -- evidence -----------------------------------------------------------------------------------
def test_evidence_upload_download_and_soft_delete(t2, app, tmp_path, monkeypatch, coordinator,
                                                 board, admin_sormland, owner_ls1):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_DIR", str(tmp_path))
    r = make_run(make_spot_check())
    url = f"/controls/runs/{r.id}/evidence"
    page = f"/controls/runs/{r.id}"
    ok = coordinator.post_form(url, {"file": (io.BytesIO(PDF), "kvitto.PNG")}, page=page,
                               content_type="multipart/form-data")
    assert ok.status_code == 302
    ev = db.session.scalar(select(Evidence).where(Evidence.run_id == r.id))
    assert ev.kind == "pdf"  # by content, not by name
    refused = coordinator.post_form(url, {"file": (io.BytesIO(b"MZ\x90\x00"), "a.pdf")},
                                    page=page, content_type="multipart/form-data")
    assert refused.status_code == 400 and "tas inte emot" in refused.get_data(as_text=True)
    download = board.get(f"/controls/evidence/{ev.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert admin_sormland.get(f"/controls/evidence/{ev.id}").status_code == 404
    assert owner_ls1.get(f"/controls/evidence/{ev.id}").status_code == 404
    deleted = coordinator.post_form(f"/controls/evidence/{ev.id}/delete", page=page)
    assert deleted.status_code == 302
    assert coordinator.get(f"/controls/evidence/{ev.id}").status_code == 404
    assert (tmp_path / ev.stored_as).exists()  # soft: the file and the row stay


def test_an_oversized_file_is_refused_and_the_run_is_kept(t2, app, monkeypatch, coordinator):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 1000)
    r = make_run(make_spot_check())
    page = f"/controls/runs/{r.id}"
    over_cap = coordinator.post_form(f"{page}/evidence",
                                     {"file": (io.BytesIO(PDF + b"x" * 2000), "stor.pdf")},
                                     page=page, content_type="multipart/form-data")
    assert over_cap.status_code == 400 and "större än" in over_cap.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)
    too_large = coordinator.post_form(f"{page}/evidence",
                                      {"file": (io.BytesIO(PDF + b"x" * 9000), "stor.pdf")},
                                      page=page, content_type="multipart/form-data")
    assert too_large.status_code == 413
    assert "Inget sparades" in too_large.get_data(as_text=True)
    assert db.session.get(ControlRun, r.id) is not None and len(r.items) == 10


def test_max_content_length_follows_the_largest_upload(app):
    from riskreg.config import IMPORT_MAX_BYTES

    largest = max(app.config["RISKREG_EVIDENCE_MAX_BYTES"], IMPORT_MAX_BYTES)
    assert app.config["MAX_CONTENT_LENGTH"] == largest + 2**20


# -- the plan -------------------------------------------------------------------------------------
def test_amending_an_adopted_plan_needs_a_reason_and_is_shown(t2, coordinator, board):
    p = plan()
    url = f"/controls/plans/{p.id}/edit"
    risks = [str(link.risk_id) for link in p.risks]
    bad = coordinator.post_form(url, {"title": "Reviderad plan", "risks": risks,
                                      "version": p.version})
    assert bad.status_code == 400 and field_errors(bad, "amendment_reason")
    good = coordinator.post_form(url, {"title": "Reviderad plan", "risks": risks,
                                       "version": p.version,
                                       "amendment_reason": "RS § 55, 2022-03-02"})
    assert good.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PlanAmendment)) == 1
    html = board.get(f"/controls/plans/{p.id}").get_data(as_text=True)
    assert "Ändringar efter antagandet" in html and "RS § 55, 2022-03-02" in html


def test_a_draft_is_created_and_adopted_through_the_pages(t2, coordinator_ls1):
    made = coordinator_ls1.post_form(f"/controls/plans/new?unit={unit('NLL-LS1').id}",
                                     {"year": "2022", "title": "IK-plan Länssjukvård 1"})
    assert made.status_code == 302
    url = location_path(made)
    adopt = coordinator_ls1.get(f"{url}/adopt").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', adopt).group(1)
    bad = coordinator_ls1.post_form(f"{url}/adopt", {"decided_on": "", "version": version})
    assert bad.status_code == 400
    ok = coordinator_ls1.post_form(f"{url}/adopt", {"decided_on": "2021-12-01",
                                                    "paragraph": "§ 7", "version": version})
    assert ok.status_code == 302
    assert "Antagen" in coordinator_ls1.get(url).get_data(as_text=True)


def test_a_stale_version_is_a_409(t2, coordinator):
    p = plan()
    response = coordinator.post_form(f"/controls/plans/{p.id}/close",
                                     {"reason": "x", "version": str(p.version + 5)})
    assert response.status_code == 409


# -- the dashboard and the report -----------------------------------------------------------------
def test_the_board_reads_the_follow_up_report(board, login_as):
    p = plan("SRM-PV", 2024)
    sormland_board = login_as("styrelse@sormland.example")
    html = sormland_board.get(f"/controls/plans/{p.id}/report?period=2024-T2").get_data(
        as_text=True)
    assert 'data-testid="light-rule"' in html and "Demodata (påhittad)" in html
    assert "LIN-LOGG-2408" in html and "Åtgärd" in html
    assert "verksamhetschefen sjukskriven" in html  # not performed, and why
    assert 'data-light="red"' in html
    assert board.get(f"/controls/plans/{p.id}/report").status_code == 404


def test_dashboard_counts_and_open_deviations(coordinator_sormland):
    url = f"/controls/dashboard?unit={unit('SRM-PV').id}&period=2024-T2"
    html = coordinator_sormland.get(url).get_data(as_text=True)
    assert 'data-count="not_performed">1<' in html
    assert "Åtkomst till skyddad identitet" in html  # the deviation without a measure
    assert "Journal för anhörig" not in html  # followed up by a measure


def _checked_run(spot, code: str) -> None:
    from riskreg.controls import services
    from riskreg.uow import transaction
    from tests.conftest import user

    r = make_run(spot, "2024-T3", code, actor="samordnare@sormland.example")
    with transaction():
        services.save_results(user("samordnare@sormland.example"), r, [
            services.ItemResult(i.id, "deviation" if i.position == 0 else "ok",
                                "minor" if i.position == 0 else None) for i in r.items],
            None, None, None, r.version)


def test_query_counts_do_not_grow_with_the_runs(set_today, coordinator_sormland,
                                                statement_log):
    set_today("2024-10-15")
    p = plan("SRM-PV", 2024)
    spot = control(5, "SRM-PV", 2024)
    _checked_run(spot, "SRM-PV-OXELOSUND")
    urls = [f"/controls/dashboard?unit={unit('SRM-PV').id}&period=2024-T3",
            f"/controls/plans/{p.id}/report?period=2024-T3",
            f"/api/v1/control-runs?unit={unit('SRM-PV').id}&period=2024-T3"]
    for url in urls:
        coordinator_sormland.get(url)
    counts = []
    for url in urls:
        with statement_log() as log:
            assert coordinator_sormland.get(url).status_code == 200
        counts.append(log.count)
    for code in ("SRM-PV-STRANGNAS", "SRM-PV-CITY", "SRM-PV-LINDEN", "SRM-PV-TUNAFORS"):
        _checked_run(spot, code)
    grown = []
    for url in urls:
        with statement_log() as log:
            assert coordinator_sormland.get(url).status_code == 200
        grown.append(log.count)
    assert counts == grown == [PINNED_DASHBOARD, PINNED_REPORT, PINNED_API_RUNS]
    assert db.session.scalar(select(func.count()).select_from(ControlRunItem).where(
        ControlRunItem.result == "deviation", ControlRunItem.measure_id.is_(None))) >= 5


# signed-in user and grants, then: dashboard (units × controls, the controls, runs, open
# deviations, units for the picker); report (plan, controls, their unit and risk links,
# runs, deviations with their measures, the plan's follow-ups); API (count, page, items)
PINNED_DASHBOARD, PINNED_REPORT, PINNED_API_RUNS = 7, 9, 5


def test_form_errors_are_shown_in_swedish(t2, coordinator):
    c = make_spot_check()
    response = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        not_performed_reason="Sjuk"))
    assert response.status_code == 400
    assert "ingen population" in (field_errors(response, "items") or form_errors(response)
                                  or "")


def test_the_plan_shows_risks_without_a_control(board):
    html = board.get(f"/controls/plans/{plan().id}").get_data(as_text=True)
    covered = html[html.index('data-testid="plan-risks"'):]
    covered = covered[:covered.index("</ul>")]
    assert covered.count("ingen kontroll ännu") == 2  # 001 Bilaga 5 rows 1 and 6


def test_a_control_with_many_runs_is_summed_up_by_conclusion(login_as, monkeypatch):
    from riskreg.controls import queries

    monkeypatch.setattr(queries, "LISTED_RUNS", 2)
    sormland_board = login_as("styrelse@sormland.example")
    html = sormland_board.get(f"/controls/plans/{plan('SRM-PV', 2024).id}/report"
                              "?period=2024-T2").get_data(as_text=True)
    row = html[html.index('data-control="5"'):]
    row = row[:row.index("</tr>")]
    assert "OK: 3" in row and "Avvikelser funna: 2" in row and "Ej genomförd: 1" in row
    assert "5 av 6 förväntade kontroller gjorda" in row


def test_twenty_thousand_pasted_items_fit_and_a_larger_paste_is_a_413(t2, coordinator):
    c = make_spot_check()
    items = "\n".join(f"F-2022-{n:06d}" for n in range(1, 20_001))
    response = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        items=items), content_type="multipart/form-data")
    assert response.status_code == 302
    assert run_by_location(response).population_size == 20_000
    before = runs()
    too_much = coordinator.post_form(f"/controls/{c.id}/runs/new", new_run_form(
        period="2022-T1", items=items * 3), content_type="multipart/form-data")
    assert too_much.status_code == 413 and runs() == before


# -- the dashboard at region size: attention first, paged, the open deviations capped -------
def _unit_rows(client, url):
    from tests.helpers.heatmaps import parse_html

    doc = parse_html(client.get(url).get_data(as_text=True))
    return doc, doc.one("table", data_testid="per-unit").find("tbody").find_all(
        "tr", data_unit=True)


def test_dashboard_lists_units_that_need_attention_first_and_pages_the_rest(
        set_today, coordinator_sormland, monkeypatch):
    from riskreg.controls import queries

    set_today("2024-10-15")  # 2024-T2 is over: a missing run there is overdue
    base = f"/controls/dashboard?unit={unit('SRM-PV').id}&period=2024-T2"
    doc, rows = _unit_rows(coordinator_sormland, base)
    flags = [r.get("data-attention") == "1" for r in rows]
    assert flags == sorted(flags, reverse=True)  # the attention rows first
    attention = sum(flags)
    assert 0 < attention < len(rows) == 7
    summary = doc.one("p", data_testid="per-unit-summary").text()
    assert f"{attention} enheter har något" in summary and "7 enheter totalt" in summary
    # Linden (a serious deviation) and Oxelösund (not performed) are among them
    flagged = {r.find("td").text() for r in rows if r.get("data-attention") == "1"}
    assert {"Vårdcentralen Linden", "Vårdcentralen Oxelösund"} <= flagged
    _doc, only = _unit_rows(coordinator_sormland, f"{base}&attention=true")
    assert [r.get("data-unit") for r in only] == [r.get("data-unit") for r in rows][:attention]
    monkeypatch.setattr(queries, "UNITS_PER_PAGE", 3)
    seen = []
    for page in (1, 2, 3):
        doc, part = _unit_rows(coordinator_sormland, f"{base}&page={page}")
        assert len(part) == (3 if page < 3 else 1)
        assert f"Sida {page} av 3" in doc.one("nav", cls="pager").text()
        seen += [r.get("data-unit") for r in part]
    assert seen == [r.get("data-unit") for r in rows]
    assert coordinator_sormland.get(f"{base}&page=x").status_code == 400
    assert coordinator_sormland.get(f"{base}&attention=kanske").status_code == 400


def test_dashboard_lists_the_first_open_deviations_and_counts_the_rest(
        coordinator_sormland, monkeypatch, statement_log):
    from riskreg.controls import queries

    url = f"/controls/dashboard?unit={unit('SRM-PV').id}&period=2024-T2"
    everything = coordinator_sormland.get(url).get_data(as_text=True)
    assert 'data-testid="open-deviations-more"' not in everything
    monkeypatch.setattr(queries, "OPEN_LISTED", 1)
    with statement_log() as log:
        html = coordinator_sormland.get(url).get_data(as_text=True)
    assert log.count == PINNED_DASHBOARD
    assert 'data-testid="open-deviations-more"' in html and "De första 1 av " in html
