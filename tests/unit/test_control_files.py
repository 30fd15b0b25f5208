"""Evidence and population files: the kind decided by content, columns read from CSV and
xlsx (riskreg/controls/files.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from riskreg.controls import files

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 20


def xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_kinds_by_content_not_by_name():
    assert files.sniff(PDF) == "pdf"
    assert files.sniff(PNG) == "png"
    assert files.sniff(JPG) == "jpg"
    assert files.sniff(xlsx([["a"]])) == "xlsx"
    assert files.sniff(docx()) == "docx"
    assert files.sniff(b"Faktura;Belopp\nF-1;100\n") == "csv"


@pytest.mark.parametrize("data", [b"MZ\x90\x00\x03\x00", b"\x00\x01\x02binary", b"",
                                  b"PK\x03\x04not really a zip", b"GIF89a\x01\x00\x01\x00"])
def test_other_content_is_refused(data):
    assert files.sniff(data) is None


def test_a_zip_that_is_not_office_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("evil.exe", "MZ")
    assert files.sniff(out.getvalue()) is None


def test_csv_column_by_header_letter_or_number():
    data = b"Fakturanr;Belopp\nF-1;100\nF-2;200\n\nF-3;300\n"
    assert files.read_column(data, "Fakturanr", True) == ["F-1", "F-2", "F-3"]
    assert files.read_column(data, "B", True) == ["100", "200", "300"]
    assert files.read_column(data, "1", False)[0] == "Fakturanr"


def test_xlsx_column_read_only():
    data = xlsx([["Faktura", "Belopp"], ["F-10", 12.0], [1001, 3], [None, 4]])
    assert files.read_column(data, "Faktura", True) == ["F-10", "1001"]


def test_a_missing_column_and_a_pdf_population_are_refused():
    with pytest.raises(files.FileRefused):
        files.read_column(b"a,b\n1,2\n", "Nope", True)
    with pytest.raises(files.FileRefused):
        files.read_column(PDF, "A", False)
