"""The spreadsheet import (issue 12): preview (new / changed old → new / unchanged / error
with the reason), one confirm that saves everything or nothing with one audit event of the
import, hostile files refused with nothing saved, permissions, and the round trips
(export → import changes nothing; three edited cells change exactly those three)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.reports import importing
from tests.conftest import db_state, form_errors, unit
from tests.helpers.measures import measure
from tests.helpers.risks import NLL_NUMBERS, NLL_OWNER, assessment, plan_of, risk
from tests.helpers.xlsx import (
    confirm,
    edit_cells,
    rezip,
    sheet_rows,
    statuses,
    token_in,
    upload,
    workbook,
)

SF = "/xlsx/risks.xlsx?layout=success_factor&period=2022-T2"
EVENT = ("Vad kan hända som innebär att förväntad/önskad funktion eller resultat inte "
         "uppfylls?")
CAUSE = "Beskriv orsaken till att risken inträffar"
FACTOR = "Framgångsfaktor (Förväntad/önskad funktion eller resultat)"


@pytest.fixture
def exported(coordinator, t2) -> bytes:
    response = coordinator.get(SF)
    assert response.status_code == 200
    return response.get_data()


@pytest.fixture(autouse=True)
def xlsx_dir(app, monkeypatch, tmp_path):
    """Jobs and stashed imports in a temporary folder (not instance/)."""
    monkeypatch.setitem(app.config, "RISKREG_XLSX_DIR", str(tmp_path / "xlsx"))
    return tmp_path / "xlsx"


def imported_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "import")))


def preview(client, data: bytes, **kw) -> str:
    response = upload(client, data, **kw)
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    return response.get_data(as_text=True)


# -- round trips ------------------------------------------------------------------------------
def test_export_then_import_of_the_same_file_changes_nothing(coordinator, exported):
    before = db_state()
    html = preview(coordinator, exported)
    assert statuses(html) == ["unchanged"] * len(NLL_NUMBERS)
    assert "/xlsx/import/" not in html  # nothing to confirm
    assert db_state() == before  # the preview itself saves nothing


def test_three_edited_cells_change_exactly_those_three(coordinator, exported):
    edited = edit_cells(exported, {(1, CAUSE): "En ny orsak.", (3, "Sannolikhet"): 4,
                                   (7, EVENT): "Ett nytt riskscenario."})
    r1, r3, r7 = risk("NLL", 1), risk("NLL", 3), risk("NLL", 7)
    old_cause, old_event = r1.cause, r7.event
    old3 = assessment(r3, "2022-T2")
    html = preview(coordinator, edited)
    assert statuses(html).count("changed") == 3
    assert statuses(html).count("unchanged") == len(NLL_NUMBERS) - 3
    assert "En ny orsak." in html and f"{old3.likelihood} → 4" in html
    response = confirm(coordinator, token_in(html))
    assert response.status_code == 302
    db.session.expire_all()
    assert risk("NLL", 1).cause == "En ny orsak." and old_cause != "En ny orsak."
    assert risk("NLL", 7).event == "Ett nytt riskscenario." and old_event != risk("NLL", 7).event
    now3 = assessment(risk("NLL", 3), "2022-T2")
    assert (now3.likelihood, now3.consequence) == (4, old3.consequence)
    assert now3.comment == old3.comment
    # the same file again: nothing left to change
    again = coordinator.get(SF).get_data()
    assert statuses(preview(coordinator, again)) == ["unchanged"] * len(NLL_NUMBERS)
    # one audit event of the import with its three rows, beside the risks' own events
    (event,) = imported_events()
    assert event.new["changed"] == 3 and event.new["new"] == 0
    assert sorted(r["nr"] for r in event.new["rows"]) == [1, 3, 7]
    assert event.unit_id == unit("NLL-RS").id


def test_unit_risks_round_trip(coordinator_sormland, set_today):
    set_today("2024-06-15")
    url = "/xlsx/risks.xlsx?layout=unit&period=2024-T2"
    data = coordinator_sormland.get(url).get_data()
    html = preview(coordinator_sormland, data, layout="unit", unit_code="SRM-PV",
                   period="2024-T2")
    assert statuses(html) == ["unchanged"] * 5
    edited = edit_cells(data, {(4, "Typ av hantering"): "Åtgärd", (1, "Sannolikhet"): 1,
                               (1, "Konsekvens"): 1, (1, "Riskvärde"): 1})
    html = preview(coordinator_sormland, edited, layout="unit", unit_code="SRM-PV",
                   period="2024-T2")
    assert statuses(html).count("changed") == 2
    assert confirm(coordinator_sormland, token_in(html)).status_code == 302
    db.session.expire_all()
    assert risk("SRM", 4).handling_type == "measure"
    assert assessment(risk("SRM", 1), "2024-T2").value == 1


def test_measures_round_trip(coordinator, t2):
    url = f"/xlsx/measures.xlsx?unit={unit('NLL-RS').id}&period=2022-T1"
    data = coordinator.get(url).get_data()
    rows = sheet_rows(data)
    count = len(rows) - 1
    html = preview(coordinator, data, layout="measures", period="2022-T1")
    assert statuses(html) == ["unchanged"] * count
    number = rows[1][0]
    edited = edit_cells(data, {(number, "Kommentar"): "Inget nytt att redovisa",
                               (number, "Status"): "▲"})
    html = preview(coordinator, edited, layout="measures", period="2022-T1")
    assert statuses(html).count("changed") == 1
    assert confirm(coordinator, token_in(html)).status_code == 302
    db.session.expire_all()
    m = measure(number)
    fu = next(f for f in m.follow_ups if str(f.period) == "2022-T1")
    assert fu.comment == "Inget nytt att redovisa" and fu.status.symbol == "▲"


# -- preview: new, errors -----------------------------------------------------------------------
def test_new_rows_and_errors_are_listed_and_an_error_blocks_the_save(coordinator, exported):
    wb = openpyxl.load_workbook(io.BytesIO(exported))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    factor = ws.cell(row=2, column=header.index(FACTOR) + 1).value

    def row(**values):
        return [values.get(h) for h in header]

    ws.append(row(**{FACTOR: factor, EVENT: "Något nytt kan hända.", "Konsekvens": 2,
                     "Sannolikhet": 2, "Risk": 4}))
    ws.append(row(**{FACTOR: "Ingen sådan faktor", EVENT: "X"}))
    ws.append(row(**{FACTOR: factor, EVENT: "Y", "Konsekvens": 3, "Sannolikhet": 3,
                     "Risk": 8}))
    ws.append(row(**{"Nr": 1, FACTOR: factor, EVENT: "Dubbel"}))
    out = io.BytesIO()
    wb.save(out)
    before = db_state()
    html = preview(coordinator, out.getvalue(), owner_email=NLL_OWNER)
    found = statuses(html)
    assert found.count("new") == 1 and found.count("error") == 3
    assert "Ingen sådan faktor" in html and "appears twice" in html or "två gånger" in html
    assert "Sannolikhet" in html
    assert "/xlsx/import/" not in html  # no confirm while a row is in error
    assert db_state() == before


def test_new_risk_is_created_on_confirm(coordinator, exported):
    wb = openpyxl.load_workbook(io.BytesIO(exported))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    factor = ws.cell(row=2, column=header.index(FACTOR) + 1).value
    new = {FACTOR: factor, EVENT: "Något nytt kan hända. Mer text.", "Konsekvens": 2,
           "Sannolikhet": 3}
    ws.append([new.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    html = preview(coordinator, out.getvalue(), owner_email=NLL_OWNER)
    assert statuses(html).count("new") == 1
    assert confirm(coordinator, token_in(html)).status_code == 302
    db.session.expire_all()
    made = risk("NLL", 18)
    assert made.title == "Något nytt kan hända" and made.owner.email == NLL_OWNER
    assert assessment(made, "2022-T2").value == 6


def test_new_risks_need_an_owner(coordinator, exported):
    wb = openpyxl.load_workbook(io.BytesIO(exported))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    factor = ws.cell(row=2, column=header.index(FACTOR) + 1).value
    ws.append([{FACTOR: factor, EVENT: "Ny"}.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    html = preview(coordinator, out.getvalue())
    assert statuses(html).count("error") == 1


def test_a_failure_on_confirm_saves_nothing(coordinator, exported, monkeypatch):
    edited = edit_cells(exported, {(1, CAUSE): "Ny orsak", (2, CAUSE): "Ny orsak 2"})
    html = preview(coordinator, edited)
    before = db_state()
    calls = []
    original = importing._apply_risk

    def fail_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise importing.ServiceError("Stopp.")
        return original(*args)

    monkeypatch.setattr(importing, "_apply_risk", fail_second)
    response = confirm(coordinator, token_in(html))
    assert response.status_code == 400
    assert db_state() == before


# -- hostile files ----------------------------------------------------------------------------
def _refused(client, data: bytes, code: str, filename: str = "risker.xlsx"):
    """The upload is refused as a whole with the reason ``code`` and nothing is saved."""
    before = db_state()
    response = upload(client, data, filename=filename)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'data-refusal="{code}"' in html, html[-2000:]
    assert form_errors(response)
    assert db_state() == before
    return html


def test_not_a_zip(coordinator, t2):
    _refused(coordinator, b"Nr;Risk\n1;x\n", "not_xlsx")
    _refused(coordinator, b"\xd0\xcf\x11\xe0" + b"\0" * 600, "not_xlsx")


def test_a_zip_bomb_is_refused_before_openpyxl(coordinator, exported, monkeypatch):
    bomb = rezip(exported, add={"xl/media/bomb.bin": b"\0" * (3 * 1024 * 1024)})
    opened = []
    monkeypatch.setattr(importing, "load_workbook", lambda *a, **k: opened.append(1))
    _refused(coordinator, bomb, "zip_bomb")
    assert not opened
    monkeypatch.setattr(importing, "MAX_UNPACKED", 1024)
    _refused(coordinator, exported, "zip_bomb")


def test_macros_are_refused(coordinator, exported):
    _refused(coordinator, rezip(exported, add={"xl/vbaProject.bin": b"macro"}), "macros")
    _refused(coordinator, exported, "macros", filename="risker.xlsm")


def test_external_links_are_refused(coordinator, exported):
    _refused(coordinator, rezip(exported, add={
        "xl/externalLinks/externalLink1.xml": b"<externalLink/>"}), "external_links")


def test_formulas_where_values_are_expected_are_refused(coordinator, exported):
    edited = edit_cells(exported, {(3, "Sannolikhet"): "=2+2"})
    html = _refused(coordinator, edited, "formulas")
    assert "G4" in html  # the cell is named (Sannolikhet of the third risk)


def test_more_rows_than_the_cap_are_refused(coordinator, exported, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    _refused(coordinator, exported, "too_many_rows")


def test_missing_headers_are_named(coordinator, t2):
    data = workbook(["Nr", "Framgångsfaktor", "Vad kan hända"], [[1, "x", "y"]])
    html = _refused(coordinator, data, "headers")
    assert "Beskriv orsaken till att risken inträffar" in html
    assert "Kontrollmetod - Hur kontrolleras" in html
    assert "Vad blir det för konsekvens om risken inträffar?" in html


def test_a_broken_workbook_is_refused(coordinator, exported):
    _refused(coordinator, rezip(exported, replace={"xl/worksheets/sheet1.xml": b"<not xml"}),
             "unreadable")


def test_defusedxml_is_used_by_openpyxl():
    from openpyxl import xml

    assert xml.DEFUSEDXML is True


# -- permissions -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["owner", "board", "owner_ls1", "admin"])
def test_owners_board_and_admins_cannot_import(as_role, t2, role):
    client = as_role(role)
    assert client.get("/xlsx/import").status_code == 403
    assert "/xlsx/import" not in client.get("/risks/").get_data(as_text=True)


def test_a_coordinator_imports_only_into_their_units(coordinator_ls1, coordinator, exported):
    before = db_state()
    response = upload(coordinator_ls1, exported, unit_code="NLL-RS")
    assert response.status_code in (400, 403)
    assert db_state() == before
    # into their own unit, Regionstyrelsen's risks are not theirs
    html = upload(coordinator_ls1, exported, unit_code="NLL-LS1").get_data(as_text=True)
    assert set(statuses(html)) == {"error"} and "/xlsx/import/" not in html


def test_the_stash_is_the_uploaders_only(coordinator, exported, login_as):
    edited = edit_cells(exported, {(1, CAUSE): "Ny orsak"})
    token = token_in(preview(coordinator, edited))
    other = login_as("samordnare.ls1@norrbotten.example")
    before = db_state()
    assert other.post_form(f"/xlsx/import/{token}", page="/xlsx/import").status_code == 404
    assert db_state() == before
    assert coordinator.post_form("/xlsx/import/" + "B" * 32,
                                 page="/xlsx/import").status_code == 404


def test_the_plan_must_cover_the_unit(coordinator, exported):
    html = upload(coordinator, exported, plan=plan_of("SRM")).get_data(as_text=True)
    assert "/xlsx/import/" not in html


# -- large files: the preview made in the background --------------------------------------------
def test_a_large_upload_is_previewed_in_the_background(app, coordinator, exported, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_XLSX_BACKGROUND_ROWS", 5)
    edited = edit_cells(exported, {(4, CAUSE): "Orsak i bakgrunden"})
    response = upload(coordinator, edited)
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    html = coordinator.get(preview_url).get_data(as_text=True)
    assert statuses(html).count("changed") == 1
    # while it is being made: the progress, then the preview
    from riskreg.reports import files

    token = token_in(html)
    files.stash_state(token, state="planning", done=500, total=1000)
    waiting = coordinator.get(preview_url).get_data(as_text=True)
    assert 'data-testid="import-progress"' in waiting and 'value="500"' in waiting
    files.stash_state(token, state="ready")
    assert confirm(coordinator, token).status_code == 302
    db.session.expire_all()
    assert risk("NLL", 4).cause == "Orsak i bakgrunden"


def test_a_large_upload_refused_in_the_background_says_why(app, coordinator, exported,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_XLSX_BACKGROUND_ROWS", 5)
    before = db_state()
    response = upload(coordinator, edit_cells(exported, {(3, "Sannolikhet"): "=1+1"}))
    assert response.status_code == 303
    page = coordinator.get(response.headers["Location"], follow_redirects=True)
    assert "G4" in page.get_data(as_text=True)  # the formula's cell, in the message
    assert db_state() == before


def test_a_file_beyond_the_upload_cap_is_refused(coordinator, exported, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UPLOAD", 1024)
    _refused(coordinator, exported, "too_large")
