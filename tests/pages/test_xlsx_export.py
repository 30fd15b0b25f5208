"""The spreadsheet exports (issue 12): the sources' layouts with Swedish headers, read back
with openpyxl; cells are data, never formulas; the print set-up and properties; the
register's filter; scoping (a canary of another region never appears); background jobs."""

from __future__ import annotations

import pytest

from riskreg.measures import services as measure_services
from riskreg.risks import services as risk_services
from riskreg.risks.texts import RiskTexts
from riskreg.uow import transaction
from tests.conftest import unit, user
from tests.helpers.risks import NLL_NUMBERS, NLL_OWNER, SRM_OWNER, plan_of, risk
from tests.helpers.xlsx import XLSX, by_header, part, sheet_rows

CANARY = "Kanariefågel"
EXPORTS = ("/xlsx/risks.xlsx", "/xlsx/risks.xlsx?layout=success_factor",
           "/xlsx/risks.xlsx?layout=unit", "/xlsx/measures.xlsx", "/xlsx/kpis.xlsx",
           "/xlsx/matrix.xlsx")
FORMULA_LIKE = ('=HYPERLINK("http://x","y")', "+SUM(A1:A3)", "-2+3", "@cmd", "=1+1")


@pytest.fixture(autouse=True)
def xlsx_dir(app, monkeypatch, tmp_path):
    """Jobs and stashed imports in a temporary folder (not instance/)."""
    monkeypatch.setitem(app.config, "RISKREG_XLSX_DIR", str(tmp_path / "xlsx"))
    return tmp_path / "xlsx"


def make_risk(org: str, title: str, event: str | None = None, kind: str | None = None,
              **texts):
    """A risk of the demo plan of ``org`` (NLL: a success-factor risk on NLL-RS; SRM: a
    unit risk on SRM-PV), assessed 2 × 3 in 2022-T2."""
    nll = org == "NLL"
    plan = plan_of(org)
    factor = risk("NLL", 1).success_factor_id if nll else None
    with transaction():
        return risk_services.create_risk(None, risk_services.NewRisk(
            kind=kind or ("success_factor" if nll else "unit"),
            unit_id=unit("NLL-RS" if nll else "SRM-PV").id, plan_id=plan.id,
            owner_id=user(NLL_OWNER if nll else SRM_OWNER).id,
            texts=RiskTexts(event=event or title, title=title, **texts),
            success_factor_id=factor, period=None))


@pytest.fixture
def canaries(app):
    """A risk and a measure of Sörmland with a name no Norrbotten export may show."""
    make_risk("SRM", f"{CANARY} risk", handling_type="control")
    with transaction():
        measure_services.create_measure(None, measure_services.NewMeasure(
            unit_id=unit("SRM-PV").id, plan_id=plan_of("SRM").id,
            texts=measure_services.MeasureTexts(title=f"{CANARY} åtgärd")))


