"""Every export opened by a real spreadsheet program: LibreOffice (Debian's
libreoffice-calc-nogui, installed by tests/run-all.sh) converts each workbook to CSV
headless without error, and the CSV holds the expected rows; text that looks like a formula
is still that text in LibreOffice. And a workbook LibreOffice saved again imports as
unchanged. Slow (a LibreOffice start per conversion): marked ``office`` and run in the
SQLite pass only (tests/run-all.sh), like the browser tests."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess  # nosec B404: LibreOffice is the client under test
from pathlib import Path

import pytest

from tests.conftest import db_state, unit
from tests.helpers.risks import NLL_NUMBERS
from tests.helpers.xlsx import statuses, upload
from tests.pages.test_xlsx_export import FORMULA_LIKE, make_risk

pytestmark = pytest.mark.office
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, quote, UTF-8


@pytest.fixture(autouse=True)
def xlsx_dir(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "RISKREG_XLSX_DIR", str(tmp_path / "xlsx"))


def soffice(tmp: Path, target: str, *files: Path) -> Path:
    """Convert ``files`` with LibreOffice headless (its own profile); the output folder."""
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) is missing: tests/run-all.sh installs "
                    "libreoffice-calc-nogui")
    out = tmp / f"out-{target.split(':')[0]}"
    out.mkdir(exist_ok=True)
    result = subprocess.run(  # nosec B603: fixed arguments, files written by the test
        [SOFFICE, f"-env:UserInstallation=file://{tmp}/lo-profile", "--headless",
         "--norestore", "--nolockcheck", "--convert-to", target, "--outdir", str(out),
         *map(str, files)],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr, result.stderr
    return out


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


EXPORTS = {
    "register": "/xlsx/risks.xlsx?period=2022-T2",
    "success_factor": "/xlsx/risks.xlsx?layout=success_factor&period=2022-T2",
    "unit_srm": None,  # Sörmland's, read by its coordinator (below)
    "measures": "/xlsx/measures.xlsx?period=2022-T1",
    "kpis": "/xlsx/kpis.xlsx?period=2022-T1",
    "matrix": "/xlsx/matrix.xlsx?period=2022-T2",
}


def test_libreoffice_converts_every_export_to_csv(coordinator, coordinator_sormland, t2,
                                                  tmp_path):
    titles = [make_risk("NLL", t, event=t).number for t in FORMULA_LIKE]
    files = {}
    for name, url in EXPORTS.items():
        client = coordinator
        if url is None:
            client, url = coordinator_sormland, "/xlsx/risks.xlsx?layout=unit&period=2024-T1"
        response = client.get(url)
        assert response.status_code == 200, url
        files[name] = tmp_path / f"{name}.xlsx"
        files[name].write_bytes(response.get_data())
    out = soffice(tmp_path, CSV_FILTER, *files.values())
    sheets = {name: read_csv(out / f"{name}.csv") for name in files}

    numbers = sorted([*NLL_NUMBERS, *titles])
    register = sheets["register"]
    assert register[0][:3] == ["Nr", "Titel", "Typ"]
    assert sorted(int(r[0]) for r in register[1:]) == numbers
    shown = {r[1] for r in register[1:]}
    for title in FORMULA_LIKE:  # text, not a formula's result
        assert title in shown

    sf = sheets["success_factor"]
    assert sf[0][0] == "Nr" and sf[0][2].startswith("Framgångsfaktor")
    assert sorted(int(r[0]) for r in sf[1:]) == numbers
    for r in sf[1:]:
        if r[5] and r[6]:
            assert int(r[7]) == int(r[5]) * int(r[6])

    unit_rows = sheets["unit_srm"]
    assert unit_rows[0][:5] == ["Nr", "Risk", "Riskvärde", "Hantering av risk",
                                "Typ av hantering"]
    assert {int(r[0]): int(r[2]) for r in unit_rows[1:]} == {1: 4, 2: 9, 3: 3, 4: 6, 5: 6}

    measures = sheets["measures"]
    assert measures[0][:5] == ["Nr", "Mål", "Åtgärd", "Status", "Kommentar"]
    assert len(measures) > 10

    kpis = sheets["kpis"]
    assert kpis[0][3] == "Styrmått" and len(kpis) > 5

    matrix = "\n".join(",".join(r) for r in sheets["matrix"])
    # the risks made above have no assessment: the matrix holds the 16 assessed ones
    assert "Sannolikhet \\ Konsekvens" in matrix and "Totalt: 16" in matrix


def test_a_workbook_libreoffice_saved_again_imports_unchanged(coordinator, t2, tmp_path):
    """A real client re-saves the export (its own XML, shared strings, number formats):
    the import reads every row back as unchanged and saves nothing."""
    source = tmp_path / "risker.xlsx"
    source.write_bytes(coordinator.get(
        f"/xlsx/risks.xlsx?layout=success_factor&period=2022-T2&unit={unit('NLL-RS').id}"
    ).get_data())
    resaved_dir = soffice(tmp_path, "xlsx:Calc MS Excel 2007 XML", source)
    data = (resaved_dir / "risker.xlsx").read_bytes()
    assert data != source.read_bytes()
    before = db_state()
    response = upload(coordinator, data)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    assert statuses(response.get_data(as_text=True)) == ["unchanged"] * len(NLL_NUMBERS)
    assert db_state() == before


def test_libreoffice_converts_the_internal_control_exports_to_csv(coordinator, t2, tmp_path):
    """The plan, its follow-up and a spot check (the first sheet of each: LibreOffice's CSV
    filter writes one sheet) open in LibreOffice: header block, headers and rows; a
    formula-like control title and population item are that text."""
    from tests.helpers.controls import control, make_run, make_spot_check, plan
    from tests.pages.test_xlsx_controls import (
        FOLLOW_UP_HEADERS,
        PLAN_HEADERS,
        SAMPLE_HEADERS,
        plan_url,
        report_url,
        run_url,
    )

    made = make_spot_check(title=FORMULA_LIKE[0])
    r = make_run(made, items=[*FORMULA_LIKE, "F-1", "F-2"], size=7, seed="lo-seed")
    p = plan()
    files = {}
    for name, url in (("plan", plan_url(p)), ("follow_up", report_url(p, "2022-T2")),
                      ("run", run_url(r))):
        response = coordinator.get(url)
        assert response.status_code == 200, url
        files[name] = tmp_path / f"{name}.xlsx"
        files[name].write_bytes(response.get_data())
    out = soffice(tmp_path, CSV_FILTER, *files.values())
    sheets = {name: read_csv(out / f"{name}.csv") for name in files}

    def table(rows: list[list[str]], first: str) -> tuple[dict, list[list[str]]]:
        at = next(i for i, row in enumerate(rows) if row and row[0] == first)
        facts = {row[0]: row[1] for row in rows[1:at] if row and row[0]}
        return facts, rows[at:]

    facts, rows = table(sheets["plan"], "Nr")
    assert facts["Diarienummer"] == "RS-2021-0998" and facts["Beslutsdatum"] == "2021-12-08"
    assert tuple(rows[0][:len(PLAN_HEADERS)]) == PLAN_HEADERS
    assert [int(row[0]) for row in rows[1:]] == [*range(1, 6), made.number]
    assert rows[-1][1] == FORMULA_LIKE[0]
    assert rows[2][1] == control(2).title

    facts, rows = table(sheets["follow_up"], "Nr")
    assert facts["Period"] == "DÅ08 2022 (2022-T2)"
    assert tuple(rows[0][:len(FOLLOW_UP_HEADERS)]) == FOLLOW_UP_HEADERS
    assert {int(row[0]) for row in rows[1:]} == {*range(1, 6), made.number}
    assert any(row[1] == FORMULA_LIKE[0] for row in rows[1:])

    facts, rows = table(sheets["run"], "Position")
    assert facts["Seed"] == "lo-seed" and facts["Algoritm"] == "sha256-v1"
    assert tuple(rows[0][:len(SAMPLE_HEADERS)]) == SAMPLE_HEADERS
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 8))
    assert {row[2] for row in rows[1:]} == {*FORMULA_LIKE, "F-1", "F-2"}
