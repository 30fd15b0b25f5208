"""The internal-control exports (issue 12): the plan with its header block, its follow-up
for a period (one row per control and unit), and a spot check an auditor can draw again
from the file alone; read back with openpyxl; scoped like the control pages (a Sörmland
canary never appears in a Norrbotten export); formula-like text stays text; statements
pinned."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from riskreg.controls import services
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import ControlRun
from riskreg.uow import transaction
from tests.conftest import user
from tests.helpers.controls import (
    COORDINATOR,
    control,
    make_run,
    make_spot_check,
    plan,
    run,
)
from tests.helpers.xlsx import part, sheet_rows
from tests.pages.test_xlsx_export import CANARY, FORMULA_LIKE, get_xlsx, texts_of

PLAN_HEADERS = ("Nr", "Kontroll", "Risk(er)", "Metod", "Frekvens", "Ansvarig", "Enheter",
                "Stickprovsstorlek")
FOLLOW_UP_HEADERS = ("Nr", "Kontroll", "Enhet", "Genomförda kontroller",
                     "Populationens storlek", "Stickprovets storlek", "Avvikelser",
                     "Avvikelsegrad", "Allvarlighet", "Slutsats", "Trafikljus",
                     "Uppföljande åtgärder", "Ej utförd – varför")
SAMPLE_HEADERS = ("Position", "Index i populationen", "Post", "Resultat", "Allvarlighet",
                  "Notering")


@pytest.fixture(autouse=True)
def xlsx_dir(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "RISKREG_XLSX_DIR", str(tmp_path / "xlsx"))


def split(rows: list[tuple], first: str = "Nr") -> tuple[dict, tuple, list[dict]]:
    """(the header block as {label: value}, the table's headers, its rows as dicts)."""
    at = next(i for i, r in enumerate(rows) if r and r[0] == first)
    facts = {r[0]: r[1] for r in rows[1:at] if r and r[0] is not None}
    headers = tuple(h for h in rows[at] if h is not None)
    return facts, headers, [dict(zip(headers, r, strict=False)) for r in rows[at + 1:]]


def plan_url(p) -> str:
    return f"/xlsx/controls/plans/{p.id}.xlsx"


def report_url(p, period: str) -> str:
    return f"/xlsx/controls/plans/{p.id}/report.xlsx?period={period}"


def run_url(r) -> str:
    return f"/xlsx/controls/runs/{r.id}.xlsx"


# -- the plan ----------------------------------------------------------------------------------
def test_the_plan_with_its_header_block_and_one_row_per_control(board, t2):
    p = plan()
    rows = sheet_rows(get_xlsx(board, plan_url(p)))
    assert rows[0][0] == f"Internkontrollplan 2022: {p.title}"
    facts, headers, table = split(rows)
    assert headers == PLAN_HEADERS
    assert facts == {"Enhet": "Regionstyrelsen", "År": 2022, "Status": "Antagen",
                     "Beslutsdatum": "2021-12-08", "Paragraf (§)": "§ 231",
                     "Diarienummer": "RS-2021-0998", "Demodata": "Demodata (påhittad)"}
    assert [r["Nr"] for r in table] == [1, 2, 3, 4, 5]
    second = table[1]
    c = control(2)
    assert second["Kontroll"] == c.title == "Styrmått och egenkontroll av rutiner"
    assert second["Risk(er)"] == f"3. {c.risk_links[0].risk.title}"
    assert second["Metod"].startswith("Uppföljning av styrmått")
    assert second["Metod"].endswith(c.method_text)
    assert second["Frekvens"] == "Varje tertial"
    assert second["Ansvarig"] == user(COORDINATOR).name
    assert second["Enheter"] == "Regionstyrelsen"
    assert table[4]["Risk(er)"].splitlines()[0].startswith("9. ")


def test_a_control_added_later_is_listed_with_its_sample_size_and_units(coordinator, t2):
    made = make_spot_check(sample_size=25)
    table = split(sheet_rows(get_xlsx(coordinator, plan_url(plan()))))[2]
    row = next(r for r in table if r["Nr"] == made.number)
    assert row["Kontroll"] == made.title and row["Stickprovsstorlek"] == 25
    assert row["Metod"] == "Stickprov: Stickprov på attesterade fakturor"


# -- the follow-up ---------------------------------------------------------------------------
def test_the_follow_up_per_control_and_unit_matches_the_runs(coordinator_sormland,
                                                             set_today):
    """Sörmland's 2024 plan in 2024-T2: every row's sums are the runs of that control on
    that unit in the period; the deviation's measure and the reason a run was not
    performed are on their unit's row."""
    set_today("2024-10-15")
    p = plan("SRM-PV", 2024)
    data = get_xlsx(coordinator_sormland, report_url(p, "2024-T2"))
    facts, headers, table = split(sheet_rows(data))
    assert headers == FOLLOW_UP_HEADERS
    assert facts["Period"] == "DÅ08 2024 (2024-T2)" and facts["Enhet"] == p.unit.name
    runs = db.session.scalars(select(ControlRun).where(
        ControlRun.period == Period.parse("2024-T2"),
        ControlRun.control_id.in_([c.id for c in _controls(p)]))).all()
    assert runs
    for r in runs:
        row = next(x for x in table
                   if x["Nr"] == r.control.number and x["Enhet"] == r.unit.name)
        mine = [x for x in runs if x.control_id == r.control_id and x.unit_id == r.unit_id]
        assert row["Genomförda kontroller"] == len(mine)
        assert row["Populationens storlek"] == sum(x.population_size for x in mine)
        assert row["Stickprovets storlek"] == sum(x.sample_size for x in mine)
        assert row["Avvikelser"] == sum(x.deviation_count for x in mine)
        if row["Stickprovets storlek"]:
            assert row["Avvikelsegrad"] == pytest.approx(
                row["Avvikelser"] / row["Stickprovets storlek"])
        assert row["Trafikljus"] in ("Röd", "Gul", "Grön")
        if r.not_performed_reason:
            assert r.not_performed_reason in row["Ej utförd – varför"]
            assert row["Trafikljus"] == "Röd"
    assert any("verksamhetschefen sjukskriven" in (r["Ej utförd – varför"] or "")
               for r in table)
    measured = [r for r in table if r["Uppföljande åtgärder"]]
    assert measured and all(r["Uppföljande åtgärder"].startswith("Åtgärd ") for r in measured)
    assert {r["Nr"] for r in table} == {c.number for c in _controls(p)}


def _controls(p):
    from riskreg.controls import queries

    return queries.controls_of(p)


def test_the_follow_up_period_defaults_like_the_report_page(board, t2):
    p = plan()
    for url in (f"/xlsx/controls/plans/{p.id}/report.xlsx",
                report_url(p, "2019-T1")):  # another year: the page's default
        facts = split(sheet_rows(get_xlsx(board, url)))[0]
        assert facts["Period"] == "DÅ08 2022 (2022-T2)"
    facts, _h, table = split(sheet_rows(get_xlsx(board, report_url(p, "2022-T1"))))
    assert facts["Period"] == "DÅ04 2022 (2022-T1)"
    second = next(r for r in table if r["Nr"] == 2)
    assert second["Genomförda kontroller"] == 1 and second["Slutsats"] == "OK"
    assert second["Trafikljus"] == "Grön" and second["Ej utförd – varför"] is None
    first = next(r for r in table if r["Nr"] == 1)  # T1 is over and nothing was recorded
    assert first["Genomförda kontroller"] == 0 and first["Trafikljus"] == "Röd"
    assert first["Ej utförd – varför"] == "Ingen kontroll registrerad"
    assert board.get(report_url(p, "2022-T9")).status_code == 400


# -- the spot check ----------------------------------------------------------------------------
def test_an_auditor_draws_the_sample_again_from_the_file_alone(coordinator, t2):
    items = [f"F-{n:04d}" for n in range(1, 58)] + list(FORMULA_LIKE)
    r = make_run(make_spot_check(), items=items, size=12, seed="revisor-2022")
    with transaction():
        services.save_results(user(COORDINATOR), r, [
            services.ItemResult(i.id, "deviation" if i.position == 3 else "ok",
                                "significant" if i.position == 3 else None,
                                "Attest saknas" if i.position == 3 else None)
            for i in r.items], None, None, None, r.version)
    data = get_xlsx(coordinator, run_url(r))
    facts, headers, sample = split(sheet_rows(data), "Position")
    assert headers == SAMPLE_HEADERS
    assert facts["Seed"] == "revisor-2022" and facts["Algoritm"] == "sha256-v1"
    assert facts["Populationens storlek"] == len(items) and facts["Stickprovets storlek"] == 12
    assert "SHA-256" in facts["Urvalet dras så"]
    assert [s["Position"] for s in sample] == list(range(1, 13))
    assert [(s["Index i populationen"], s["Post"]) for s in sample] == [
        (i.population_index, i.value) for i in r.items]
    deviating = [s for s in sample if s["Resultat"] == "Avvikelse"]
    assert len(deviating) == 1 and deviating[0]["Position"] == 4
    assert deviating[0]["Allvarlighet"] == "Betydande"
    assert deviating[0]["Notering"] == "Attest saknas"
    assert {s["Resultat"] for s in sample} == {"OK", "Avvikelse"}

    population = sheet_rows(data, "Population")
    assert population[0] == ("Index i populationen", "Post", "Nyckel (SHA-256)",
                             "Position i urvalet")
    assert [row[1] for row in population[1:]] == items  # formula-like items are text
    # the auditor's own draw: SHA-256 of "<seed>:<index>:<item>", ordered by (key, index)
    keys = [(hashlib.sha256(f"{facts['Seed']}:{i}:{v}".encode()).hexdigest(), i)
            for i, v, _k, _p in population[1:]]
    assert [k for k, _i in keys] == [row[2] for row in population[1:]]
    again = [i for _k, i in sorted(keys)[:facts["Stickprovets storlek"]]]
    assert again == [s["Index i populationen"] for s in sample]
    assert {row[0]: row[3] for row in population[1:] if row[3]} == {
        s["Index i populationen"]: s["Position"] for s in sample}


def test_a_run_not_performed_exports_its_reason_without_a_population(coordinator, t2):
    c = make_spot_check()
    with transaction():
        r = services.create_run(user(COORDINATOR), c, services.RunInput(
            unit_id=c.plan.unit_id, period=Period.parse("2022-T2"),
            not_performed_reason="Systemet var nere hela tertialen"))
    data = get_xlsx(coordinator, run_url(r))
    facts, _headers, sample = split(sheet_rows(data), "Position")
    assert facts["Ej utförd – varför"] == "Systemet var nere hela tertialen"
    assert sample == [] and sheet_rows(data, "Population")[1:] == []


# -- cells are data ------------------------------------------------------------------------------
def test_a_hyperlink_formula_title_opens_as_text(coordinator, t2):
    title = FORMULA_LIKE[0]
    made = make_spot_check(title=title)
    r = make_run(made, items=list(FORMULA_LIKE) + ["vanlig post"], size=6)
    for url, sheet in ((plan_url(plan()), "Kontroll"), (report_url(plan(), "2022-T2"),
                                                        "Kontroll")):
        data = get_xlsx(coordinator, url)
        table = split(sheet_rows(data))[2]
        assert next(x for x in table if x["Nr"] == made.number)[sheet] == title
        assert "<f>" not in part(data, "xl/worksheets/sheet1.xml")
    data = get_xlsx(coordinator, run_url(r))
    assert split(sheet_rows(data), "Position")[0]["Kontroll"] == f"{made.number}. {title}"
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        assert "<f>" not in part(data, name)
    assert set(FORMULA_LIKE) <= {row[1] for row in sheet_rows(data, "Population")}


def test_print_set_up_and_properties(board, t2):
    data = get_xlsx(board, plan_url(plan()))
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert "<autoFilter" in sheet and 'state="frozen"' in sheet
    core = part(data, "docProps/core.xml")
    assert "Internkontrollplan" in core and "Region Norrbotten" in part(
        data, "docProps/app.xml")
    # the header row (below the header block) repeats on every printed page
    assert "_xlnm.Print_Titles" in part(data, "xl/workbook.xml")


# -- scoping -------------------------------------------------------------------------------------
@pytest.fixture
def sormland_canary(set_today):
    """A control and a run on Sörmland's 2024 plan whose names no Norrbotten export shows."""
    set_today("2024-10-15")
    p = plan("SRM-PV", 2024)
    actor = user("samordnare@sormland.example")
    with transaction():
        c = services.create_control(actor, p, services.ControlInput(
            title=f"{CANARY} kontroll", method="stickprov", frequency="tertial",
            method_text=CANARY, responsible_id=None, sample_size=2, risk_ids=[],
            unit_ids=[p.unit_id]), reason="Kanarie")
    with transaction():
        r = services.create_run(actor, c, services.RunInput(
            unit_id=p.unit_id, period=Period.parse("2024-T2"), items=[f"{CANARY} {i}"
                                                                      for i in range(5)],
            sample_size=2, seed=CANARY, population_description=CANARY))
    return p, r


ROLES_NLL = ("admin", "coordinator", "owner", "board", "owner_ls1", "coordinator_ls1")


def test_no_norrbotten_export_shows_the_sormland_canary(as_role, sormland_canary,
                                                        coordinator_sormland):
    srm_plan, srm_run = sormland_canary
    nll_urls = [plan_url(plan()), report_url(plan(), "2022-T1"),
                run_url(run(2, "NLL-RS", "2022-T1"))]
    srm_urls = [plan_url(srm_plan), report_url(srm_plan, "2024-T2"), run_url(srm_run)]
    for url in srm_urls:  # the canary is there for its own region
        assert CANARY in texts_of(get_xlsx(coordinator_sormland, url))
    for role in ROLES_NLL:
        client = as_role(role)
        for url in srm_urls:
            assert client.get(url).status_code == 404, (role, url)
        for url in nll_urls:
            response = client.get(url)
            if response.status_code == 200:
                assert CANARY not in texts_of(response.get_data()), (role, url)
            else:  # LS1's users do not read Regionstyrelsen's plan, as on the page
                assert role.endswith("_ls1") and response.status_code == 404
    for url in nll_urls:
        assert coordinator_sormland.get(url).status_code == 404


def test_the_pages_link_their_exports(board, coordinator, t2):
    p = plan()
    html = board.get(f"/controls/plans/{p.id}").get_data(as_text=True)
    assert f'href="/xlsx/controls/plans/{p.id}.xlsx"' in html
    assert f'href="/xlsx/controls/plans/{p.id}/report.xlsx"' in html
    assert "Planen som Excel" in html and "Uppföljningen som Excel" in html
    html = board.get(f"/controls/plans/{p.id}/report?period=2022-T1").get_data(as_text=True)
    assert f'href="/xlsx/controls/plans/{p.id}/report.xlsx?period=2022-T1"' in html
    r = run(2, "NLL-RS", "2022-T1")
    html = board.get(f"/controls/runs/{r.id}").get_data(as_text=True)
    assert f'href="/xlsx/controls/runs/{r.id}.xlsx"' in html
    assert "Population och stickprov som Excel" in html


# -- statements ----------------------------------------------------------------------------------
# signed-in user and grants, then: plan (the plan, its unit, the controls with their
# responsible, their risk links, their unit links); report (the report page's reads: the
# plan, its unit, controls, risk links, units, runs, deviations with measures, follow-ups);
# run (the run, its items, its evidence, its control, unit and plan)
PINNED_PLAN, PINNED_REPORT, PINNED_RUN = 7, 10, 8


def test_statements_do_not_grow_with_the_controls_runs_or_items(coordinator, t2,
                                                                statement_log):
    p = plan()
    small = make_run(make_spot_check(), size=3, items=[f"A-{i}" for i in range(10)])

    def counts(r):
        out = []
        for url in (plan_url(p), report_url(p, "2022-T2"), run_url(r)):
            get_xlsx(coordinator, url)
            with statement_log() as log:
                get_xlsx(coordinator, url)
            out.append(log.count)
        return out

    before = counts(small)
    for n in range(3):
        extra = make_spot_check(title=f"Extra kontroll {n}")
        make_run(extra, size=5)
    big = make_run(make_spot_check(title="Stor"), size=40)
    after = counts(big)
    assert before == after == [PINNED_PLAN, PINNED_REPORT, PINNED_RUN]


def test_the_board_view_links_the_matrix_and_the_register_as_excel(board, t2):
    """Each organisation on the board view links its matrix and its register (with its
    subtree, the view's period) as Excel, and both links answer with a workbook."""
    import re

    html = board.get("/board/?period=2022-T2").get_data(as_text=True)
    block = re.search(r'data-testid="board-xlsx-links">(.*?)</p>', html, re.S)
    assert block, "no Excel links on the board view"
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', block.group(1))]
    assert [u.split("?")[0] for u in links] == ["/xlsx/matrix.xlsx", "/xlsx/risks.xlsx"]
    matrix = sheet_rows(get_xlsx(board, links[0]))
    assert any(row and row[0] == "Sannolikhet \\ Konsekvens" for row in matrix)
    register = sheet_rows(get_xlsx(board, links[1]))
    assert register[0][0] == "Nr" and len(register) > 1
    assert all("period=2022-T2" in u for u in links)


def test_the_sheets_are_swedish_whatever_the_interface_language(board, t2):
    """The sources' language: an English interface still gets Swedish words in the cells,
    and the page after the export is still English (the locale switch does not leak)."""
    assert board.post_form("/language/en", page="/").status_code in (302, 303)
    p = plan()
    table = split(sheet_rows(get_xlsx(board, plan_url(p))))[2]
    assert {r["Frekvens"] for r in table} == {"Varje tertial"}
    html = board.get(f"/controls/plans/{p.id}").get_data(as_text=True)
    assert "Each tertial" in html and "The plan as Excel" in html


def test_a_large_population_is_written_in_the_background(coordinator, board, t2, app,
                                                       monkeypatch):
    """Above the background limit the spot check is a job (the risks' export's): its page,
    then the file (inline in the tests), with every population row in it."""
    monkeypatch.setitem(app.config, "RISKREG_XLSX_BACKGROUND_ROWS", 50)
    r = make_run(make_spot_check(), size=10)  # 120 invoices
    response = coordinator.get(run_url(r))
    assert response.status_code == 302 and "/xlsx/jobs/" in response.headers["Location"]
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    page = coordinator.get(f"/xlsx/jobs/{token}")
    assert page.status_code == 200
    data = get_xlsx(coordinator, f"/xlsx/jobs/{token}/file")
    assert len(sheet_rows(data, "Population")) == 1 + r.population_size
    assert split(sheet_rows(data), "Position")[0]["Seed"] == "test-seed"
    assert coordinator.get(f"/xlsx/jobs/{token}/file").status_code == 200
    assert board.get(f"/xlsx/jobs/{token}/file").status_code == 404  # its maker's only