def texts_of(data: bytes) -> str:
    """Every cell of every sheet as one text."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return "\n".join(str(v) for ws in wb.worksheets
                         for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    finally:
        wb.close()


def get_xlsx(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


# -- layouts ---------------------------------------------------------------------------------
def test_success_factor_risks_in_001_bilaga_5_layout(coordinator, t2):
    rows = sheet_rows(get_xlsx(coordinator, "/xlsx/risks.xlsx?layout=success_factor"))
    assert rows[0][:12] == (
        "Nr", "Perspektiv och strategiskt målområde för riskbedömning",
        "Framgångsfaktor (Förväntad/önskad funktion eller resultat)",
        "Vad kan hända som innebär att förväntad/önskad funktion eller resultat inte "
        "uppfylls?", "Vad blir det för konsekvens om risken inträffar?", "Konsekvens",
        "Sannolikhet", "Risk", "Beskriv orsaken till att risken inträffar",
        "Vad behöver göras för att risken inte ska inträffa?",
        "Kontrollmetod - Hur kontrolleras att åtgärden genomförs?", "Måluppfyllelse")
    found = by_header(rows)
    assert sorted(found) == sorted(NLL_NUMBERS)
    for number, row in found.items():
        r = risk("NLL", number)
        assert row["Vad kan hända som innebär att förväntad/önskad funktion eller resultat "
                   "inte uppfylls?"] == r.event
        assert row["Risk"] == row["Konsekvens"] * row["Sannolikhet"]
        assert row["Framgångsfaktor (Förväntad/önskad funktion eller resultat)"] == \
            r.success_factor.name


def test_unit_risks_in_004_layout(admin_sormland, set_today):
    set_today("2024-06-15")
    rows = sheet_rows(get_xlsx(admin_sormland, "/xlsx/risks.xlsx?layout=unit&period=2024-T1"))
    assert rows[0][:6] == ("Nr", "Risk", "Riskvärde", "Hantering av risk", "Typ av hantering",
                           "Metod för riskhantering")
    found = by_header(rows)
    assert {n: row["Riskvärde"] for n, row in found.items()} == {1: 4, 2: 9, 3: 3, 4: 6, 5: 6}
    assert {row["Typ av hantering"] for row in found.values()} == {"Kontroll"}


def test_register_export_is_the_register_as_filtered(coordinator, t2):
    url = "?band=Hög&sort=-value&period=2022-T2"
    page = coordinator.get("/risks/" + url).get_data(as_text=True)
    rows = sheet_rows(get_xlsx(coordinator, "/xlsx/risks.xlsx" + url))
    assert rows[0][0] == "Nr" and "Riskvärde" in rows[0]
    numbers = [r[0] for r in rows[1:]]
    import re

    listed = [int(n) for n in re.findall(r'<tr data-risk-id="\d+"[^>]*>\s*<td[^>]*>(\d+)', page)]
    assert numbers and numbers == listed[:len(numbers)]
    values = [r[rows[0].index("Riskvärde")] for r in rows[1:]]
    assert values == sorted(values, reverse=True) and all(9 <= v <= 12 for v in values)
    # the page links to the export with the same filter
    assert "/xlsx/risks.xlsx?" in page and "band=H%C3%B6g" in page


def test_measures_follow_up_in_000_layout(coordinator, t2):
    rows = sheet_rows(get_xlsx(coordinator, "/xlsx/measures.xlsx?period=2022-T1"))
    assert rows[0][:5] == ("Nr", "Mål", "Åtgärd", "Status", "Kommentar")
    assert len(rows) > 10
    assert any(r[3] in ("▲", "●", "■", "◆", "◇") for r in rows[1:])


def test_kpi_table_and_matrix(coordinator, t2):
    kpis = sheet_rows(get_xlsx(coordinator, "/xlsx/kpis.xlsx?period=2022-T1"))
    assert kpis[0][:4] == ("Perspektiv", "Strategiskt mål", "Framgångsfaktor", "Styrmått")
    assert len(kpis) > 5
    data = get_xlsx(coordinator, "/xlsx/matrix.xlsx?period=2022-T2")
    rows = sheet_rows(data)
    text = texts_of(data)
    assert "Sannolikhet \\ Konsekvens" in text
    for band in ("Låg", "Medel", "Hög", "Mycket hög"):
        assert band in text
    assert "| Totalt: 16" in text
    # cells carry their band's colour (the page's) and the band's name beside the count
    styles = part(data, "xl/styles.xml")
    assert "FF" in styles and "fill" in styles
    counts = [int(str(v).split("\n")[0]) for r in rows[3:7] for v in r[1:5]]
    assert sum(counts) == 16


# -- cells are data, never formulas ------------------------------------------------------------
@pytest.mark.parametrize("title", FORMULA_LIKE)
def test_formula_like_text_is_written_as_text(coordinator, t2, title):
    made = make_risk("NLL", title, event=title)
    data = get_xlsx(coordinator, "/xlsx/risks.xlsx?layout=success_factor")
    row = by_header(sheet_rows(data))[made.number]
    assert row["Titel"] == title
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert "<f>" not in sheet  # no formula anywhere
    import io

    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for r in ws.iter_rows() for c in r if c.value == title]
    assert cells and all(c.data_type == "s" for c in cells)


# -- workbook set-up ----------------------------------------------------------------------------
def test_header_frozen_autofilter_print_setup_and_properties(coordinator, t2):
    data = get_xlsx(coordinator, "/xlsx/risks.xlsx?layout=success_factor")
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert 'state="frozen"' in sheet and 'ySplit="1"' in sheet
    assert "<autoFilter" in sheet
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert 'wrapText="1"' in part(data, "xl/styles.xml")
    assert "<cols>" in sheet
    workbook_xml = part(data, "xl/workbook.xml")
    assert "_xlnm.Print_Titles" in workbook_xml and "$1:$1" in workbook_xml
    core = part(data, "docProps/core.xml")
    assert "Riskbedömning av framgångsfaktorer" in core and "<dcterms:created" in core
    app_xml = part(data, "docProps/app.xml")
    assert "Region Norrbotten" in app_xml
    custom = part(data, "docProps/custom.xml")
    assert "2022-T2" in custom and "Region Norrbotten" in custom


# -- scoping -----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "coordinator", "owner", "board", "coordinator_ls1",
                                  "owner_ls1"])
def test_a_canary_of_another_region_never_appears(as_role, t2, canaries, role):
    client = as_role(role)
    for url in EXPORTS:
        assert CANARY not in texts_of(get_xlsx(client, url)), url
    # the canary's own unit as a parameter is out of reach: 404, not an export
    assert client.get(f"/xlsx/measures.xlsx?unit={unit('SRM-PV').id}").status_code == 404
    assert client.get(f"/xlsx/risks.xlsx?unit={unit('SRM-PV').id}").status_code in (400, 404)


def test_sormland_sees_its_canary_and_no_norrbotten_risk(admin_sormland, set_today, canaries):
    set_today("2024-06-15")
    text = texts_of(get_xlsx(admin_sormland, "/xlsx/risks.xlsx"))
    assert CANARY in text
    assert risk("NLL", 1).title not in text


def test_subunit_user_sees_only_their_subtree(coordinator_ls1, t2):
    rows = sheet_rows(get_xlsx(coordinator_ls1, "/xlsx/risks.xlsx"))
    assert all(r[rows[0].index("Enhet")] != "Regionstyrelsen" for r in rows[1:])


def test_anonymous_is_sent_to_sign_in(client):
    for url in EXPORTS:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_bad_parameters_are_400_not_500(coordinator, t2):
    assert coordinator.get("/xlsx/risks.xlsx?layout=nope").status_code == 400
    assert coordinator.get("/xlsx/risks.xlsx?period=2022-T9").status_code == 400
    assert coordinator.get("/xlsx/measures.xlsx?unit=abc").status_code == 400


# -- background jobs -----------------------------------------------------------------------------
def test_a_large_export_runs_as_a_job_with_progress_and_a_file(app, coordinator, t2,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_XLSX_BACKGROUND_ROWS", 5)
    response = coordinator.get("/xlsx/risks.xlsx?layout=success_factor")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert "/xlsx/jobs/" in job_url
    page = coordinator.get(job_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "16" in html and "/file" in html
    data = get_xlsx(coordinator, job_url + "/file")
    assert sorted(by_header(sheet_rows(data))) == sorted(NLL_NUMBERS)


def test_a_job_is_its_owners_only(app, coordinator, owner, t2, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_XLSX_BACKGROUND_ROWS", 5)
    job_url = coordinator.get("/xlsx/risks.xlsx").headers["Location"]
    assert owner.get(job_url).status_code == 404
    assert owner.get(job_url + "/file").status_code == 404
    assert coordinator.get("/xlsx/jobs/not-a-token").status_code == 404
    assert coordinator.get("/xlsx/jobs/" + "A" * 32).status_code == 404


def test_a_job_in_a_thread_reports_progress_and_offers_its_file(app, monkeypatch):
    """The background path itself (the tests' requests run jobs inline): a thread with its
    own app context writes the workbook, its state goes running → done with the rows
    counted, and the file appears only when complete."""
    import time

    from riskreg.reports import export, files
    from riskreg.reports.layouts import KPIS

    monkeypatch.setitem(app.config, "RISKREG_XLSX_INLINE_JOBS", False)
    rows = [type("Row", (), {c.key: f"{c.key} {i}" for c in KPIS.columns})()
            for i in range(1200)]
    seen = []

    def work(path, progress):
        wb = export.open_workbook(str(path), export.Properties("T", "Org", "2022-T2"))
        n = export.write_table(wb, KPIS, rows, export.Properties("T", "Org", "2022-T2"),
                               lambda k: (seen.append(k), progress(k)))
        wb.close()
        return n

    token = files.start_job(7, "t.xlsx", len(rows), work)
    for _ in range(200):
        state = files.job_state(token, 7)
        if state["state"] != "running":
            break
        time.sleep(0.05)
    assert state == {**state, "state": "done", "done": 1200, "total": 1200}
    assert seen[:2] == [500, 1000]
    assert files.job_state(token, 8) is None  # another user's
    assert len(sheet_rows(files.job_paths(token)[1].read_bytes())) == 1201


def test_a_failing_job_says_so(app, monkeypatch):
    from riskreg.reports import files

    def work(path, progress):
        raise RuntimeError("disk full")

    token = files.start_job(7, "t.xlsx", 10, work)  # inline in the tests
    assert files.job_state(token, 7)["state"] == "failed"
    assert not files.job_paths(token)[1].exists()


def test_statements_do_not_grow_with_the_rows_or_the_units(coordinator, t2, statement_log):
    """The export and the import page cost a fixed number of statements: the risks are
    streamed by one statement, the import's choices are read in one per kind."""
    from riskreg.admin import services as admin_services

    url = "/xlsx/risks.xlsx?layout=success_factor"
    with statement_log() as before:
        get_xlsx(coordinator, url)
    with statement_log() as page_before:
        assert coordinator.get("/xlsx/import").status_code == 200
    for i in range(12):
        make_risk("NLL", f"Extra risk {i}")
    with transaction():
        for i in range(8):
            admin_services.add_unit(None, unit("NLL-RS"), f"NLL-RS-X{i}", f"Enhet {i}", "unit")
    with statement_log() as after:
        get_xlsx(coordinator, url)
    with statement_log() as page_after:
        assert coordinator.get("/xlsx/import").status_code == 200
    assert len(after.statements) == len(before.statements)
    assert len(page_after.statements) == len(page_before.statements)
