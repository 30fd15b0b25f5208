"""Helpers of the spreadsheet tests: reading a workbook back with openpyxl, building
workbooks (honest and hostile) in memory, and the import's upload and confirm."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl

from tests.conftest import unit, user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(data: bytes, sheet: int | str = 0) -> list[tuple]:
    """Every row of a sheet as values (openpyxl, read-only)."""
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet]
        return [tuple(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name).decode("utf-8")


def by_header(rows: list[tuple], key: str = "Nr") -> dict:
    """Data rows as {key value: {header: value}}."""
    header = rows[0]
    return {r[header.index(key)]: dict(zip(header, r, strict=False)) for r in rows[1:]}


def edit_cells(data: bytes, edits: dict[tuple[int, str], object]) -> bytes:
    """The workbook with cells changed: {(risk number, header): value} (openpyxl,
    normal mode, as a person editing the file would save it)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for (number, name), value in edits.items():
            if row[0].value == number:
                row[header.index(name)].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(headers: list[str], rows: list[list], title: str = "Blad1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, add: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
          replace: dict[str, bytes] | None = None) -> bytes:
    """The workbook's zip with parts added, dropped or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def upload(client, data: bytes, layout: str = "success_factor", unit_code: str = "NLL-RS",
           plan=None, period: str = "2022-T2", owner_email: str | None = None,
           filename: str = "risker.xlsx"):
    """POST the import form with a file (CSRF token from the upload page)."""
    from tests.helpers.risks import plan_of

    plan = plan or plan_of("NLL" if unit_code.startswith("NLL") else "SRM")
    form = {"layout": layout, "unit": str(unit(unit_code).id), "plan": str(plan.id),
            "period": period, "owner": str(user(owner_email).id) if owner_email else "",
            "csrf_token": client.csrf_token("/xlsx/import"),
            "file": (io.BytesIO(data), filename)}
    return client.post("/xlsx/import", data=form, content_type="multipart/form-data")


def token_in(html: str) -> str:
    match = re.search(r'action="/xlsx/import/([A-Za-z0-9_-]{32})"', html)
    assert match, "no confirm form on the preview"
    return match.group(1)


def statuses(html: str) -> list[str]:
    return re.findall(r'data-status="(\w+)"', html)


def confirm(client, token: str):
    return client.post_form(f"/xlsx/import/{token}", page="/xlsx/import")


def stash_of(email: str, period: str = "2022-T2") -> str:
    """A stashed upload of ``email`` (a coordinator of NLL-RS): Regionstyrelsen's
    success-factor risks with one cause changed, as the preview keeps it; its token."""
    from riskreg.domain.periods import Period
    from riskreg.reports import files, workbooks
    from riskreg.risks.queries import RegisterFilter
    from tests.helpers.risks import plan_of

    who = user(email)
    out = io.BytesIO()
    workbooks.write_risks(out, who, RegisterFilter(period=Period.parse(period)),
                          "success_factor", "Region Norrbotten")
    data = edit_cells(out.getvalue(), {(1, "Beskriv orsaken till att risken inträffar"):
                                       "En ändrad orsak"})
    return files.stash(who.id, data, {
        "layout": "success_factor", "unit": unit("NLL-RS").id, "plan": plan_of("NLL").id,
        "period": period, "owner": None, "filename": "fuzz.xlsx"})
